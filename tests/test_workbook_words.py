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
