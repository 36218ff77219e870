"""The workbook in plain words (issue 28): every label, hint, dropdown and table header a person
reads comes from the model's titles and descriptions, never a field name; words map back to codes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest

from compliance.app.template import layout_for, template_workbook
from compliance.domain.model import OrgType, SelfAssessment
from compliance.intake.returns import load_assessment
from compliance.intake.workbook_layout import INFO_SHEET, KEY_COL
from compliance.domain.paths import models_in


def _field_names() -> set[str]:
    names, stack, seen = set(), [SelfAssessment], set()
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(name)
            stack += models_in(info.annotation)
    return names


FIELD_NAMES = {n for n in _field_names() if "_" in n}  # one-word names ("name", "kind") are English too
BAD = re.compile(r"[_`{}]")


def _texts(data: bytes) -> list[tuple[str, str]]:
    """(cell, text) of everything a person reads: every visible sheet but the reference column, and
    the dropdowns' lists on the hidden sheet."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str):
                    continue
                if ws.title == INFO_SHEET:
                    if c.column >= 4:  # the dropdowns' words
                        out.append((f"{ws.title}!{c.coordinate}", c.value))
                elif c.column != KEY_COL or not re.fullmatch(r"[a-z0-9_.]+", c.value):
                    out.append((f"{ws.title}!{c.coordinate}", c.value))
        for dv in ws.data_validations.dataValidation:
            shown = [dv.prompt, dv.error] + ([dv.formula1] if (dv.formula1 or "").startswith('"') else [])
            out += [(f"{ws.title} validation", t) for t in shown if t]
    return out


@pytest.mark.parametrize("org_type", list(OrgType))
def test_no_label_hint_dropdown_or_header_is_a_field_name(ruleset, org_type):
    for where, text in _texts(template_workbook(ruleset, org_type)):
        if where.startswith(("Cover!B",)) and text.startswith(("safeguard", "Template version")):
            continue
        assert not BAD.search(text), (where, text)
        words = set(re.findall(r"[A-Za-z_]+", text))
        assert not words & FIELD_NAMES, (where, text, words & FIELD_NAMES)


def test_an_acute_trust_is_not_asked_about_an_icbs_providers(ruleset):
    acute = {t.key for s in layout_for(ruleset, OrgType.acute) for t in s.tables}
    icb = {t.key for s in layout_for(ruleset, OrgType.icb) for t in s.tables}
    assert "governance.providers" in icb and "governance.providers" not in acute
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook(ruleset, OrgType.acute)))
    assert "governance.providers" not in {c.value for ws in wb.worksheets for c in ws["A"]}


def _row(ws, key: str) -> int:
    return next(c.row for c in ws["A"] if c.value == key)


@pytest.mark.parametrize("typed", ["requires improvement", "Requires Improvement", "requires_improvement"])
def test_dropdowns_show_words_and_read_back_as_codes_old_codes_too(ruleset, tmp_path: Path, typed):
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook(ruleset, OrgType.acute)))
    ws = wb["Organisation"]
    assert ws.cell(row=_row(ws, "organisation.type"), column=3).value == "acute"
    for key, value in (("organisation.id", "RXX01"), ("organisation.name", "A trust"),
                       ("organisation.period.start", "2025-04-01"), ("organisation.period.end", "2026-03-31")):
        ws.cell(row=_row(ws, key), column=3, value=value)
    ws.cell(row=_row(ws, "organisation.local_authorities") + 3, column=1, value="E08000001")
    ctx = wb["Context"]
    ctx.cell(row=_row(ctx, "context.cqc_safe_rating"), column=3, value=typed)
    dv = next(d for d in ctx.data_validations.dataValidation
              if f"C{_row(ctx, 'context.cqc_safe_rating')}" in d.sqref)
    sheet, ref = dv.formula1.split("!")
    listed = [c.value for c in wb[sheet.strip("'")][ref.replace("$", "").split(":")[0][0]] if c.value]
    assert "requires improvement" in listed and "requires_improvement" not in listed
    path = tmp_path / "r.xlsx"
    wb.save(path)
    model, _ = load_assessment(path)
    assert model.context.cqc_safe_rating.value == "requires_improvement"


def test_a_template_filled_from_a_return_shows_its_choices_in_words(ruleset):
    from compliance.intake.documents import read_document
    from conftest import FIXTURES

    doc = read_document(FIXTURES / "northfield-acute.yaml")
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook(ruleset, OrgType.acute, doc.data)))
    services = wb["Services"]
    kinds = [c.value for c in services["A"] if c.value in ("emergency department", "emergency_department")]
    assert kinds and all("_" not in k for k in kinds)


# --- errors a person can act on ---------------------------------------------------------------------


def _basic(ruleset, tmp_path: Path, change=None) -> Path:
    """An acute template with the organisation filled in, then `change` applied (a lead's typing)."""
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook(ruleset, OrgType.acute)))
    ws = wb["Organisation"]
    for key, value in (("organisation.id", "RXX01"), ("organisation.name", "A trust"),
                       ("organisation.period.start", "2025-04-01"), ("organisation.period.end", "2026-03-31")):
        ws.cell(row=_row(ws, key), column=3, value=value)
    ws.cell(row=_row(ws, "organisation.local_authorities") + 3, column=1, value="E08000001")
    if change:
        change(wb)
    path = tmp_path / "return.xlsx"
    wb.save(path)
    return path


def _group(wb, values: dict[str, object], offset: int = 0) -> int:
    """Types a training group row by the column titles; returns its row."""
    ws = wb["Training"]
    header = _row(ws, "training.groups") + 2
    titles = [c.value for c in ws[header]]
    for title, value in values.items():
        ws.cell(row=header + 1 + offset, column=titles.index(title) + 1, value=value)
    return header + 1 + offset


def test_thousands_separators_are_read_as_people_write_counts(ruleset, tmp_path):
    path = _basic(ruleset, tmp_path, lambda wb: _group(wb, {"Staff group": "Nurses", "Competency level": 2,
                                                            "Staff in post": "31,400", "Staff in date": "1,200",
                                                            "Renewal period of the training": 36}))
    model, _ = load_assessment(path)
    assert (model.training.groups[0].staff_in_post, model.training.groups[0].in_date) == (31400, 1200)


@pytest.mark.parametrize("typed", ["95%", 0.95])
def test_a_percentage_typed_as_a_count_gets_a_hint_naming_the_row_and_question(ruleset, tmp_path, run_cli, typed):
    rows = {}

    def change(wb):
        rows["r"] = _group(wb, {"Staff group": "Nurses", "Competency level": 2, "Staff in post": 480,
                                "Staff in date": typed})
    path = _basic(ruleset, tmp_path, change)
    code, _out, err = run_cli("assess", path)
    flat = " ".join(err.split())
    assert code == 2 and "Traceback" not in err
    assert f"1. Training row {rows['r']}, Staff in date: you typed '{typed}'; type the number of staff in date" in flat
    assert "not a percentage" in flat


def test_an_untouched_template_points_at_the_rows_the_answers_go_in(ruleset, tmp_path, run_cli):
    path = tmp_path / "blank.xlsx"
    path.write_bytes(template_workbook(ruleset, OrgType.acute))
    code, _out, err = run_cli("assess", path)
    lines = err.splitlines()
    assert code == 2 and lines[0].endswith("problems to fix in the workbook:")
    assert all(re.match(r"\s+(\d+\. |\s)", line) for line in lines[1:])
    numbered = [line for line in lines[1:] if re.match(r"\s+\d+\. ", line)]
    assert [int(line.split(".")[0]) for line in numbered] == list(range(1, len(numbered) + 1))
    ws = openpyxl.load_workbook(path)["Organisation"]
    first = _row(ws, "organisation.local_authorities") + 3
    flat = " ".join(err.split())
    assert f"Organisation row {first}, Local authorities served: nothing is listed" in flat
    assert "Organisation code: a value is required here; type text" in flat


def test_annotate_writes_a_marked_copy_and_never_touches_the_workbook(ruleset, tmp_path, run_cli):
    rows = {}

    def change(wb):
        rows["r"] = _group(wb, {"Staff group": "Nurses", "Competency level": "two", "Staff in post": 480,
                                "Staff in date": "95%"})
    path = _basic(ruleset, tmp_path, change)
    before = path.read_bytes()
    marked = tmp_path / "marked.xlsx"
    code, _out, err = run_cli("assess", path, "--annotate", marked)
    assert code == 2 and path.read_bytes() == before
    wb = openpyxl.load_workbook(marked)
    ws = wb["Training"]
    commented = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
    header = [c.value for c in ws[_row(ws, "training.groups") + 2]]
    level = f"{openpyxl.utils.get_column_letter(header.index('Competency level') + 1)}{rows['r']}"
    in_date = f"{openpyxl.utils.get_column_letter(header.index('Staff in date') + 1)}{rows['r']}"
    assert set(commented) == {level, in_date}
    assert "you typed 'two'" in commented[level] and "not a percentage" in commented[in_date]
    assert ws[in_date].fill.fgColor.rgb.endswith("FFC7CE")
    code, _out, err = run_cli("assess", path, "--annotate", path)
    assert code == 2 and "never changed" in err and path.read_bytes() == before
