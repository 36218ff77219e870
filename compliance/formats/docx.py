"""The board paper (`--format docx`): what a trust board receives about safeguarding children.

A short Word document in the order board papers take: purpose, the overall level of assurance (and
the rule that gave it), the key risks in plain words, what is still to report, what changed since
the last recorded period, the action plan's status, and what the board is asked to do. The full
findings stay in the HTML and xlsx reports; the paper is meant to fit in two to four pages for a
typical trust, so it lists the critical and high requirements not met and counts the rest.

Every word comes from the report (findings are data); nothing is re-derived here but the level of
assurance (compliance.formats.assurance). The bytes are the same for the same input.
"""

from __future__ import annotations

import datetime as dt
import io

from compliance.domain.labels import value_label
from compliance.domain.outcomes import ACTION_STATUS_LABELS, OUTCOME_LABELS, STILL_TO_REPORT, Outcome, Severity
from compliance.domain.result import Finding, Report
from compliance.formats import Options
from compliance.formats.assurance import assurance
from compliance.formats.common import SERIOUS, key_risks, still_to_report, to_report_lines, waiver_label
from compliance.formats.escape import terminal

from compliance.intake.files import FIXED_TIME  # one fixed time for every document
RISKS_SHOWN = 8  # the paper names at most this many requirements not met; the rest are counted


def _clean(text: object) -> str:
    """One line of plain text: control characters shown, never passed into the document's XML raw."""
    return terminal(" ".join(str(text).split()))


def render_docx_assessment(report: Report, options: Options | None = None, history=None) -> bytes:
    """`history`: a compliance.history.trends.ReportHistory (plain data), or None."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    options = options or Options()
    org = report.organisation
    findings = report.findings
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(11)

    title = doc.add_heading("Safeguarding children: assurance report to the board", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.LEFT
    doc.add_paragraph(_clean(f"{org.name} ({org.id}), {value_label(org.type)}. "
                             f"Period {org.period_start:%d %B %Y} to {org.period_end:%d %B %Y}."))
    meta = f"Assessed by safeguard {report.tool.version} against rules version {report.rules.version}"
    if options.timestamp is not None:
        meta += f" on {options.timestamp:%d %B %Y}"
    doc.add_paragraph(meta + ".").runs[0].italic = True

    doc.add_heading("Purpose", level=1)
    doc.add_paragraph(
        "To give the board assurance on the organisation's arrangements for safeguarding children, "
        "measured against the requirements regulators inspect (CQC, NHS England's safeguarding "
        "accountability and assurance framework, Working Together to Safeguard Children), to set out the "
        "key risks and the actions to address them, and to ask the board to agree them.")

    level, why = assurance(findings)
    doc.add_heading("Overall level of assurance", level=1)
    p = doc.add_paragraph()
    p.add_run(level.value).bold = True
    p.add_run(f". {why}")
    s = report.summary
    counts = doc.add_table(rows=2, cols=5)
    counts.style = "Table Grid"
    for i, o in enumerate((Outcome.met, Outcome.not_met, Outcome.insufficient_evidence, Outcome.not_applicable,
                           Outcome.waived)):
        counts.cell(0, i).text = OUTCOME_LABELS[o]
        counts.cell(1, i).text = str(s.outcomes[o])
        counts.cell(0, i).paragraphs[0].runs[0].bold = True
    doc.add_paragraph(
        "Requirements not evidenced yet are not failures: the return does not give the figures they need. "
        "They are counted apart and listed under 'Still to report'. The level of assurance follows the rule "
        "in the README (Level of assurance).").runs[0].italic = True

    risks = key_risks(findings)
    serious = [f for f in risks if f.severity in SERIOUS]
    shown = (serious or risks)[:RISKS_SHOWN]
    doc.add_heading("Key risks", level=1)
    if not risks:
        doc.add_paragraph("No requirement assessed is not met.")
    else:
        doc.add_paragraph(f"{len(risks)} requirement{'s are' if len(risks) != 1 else ' is'} not met, "
                          f"{len(serious)} of them critical or high. The most serious:")
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for i, head in enumerate(("Requirement", "What we found", "What we will do")):
            table.cell(0, i).text = head
            table.cell(0, i).paragraphs[0].runs[0].bold = True
        for f in shown:
            row = table.add_row().cells
            row[0].text = _clean(f"{f.title} ({f.severity.value}, {f.rule_id})")
            row[1].text = _clean(f.message) + (f" {_clean(waiver_label(f.waiver))}" if f.waiver else "")
            for note in dict.fromkeys(f"{e.label or e.measure}: {e.note}" for e in f.evidence if e.note and e.used):
                row[1].add_paragraph(_clean(f"Note: {note}")).runs[0].italic = True
            row[2].text = _clean(f.remediation)
        rest = len(risks) - len(shown)
        if rest:
            doc.add_paragraph(f"{rest} further requirement{'s' if rest != 1 else ''} not met "
                              f"({_severity_counts(risks[len(shown):])}) are in the full report.")

    todo = still_to_report(findings)
    doc.add_heading(STILL_TO_REPORT, level=1)
    if not todo:
        doc.add_paragraph("Nothing: the return gives every figure the requirements need.")
    else:
        doc.add_paragraph(f"{len(todo)} requirement{'s are' if len(todo) != 1 else ' is'} not evidenced yet. "
                          "These are to-dos for the safeguarding team, not failures:")
        for f in todo:
            item = doc.add_paragraph(style="List Bullet")
            item.add_run(_clean(f"{f.title} ({f.severity.value})")).bold = True
            item.add_run(_clean(": " + "; ".join(to_report_lines(f))))

    doc.add_heading("What changed since last year", level=1)
    changed = _changes(report, history)
    if history is None or history.previous_period is None:
        doc.add_paragraph("No earlier period is recorded, so there is nothing to compare with yet; this "
                          "assessment will be the baseline for next year's.")
    elif not changed:
        doc.add_paragraph(f"Every requirement has the same outcome as in {_clean(history.previous_period)}.")
    else:
        doc.add_paragraph(f"Compared with {_clean(history.previous_period)}:")
        for f, text in changed:
            item = doc.add_paragraph(style="List Bullet")
            item.add_run(_clean(f.title)).bold = True
            item.add_run(_clean(f": {OUTCOME_LABELS[f.outcome].lower()} now; {text}."))

    doc.add_heading("Action plan", level=1)
    _action_plan(doc, report, risks, history)

    doc.add_heading("The board is asked to", level=1)
    asks = [f"note the level of assurance: {level.value.lower()};"]
    if risks:
        asks.append(f"agree the actions for the {len(risks)} requirement{'s' if len(risks) != 1 else ''} not met, "
                    "each with an owner and a due date, and ask for a progress report at its next meeting;")
    if todo:
        asks.append(f"ask the safeguarding team to report the figures for the {len(todo)} requirement"
                    f"{'s' if len(todo) != 1 else ''} not evidenced yet;")
    asks.append("note the sources of each requirement, listed in the full report.")
    for text in asks:
        doc.add_paragraph(text, style="List Number")

    props = doc.core_properties
    props.author = "safeguard"
    props.title = _clean(f"Safeguarding children: {org.name}")
    props.created = props.modified = dt.datetime(*FIXED_TIME)
    props.last_modified_by = ""
    props.revision = 1
    return _fixed_zip(doc)


def _action_plan(doc, report: Report, risks: list[Finding], history) -> None:
    """The plan's status: each action with its owner, date and status (overdue flagged), the
    requirements not met with no action, and those failing again since last year with none."""
    from collections import Counter

    planned = {a.rule_id for a in report.actions if a.status != "closed"}
    if report.actions:
        status = Counter(a.status_label for a in report.actions)
        doc.add_paragraph(f"{len(report.actions)} action{'s' if len(report.actions) != 1 else ''}: " + ", ".join(
            f"{n} {label.lower()}" for label, n in sorted(status.items(), key=lambda x: _STATUS_ORDER.get(x[0], 9))) + ".")
        changed = any(a.change for a in report.actions)
        heads = ("Requirement", "Action", "Owner", "Due", "Status") + (("What changed",) if changed else ())
        table = doc.add_table(rows=1, cols=len(heads))
        table.style = "Table Grid"
        for i, head in enumerate(heads):
            table.cell(0, i).text = head
            table.cell(0, i).paragraphs[0].runs[0].bold = True
        titles = {f.rule_id: f.title for f in report.findings}
        for a in report.actions:
            row = table.add_row().cells
            row[0].text = _clean(f"{titles.get(a.rule_id, a.rule_id)} ({a.rule_id})")
            row[1].text = _clean(a.action + (f" Progress: {a.progress}" if a.progress else ""))
            row[2].text = _clean(a.owner or "not set")
            row[3].text = str(a.due) if a.due else "not set"
            row[4].text = _clean(a.status_label)
            if a.overdue:
                row[4].paragraphs[0].runs[0].bold = True
            if changed:
                row[5].text = _clean(a.change or "")
    missing = [f for f in risks if f.rule_id not in planned]
    if missing:
        doc.add_paragraph(f"{len(missing)} requirement{'s' if len(missing) != 1 else ''} not met "
                          f"{'have' if len(missing) != 1 else 'has'} no action yet: the actions the requirements "
                          "suggest are under key risks; the safeguarding committee will agree an owner and a date for each.")
    again = [f for f in missing if history is not None and history.changes.get(f.rule_id, "").startswith(
        ("unchanged since", "also not met"))]
    if again:
        doc.add_paragraph(_clean("Not met last year and again this year, with no action: "
                                 + "; ".join(f"{f.title} ({f.rule_id})" for f in again) + ".")).runs[0].bold = True
    if not report.actions and not risks:
        doc.add_paragraph("No requirement is not met, so no action is due.")


_STATUS_ORDER = {label: i for i, label in enumerate(ACTION_STATUS_LABELS[s] for s in
                                                   ("done", "closed", "in_progress", "not_started", "overdue"))}


def _severity_counts(findings: list[Finding]) -> str:
    return ", ".join(f"{n} {sev.value}" for sev in Severity
                     if (n := sum(f.severity == sev for f in findings)))


def _changes(report: Report, history) -> list[tuple[Finding, str]]:
    if history is None:
        return []
    return [(f, history.changes[f.rule_id]) for f in report.findings
            if f.rule_id in history.changes and not history.changes[f.rule_id].startswith("unchanged")]


def _fixed_zip(doc) -> bytes:
    """The document with every zip entry's time fixed, so the same report gives the same bytes."""
    from compliance.intake.files import fixed_time_zip

    first = io.BytesIO()
    doc.save(first)
    return fixed_time_zip(first)
