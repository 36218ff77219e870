"""The text report, for a terminal, drawn by rich: it fits the terminal's width (80 columns when
written to a file or a pipe), shortens titles with an ellipsis instead of cutting them, wraps
messages at word boundaries, and colours only when asked (never under NO_COLOR or --no-color).
Colour only adds to the words, never replaces them: the outcome is always written out.
"""

from __future__ import annotations

import io
from itertools import groupby

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from compliance.domain.display import plural
from compliance.domain.labels import value_label
from compliance.domain.outcomes import FRAMEWORKS, OUTCOME_LABELS, STILL_TO_REPORT, Outcome
from compliance.domain.result import Finding, Report
from compliance.formats import Options
from compliance.formats.escape import terminal as safe  # control characters shown, never sent
from compliance.formats.common import action_text, counts_line, evidence_label, evidence_value, framework_groups, still_to_report, to_report_lines, waiver_label

WIDTH = 80
INDENT = 12
COLOURS = {Outcome.not_met: "red", Outcome.insufficient_evidence: "yellow", Outcome.met: "green",
           Outcome.not_applicable: None, Outcome.waived: "cyan"}
LABELS = {o: (OUTCOME_LABELS[o], COLOURS[o]) for o in Outcome}
LABEL_WIDTH = max(len(OUTCOME_LABELS[o]) for o in Outcome if o != Outcome.insufficient_evidence)

def _console(width: int, color: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False, markup=False,
                      emoji=False, legacy_windows=False, soft_wrap=False, force_jupyter=False,
                      force_interactive=False)
    return console, buffer


def summary_line(report: Report) -> str:
    """The whole report in one line (`--quiet`)."""
    org = report.organisation
    return f"{safe(org.name)} ({safe(org.id)}): {counts_line(report)}"


def render_text(report: Report, verbose: bool = False, color: bool = False, width: int = WIDTH,
                quiet: bool = False, by: str | None = None) -> str:
    if quiet:
        return summary_line(report) + "\n"
    console, buffer = _console(max(width, 40), color)
    org = report.organisation
    console.print(Text(f"{safe(org.name)} ({safe(org.id)}, {value_label(org.type)})", style="bold", overflow="fold"))
    console.print(Text(f"Period {org.period_start} to {org.period_end}; rules {report.rules.version} "
                       f"({plural(report.rules.count, 'rule')}); safeguard {report.tool.version}"))
    for o in report.rules.overrides:
        console.print(Text(f"Local rule {o.rule_id} ({safe(o.file)}) overrides "
                           f"{'the bundled' if o.bundled else 'the'} rule of the same id", overflow="fold"))
    console.print()
    console.print(_summary(report))
    groups = ([(g.label, list(items)) for g, items in framework_groups(report.findings, by)] if by else
              [(area.replace("_", " "), list(items)) for area, items in groupby(report.findings, key=lambda f: f.area)])
    if by:
        console.print()
        console.print(Text(f"By {FRAMEWORKS[by]}", style="bold", overflow="fold"))
    for heading, items in groups:
        console.print()
        console.print(Text(heading.upper() if not by else heading, style="bold", overflow="fold"))
        for f in items:
            if f.outcome != Outcome.insufficient_evidence:
                console.print(_finding(f, verbose, report.actions))
    todo = still_to_report(report.findings)
    if todo:
        console.print()
        console.print(Text(f"{STILL_TO_REPORT.upper()} ({len(todo)}): not failures; report these values for "
                           "the requirements to be decided", style="bold", overflow="fold"))
        for f in todo:
            console.print(_to_report(f, verbose))
    return "\n".join(line.rstrip() for line in buffer.getvalue().split("\n"))


def _summary(report: Report) -> Table:
    s = report.summary
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("")
    for o in Outcome:
        table.add_column(LABELS[o][0], justify="right", style=LABELS[o][1] or "",
                         no_wrap=True)
    table.add_row("Outcomes", *(str(s.outcomes[o]) for o in Outcome))
    not_met = [f for f in report.findings if f.outcome == Outcome.not_met]
    failing = ", ".join(f"{sum(f.severity == sev for f in not_met)} {sev.value}" for sev in s.failing_by_severity)
    return Group(table, Text(f"Not met, by severity: {failing}", overflow="fold"))  # type: ignore[return-value]


def _finding(f: Finding, verbose: bool, actions=()) -> Group:
    label, colour = LABELS[f.outcome]
    style = f"{colour or ''}{' bold' if f.failing else ''}".strip()
    # One line, cut with an ellipsis at the width (a one-row table per finding drew the same line in
    # a third of the text report's time); a longer local rule id pushes the title along, uncut.
    head = Text.assemble((f"{label:<{LABEL_WIDTH}} {f.severity.value:<8} {f.rule_id:<7} ", style), (safe(f.title), style),
                         no_wrap=True, overflow="ellipsis")
    parts: list[Text] = []
    if f.failing or verbose:
        parts.append(Text(safe(f.message.strip())))
    if f.waiver is not None:
        parts.append(Text(safe(waiver_label(f.waiver))))
    if f.outcome == Outcome.not_met:
        planned = [a for a in actions if a.rule_id == f.rule_id]
        parts += [Text("Action: " + safe(action_text(a))) for a in planned] or [
            Text("To do: " + safe(f.remediation.strip()))]
    if verbose:
        for e in f.evidence:
            parts.append(Text(f"- {safe(evidence_label(e))}: {safe(evidence_value(e))}"))
        for src in f.sources:
            section = f", {src.section}" if src.section else ""
            parts.append(Text(f"Source: {safe(src.document)}{section} ({src.year}; {src.confidence.replace('_', ' ')})"))
    return Group(head, *(Padding(p, (0, 0, 0, INDENT), expand=False) for p in parts))


def _to_report(f: Finding, verbose: bool) -> Group:
    """A requirement not evidenced yet: what to report and where, never the action for a failure."""
    head = Text.assemble((f"{f.severity.value:<8} {f.rule_id:<7} ", "yellow" if f.severity.rank >= 3 else ""),
                         safe(f.title), no_wrap=True, overflow="ellipsis")
    parts = [Text(f"- {safe(line)}") for line in to_report_lines(f)]
    if verbose:
        parts += [Text(f"- {safe(evidence_label(e))}: {safe(evidence_value(e))}") for e in f.evidence
                  if e.value is not None]
    return Group(head, *(Padding(p, (0, 0, 0, INDENT), expand=False) for p in parts))


def render_assessment(report: Report, options: Options) -> str:
    return render_text(report, verbose=options.verbose, color=options.color, width=options.width,
                       quiet=options.quiet, by=options.by)
