"""`safeguard template`: the return as an Excel workbook for a safeguarding lead to fill in.

The workbook is drawn from the layout that `compliance.intake.workbook_layout` derives from the
pydantic models, and holds only the sections the rules for the organisation type read, so a GP
practice is not asked about looked-after children's health assessments. The same code fills a
template from an existing return (`--from`), which is also how the round-trip test proves that
what the template asks for is exactly what the reader reads back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table as SheetTable
from openpyxl.worksheet.table import TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from compliance import __version__
from compliance.catalogue.loading import RuleSet
from compliance.catalogue.operators import referenced_lists
from compliance.catalogue.schema import Rule
from compliance.domain.errors import InputError, Problem
from compliance.domain.model import OrgType, ServiceKind
from compliance.intake.files import workbook_bytes
from compliance.domain.labels import value_label
from compliance.intake.workbook_layout import (
    COVER_SHEET, FIELD_HEADERS, FORMAT_COL, INFO_SHEET, KEY_COL, NONE_WORD, NOTES_COL, NOTES_HEADER, NO,
    QUESTION_COL, TEMPLATE_VERSION, VALUE_COL, YES, Leaf, Section, Table, meta_fields, sections,
)

# Always asked: the organisation is required by the format, and the context is what an inspector's
# screening reads (signals, not requirements, so no rule's measure names it).
ALWAYS = ("organisation", "context", "actions")
NOTES_FIELD = "evidence"  # the return's evidence notes: written into the Notes columns
RESERVE_ROWS = 20  # blank rows under each list, so there is room to add items

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HINT = Font(italic=True, color="595959")
KEY_FONT = Font(color="808080", size=8)  # column A: the reference the tool reads, not a question
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")
WIDTHS = {"A": 30, "B": 70, "C": 24, "D": 30, "E": 40, "F": 24, "G": 24}


Services = frozenset[ServiceKind] | None  # the services the organisation runs; None: not known (ask about all)


def applies(rule: Rule, org_type: OrgType, services: Services = None) -> bool:
    """Whether the rule can apply to this organisation: its type, and (when the services it runs are
    known) at least one of the services the rule is limited to, as the evaluator decides it."""
    if org_type not in rule.applies_to.org_types:
        return False
    limited = rule.applies_to.services
    return services is None or not limited or bool(services & set(limited))


def sections_read(ruleset: RuleSet, org_type: OrgType, services: Services = None) -> list[str]:
    """Top-level sections that some rule applying to this organisation (type and services) reads, plus ALWAYS."""
    read = set(ALWAYS)
    for rule in ruleset.rules:
        if org_type in rule.applies_to.org_types and rule.applies_to.services:
            read.add("services")  # asked whenever a rule for the type is limited to services, run or not
        if applies(rule, org_type, services):
            read |= _sections_of(rule)
    return [s.name for s in sections() if s.name in read]


def layout_for(ruleset: RuleSet, org_type: OrgType, data: dict[str, Any] | None = None,
               services: Services = None) -> list[Section]:
    """The sections, and within them the questions, a template for this organisation asks."""
    read = paths_read(ruleset, org_type, services)
    return [_applying(section, read, data) for section in sections(sections_read(ruleset, org_type, services))]


def services_run(data: dict[str, Any] | None) -> Services:
    """The services a return lists (None when it lists none: then every service's questions are asked)."""
    listed = (data or {}).get("services")
    if not isinstance(listed, list) or not listed:
        return None
    kinds = [getattr(s.get("kind"), "value", s.get("kind")) for s in listed if isinstance(s, dict)]
    return frozenset(ServiceKind(k) for k in kinds if k in ServiceKind._value2member_map_) or None


def with_services(data: dict[str, Any], given: str) -> dict[str, Any]:
    """`data` listing the services `given` (words or codes, separated by commas), keeping what the
    return already says of each; a name that is no service is refused with the choices (exit 2)."""
    from difflib import get_close_matches

    by_word: dict[str, ServiceKind] = {}
    for k in ServiceKind:
        by_word[k.value] = by_word[value_label(k).lower()] = k
    kinds: list[ServiceKind] = []
    for word in filter(None, (w.strip() for w in given.split(","))):
        kind = by_word.get(word.lower()) or by_word.get(word.lower().replace(" ", "_"))
        if kind is None:
            near = get_close_matches(word.lower(), list(by_word), n=1)
            raise InputError("--services", [Problem(
                f"'{word}' is not a service{'; did you mean ' + repr(near[0]) + '?' if near else ''} (services: "
                + ", ".join(value_label(k) for k in ServiceKind) + ")")])
        kinds.append(kind)
    if not kinds:
        raise InputError("--services", [Problem("name at least one service, e.g. 'emergency department'")])
    known = {getattr(s.get("kind"), "value", s.get("kind")): s for s in data.get("services") or [] if isinstance(s, dict)}
    return {**data, "services": [known.get(k.value, {"kind": k.value}) for k in dict.fromkeys(kinds)]}


def paths_read(ruleset: RuleSet, org_type: OrgType, services: Services = None) -> set[str]:
    """Every path of the return (without []) that a rule applying to this organisation reads (its
    type, and the services it runs when known): its measures' paths, their windows' paths and the
    lists their filters compare with."""
    paths: set[str] = set()
    for rule in ruleset.rules:
        if org_type in rule.applies_to.org_types and rule.applies_to.services:
            paths.add("services")
        if not applies(rule, org_type, services):
            continue
        for m in rule.measures.values():
            found = [m.path] + [getattr(w, "path", None) for w in (getattr(m, "window", None) or [])]
            for w in (getattr(m, "where", None) or {}).values():
                found += referenced_lists(w)
            paths |= {p.replace("[]", "") for p in found if isinstance(p, str) and p}
    return paths


def _asked(key: str, read: set[str]) -> bool:
    return any(p == key or p.startswith(key + ".") or key.startswith(p + ".") for p in read)


def _applying(section: Section, read: set[str], data: dict[str, Any] | None) -> Section:
    """The section with only the questions a rule for this organisation type reads: a table when a
    rule reads it, a part's questions together when a rule reads any of them (so an acute trust is
    not asked about an ICB's commissioned providers). A value the return being filled in already
    gives is always kept, so nothing is lost."""
    if section.name in ALWAYS:
        return section

    def keep(path: tuple[str, ...]) -> bool:
        return _asked(".".join(path), read) or _get(data or {}, path) is not None

    leaves = tuple(leaf for leaf in section.leaves if keep(leaf.path[:-1] if len(leaf.path) > 2 else leaf.path))
    tables = tuple(t for t in section.tables if keep(t.path))
    from dataclasses import replace

    return replace(section, leaves=leaves, tables=tables)


def _sections_of(rule: Rule) -> set[str]:
    paths = [m.path for m in rule.measures.values() if m.path]
    for m in rule.measures.values():
        for w in (m.where or {}).values():
            paths += referenced_lists(w)
    found = {p.split(".")[0].split("[")[0] for p in paths}
    return found | ({"services"} if rule.applies_to.services else set())


def template_workbook(ruleset: RuleSet, org_type: OrgType, data: dict[str, Any] | None = None,
                      source: str = "the return") -> bytes:
    """The template for one organisation (filled from `data`, a return as plain data, if given): the
    questions for its type and, when `data` lists the services it runs, for those services only."""
    services = services_run(data)
    names = sections_read(ruleset, org_type, services)
    if data is not None and str(data.get("schema_version")) == "1":
        from compliance.domain.migrate import migrate_v1

        data = migrate_v1(data)  # the workbook asks in version 2's terms: counts with their windows
    if data is not None:
        _check_fits(data, sections(names), source)
    layout = layout_for(ruleset, org_type, data, services)
    wb = Workbook()
    cover = wb.worksheets[0]  # a new workbook's one sheet
    cover.title = COVER_SHEET
    info = wb.create_sheet(INFO_SHEET)
    lists = _Lists(info)
    for section in layout:
        ws = wb.create_sheet(section.title)
        _section_sheet(ws, section, lists, data or {"organisation": {"type": org_type.value}})
    _info_sheet(info, ruleset, org_type, names)
    _cover_sheet(cover, layout, ruleset, org_type, services)
    info.sheet_state = "hidden"
    return workbook_bytes(wb)


def with_suggested_actions(data: dict[str, Any], findings: list) -> tuple[dict[str, Any], int]:
    """The return's action plan with, for each requirement not met that has no action yet, the action
    its rule suggests (not started, no owner or date: for the lead to agree); how many were added."""
    actions = list(data.get("actions") or [])
    planned = {str(a.get("rule")) for a in actions if isinstance(a, dict)}
    added = 0
    for f in findings:
        if f.outcome.value == "not_met" and f.rule_id not in planned:
            text = " ".join(f.remediation.split())
            actions.append({"rule": f.rule_id, "action": text if len(text) <= 600 else text[:597] + "...",
                            "status": "not_started"})
            added += 1
    return ({**data, "actions": actions} if actions else data), added


def open_plan(data: dict[str, Any], history: Path | None, org_id: str, period_end: dt.date) -> tuple[dict[str, Any], str]:
    """Next year's action plan: the open actions of the plan recorded for this return's period in the
    history store (the return's own, and those carried from earlier years), else the return's own
    open actions; done and closed ones are left out. And a sentence saying where they came from."""
    from compliance.app.history import plan_for

    run, where = plan_for(history, org_id, period_end)
    if run is not None and run.actions:
        kept = [{"rule": a.rule_id, "action": a.action, "owner": a.owner, "due": a.due, "status": a.status,
                 "progress": a.progress} for a in run.actions if a.open]
        said = (f"carried {len(kept)} open action{'s' if len(kept) != 1 else ''} of {run.org_id} {run.period} from the "
                f"history store ({where}) to the Action plan sheet")
    else:
        given = [a for a in data.get("actions") or [] if isinstance(a, dict)]
        kept = [a for a in given if str(getattr(a.get("status"), "value", a.get("status"))) != "done"]
        said = f"kept {len(kept)} open action{'s' if len(kept) != 1 else ''} of the return" if given else ""
    left = (len(run.actions) if run is not None and run.actions else len(data.get("actions") or [])) - len(kept)
    if left:
        said += f"; {left} done or closed left out"
    out = {**data, "actions": [{k: v for k, v in a.items() if v is not None} for a in kept]}
    if not kept:
        out.pop("actions", None)
    return out, said


def next_year(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Last year's return as the start of next year's: the period moved on by a year (29 February
    becomes 28), everything else, notes too, kept for the lead to update; and a sentence saying so."""
    import copy

    out = copy.deepcopy(data)
    period = (out.get("organisation") or {}).get("period") or {}
    moved = []
    for key in ("start", "end"):
        value = period.get(key)
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        if isinstance(value, dt.date):
            try:
                period[key] = value.replace(year=value.year + 1)
            except ValueError:  # 29 February
                period[key] = value.replace(year=value.year + 1, day=28)
            moved.append((value, period[key]))
    if len(moved) != 2:
        return out, "the return gives no period to move on"
    (s0, s1), (e0, e1) = moved
    return out, (f"moved the period on by a year: {s0} to {e0} is now {s1} to {e1}; the figures and notes are "
                 "last year's, for you to update")


def _check_fits(data: dict[str, Any], layout: list[Section], source: str) -> None:
    """A return filled into a template must lose nothing: data in a left-out section is an error."""
    kept = {s.name for s in layout} | set(meta_fields()) | {NOTES_FIELD}
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
            letter = get_column_letter(col)
            self.columns[choices] = f"'{INFO_SHEET}'!${letter}$1:${letter}${len(choices)}"
        return self.columns[choices]


class _Validations:
    """One DataValidation per kind of value on a sheet, each covering all of its cells."""

    def __init__(self, ws: Worksheet, lists: _Lists):
        self.ws, self.lists = ws, lists
        self.by_rule: dict[tuple, DataValidation] = {}

    def add(self, leaf: Leaf, ref: str) -> None:
        key = (leaf.kind, leaf.words, leaf.ge, leaf.le, leaf.max_length, leaf.format_hint())
        dv = self.by_rule.get(key)
        if dv is None:
            dv = _validation(leaf, self.lists)
            if dv is None:
                return
            dv.error = f"Type {leaf.format_hint()}."[:255]
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
        return DataValidation(type="list", formula1=lists.formula(leaf.words), allow_blank=True)
    if leaf.kind in ("int", "float"):
        kind: Literal["whole", "decimal"] = "whole" if leaf.kind == "int" else "decimal"
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
        ws.freeze_panes = f"A{row + 1}"
        for leaf in section.leaves:
            row += 1
            ws.cell(row=row, column=KEY_COL, value=leaf.key).font = KEY_FONT
            question = ws.cell(row=row, column=QUESTION_COL, value=_question(leaf))
            question.alignment = WRAP
            value = ws.cell(row=row, column=VALUE_COL)
            _input_cell(value, leaf, _get(data, leaf.path))
            validations.add(leaf, value.coordinate)
            note = ws.cell(row=row, column=NOTES_COL, value=_notes(data).get(leaf.key))
            note.fill, note.alignment, note.data_type = INPUT_FILL, WRAP, "s"
            ws.cell(row=row, column=FORMAT_COL, value=leaf.format_hint()).font = HINT
        row += 2
    for table in section.tables:
        row = _table_block(ws, row, table, validations, _get(data, table.path), data) + 2


def _notes(data: dict[str, Any] | None) -> dict[str, str]:
    notes = (data or {}).get(NOTES_FIELD)
    return notes if isinstance(notes, dict) else {}


def _table_block(ws: Worksheet, row: int, table: Table, validations: _Validations, items: Any,
                 data: dict[str, Any] | None = None) -> int:
    """Marker row, column descriptions, header, then one row per item plus blank ones; the last row used."""
    ws.cell(row=row, column=KEY_COL, value=table.key).font = KEY_FONT
    question = ws.cell(row=row, column=QUESTION_COL, value=(
        f"{table.label}{': ' + table.description.rstrip('.') if table.description else ''}. One row per item; to add "
        f"rows, insert them inside the table. If there were none, enter '{NONE_WORD}' in the Value column; leave the "
        "table and that cell empty if not reported."))
    question.alignment, question.font = WRAP, BOLD
    marker = ws.cell(row=row, column=VALUE_COL, value=NONE_WORD if items == [] else None)
    marker.fill = INPUT_FILL
    validations.none_marker(marker.coordinate)
    ws.cell(row=row, column=FORMAT_COL, value=f"'{NONE_WORD}' or empty").font = HINT
    for i, col in enumerate(table.columns, start=1):
        hint = col.format_hint()
        text = f"{col.description.rstrip('.')} ({hint})" if col.description else hint[:1].upper() + hint[1:]
        c = ws.cell(row=row + 1, column=i, value=text)
        c.font, c.alignment = HINT, WRAP
    header = row + 2
    _header(ws, header, [c.label for c in table.columns] + [NOTES_HEADER])
    rows = list(items) if isinstance(items, list) else []
    last = header + max(min(RESERVE_ROWS, table.max_items or RESERVE_ROWS), len(rows) + 5)
    notes = _notes(data)
    for i in range(len(rows)):  # a row's note, and any note on one of its values, in its Notes column
        own = [notes[k] for k in notes if k == f"{table.key}[{i}]" or k.startswith(f"{table.key}[{i}].")]
        if own:
            c = ws.cell(row=header + 1 + i, column=len(table.columns) + 1, value="; ".join(dict.fromkeys(own)))
            c.data_type = "s"
    for i, col in enumerate(table.columns, start=1):
        letter = get_column_letter(i)
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
    """The question in words: the field's title (under the title of the part it is in), then its
    reference text, e.g. 'Supervision: Staff supervised in time. Of those, how many ...'."""
    label = f"{leaf.group}: {leaf.label}" if leaf.group else leaf.label
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
    elif leaf.kind == "choice":
        code = str(getattr(value, "value", value))
        cell.value = dict(zip(leaf.choices, leaf.words)).get(code, code)  # words, as the dropdown shows them
        cell.data_type = "s"
    elif leaf.kind == "text":
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


def _cover_sheet(ws: Worksheet, layout: list[Section], ruleset: RuleSet, org_type: OrgType,
                 services: Services = None) -> None:
    kind = value_label(org_type)
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    lines: list[tuple[str, str]] = [
        ("What this is", "The safeguarding-children self-assessment of an NHS organisation for one period, "
                         f"for {article} {kind} organisation. The safeguard tool checks it against the requirements "
                         "regulators inspect and reports, for each, whether it is met, not met, not evidenced yet, "
                         "not applicable or waived, with the evidence and what to do."),
        ("What it asks", f"Only the sections and questions the requirements for {article} {kind} organisation read. "
                         "Counts, dates, codes and pseudonymous references only: never a child's or a member of "
                         "staff's name."),
        ("Services", ("Only the questions for the services it runs: "
                      + ", ".join(sorted(value_label(s) for s in services)) + ". If it runs another, add it on "
                      "the Services sheet and make the template again (safeguard template --from this workbook).")
         if services else ("Questions for every service an organisation of this type may run. List the services "
                           "it runs on the Services sheet: next year's template (safeguard template --from) then "
                           "asks only about those; or make this one with --services.")),
        ("1.", "Start with the Organisation sheet: code, name, type, the local authority areas served and the period."),
        ("2.", "On each sheet, type the answer in the Value column (yellow), and where the figure comes from in "
               "the Notes column (it is shown beside the figure in the reports). Column A is the reference the "
               "tool reads each answer by: do not change it. The Format column says what is accepted."),
        ("3.", "Leave a cell empty if you did not measure it: empty means not reported, which is never read as "
               "compliance. 0 and 'no' are answers."),
        ("4.", f"Lists (staff groups, roles, ...) are tables: one row per item, blank rows are skipped; to add "
               f"rows, insert them inside the table. If a list had nothing in the period, enter '{NONE_WORD}' in "
               "its Value cell."),
        ("5.", "Type values. A formula is read by the result it showed when the workbook was last saved, never "
               "recalculated; links to other workbooks and macros are ignored. Do not merge cells or hide sheets: "
               "such a workbook is refused."),
        ("6.", "Check it with the safeguard tool (safeguard assess return.xlsx). Every problem is listed on a line "
               "of its own with the sheet, the row, the question, what was typed and what to type, e.g. "
               "'Training row 14, Staff in date: you typed 95%; type the number of staff in date'."),
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
