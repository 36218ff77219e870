"""The Excel workbook: a template generated from the input model, read back cell by cell."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl

from compliance.domain.model import SCHEMA_VERSION
import pytest

from compliance.app.template import layout_for, sections_read, template_workbook
from compliance.domain.model import OrgType
from compliance.intake.documents import read_document
from compliance.intake.returns import load_assessment
from compliance.intake.workbook_layout import COVER_SHEET, INFO_SHEET, TEMPLATE_VERSION, sections
from tests.conftest import fixture_files


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _filled(ruleset, tmp_path: Path, fixture: Path) -> Path:
    doc = read_document(fixture)
    org_type = OrgType(doc.data["organisation"]["type"])
    return _write(tmp_path, fixture.stem + ".xlsx", template_workbook(ruleset, org_type, doc.data))


def _edit(path: Path, change) -> Path:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def _row(ws, key: str) -> int:
    return next(c.row for c in ws["A"] if c.value == key)


def _rewrite_member(path: Path, member: str, change) -> None:
    with zipfile.ZipFile(path) as src:
        parts = [(i, src.read(i.filename)) for i in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in parts:
            dst.writestr(info, change(data) if info.filename == member else data)


def _sheet_member(path: Path, title: str) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    return wb[title]._worksheet_path.lstrip("/")


@pytest.fixture(scope="module")
def acute_template(ruleset, tmp_path_factory) -> Path:
    return _write(tmp_path_factory.mktemp("t"), "acute.xlsx", template_workbook(ruleset, OrgType.acute))


@pytest.fixture(scope="module")
def northfield(ruleset, tmp_path_factory) -> Path:
    fixture = next(f for f in fixture_files() if f.stem == "northfield-acute")
    return _filled(ruleset, tmp_path_factory.mktemp("n"), fixture)


# --- the template -----------------------------------------------------------------------------------


def test_template_has_a_sheet_per_section_a_cover_and_a_hidden_info_sheet(ruleset, acute_template):
    wb = openpyxl.load_workbook(acute_template)
    expected = [COVER_SHEET, INFO_SHEET] + [s.title for s in sections(sections_read(ruleset, OrgType.acute))]
    assert wb.sheetnames == expected
    info = {r[0]: r[1] for r in wb[INFO_SHEET].iter_rows(max_col=2, values_only=True) if r[0]}
    assert wb[INFO_SHEET].sheet_state == "hidden"
    assert info["template_version"] == TEMPLATE_VERSION and info["schema_version"] == SCHEMA_VERSION
    assert info["catalogue_sha256"] == ruleset.digest
    assert "the reference the tool reads each answer by" in " ".join(str(c.value) for c in wb[COVER_SHEET]["B"] if c.value)


@pytest.mark.parametrize("org_type", list(OrgType))
def test_sections_are_those_the_rules_for_the_type_read(ruleset, org_type):
    included = set(sections_read(ruleset, org_type))
    for rule in ruleset.rules:
        if org_type not in rule.applies_to.org_types:
            continue
        for m in rule.measures.values():
            if m.path:
                assert m.path.split(".")[0].split("[")[0] in included, (rule.id, m.path)
        if rule.applies_to.services:
            assert "services" in included
    if org_type == OrgType.gp_practice:
        assert "looked_after" not in included and "missing" not in included
    if org_type == OrgType.ambulance:
        assert "was_not_brought" not in included


def test_every_model_field_has_a_row_with_its_description(ruleset, acute_template):
    wb = openpyxl.load_workbook(acute_template)
    keys = {c.value: (ws.title, c.row) for ws in wb.worksheets for c in ws["A"] if isinstance(c.value, str)}
    for section in layout_for(ruleset, OrgType.acute):
        for leaf in section.leaves:
            title, row = keys[leaf.key]
            assert title == section.title
            if leaf.description:
                assert leaf.description in wb[title].cell(row=row, column=2).value
        for table in section.tables:
            title, row = keys[table.key]
            header = [c.value for c in wb[title][row + 2]]
            assert header[:len(table.columns)] == [c.label for c in table.columns]


def test_validations_follow_the_model(acute_template):
    wb = openpyxl.load_workbook(acute_template)

    def rule_for(title: str, key: str, column: str = "C"):
        ws = wb[title]
        cell = f"{column}{_row(ws, key)}"
        return next(dv for dv in ws.data_validations.dataValidation if cell in dv.sqref)

    assert rule_for("Organisation", "organisation.type").type == "list"
    assert rule_for("Context", "context.la_childrens_services_inadequate").formula1 == '"yes,no"'
    count = rule_for("Context", "context.open_practice_reviews")
    assert (count.type, count.formula1, count.formula2) == ("whole", "0", "10000000")
    assert rule_for("Organisation", "organisation.period.start").type == "date"
    ws = wb["Training"]
    level = f"B{_row(ws, 'training.groups') + 3}"
    level_rule = next(dv for dv in ws.data_validations.dataValidation if level in dv.sqref)
    assert (level_rule.type, level_rule.formula1, level_rule.formula2) == ("whole", "1", "3")
    assert "t_training_groups" in ws.tables


def test_template_bytes_are_deterministic(ruleset):
    assert template_workbook(ruleset, OrgType.icb) == template_workbook(ruleset, OrgType.icb)


# --- the round trip ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", fixture_files(), ids=lambda p: p.stem)
def test_round_trip_gives_the_fixture_model_and_findings(ruleset, evaluator, tmp_path, fixture):
    path = _filled(ruleset, tmp_path, fixture)
    model, info = load_assessment(path)
    expected, _ = load_assessment(fixture)
    assert model == expected
    assert info.sha256 != _ and len(info.sha256) == 64
    assert evaluator.evaluate(model) == evaluator.evaluate(expected)


def test_empty_cells_are_not_reported(ruleset, tmp_path):
    path = _write(tmp_path, "blank.xlsx", template_workbook(ruleset, OrgType.gp_practice))

    def fill(wb):
        ws = wb["Organisation"]
        for key, value in (("organisation.id", "P1"), ("organisation.name", "A practice"),
                           ("organisation.period.start", "2025-04-01"), ("organisation.period.end", "2026-03-31")):
            ws.cell(row=_row(ws, key), column=3, value=value)
        ws.cell(row=_row(ws, "organisation.local_authorities") + 3, column=1, value="riverside")
        ws = wb["Governance"]
        ws.cell(row=_row(ws, "governance.case_file_audits"), column=3, value="none")

        wb.create_sheet("My workings")["C3"] = "a note of the lead's own"

    model, _ = load_assessment(_edit(path, fill))
    assert model.training is None and model.context is None
    assert model.governance.case_file_audits == [] and model.governance.roles is None


# --- errors name the sheet, the cell and the field ---------------------------------------------------


def _error(run_cli, path: Path) -> str:
    code, _out, err = run_cli("assess", path)
    assert code == 2, err
    assert "Traceback" not in err
    return err


def test_errors_name_sheet_cell_and_field(run_cli, northfield, tmp_path):
    path = tmp_path / "bad.xlsx"
    shutil.copy(northfield, path)

    def spoil(wb):
        ws = wb["Training"]
        header = _row(ws, "training.groups") + 2
        ws.cell(row=header + 4, column=5, value=99999)  # groups[3].in_date, more than its staff in post
        ws.cell(row=header + 1, column=2, value="two")
        ws["C" + str(_row(ws, "training.budget_gbp"))] = "lots"
        ctx = wb["Context"]
        ctx.cell(row=_row(ctx, "context.la_childrens_services_inadequate"), column=3, value="perhaps")
        org = wb["Organisation"]
        org.cell(row=_row(org, "organisation.period.start"), column=3, value="01/04/2025")

    err = _error(run_cli, _edit(path, spoil))
    row = _row(openpyxl.load_workbook(path)["Training"], "training.groups") + 6
    # A numbered list, one problem a line (wrapped at words), each with the sheet, the row as the
    # sheet numbers it, the question's label, what was typed and what to type; no field names.
    items = re.split(r"\n\s+\d+\. ", " ".join(err.split("\n     ")))[1:]
    assert len(items) == 5 and err.splitlines()[1].startswith("  1. ")
    flat = [" ".join(i.split()) for i in items]
    assert f"Training row {row}, Staff in date: you typed '99999'; 'Staff in date' (99999) cannot exceed 'Staff in post'" in " ".join(flat)
    assert f"Training row {row - 3}, Competency level: you typed 'two'; type a whole number, at least 1 and at most 3" in flat
    assert any(f.startswith("Training row") and "budget: you typed 'lots'; type a number" in f for f in flat), flat
    assert any("you typed 'perhaps'; choose yes or no" in f for f in flat)
    assert any(re.match(r"Organisation row \d+, Assessment period: Period start: you typed '01/04/2025'; type a date, e.g. 2026-03-31", f) for f in flat)
    assert "training.groups[" not in err and "_" not in " ".join(flat)
    assert [int(re.match(r"\w+ row (\d+)", f).group(1)) for f in flat if f.startswith("Training")] == \
        sorted(int(re.match(r"\w+ row (\d+)", f).group(1)) for f in flat if f.startswith("Training"))


def test_none_with_items_and_unknown_columns_are_errors(run_cli, northfield, tmp_path):
    path = tmp_path / "bad.xlsx"
    shutil.copy(northfield, path)

    def spoil(wb):
        ws = wb["Training"]
        marker = _row(ws, "training.groups")
        ws.cell(row=marker, column=3, value="none")
        ws.cell(row=marker + 2, column=5, value="in_datee")
        ws.cell(row=_row(ws, "training.budget_gbp"), column=1).value = None

    err = " ".join(_error(run_cli, _edit(path, spoil)).split())
    assert "says 'none' but the table lists" in err
    assert "unknown column 'in_datee'" in err
    assert "a value in a row whose column A (empty) is not a field of the return" in err


def test_formulas_are_read_by_their_saved_result_or_refused(ruleset, northfield, tmp_path, run_cli):
    path = tmp_path / "formula.xlsx"
    shutil.copy(northfield, path)
    row = _row(openpyxl.load_workbook(path)["Context"], "context.whistleblowing_concerns")
    _edit(path, lambda wb: wb["Context"].cell(row=row, column=3, value="=1+1"))
    assert (f"Context row {row}, Whistle-blowing concerns: a formula with no saved result"
            in " ".join(_error(run_cli, path).split()))
    _rewrite_member(path, _sheet_member(path, "Context"), lambda xml: xml.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>"))
    model, _ = load_assessment(path)
    assert model.context.whistleblowing_concerns == 2


def test_other_template_versions_and_foreign_workbooks_are_refused(run_cli, northfield, tmp_path):
    old = tmp_path / "old.xlsx"
    shutil.copy(northfield, old)
    _edit(old, lambda wb: wb[INFO_SHEET].cell(row=1, column=2, value="0"))
    assert "template version '0'; this version of safeguard reads template version 1" in _error(run_cli, old)
    foreign = tmp_path / "foreign.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "hello"
    wb.save(foreign)
    assert f"no '{INFO_SHEET}' sheet" in _error(run_cli, foreign)


# --- robustness: clear errors, never a traceback or an unbounded read -------------------------------


def test_zip_bomb_is_refused_before_unpacking(run_cli, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    err = _error(run_cli, _write(tmp_path, "bomb.xlsx", buf.getvalue()))
    assert "zip bomb" in err


def test_ratio_bomb_below_the_size_limit_is_refused(run_cli, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/sharedStrings.xml", b" " * (5 * 1024 * 1024))
    assert "zip bomb" in _error(run_cli, _write(tmp_path, "ratio.xlsx", buf.getvalue()))


@pytest.mark.parametrize("content, expected", [
    (b"schema_version: '1'\norganisation: {}\n", "not an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64,
     "password-protected"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old-format Excel file (.xls)"),
    (b"PK\x03\x04 this is not really a zip", "damaged"),
], ids=["renamed-yaml", "encrypted", "xls", "damaged-zip"])
def test_files_that_are_not_workbooks(run_cli, tmp_path, content, expected):
    assert expected in _error(run_cli, _write(tmp_path, "x.xlsx", content))


def test_a_zip_that_is_not_a_workbook(run_cli, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    assert "not an Excel workbook" in _error(run_cli, _write(tmp_path, "odt.xlsx", buf.getvalue()))


def test_enormous_sheet_merged_cells_and_hidden_sheets(run_cli, northfield, tmp_path):
    cases = {
        "enormous": (lambda wb: wb["Training"].cell(row=20_000, column=1, value="x"), "more than 10,000 rows"),
        "wide": (lambda wb: wb["Training"].cell(row=3, column=200, value="x"), "more than 60 columns"),
        "merged": (lambda wb: wb["Training"].merge_cells("B2:D2"), "Training!B2:D2: merged cells (B2:D2)"),
        "hidden": (lambda wb: setattr(wb["Alerts"], "sheet_state", "hidden"), "sheet 'Alerts' is hidden"),
    }
    for name, (change, expected) in cases.items():
        path = tmp_path / f"{name}.xlsx"
        shutil.copy(northfield, path)
        assert expected in _error(run_cli, _edit(path, change)), name


@pytest.mark.parametrize("xml, expected", [
    (b"<worksheet><sheetData><row r='1'><c r='A1'", "not a readable Excel workbook"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
     b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
     b'<c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>', "not a readable Excel workbook"),
], ids=["damaged-xml", "xml-entities"])
def test_damaged_or_hostile_sheet_xml(run_cli, northfield, tmp_path, xml, expected):
    path = tmp_path / "x.xlsx"
    shutil.copy(northfield, path)
    _rewrite_member(path, _sheet_member(path, "Training"), lambda _old: xml)
    assert expected in _error(run_cli, path)


def test_screen_reads_folders_of_workbooks_and_skips_lock_files(ruleset, run_cli, tmp_path):
    for fixture in fixture_files():
        _filled(ruleset, tmp_path, fixture)
    (tmp_path / "~$northfield-acute.xlsx").write_bytes(b"lock")
    code, out, err = run_cli("screen", tmp_path, "--format", "json", "--fail-on", "none", "-j", "1")
    assert code == 0, err
    assert f'"screened": {len(fixture_files())}' in out


def test_template_from_an_existing_return(run_cli, tmp_path):
    fixture = next(f for f in fixture_files() if f.stem == "elm-tree-gp")
    out = tmp_path / "gp.xlsx"
    code, _o, err = run_cli("template", "--type", "gp_practice", "--from", fixture, "--same-period", "-o", out)
    assert code == 0, err
    read = load_assessment(out)[0]
    assert read.model_copy(update={"actions": None}) == load_assessment(fixture)[0]  # plus the suggested actions
    code, _o, err = run_cli("template", "--type", "ambulance", "--from", fixture, "-o", tmp_path / "amb.xlsx")
    assert code == 2 and "was_not_brought" in err


@pytest.mark.skipif(not shutil.which("soffice") and not shutil.which("libreoffice"),
                    reason="LibreOffice is not installed")
def test_a_workbook_saved_by_libreoffice_still_reads(northfield, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(northfield, src / "northfield.xlsx")
    out = tmp_path / "out"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(src / "northfield.xlsx")],
                   check=True, capture_output=True, timeout=180)
    assert load_assessment(out / "northfield.xlsx")[0] == load_assessment(northfield)[0]
