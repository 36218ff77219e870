"""`safeguard diff`: a rule change lists exactly the findings it changes, from folders or git revisions."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from conftest import FIXTURES, ROOT, fixture_files

from compliance.app.diff import DiffReport, compare_rules
from compliance.intake.returns import load_assessment
from compliance.catalogue.loading import load_rules

RULES = ROOT / "rules"


def copy_rules(tmp_path, name="head"):
    target = tmp_path / name
    shutil.copytree(RULES, target)
    return target


def set_threshold(folder, rule="training/TRN-001.yaml", old="default: 90,", new="default: 95,"):
    path = folder / rule
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def run_json(run_cli, *args):
    code, out, err = run_cli("diff", *args, "--format", "json")
    assert code == 0, err
    return DiffReport.model_validate_json(out)


def test_a_threshold_change_lists_exactly_the_findings_it_changes(run_cli, tmp_path, evaluator):
    head = copy_rules(tmp_path)
    set_threshold(head)
    report = run_json(run_cli, "--base", RULES, "--head", head, FIXTURES)

    assert [(c.rule_id, c.change, [(f.path, f.before, f.after) for f in c.fields]) for c in report.rule_changes] == [
        ("TRN-001", "changed", [("parameters.threshold.default", 90, 95)])]
    assert {c.rule_id for c in report.finding_changes} == {"TRN-001"}
    # Outcomes flip exactly where coverage lies in [90, 95): read from the base findings' evidence.
    flips = set()
    for path in fixture_files():
        doc, _ = load_assessment(path)
        trn = next(f for f in evaluator.evaluate(doc) if f.rule_id == "TRN-001")
        coverage = next(e.value for e in trn.evidence if e.measure == "coverage")
        if coverage is not None and 90 <= coverage < 95:
            flips.add(doc.organisation.id)
    assert flips, "the fixtures should include an organisation between the two thresholds"
    assert {c.organisation for c in report.finding_changes} == flips
    for c in report.finding_changes:
        assert (c.before.outcome.value, c.after.outcome.value) == ("met", "not_met") and c.kind == "outcome"
    # Everyone else keeps their verdict; only the threshold quoted in the message differs, and that
    # is summarised apart, never listed as a `met -> met` change.
    assert report.wording_changes and {c.organisation for c in report.wording_changes}.isdisjoint(flips)
    for c in report.wording_changes:
        assert c.what == ["message"] and c.kind == "wording" and "95" in c.after.message


def test_added_and_removed_rules_are_listed_with_their_findings(run_cli, tmp_path):
    head = copy_rules(tmp_path)
    (head / "alerts" / "ALR-002.yaml").unlink()
    text = (RULES / "training" / "TRN-001.yaml").read_text().replace("id: TRN-001", "id: TRN-901", 1)
    (head / "training" / "TRN-901.yaml").write_text(text)
    report = run_json(run_cli, "--base", RULES, "--head", head)  # default inputs: fixtures/organisations
    assert [(c.rule_id, c.change) for c in report.rule_changes] == [("ALR-002", "removed"), ("TRN-901", "added")]
    assert report.rules_after == report.rules_before
    orgs = {load_assessment(p)[0].organisation.id for p in fixture_files()}
    assert report.organisations == len(orgs)
    removed = {c.organisation for c in report.finding_changes if c.rule_id == "ALR-002" and c.after is None}
    added = {c.organisation for c in report.finding_changes if c.rule_id == "TRN-901" and c.before is None}
    assert removed == added == orgs
    assert len(report.finding_changes) == 2 * len(orgs) and report.wording_changes == []


def test_identical_rules_change_nothing_and_fail_on_change_exit_codes(run_cli, tmp_path):
    same = copy_rules(tmp_path)
    for level in ([], ["outcome"], ["severity"], ["any"]):
        code, out, _ = run_cli("diff", "--base", RULES, "--head", same, "--fail-on-change", *level)
        assert code == 0 and "No changes." in out
    set_threshold(same)
    assert run_cli("diff", "--base", RULES, "--head", same)[0] == 0
    code, out, _ = run_cli("diff", "--base", RULES, "--head", same, "--fail-on-change")  # bare: outcome
    assert code == 1 and "TRN-001 changed" in out and "parameters.threshold.default: 90 -> 95" in out
    lines = out.splitlines()
    changes = lines[lines.index("Outcome and severity changes") + 1:lines.index("Wording only (same outcome and severity)")]
    assert changes and not any("met (high) -> met (high)" in line for line in changes)


@pytest.mark.slow
def test_fail_on_change_levels_tell_outcomes_from_severities_from_wording(run_cli, tmp_path):
    """A reworded message fails only `any`; a new severity of failing findings fails `severity` and
    `any`; a changed outcome fails every level."""
    worded = copy_rules(tmp_path, "worded")
    set_threshold(worded, old="are in date; the standard is {threshold}%.\"\n  not_met", new="are in date; our standard is {threshold}%.\"\n  not_met")
    severe = copy_rules(tmp_path, "severe")
    set_threshold(severe, rule="information_sharing/INF-002.yaml", old="severity: high", new="severity: critical")
    expected = {"worded": {"outcome": 0, "severity": 0, "any": 1},
                "severe": {"outcome": 0, "severity": 1, "any": 1}}
    for name, head in (("worded", worded), ("severe", severe)):
        report = run_json(run_cli, "--base", RULES, "--head", head)
        assert report.wording_changes or report.finding_changes
        for level, code in expected[name].items():
            assert run_cli("diff", "--base", RULES, "--head", head, "--fail-on-change", level)[0] == code, (name, level)
    report = run_json(run_cli, "--base", RULES, "--head", worded)
    assert report.finding_changes == [] and {c.rule_id for c in report.wording_changes} == {"TRN-001"}
    report = run_json(run_cli, "--base", RULES, "--head", severe)
    assert report.finding_changes and all(c.kind == "severity" and c.after.severity.value == "critical"
                                          for c in report.finding_changes)
    # Passing findings of the rule keep their verdict: their new severity is not a change to act on.
    assert all(c.after.outcome.value not in ("not_met", "insufficient_evidence") for c in report.wording_changes)


def test_diff_without_inputs_uses_the_bundled_returns_wherever_it_runs(run_cli, tmp_path, monkeypatch):
    head = copy_rules(tmp_path)
    set_threshold(head)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    report = run_json(run_cli, "--base", RULES, "--head", head)
    assert report.organisations == len(fixture_files()) and report.finding_changes


def test_markdown_is_a_summary_a_table_and_collapsed_details(run_cli, tmp_path):
    head = copy_rules(tmp_path)
    set_threshold(head)
    report = run_json(run_cli, "--base", RULES, "--head", head)
    code, md, _ = run_cli("diff", "--base", RULES, "--head", head, "--format", "markdown")
    assert code == 0
    lines = md.splitlines()
    assert lines[0].startswith("### safeguard diff") and lines[2].startswith("**") and lines[2].endswith("**")
    rows = [line for line in lines if line.startswith("| ")]
    header, separator, body = rows[0], rows[1], rows[2:]
    assert header.startswith("| Organisation | Rule | Before | After |") and separator.startswith("| --- |")
    assert len(body) == len(report.finding_changes)  # wording-only changes are not rows
    assert f"Wording only: {len(report.wording_changes)} finding(s)" in md
    cells = lambda row: re.split(r"(?<!\\)\|", row)  # noqa: E731 (an escaped pipe is inside a cell)
    assert all(len(cells(r)) == len(cells(header)) for r in body)
    assert {tuple(c.strip() for c in cells(r)[1:3]) for r in body} == {(c.organisation, c.rule_id) for c in report.finding_changes}
    assert md.count("<details>") == md.count("</details>") >= 1
    assert "`parameters.threshold.default`: `90` → `95`" in md


def test_json_is_the_report_model(run_cli, tmp_path):
    head = copy_rules(tmp_path)
    set_threshold(head)
    code, out, _ = run_cli("diff", "--base", RULES, "--head", head, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["base"] == str(RULES) and data["finding_changes"]
    assert DiffReport.model_validate(data).model_dump(mode="json") == data


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(cwd), "PATH": "/usr/bin:/bin"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_revisions_of_a_rules_folder(run_cli, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    copy_rules(repo, "rules")
    git(repo, "init", "-q")
    git(repo, "add", "rules")
    git(repo, "commit", "-qm", "base")
    set_threshold(repo / "rules")
    git(repo, "commit", "-qam", "stricter")
    (repo / "rules" / "training" / "TRN-001.yaml").write_text("not: [a rule")  # the working tree is not read
    monkeypatch.chdir(repo)
    report = run_json(run_cli, "--base", "HEAD~1:rules", "--head", "HEAD:rules", FIXTURES)
    assert [(c.rule_id, [f.path for f in c.fields]) for c in report.rule_changes] == [
        ("TRN-001", ["parameters.threshold.default"])]
    assert report.base == "HEAD~1:rules" and report.finding_changes
    assert (repo / "rules" / "training" / "TRN-001.yaml").read_text() == "not: [a rule"

    code, out, err = run_cli("diff", "--base", "no-such-branch:rules", "--head", "HEAD:rules", FIXTURES)
    assert code == 2 and out == "" and "no-such-branch" in err and "git fetch" in err and "Traceback" not in err

    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, _, err = run_cli("diff", "--base", "HEAD~1:rules", "--head", "HEAD:rules", FIXTURES)
    assert code == 2 and "needs git" in err


def test_invalid_rules_or_inputs_exit_2(run_cli, tmp_path):
    head = copy_rules(tmp_path)
    (head / "training" / "TRN-001.yaml").write_text("id: TRN-001\ntitle: [broken\n")
    code, _, err = run_cli("diff", "--base", RULES, "--head", head, FIXTURES)
    assert code == 2 and "TRN-001.yaml" in err and "invalid rules" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: '1'\norganisation: {id: X}\n")
    code, _, err = run_cli("diff", "--base", RULES, "--head", RULES, bad)
    assert code == 2 and str(bad) in err and "invalid input" in err
    code, _, err = run_cli("diff", "--base", RULES, "--head", RULES, tmp_path / "missing")
    assert code == 2 and "no such file or folder" in err


def test_compare_rules_sees_scope_condition_and_measure_changes():
    rules = load_rules([RULES]).rules
    trn = next(r for r in rules if r.id == "TRN-001")
    changed = trn.model_copy(update={
        "condition": trn.condition.model_copy(update={"gte": ("coverage", 80)}),
        "applies_to": trn.applies_to.model_copy(update={"org_types": trn.applies_to.org_types[:1]}),
    })
    [change] = compare_rules([trn], [changed])
    assert [f.path for f in change.fields] == ["applies_to.org_types", "condition.gte"]
    assert change.fields[1].before == ["coverage", "threshold"] and change.fields[1].after == ["coverage", 80]
