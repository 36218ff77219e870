"""Threshold profiles: parameter values and waivers, validated before anything runs."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, ROOT

RIVERSIDE = FIXTURES / "riverside-community.yaml"


def profile(tmp_path, text: str):
    p = tmp_path / "profile.yaml"
    p.write_text(text)
    return p


def assess_json(run_cli, *args):
    code, out, err = run_cli("assess", RIVERSIDE, "--format", "json", "--fail-on", "none", *args)
    assert code == 0, err
    data = json.loads(out)
    return data, {f["rule_id"]: f for f in data["findings"]}


def test_a_profile_changes_a_threshold_and_the_report_records_it(run_cli, tmp_path):
    _, before = assess_json(run_cli)
    assert before["TRN-001"]["outcome"] == "met"  # 575 of 610 = 94.3%
    p = profile(tmp_path, "name: Northshire ICB standard 2026\nparameters:\n  TRN-001: {threshold: 95}\n")
    data, after = assess_json(run_cli, "--profile", p)
    assert after["TRN-001"]["outcome"] == "not_met" and after["TRN-001"]["parameters"]["threshold"] == 95
    assert data["profile"]["name"] == "Northshire ICB standard 2026"
    assert data["profile"]["parameters"] == {"TRN-001": {"threshold": 95}}
    assert len(data["profile"]["sha256"]) == 64
    assert {k: v["outcome"] for k, v in before.items() if k != "TRN-001"} == \
           {k: v["outcome"] for k, v in after.items() if k != "TRN-001"}


def test_a_waived_rule_keeps_its_real_result_and_does_not_fail_the_run(run_cli, tmp_path):
    _, before = assess_json(run_cli)
    failing = next(k for k, v in before.items() if v["outcome"] == "not_met" and v["severity"] in ("high", "critical"))
    p = profile(tmp_path, f"name: Local waivers\ndisable:\n  {failing}: {{reason: Agreed with the ICB, expires: 2999-01-01}}\n")
    _, after = assess_json(run_cli, "--profile", p)
    f = after[failing]
    assert f["outcome"] == "waived" and f["message"].startswith("Waived (evaluated as not met): ")
    assert f["waiver"] == {"reason": "Agreed with the ICB", "expires": "2999-01-01", "expired": False}


def test_an_expired_waiver_is_evaluated_normally_and_shown_as_expired(run_cli, tmp_path):
    p = profile(tmp_path, "name: Old waivers\ndisable:\n  MIS-001: {reason: Was agreed in 2020, expires: 2021-01-01}\n")
    _, after = assess_json(run_cli, "--profile", p)
    assert after["MIS-001"]["outcome"] == "not_met" and after["MIS-001"]["waiver"]["expired"] is True
    code, out, _ = run_cli("assess", RIVERSIDE, "--profile", p, "--fail-on", "none")
    assert "Waiver expired on 2021-01-01 (no longer applies): Was agreed in 2020" in out and "Waived: Was" not in out


@pytest.mark.parametrize("text,fragments", [
    ("name: Profile one\nparameters:\n  TRN-777: {threshold: 90}\n", ["line 3", "parameters.TRN-777", "no rule TRN-777"]),
    ("name: Profile one\nparameters:\n  TRN-001: {treshold: 90}\n", ["line 3", "no parameter 'treshold'", "it has: renewal_months, threshold"]),
    ("name: Profile one\nparameters:\n  TRN-001: {threshold: 120}\n", ["line 3", "120 is outside the range 0 to 100"]),
    ("name: Profile one\ndisable:\n  GOV-006: {expires: 2026-01-01}\n", ["line 3", "disable.GOV-006.reason", "required"]),
    ("name: Profile one\nthresholds: {}\n", ["line 2", "unknown field 'thresholds'"]),
])
def test_invalid_profiles_stop_the_run_with_file_and_line(run_cli, tmp_path, text, fragments):
    p = profile(tmp_path, text)
    code, out, err = run_cli("assess", RIVERSIDE, "--profile", p)
    assert code == 2 and out == "" and err.startswith(f"error: {p}: invalid profile: ")
    for fragment in fragments:
        assert fragment in err


def test_lint_flags_a_parameter_nothing_reads(run_cli, tmp_path):
    folder = tmp_path / "training"
    folder.mkdir()
    text = (ROOT / "rules/training/TRN-001.yaml").read_text().replace(
        "parameters:\n", "parameters:\n  unused: {default: 3, description: \"read by nothing\"}\n")
    (folder / "TRN-001.yaml").write_text(text)
    code, out, _ = run_cli("rules", "lint", tmp_path)
    assert code == 1 and "parameter 'unused' is never read" in out
