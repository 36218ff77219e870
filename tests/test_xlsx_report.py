"""The Excel findings report (`--format xlsx`): layout, stable bytes, and no formula injection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from compliance.formats.xlsx import safe
from tests.conftest import FIXTURES, ROOT, fixture_files

NORTHFIELD = FIXTURES / "northfield-acute.yaml"


@pytest.fixture(scope="module")
def report_path(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    from compliance.cli.main import cli

    out = tmp_path_factory.mktemp("x") / "report.xlsx"
    result = CliRunner().invoke(cli, ["assess", str(NORTHFIELD), "-f", "xlsx", "-o", str(out)])
    assert result.exit_code == 1, result.stderr
    return out


def test_findings_sheet_has_a_row_per_finding_filters_frozen_header_and_rag(report_path, ruleset):
    wb = openpyxl.load_workbook(report_path)
    assert wb.sheetnames[:2] == ["Findings", "Summary"]
    ws = wb["Findings"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["Organisation code", "Organisation", "Rule", "Requirement", "Area", "Status"]
    assert ws.max_row == 1 + len(ruleset.rules)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:P{ws.max_row}"
    formulas = sorted(r.formula[0] for rules in ws.conditional_formatting for r in rules.rules)
    assert formulas == ['$F2="Amber"', '$F2="Green"', '$F2="Red"']
    statuses = {row[5] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert "Red" in statuses and "Green" in statuses
    outcomes = {row[6]: row[5] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert outcomes.get("Not applicable") is None


def test_summary_sheet_by_area_and_key_question(report_path):
    ws = openpyxl.load_workbook(report_path)["Summary"]
    column_a = [c.value for c in ws["A"]]
    assert "By area" in column_a and "By CQC key question" in column_a
    assert "Training" in column_a and "Safe" in column_a


def test_same_input_gives_the_same_bytes_whatever_the_hash_seed(report_path, tmp_path):
    again = tmp_path / "again.xlsx"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    proc = subprocess.run([sys.executable, "-m", "compliance", "assess", str(NORTHFIELD), "-f", "xlsx", "-o",
                           str(again)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert again.read_bytes() == report_path.read_bytes()


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_can_never_become_a_formula(text):
    assert safe(text) == "'" + text
    assert safe("Ward 3") == "Ward 3" and safe(3) == 3


def test_a_return_naming_itself_as_a_formula_is_written_as_text(run_cli, tmp_path):
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(NORTHFIELD.read_text().replace("name: Northfield Hospitals NHS Foundation Trust",
                                                      "name: '=HYPERLINK(\"http://evil\",\"x\")'"))
    out = tmp_path / "r.xlsx"
    code, _o, err = run_cli("assess", hostile, "-f", "xlsx", "-o", out)
    assert code == 1, err
    cell = openpyxl.load_workbook(out)["Findings"]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")


def test_xlsx_needs_an_output_file(run_cli):
    code, out, err = run_cli("assess", NORTHFIELD, "-f", "xlsx")
    assert code == 2 and out == "" and "-o FILE" in err


def test_screening_workbook_has_ranking_with_score_parts(run_cli, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("schema_version: '1'\n")
    out = tmp_path / "s.xlsx"
    code, _o, err = run_cli("screen", *fixture_files(), bad, "-f", "xlsx", "-o", out, "-j", "1")
    assert code == 2, err  # the broken file
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Ranking", "Findings", "Summary", "Not screened", "Lines of enquiry"]
    ranking = list(wb["Ranking"].iter_rows(values_only=True))
    assert ranking[0][:11] == ("rank", "id", "name", "type", "local_authorities", "score", "findings_points",
                               "exposure_multiplier", "children", "context_points", "data_quality_points")
    assert [r[0] for r in ranking[1:]] == list(range(1, len(fixture_files()) + 1))
    assert wb["Findings"].max_row > 3 * 30
    assert str(bad) in [c.value for c in wb["Not screened"]["A"]]
