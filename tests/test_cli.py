"""`safeguard assess` and `safeguard schema` as a user drives them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT, fixture_files

from compliance.domain.result import Report

NORTHFIELD = FIXTURES / "northfield-acute.yaml"


def test_text_report_fits_80_columns_and_is_not_coloured_when_piped(run_cli):
    for path in fixture_files():
        code, out, _ = run_cli("assess", path, "-v", "--fail-on", "none")
        assert code == 0
        assert max(len(line) for line in out.splitlines()) <= 80
        assert "\x1b[" not in out
        assert out.splitlines()[0].startswith(path.read_text().split("name: ", 1)[1].split("\n", 1)[0])


def test_json_report_is_versioned_and_parses_back(run_cli, ruleset):
    code, out, _ = run_cli("assess", NORTHFIELD, "--format", "json", "--fail-on", "none")
    assert code == 0
    data = json.loads(out)
    assert data["report_version"] == "1"
    assert data["rules"]["sha256"] == ruleset.digest and data["rules"]["count"] == len(ruleset.rules)
    assert len(data["input"]["sha256"]) == 64
    report = Report.model_validate(data)
    assert len(report.findings) == len(ruleset.rules)
    assert sum(report.summary.outcomes.values()) == len(ruleset.rules)


def test_exit_code_follows_fail_on(run_cli, evaluator):
    from compliance.intake.returns import load_assessment

    findings = evaluator.evaluate(load_assessment(NORTHFIELD)[0])
    worst = max((f.severity.rank for f in findings if f.failing), default=0)
    for level, rank in (("critical", 4), ("high", 3), ("medium", 2), ("low", 1)):
        code, _, _ = run_cli("assess", NORTHFIELD, "--fail-on", level)
        assert code == (1 if worst >= rank else 0), level
    assert run_cli("assess", NORTHFIELD, "--fail-on", "none")[0] == 0


def test_output_file_is_written_and_matches_stdout(run_cli, tmp_path):
    target = tmp_path / "report.json"
    code, out, _ = run_cli("assess", NORTHFIELD, "--format", "json", "-o", target, "--fail-on", "none")
    assert code == 0 and out == ""
    assert target.read_text() == run_cli("assess", NORTHFIELD, "--format", "json", "--fail-on", "none")[1]
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"], "no temporary files left behind"


def test_a_failed_run_leaves_an_existing_output_untouched(run_cli, tmp_path):
    target = tmp_path / "report.json"
    target.write_text("previous report")
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\n")
    assert run_cli("assess", bad, "-o", target)[0] == 2
    assert target.read_text() == "previous report"


def test_output_into_a_missing_folder_is_a_clear_error(run_cli, tmp_path):
    code, _, err = run_cli("assess", NORTHFIELD, "-o", tmp_path / "no" / "r.txt")
    assert code == 2 and "does not exist" in err


def test_an_internal_error_exits_3_never_0(run_cli, monkeypatch):
    from compliance.evaluation import evaluator as evaluate

    def broken(self, doc, *args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(evaluate.Evaluator, "evaluate", broken)
    code, out, err = run_cli("assess", NORTHFIELD)
    assert code == 3 and "internal error" in err and "simulated bug" in err and "Traceback" not in err


def test_usage_errors_exit_2(run_cli):
    assert run_cli("assess")[0] == 2
    assert run_cli("assess", NORTHFIELD, "--fail-on", "urgent")[0] == 2
    assert run_cli("assess", NORTHFIELD, "--format", "pdf")[0] == 2


def test_schema_command_prints_the_model_schema(run_cli):
    from compliance.domain.model import SelfAssessment

    code, out, _ = run_cli("schema")
    assert code == 0 and json.loads(out) == SelfAssessment.model_json_schema()
    code, out, _ = run_cli("schema", "--what", "rule")
    assert code == 0 and "condition" in json.loads(out)["properties"]


def test_help_documents_exit_codes(run_cli):
    code, out, _ = run_cli("assess", "--help")
    assert code == 0 and "Exit codes" in out and "internal error" in out


@pytest.mark.parametrize("args,code", [(["--version"], 0), (["assess", str(NORTHFIELD), "--fail-on", "none"], 0)])
def test_installed_console_script(args, code):
    result = subprocess.run([sys.executable, "-m", "compliance", *args], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == code, result.stderr
