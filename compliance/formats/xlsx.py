"""Excel findings reports (`--format xlsx`), for people who work in spreadsheets.

A findings sheet (one row per finding, coloured red/amber/green by conditional formatting on its
status, with filters and a frozen header), a summary sheet by area and CQC key question, and for a
screening the ranking with every part of each score. The workbook is the same bytes for the same
input (fixed document times and zip entry times), so reports can be diffed and checked in. Every
text cell is text, never a formula: text starting with = + - @ (or a tab or carriage return) is
prefixed with an apostrophe, so a value from a return cannot run in a reader's spreadsheet, even
after it is copied into a CSV.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from compliance.cohort.ranking import Screening
from compliance.domain.display import plural
from compliance.domain.labels import value_label
from compliance.formats.screening import NOT_REPORTED
from compliance.domain.outcomes import Outcome, Severity
from compliance.domain.result import Finding, Report, sort_findings
from compliance.formats import Options
from compliance.formats.escape import csv_cell
from compliance.formats.common import OUTCOME_LABELS, STILL_TO_REPORT, still_to_report, to_report, where_to_enter, SERIOUS, GroupSummary, by_area, by_key_question, evidence_text, sources_text, waiver_label
from compliance.intake.files import workbook_bytes

RAG_FILLS = {"Red": "FFC7CE", "Amber": "FFEB9C", "Green": "C6EFCE"}
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAP = Alignment(wrap_text=True, vertical="top")

# Headers in words (a person reads this sheet; JSON and CSV keep the field names for tools).
FINDING_COLUMNS: list[tuple[str, int]] = [
    ("Organisation code", 14), ("Organisation", 28), ("Rule", 10), ("Requirement", 45), ("Area", 18),
    ("Status", 8), ("Outcome", 22), ("Severity", 10), ("CQC key question", 13), ("Finding", 70), ("Evidence", 60),
    ("What to do", 60), ("Line of enquiry", 50), ("Sources", 50), ("Waiver", 30), (STILL_TO_REPORT, 60),
]
SUMMARY_COLUMNS = ["Group", "Status", *[OUTCOME_LABELS[o] for o in Outcome], "Not met or not evidenced yet"]
TODO_COLUMNS = [("Rule", 10), ("Requirement", 45), ("Severity", 10), ("Question to answer", 60), ("Where to enter it", 40)]
SEVS = [Severity.critical, Severity.high, Severity.medium, Severity.low]


def safe(value: Any) -> Any:
    """A value as a cell may hold it: text can never become a formula, and its control characters
    are shown rather than dropped (as in CSV: one rule for both, in compliance.formats.escape)."""
    text = csv_cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text) if isinstance(text, str) else text


def render_xlsx_assessment(report: Report, options: Options | None = None) -> bytes:
    wb = Workbook()
    _findings_sheet(wb.worksheets[0], [report])
    _summary_sheet(wb.create_sheet("Summary"), [report], options or Options())
    todo = still_to_report(report.findings)
    if todo:
        rows = [[f.rule_id, f.title, f.severity.value, m.label, where_to_enter(m)] for f in todo for m in to_report(f)]
        _table(wb.create_sheet(STILL_TO_REPORT), [n for n, _w in TODO_COLUMNS], rows, dict(TODO_COLUMNS))
    return workbook_bytes(wb)


def render_xlsx_screening(result: Screening, options: Options | None = None,
                          reports: dict[str, Report] | None = None) -> bytes:
    """The ranking first, then every ranked organisation's findings, the summary and what was not screened."""
    options = options or Options()
    wb = Workbook()
    _ranking_sheet(wb.worksheets[0], result)
    by_file = reports or {}
    ranked = [by_file[o.file] for o in result.organisations if o.file in by_file]
    _findings_sheet(wb.create_sheet("Findings"), ranked)
    _summary_sheet(wb.create_sheet("Summary"), ranked, options, result)
    _not_screened_sheet(wb.create_sheet("Not screened"), result)
    titles = {f.rule_id: f.title for r in ranked for f in r.findings}
    _enquiries_sheet(wb.create_sheet("Lines of enquiry"), result, titles)
    return workbook_bytes(wb)


def _enquiries_sheet(ws: Worksheet, result: Screening, titles: dict[str, str]) -> None:
    """One row per organisation and line of enquiry, in ranking order: the visit's questions."""
    names = ["rank", "id", "name", "type", "local_authorities", "band", "rule_id", "title", "severity", "outcome",
             "line_of_enquiry"]
    rows = [[o.rank, o.id, o.name, o.type, ", ".join(o.local_authorities), o.band, e.rule_id, titles.get(e.rule_id, ""),
             e.severity.value, "not met" if e.outcome.value == "not_met" else "no evidence", e.text]
            for o in result.organisations for e in o.lines_of_enquiry]
    _table(ws, names, rows, {"name": 30, "local_authorities": 20, "title": 45, "line_of_enquiry": 90})


# --- sheets -----------------------------------------------------------------------------------------


def finding_status(f: Finding) -> str:
    """Red/Amber/Green for one finding, as for a group (README, Status); empty when nothing was judged."""
    if f.failing:
        return "Red" if f.severity in SERIOUS else "Amber"
    return "Green" if f.outcome == Outcome.met else ""


def _findings_sheet(ws: Worksheet, reports: Sequence[Report]) -> None:
    ws.title = "Findings"
    names = [name for name, _w in FINDING_COLUMNS]
    from compliance.formats.common import KEY_QUESTION_LABELS, area_label

    rows = []
    for report in reports:
        org = report.organisation
        for f in sort_findings(report.findings):
            waiver = waiver_label(f.waiver) if f.waiver else ""
            todo = ("; ".join(f"{m.label}: enter it at {where_to_enter(m)}" for m in to_report(f))
                    if f.outcome == Outcome.insufficient_evidence else "")
            rows.append([org.id, org.name, f.rule_id, f.title, area_label(f.area), finding_status(f),
                         OUTCOME_LABELS[f.outcome], f.severity.value, KEY_QUESTION_LABELS[f.key_question], f.message,
                         evidence_text(f.evidence), f.remediation.strip() if f.outcome == Outcome.not_met else "",
                         f.line_of_enquiry.strip(), sources_text(f.sources), waiver, todo])
    _table(ws, names, rows, dict(FINDING_COLUMNS), status_column=names.index("Status") + 1)


def _ranking_sheet(ws: Worksheet, result: Screening) -> None:
    ws.title = "Ranking"
    names = ["rank", "id", "name", "type", "local_authorities", "score", "findings_points", "exposure_multiplier",
             "children", "context_points", "data_quality_points", *[s.value for s in SEVS], "drivers",
             "lines_of_enquiry", "file", "band", "national_rank", "rank_low", "rank_high", "peer_rank", "peer_size", "overdue_actions"]
    rows = [[o.rank, o.id, o.name, o.type, ", ".join(o.local_authorities), o.score, o.findings_points,
             o.exposure_multiplier, o.children, o.context_points, o.data_quality_points,
             *[o.failing_by_severity.get(s, 0) for s in SEVS],
             " | ".join(f"{c.detail} = {c.points:.1f}" for c in o.drivers()),
             " | ".join(f"{e.rule_id}: {e.text}" for e in o.lines_of_enquiry), o.file,
             o.band, o.national_rank, o.rank_low, o.rank_high, o.peer_rank, o.peer_size,
             NOT_REPORTED if o.overdue_actions is None else o.overdue_actions]
            for o in result.organisations]
    widths = {"name": 30, "local_authorities": 20, "drivers": 60, "lines_of_enquiry": 60, "file": 40}
    _table(ws, names, rows, widths)
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=11):
        for cell in row:
            if isinstance(cell.value, float):
                cell.number_format = "0.00"


def _summary_sheet(ws: Worksheet, reports: Sequence[Report], options: Options,
                   screening: Screening | None = None) -> None:
    ws.column_dimensions["A"].width = 26
    for col in range(2, len(SUMMARY_COLUMNS) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14
    row = 1
    if screening is None and reports:
        r = reports[0]
        org = r.organisation
        about: list[tuple[str, object]] = [("Organisation", f"{org.name} ({org.id}, {value_label(org.type)})"),
                 ("Period", f"{org.period_start} to {org.period_end}"),
                 ("Rules", f"{r.rules.version} ({plural(r.rules.count, 'rule')})"), ("safeguard", r.tool.version),
                 ("Input sha256", r.input.sha256),
                 ("Profile", str((r.profile or {}).get("name") or "none"))]
    else:
        about = [("Organisations screened", screening.screened if screening else 0),
                 ("With full findings", len(reports)),
                 ("Not screened (invalid files)", len(screening.invalid_files) if screening else 0)]
    if options.timestamp is not None:
        about.append(("Made at", options.timestamp.isoformat(timespec="seconds")))
    for label, value in about:
        ws.cell(row=row, column=1, value=label).font = BOLD
        ws.cell(row=row, column=2, value=safe(value))
        row += 1
    findings = [f for r in reports for f in r.findings]
    ws.cell(row=row, column=2, value="Status: Red = a high or critical requirement not met or not evidenced yet; "
                                     "Amber = only medium or low ones; Green = nothing failing.")
    row += 2
    first = row
    for title, groups in (("By area", by_area(findings)), ("By CQC key question", by_key_question(findings))):
        ws.cell(row=row, column=1, value=title).font = Font(bold=True, size=12)
        row += 1
        _header(ws, row, SUMMARY_COLUMNS)
        for g in groups:
            row += 1
            _summary_row(ws, row, g)
        row += 2
    _rag_format(ws, f"A{first}:{get_column_letter(len(SUMMARY_COLUMNS))}{row}", "$B")


def _summary_row(ws: Worksheet, row: int, g: GroupSummary) -> None:
    values = [g.label, g.status.label, *[g.outcomes.get(o, 0) for o in Outcome], g.failing]
    for col, v in enumerate(values, start=1):
        ws.cell(row=row, column=col, value=safe(v))


def _not_screened_sheet(ws: Worksheet, result: Screening) -> None:
    rows = [[bad.file, bad.reason] for bad in result.invalid_files]
    rows += [[", ".join(d.files), f"organisation {d.id} appears in {len(d.files)} files"] for d in result.duplicates]
    _table(ws, ["file", "reason"], rows, {"file": 40, "reason": 120})


# --- helpers ----------------------------------------------------------------------------------------


def _header(ws: Worksheet, row: int, names: Sequence[str]) -> None:
    for col, name in enumerate(names, start=1):
        c = ws.cell(row=row, column=col, value=name)
        c.font, c.fill = BOLD, HEADER_FILL


def _table(ws: Worksheet, names: list[str], rows: list[list[Any]], widths: dict[str, int],
           status_column: int | None = None) -> None:
    """A header, the rows, filters over them, the header frozen; RAG colours from the status column."""
    _header(ws, 1, names)
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=safe(v))
            if isinstance(v, str) and len(v) > 40:
                cell.alignment = WRAP
    for c, name in enumerate(names, start=1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(name, max(10, len(name) + 2))
    last = f"{get_column_letter(len(names))}{max(2, len(rows) + 1)}"
    ws.auto_filter.ref = f"A1:{last}"
    ws.freeze_panes = "A2"
    if status_column is not None:
        _rag_format(ws, f"A2:{last}", "$" + get_column_letter(status_column))


def _rag_format(ws: Worksheet, ref: str, status_col: str) -> None:
    """Colour whole rows by the word in their status column (the colour is never the only signal)."""
    top = int("".join(ch for ch in ref.split(":")[0] if ch.isdigit()))
    for word, colour in RAG_FILLS.items():
        fill = PatternFill(start_color=colour, end_color=colour, fill_type="solid")
        ws.conditional_formatting.add(ref, FormulaRule(formula=[f'{status_col}{top}="{word}"'], fill=fill))

