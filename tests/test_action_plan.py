"""The action plan carried from one year to the next (issue 28): actions in the return (YAML or the
workbook's Action plan sheet), pre-filled from the requirements not met, shown with each finding,
an action past its date flagged, and the board paper's plan status."""

from __future__ import annotations

import re

import openpyxl
import pytest
from conftest import FIXTURES

from compliance.intake.documents import read_document
from compliance.intake.returns import load_assessment

docx = pytest.importorskip("docx")


def _yaml(tmp_path, data, name="r.yaml"):
    from ruamel.yaml import YAML

    path = tmp_path / name
    with path.open("w") as fh:
        YAML(typ="safe").dump(data, fh)
    return path


def _with_actions(actions):
    data = read_document(FIXTURES / "northfield-acute.yaml").data
    data["actions"] = actions
    return data


def test_actions_show_with_their_findings_and_one_past_its_date_is_flagged(run_cli, tmp_path):
    path = _yaml(tmp_path, _with_actions([
        {"rule": "ALR-001", "action": "Connect Eastmoor UTC to CP-IS", "owner": "Head of IT", "due": "2025-12-31",
         "status": "in_progress", "progress": "Contract signed"},
        {"rule": "TRN-003", "action": "Book level 3 training for ED nurses", "owner": "Named nurse",
         "due": "2026-09-30", "status": "not_started"},
    ]))
    code, out, err = run_cli("assess", path, "-f", "json", "--fail-on", "none")
    assert code == 0, err
    import json

    actions = {a["rule_id"]: a for a in json.loads(out)["actions"]}
    assert actions["ALR-001"]["overdue"] is True  # due before the period end, not done
    assert actions["TRN-003"]["overdue"] is False
    text = " ".join(run_cli("assess", path, "--fail-on", "none", "--width", "200")[1].split()) \
        if False else " ".join(run_cli("assess", path, "--fail-on", "none")[1].split())
    assert "Action: Connect Eastmoor UTC to CP-IS (Head of IT; due 2025-12-31; in progress; OVERDUE)." in text
    assert "Progress: Contract signed" in text
    md = run_cli("assess", path, "-f", "markdown", "--fail-on", "none")[1]
    assert "Book level 3 training for ED nurses" in md and "(suggested; no action agreed yet)" in md
    paper = tmp_path / "paper.docx"
    assert run_cli("assess", path, "-f", "docx", "-o", paper, "--fail-on", "none")[0] == 0
    d = docx.Document(paper)
    plan = next(t for t in d.tables if t.rows[0].cells[1].text == "Action")
    rows = {r.cells[0].text: r.cells[4].text for r in plan.rows[1:]}
    assert any("ALR-001" in k and v == "Overdue" for k, v in rows.items())
    body = "\n".join(p.text for p in d.paragraphs)
    assert "2 actions: 1 not started, 1 overdue." in body and "no action yet" in body


def test_next_years_template_offers_the_plan_and_suggests_actions(ruleset, run_cli, tmp_path):
    path = _yaml(tmp_path, _with_actions([
        {"rule": "ALR-001", "action": "Connect Eastmoor UTC to CP-IS", "owner": "Head of IT", "due": "2026-12-31",
         "status": "in_progress"}]))
    out = tmp_path / "next.xlsx"
    code, _o, err = run_cli("template", "--type", "acute", "--from", path, "-o", out)
    assert code == 0 and "suggested action" in err
    wb = openpyxl.load_workbook(out)
    assert "Action plan" in wb.sheetnames
    model, _ = load_assessment(out)
    by_rule = {a.rule: a for a in model.actions}
    assert by_rule["ALR-001"].owner == "Head of IT" and by_rule["ALR-001"].status.value == "in_progress"
    assert by_rule["TRN-003"].status.value == "not_started" and by_rule["TRN-003"].owner is None
    sheet = wb["Action plan"]
    shown = [str(c.value) for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "in progress" in shown and not any(re.search(r"[_`]", s) for s in shown if not re.fullmatch(r"[a-z_.]+", s))
