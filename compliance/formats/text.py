"""The 80-column text report, for a terminal: colour only adds to the words, never replaces them."""

from __future__ import annotations

import textwrap
from itertools import groupby

import click

from compliance.formats import Options
from compliance.domain.result import Finding, Report
from compliance.domain.outcomes import Outcome
from compliance.formats.escape import terminal

WIDTH = 80
LABELS = {
    Outcome.not_met: ("NOT MET", "red"),
    Outcome.insufficient_evidence: ("NO EVIDENCE", "yellow"),
    Outcome.met: ("MET", "green"),
    Outcome.not_applicable: ("N/A", None),
    Outcome.waived: ("WAIVED", "cyan"),
}


def render_text(report: Report, verbose: bool = False, color: bool = False) -> str:
    """An 80-column report; colour only adds to the words, never replaces them."""
    style = (lambda text, **kw: click.style(text, **kw)) if color else (lambda text, **kw: text)
    org = report.organisation
    s = report.summary
    lines = [
        style(terminal(f"{org.name} ({org.id}, {org.type})"), bold=True),
        f"Period {org.period_start} to {org.period_end}; rules {report.rules.version} "
        f"({report.rules.count} rules); safeguard {report.tool.version}",
        *(f"Local rule {o.rule_id} ({o.file}) overrides {'the bundled' if o.bundled else 'the'} rule of the same id"
          for o in report.rules.overrides),
        "",
        "Outcomes: " + ", ".join(f"{s.outcomes[o]} {LABELS[o][0].lower()}" for o in Outcome),
        "Not met or unevidenced, by severity: "
        + ", ".join(f"{n} {sev.value}" for sev, n in s.failing_by_severity.items()),
    ]
    for area, items in groupby(report.findings, key=lambda f: f.area):
        lines += ["", style(area.replace("_", " ").upper(), bold=True)]
        for f in items:
            lines += _finding_lines(f, verbose, style)
    return "\n".join(lines) + "\n"


class _Wrapper(textwrap.TextWrapper):
    """Wraps text that came from files: every control character shown, never sent to the terminal."""

    def wrap(self, text: str) -> list[str]:
        return super().wrap(terminal(text))


def _finding_lines(f: Finding, verbose: bool, style) -> list[str]:
    label, colour = LABELS[f.outcome]
    head = terminal(f"{label:<11} {f.severity.value:<8} {f.rule_id}  {f.title}")
    out = [style(head[:WIDTH], fg=colour, bold=f.failing)]
    wrap = _Wrapper(width=WIDTH, initial_indent=" " * 12, subsequent_indent=" " * 12)
    if f.failing or verbose:
        out += wrap.wrap(f.message)
    if f.waiver is not None:
        expiry = f" (expires {f.waiver.expires})" if f.waiver.expires else ""
        out += wrap.wrap(f"Waived: {f.waiver.reason}{expiry}")
    if f.failing:
        out += wrap.wrap("To do: " + f.remediation)
    if verbose:
        for e in f.evidence:
            value = "not reported" if e.value is None else e.value
            out += wrap.wrap(f"- {e.measure} = {value}  [{e.source}]")
        if f.parameters:
            out += wrap.wrap("Thresholds: " + ", ".join(f"{k} = {v}" for k, v in f.parameters.items()))
        for src in f.sources:
            section = f", {src.section}" if src.section else ""
            out += wrap.wrap(f"Source: {src.document}{section} ({src.year}; {src.confidence.replace('_', ' ')})")
    return out


def render_assessment(report: Report, options: Options) -> str:
    return render_text(report, verbose=options.verbose, color=options.color)
