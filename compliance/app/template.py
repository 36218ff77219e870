"""`safeguard template`: the return as an Excel workbook for a safeguarding lead to fill in.

The workbook is drawn from the layout that `compliance.intake.workbook_layout` derives from the
pydantic models, and holds only the sections the rules for the organisation type read, so a GP
practice is not asked about looked-after children's health assessments. The same code fills a
template from an existing return (`--from`), which is also how the round-trip test proves that
what the template asks for is exactly what the reader reads back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table as SheetTable
from openpyxl.worksheet.table import TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from compliance import __version__
from compliance.catalogue.loading import RuleSet
from compliance.catalogue.operators import referenced_lists
from compliance.catalogue.schema import Rule
from compliance.domain.errors import InputError, Problem
from compliance.domain.model import OrgType
from compliance.intake.files import workbook_bytes
from compliance.intake.workbook_layout import (
    COVER_SHEET, FIELD_HEADERS, FORMAT_COL, INFO_SHEET, KEY_COL, NONE_WORD, NOTES_COL, NOTES_COLUMN, NO,
    QUESTION_COL, TEMPLATE_VERSION, VALUE_COL, YES, Leaf, Section, Table, meta_fields, sections,
)

# Always asked: the organisation is required by the format, and the context is what an inspector's
# screening reads (signals, not requirements, so no rule's measure names it).
ALWAYS = ("organisation", "context")
RESERVE_ROWS = 20  # blank rows under each list, so there is room to add items

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HINT = Font(italic=True, color="595959")
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")
WIDTHS = {"A": 44, "B": 70, "C": 24, "D": 30, "E": 40, "F": 24, "G": 24}


def sections_read(ruleset: RuleSet, org_type: OrgType) -> list[str]:
    """Top-level sections that some rule applying to this organisation type reads, plus ALWAYS."""
    read = set(ALWAYS)
    for rule in ruleset.rules:
        if org_type in rule.applies_to.org_types:
            read |= _sections_of(rule)
    return [s.name for s in sections() if s.name in read]


def _sections_of(rule: Rule) -> set[str]:
    paths = [m.path for m in rule.measures.values() if m.path]
    for m in rule.measures.values():
        for w in (m.where or {}).values():
            paths += referenced_lists(w)
    found = {p.split(".")[0].split("[")[0] for p in paths}
    return found | ({"services"} if rule.applies_to.services else set())


def template_workbook(ruleset: RuleSet, org_type: OrgType, data: dict[str, Any] | None = None,
                      source: str = "the return") -> bytes:
    """The template for one organisation type (filled from `data`, a return as plain data, if given)."""
    names = sections_read(ruleset, org_type)
    layout = sections(names)
    if data is not None and str(data.get("schema_version")) == "1":
        from compliance.domain.migrate import migrate_v1

        data = migrate_v1(data)  # the workbook asks in version 2's terms: counts with their windows
    if data is not None:
        _check_fits(data, layout, source)
    wb = Workbook()
    cover = wb.active
    cover.title = COVER_SHEET
    info = wb.create_sheet(INFO_SHEET)
    lists = _Lists(info)
    for section in layout:
        ws = wb.create_sheet(section.title)
        _section_sheet(ws, section, lists, data or {"organisation": {"type": org_type.value}})
    _info_sheet(info, ruleset, org_type, names)
    _cover_sheet(cover, layout, ruleset, org_type)
    info.sheet_state = "hidden"
    return workbook_bytes(wb)


def _check_fits(data: dict[str, Any], layout: list[Section], source: str) -> None:
    """A return filled into a template must lose nothing: data in a left-out section is an error."""
    kept = {s.name for s in layout} | set(meta_fields())
    extra = sorted(k for k, v in data.items() if k not in kept and v is not None)
    if extra:
        raise InputError(source, [Problem(
            f"the return reports {', '.join(extra)}, which no rule for this organisation type reads, so the "
            "template for it has no sheet for them")])


# --- drawing ----------------------------------------------------------------------------------------


class _Lists:
    """Dropdown choices live in columns of the hidden sheet (a list typed into the validation itself
    is limited to 255 characters, which the longer enumerations exceed)."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.columns: dict[tuple[str, ...], str] = {}

    def formula(self, choices: tuple[str, ...]) -> str:
        if choices in ((YES, NO), (NONE_WORD,)):
            return '"' + ",".join(choices) + '"'
        if choices not in self.columns:
            col = 4 + len(self.columns)  # after the key/value pairs in A:B
            for i, c in enumerate(choices, start=1):
                self.ws.cell(row=i, column=col, value=c)
            letter = self.ws.cell(row=1, column=col).column_letter
            self.columns[choices] = f"'{INFO_SHEET}'!${letter}$1:${letter}${len(choices)}"
        return self.columns[choices]


class _Validations:
    """One DataValidation per kind of value on a sheet, each covering all of its cells."""

    def __init__(self, ws: Worksheet, lists: _Lists):
        self.ws, self.lists = ws, lists
        self.by_rule: dict[tuple, DataValidation] = {}

    def add(self, leaf: Leaf, ref: str) -> None:
        key = (leaf.kind, leaf.choices, leaf.ge, leaf.le, leaf.max_length, leaf.format_hint())
        dv = self.by_rule.get(key)
        if dv is None:
            dv = _validation(leaf, self.lists)
            if dv is None:
                return
            dv.error = f"Expected {leaf.format_hint()}."[:255]
            dv.errorTitle = "Not accepted"
            dv.prompt = leaf.format_hint()[:255]
            dv.showErrorMessage = dv.showInputMessage = True
            self.ws.add_data_validation(dv)
            self.by_rule[key] = dv
        dv.add(ref)

    def none_marker(self, ref: str) -> None:
        self.add(Leaf(("none",), "choice", False, "", choices=(NONE_WORD,)), ref)


def _validation(leaf: Leaf, lists: _Lists) -> DataValidation | None:
    if leaf.kind in ("bool", "choice"):
        return DataValidation(type="list", formula1=lists.formula(leaf.choices), allow_blank=True)
    if leaf.kind in ("int", "float"):
        kind = "whole" if leaf.kind == "int" else "decimal"
        lo = _num(leaf.ge) if leaf.ge is not None else "-1E+300"
        hi = _num(leaf.le) if leaf.le is not None else "1E+300"
        return DataValidation(type=kind, operator="between", formula1=lo, formula2=hi, allow_blank=True)
    if leaf.kind == "date":  # Excel's serial numbers for 1900-01-01 and 9999-12-31
        return DataValidation(type="date", operator="between", formula1="1", formula2="2958465", allow_blank=True)
    if leaf.kind == "text" and leaf.max_length:
        return DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(leaf.max_length),
                              allow_blank=True)
    return None


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _section_sheet(ws: Worksheet, section: Section, lists: _Lists, data: dict[str, Any]) -> None:
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    ws.cell(row=1, column=1, value=section.title).font = TITLE
    ws.cell(row=2, column=1, value=section.description or None).alignment = Alignment(vertical="top")
    ws.cell(row=3, column=1, value="Leave a cell empty if you did not measure it: empty means not reported. "
                                   "0 and 'no' are answers.").font = HINT
    validations = _Validations(ws, lists)
    row = 5
    if section.leaves:
        _header(ws, row, FIELD_HEADERS)
        ws.freeze_panes = ws.cell(row=row + 1, column=1)
        for leaf in section.leaves:
            row += 1
            ws.cell(row=row, column=KEY_COL, value=leaf.key).font = BOLD if leaf.required else Font()
            question = ws.cell(row=row, column=QUESTION_COL, value=_question(leaf))
            question.alignment = WRAP
            value = ws.cell(row=row, column=VALUE_COL)
            _input_cell(value, leaf, _get(data, leaf.path))
            validations.add(leaf, value.coordinate)
            ws.cell(row=row, column=NOTES_COL).fill = INPUT_FILL
            ws.cell(row=row, column=FORMAT_COL, value=leaf.format_hint()).font = HINT
        row += 2
    for table in section.tables:
        row = _table_block(ws, row, table, validations, _get(data, table.path)) + 2


def _table_block(ws: Worksheet, row: int, table: Table, validations: _Validations, items: Any) -> int:
    """Marker row, column descriptions, header, then one row per item plus blank ones; the last row used."""
    ws.cell(row=row, column=KEY_COL, value=table.key).font = BOLD
    ws.cell(row=row, column=QUESTION_COL, value=(
        f"{table.label}{': ' + table.description if table.description else ''}. One row per item; to add rows, "
        f"insert them inside the table. If there were none, enter '{NONE_WORD}' in the Value column; leave the "
        "table and that cell empty if not reported.")).alignment = WRAP
    marker = ws.cell(row=row, column=VALUE_COL, value=NONE_WORD if items == [] else None)
    marker.fill = INPUT_FILL
    validations.none_marker(marker.coordinate)
    ws.cell(row=row, column=FORMAT_COL, value=f"'{NONE_WORD}' or empty").font = HINT
    for i, col in enumerate(table.columns, start=1):
        text = f"{col.description} ({col.format_hint()})" if col.description else col.format_hint().capitalize()
        c = ws.cell(row=row + 1, column=i, value=text)
        c.font, c.alignment = HINT, WRAP
    header = row + 2
    _header(ws, header, [c.key for c in table.columns] + [NOTES_COLUMN])
    rows = list(items) if isinstance(items, list) else []
    last = header + max(min(RESERVE_ROWS, table.max_items or RESERVE_ROWS), len(rows) + 5)
    for i, col in enumerate(table.columns, start=1):
        letter = ws.cell(row=header, column=i).column_letter
        validations.add(col, f"{letter}{header + 1}:{letter}{last}")
        for r in range(header + 1, last + 1):
            item = rows[r - header - 1] if r - header - 1 < len(rows) else None
            value = item if table.scalar else (_get(item, col.path) if isinstance(item, dict) else None)
            _input_cell(ws.cell(row=r, column=i), col, value)
    end = ws.cell(row=last, column=len(table.columns) + 1).coordinate
    name = "t_" + table.key.replace(".", "_")
    sheet_table = SheetTable(displayName=name, ref=f"A{header}:{end}")
    sheet_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(sheet_table)
    return last


def _header(ws: Worksheet, row: int, names) -> None:
    for i, name in enumerate(names, start=1):
        c = ws.cell(row=row, column=i, value=name)
        c.font, c.fill = BOLD, HEADER_FILL


def _question(leaf: Leaf) -> str:
    parts = " > ".join(p.replace("_", " ") for p in leaf.path[1:-1])
    label = f"{parts.capitalize()}: {leaf.label.lower()}" if parts else leaf.label
    return f"{label}. {leaf.description}" if leaf.description else label


def _input_cell(cell, leaf: Leaf, value: Any) -> None:
    """Style an input cell and, when filling, write the value in the form the reader expects."""
    cell.fill = INPUT_FILL
    if leaf.kind == "date":
        cell.number_format = "yyyy-mm-dd"
    elif leaf.kind in ("text", "choice"):
        cell.number_format = "@"  # so Excel keeps a code like 00123 as typed
    if value is None:
        return
    if leaf.kind == "bool":
        cell.value = YES if value else NO
    elif leaf.kind == "date":
        cell.value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    elif leaf.kind in ("text", "choice"):
        cell.value = str(getattr(value, "value", value))
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
    else:
        cell.value = value


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _info_sheet(ws: Worksheet, ruleset: RuleSet, org_type: OrgType, names: list[str]) -> None:
    rows = [("template_version", TEMPLATE_VERSION), *meta_fields().items(),
            ("catalogue_sha256", ruleset.digest), ("organisation_type", org_type.value),
            ("sections", ",".join(names)), ("tool_version", __version__)]
    for i, (k, v) in enumerate(rows, start=1):
        ws.cell(row=i, column=1, value=k)
        ws.cell(row=i, column=2, value=v).data_type = "s"


def _cover_sheet(ws: Worksheet, layout: list[Section], ruleset: RuleSet, org_type: OrgType) -> None:
    kind = org_type.value.replace("_", " ")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    lines: list[tuple[str, str]] = [
        ("What this is", "The safeguarding-children self-assessment of an NHS organisation for one period, "
                         f"for a {kind} organisation. `safeguard assess` checks it against the requirements "
                         "regulators inspect and reports, for each, met, not met, no evidence, not applicable or "
                         "waived, with the evidence and what to do."),
        ("What it asks", f"Only the sections the requirements for a {kind} organisation read. Counts, dates, "
                         "codes and pseudonymous references only: never a child's or a member of staff's name."),
        ("1.", "Start with the Organisation sheet: code, name, type, the local authority areas served and the period."),
        ("2.", "On each sheet, type the answer in the Value column (yellow). Column A is the field's name and is "
               "how the return is read: do not change it. The Format column says what is accepted."),
        ("3.", "Leave a cell empty if you did not measure it: empty means not reported, which is never read as "
               "compliance. 0 and 'no' are answers."),
        ("4.", f"Lists (staff groups, roles, ...) are tables: one row per item, blank rows are skipped; to add "
               f"rows, insert them inside the table. If a list had nothing in the period, enter '{NONE_WORD}' in "
               "its Value cell."),
        ("5.", "Type values. A formula is read by the result it showed when the workbook was last saved, never "
               "recalculated; links to other workbooks and macros are ignored. Do not merge cells or hide sheets: "
               "such a workbook is refused."),
        ("6.", "Check it: safeguard assess return.xlsx. Every problem names the sheet, the cell and the field, "
               "e.g. Training!E14, training.groups[3].in_date."),
        ("Template version", TEMPLATE_VERSION),
        ("Rules version", ruleset.version),
        ("safeguard version", __version__),
    ]
    ws.cell(row=1, column=1, value=f"Safeguarding children self-assessment: {kind}").font = TITLE
    row = 3
    for head, text in lines:
        ws.cell(row=row, column=1, value=head).font = BOLD
        ws.cell(row=row, column=2, value=text).alignment = WRAP
        row += 1
    row += 1
    ws.cell(row=row, column=1, value="Sheets").font = BOLD
    for section in layout:
        row += 1
        link = ws.cell(row=row, column=1, value=section.title)
        link.hyperlink = f"#'{section.title}'!A1"
        link.font = Font(color="0563C1", underline="single")
        ws.cell(row=row, column=2, value=section.description or None).alignment = WRAP
