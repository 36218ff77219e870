"""History, rendered: the `safeguard history` outputs, and the trend parts of HTML and Markdown reports.

The command outputs are tables: each command turns its result into a `Doc` (title, sections of
rows), which is written as text, Markdown or HTML by one function each; JSON is the result model
itself. Every value from the store is escaped for the format it goes into.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from compliance.formats.escape import html as escape, markdown, terminal

from compliance.formats.common import area_label, number_text
from compliance.history.entries import RunEntry
from compliance.history.store import PeriodRow
from compliance.history.trends import OUTCOME_WORDS, AreaPoint, Comparison, ReportHistory, Trend

# --- documents of rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    heading: str
    columns: list[str]
    rows: Sequence[Sequence[object]]
    note: str = ""
    ratios: Sequence[int] = ()  # text: each column's share of the width (default: the first 2, the others 1)


@dataclass(frozen=True)
class Doc:
    title: str
    lines: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


def _cell(v: object) -> str:
    """A value for a table cell: runs of spaces collapsed, and a line break shown as the escaper
    writes it ('\\n', no space beside it), so wrapping never starts a forged row with what followed it."""
    return "–" if v is None or v == "" else re.sub(" +", " ", terminal(number_text(v)).strip())


_terminal = terminal  # no control characters from the store reach a terminal (compliance.formats.escape)


def doc_text(d: Doc, width: int = 100) -> str:
    """Tables fitted to `width` (the terminal's), long cells wrapped at words rather than the rows
    running on; drawn by rich, as the text report is."""
    import io
    import textwrap

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=max(width, 60), force_terminal=False, no_color=True, color_system=None,
                      highlight=False, markup=False, emoji=False, soft_wrap=False)
    for line in [_terminal(d.title), ""] + [textwrap.fill(_terminal(line), width=max(width, 60)) for line in d.lines]:
        console.print(Text(line))  # escaped before it was wrapped: the breaks are the wrapping's own
    for s in d.sections:
        console.print()
        console.print(Text(_terminal(s.heading)))
        if not s.rows:
            console.print(Text("  (none)"))
        else:
            table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), expand=True)
            for i, h in enumerate(s.columns):  # the first column (the requirement) gets the most room
                ratio = s.ratios[i] if i < len(s.ratios) else 2 if i == 0 else 1
                short = [len(_cell(row[i])) for row in s.rows if i < len(row)]
                least = max(short) if s.ratios and short and max(short) <= 12 else None  # a date or a status kept whole
                if least:
                    table.add_column(_terminal(h), overflow="fold", width=max(least, 5))
                else:
                    table.add_column(_terminal(h), overflow="fold", ratio=ratio)
            for row in s.rows:
                table.add_row(*(Text(_terminal(_cell(c))) for c in row))
            console.print(table)
        if s.note:
            console.print(Text("  " + _terminal(s.note)))
    return "\n".join(line.rstrip() for line in buffer.getvalue().split("\n")).rstrip("\n") + "\n"


_md = markdown  # the one Markdown escaper: control characters too (ESC in a name reached Markdown raw)


def doc_markdown(d: Doc) -> str:
    out = [f"# {_md(d.title)}", ""] + [_md(line) + "  " for line in d.lines]
    for s in d.sections:
        out += ["", f"## {_md(s.heading)}", ""]
        if not s.rows:
            out.append("None.")
        else:
            out.append("| " + " | ".join(_md(c) for c in s.columns) + " |")
            out.append("|" + "---|" * len(s.columns))
            out += ["| " + " | ".join(_md(_cell(c)) for c in row) + " |" for row in s.rows]
        if s.note:
            out += ["", _md(s.note)]
    return "\n".join(out) + "\n"


CSS = ("body{font:15px/1.45 -apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:24px;color:#1d1d1b}"
       "table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #c9ced3;padding:4px 8px;text-align:left}"
       "thead th{background:#f3f5f7}h2{border-bottom:2px solid #005eb8}")


def doc_html(d: Doc) -> str:
    out = ['<!DOCTYPE html>', '<html lang="en-GB"><head><meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
           f"<title>{escape(d.title)}</title><style>{CSS}</style></head><body>", f"<h1>{escape(d.title)}</h1>"]
    out += [f"<p>{escape(line)}</p>" for line in d.lines]
    for s in d.sections:
        out.append(f"<h2>{escape(s.heading)}</h2>")
        if not s.rows:
            out.append("<p>None.</p>")
        else:
            out.append("<table><thead><tr>" + "".join(f'<th scope="col">{escape(c)}</th>' for c in s.columns)
                       + "</tr></thead><tbody>")
            out += ["<tr>" + "".join(f"<td>{escape(_cell(c))}</td>" for c in row) + "</tr>" for row in s.rows]
            out.append("</tbody></table>")
        if s.note:
            out.append(f"<p>{escape(s.note)}</p>")
    return "\n".join(out) + "\n</body></html>\n"


def render_doc(d: Doc, fmt: str, width: int = 100) -> str:
    if fmt == "text":
        return doc_text(d, width)
    return {"markdown": doc_markdown, "html": doc_html}[fmt](d)


# --- the commands' documents --------------------------------------------------------------------


def list_doc(rows: Sequence[PeriodRow], org_id: str | None) -> Doc:
    title = f"Recorded periods: {org_id}" if org_id else "Recorded periods"
    return Doc(title, [f"{len(rows)} period{'s' if len(rows) != 1 else ''}, "
                       f"{len({r.org_id for r in rows})} organisation{'s' if len({r.org_id for r in rows}) != 1 else ''}."],
               [Section("Periods", ["Organisation", "Name", "Period", "Current run", "Recorded", "Runs"],
                        [[r.org_id, r.org_name, r.period, r.current_run, r.recorded_at[:19], r.runs] for r in rows],
                        "Runs: the current run and its revisions (earlier runs for the same period).")])


def show_doc(run: RunEntry, revisions: Sequence[tuple[str, str, bool]]) -> Doc:
    lines = [f"Organisation: {run.org_name} ({run.org_id}), {run.org_type}", f"Period: {run.period}",
             f"Recorded: {run.recorded_at}", f"safeguard {run.tool_version}; rules {run.rules_sha256[:12]}; "
             f"profile {(run.profile_sha256 or 'none')[:12]}; input {run.input_path} ({run.input_sha256[:12]})"]
    findings = Section("Findings", ["Rule", "Area", "Outcome", "Severity", "Value", "Threshold"],
                       [[f.rule_id, area_label(f.area), OUTCOME_WORDS[f.outcome], f.severity.value,
                         None if f.threshold is None else f.threshold.actual,
                         None if f.threshold is None else f.threshold.required] for f in run.findings])
    revs = Section("Runs for this period", ["Run", "Recorded", "Status"],
                   [[r, at[:19], "current" if cur else "revision"] for r, at, cur in revisions])
    sections = [findings, revs]
    if run.actions:
        from compliance.domain.outcomes import ACTION_STATUS_LABELS

        sections.insert(1, Section("Action plan", ["Requirement", "Action", "Owner", "Due", "Status", "What changed"],
                                   [[a.rule_id, a.action, a.owner or "not set", a.due or "not set",
                                     ACTION_STATUS_LABELS.get(a.status, a.status), a.change] for a in run.actions]))
    return Doc(f"Run {run.run_id}", lines, sections)


def _trend_cell(c) -> str:
    if c.outcome is None:
        return "not assessed"
    return OUTCOME_WORDS[c.outcome] + (f" ({c.value})" if c.value else "")


def _required(r) -> str | None:
    """The latest threshold as people read it: '90%' (a share), '36 months' (with its unit)."""
    cell = next((c for c in reversed(r.cells) if c.required is not None), None)
    if cell is None:
        return None
    unit = next((c.value for c in reversed(r.cells) if c.value), "") or ""
    if unit.endswith("%"):
        from compliance.domain.display import share_text

        return share_text(cell.required)
    return number_text(cell.required) + (f" {unit.split(' ', 1)[1]}" if " " in unit else "")


def trend_doc(t: Trend) -> Doc:
    rows: list[list[object]] = [[f"{r.rule_id} {r.title}".strip(), *(_trend_cell(c) for c in r.cells), _required(r)]
                                for r in t.rows]
    return Doc(f"Trend: {t.org_name} ({t.org_id})", [f"Periods: {', '.join(t.periods)} (current run of each)."],
               [Section("Outcome and value per period", ["Requirement", *t.periods, "Standard (latest)"], rows)])


KIND_LABELS = {"new_failure": "New failures", "fixed": "Fixed", "outcome_changed": "Outcome changed",
               "severity_changed": "Severity changed", "value_changed": "Values or thresholds changed",
               "added": "Rules added", "removed": "Rules no longer assessed"}


def _values(values: dict, other: dict) -> str:
    """The values that differ from the other period's, in words: 'age months: 26' (the ones that stayed
    the same are left out, so a row says what changed)."""
    shown = [(k, v) for k, v in sorted(values.items()) if other.get(k, v) != v or k not in other]
    return "; ".join(f"{k.replace('_', ' ')}: {'not reported' if v is None else number_text(v)}" for k, v in shown)


def compare_doc(c: Comparison) -> Doc:
    lines = [f"{len(c.changes)} finding{'s' if len(c.changes) != 1 else ''} changed, {c.unchanged} unchanged "
             f"(runs {c.from_run} -> {c.to_run}).",
             f"Still failing, unchanged: {', '.join(c.still_failing) if c.still_failing else 'none'}."]
    sections = []
    for kind, label in KIND_LABELS.items():
        rows: list[list[object]] = [[f"{x.rule_id} {x.title}",
                 f"{OUTCOME_WORDS[x.outcome_before] if x.outcome_before else '–'} ({x.severity_before.value if x.severity_before else '–'})"
                 + (f"; {v}" if (v := _values(x.values_before, x.values_after)) else ""),
                 f"{OUTCOME_WORDS[x.outcome_after] if x.outcome_after else '–'} ({x.severity_after.value if x.severity_after else '–'})"
                 + (f"; {v}" if (v := _values(x.values_after, x.values_before)) else "")]
                for x in c.changes if x.kind == kind]
        if rows:
            sections.append(Section(label, ["Requirement", f"{c.from_period}", f"{c.to_period}"], rows))
    return Doc(f"Changes: {c.org_name} ({c.org_id}), {c.from_period} to {c.to_period}", lines, sections)


def render_json(model) -> str:
    return model.model_dump_json(indent=2) + "\n"


def render_runs_json(rows: Sequence[PeriodRow]) -> str:
    return json.dumps([{"org_id": r.org_id, "org_name": r.org_name, "period": r.period,
                        "period_start": r.period_start.isoformat(), "period_end": r.period_end.isoformat(),
                        "current_run": r.current_run, "recorded_at": r.recorded_at, "runs": r.runs} for r in rows],
                      indent=2) + "\n"


# --- trends inside reports ----------------------------------------------------------------------

SVG_W, SVG_H, PAD, BAR_GAP = 220, 90, 18, 6
SPARK = "▁▂▃▄▅▆▇█"


def area_chart_svg(area: str, points: Sequence[AreaPoint]) -> Markup:
    """Bars of the share of assessed rules met, one per period; the numbers are also in the table."""
    n = max(1, len(points))
    bar_w = (SVG_W - 2 * PAD - BAR_GAP * (n - 1)) / n
    label = f"{area_label(area)}: share of assessed requirements met per period"
    parts = [f'<svg class="trend" role="img" width="{SVG_W}" height="{SVG_H + 28}" viewBox="0 0 {SVG_W} {SVG_H + 28}" '
             f'aria-label="{escape(label)}"><title>{escape(label)}</title>',
             f'<line x1="{PAD}" x2="{SVG_W - PAD}" y1="{SVG_H}" y2="{SVG_H}" stroke="#4b4f54"/>']
    for i, p in enumerate(points):
        x = round(PAD + i * (bar_w + BAR_GAP), 1)
        pct = p.percent
        h = 0 if pct is None else round((SVG_H - 16) * pct / 100, 1)
        text = "n/a" if pct is None else f"{pct:g}%"
        parts.append(f'<rect x="{x}" y="{round(SVG_H - h, 1)}" width="{round(bar_w, 1)}" height="{h}" fill="#005eb8"/>')
        parts.append(f'<text x="{round(x + bar_w / 2, 1)}" y="{round(SVG_H - h - 3, 1)}" font-size="11" '
                     f'text-anchor="middle">{escape(text)}</text>')
        parts.append(f'<text x="{round(x + bar_w / 2, 1)}" y="{SVG_H + 16}" font-size="11" '
                     f'text-anchor="middle">{escape(p.period)}</text>')
    return Markup("".join(parts) + "</svg>")


def _point_text(p: AreaPoint) -> str:
    return f"{p.met}/{p.assessed} met" + ("" if p.percent is None else f" ({p.percent:g}%)")


def history_html(h: ReportHistory) -> Markup:
    """The report's "Since the last period" section: a small chart per area and the same numbers in a table."""
    periods = [p.period for p in next(iter(h.areas.values()), [])]
    out = [f"<h3>Trend since {escape(h.previous_period)}</h3>",
           '<p class="small">Share of assessed requirements (met, not met or not evidenced yet) met, per recorded '
           "period; the latest is this report.</p>", '<div class="summary-grid">']
    out += [f"<figure>{area_chart_svg(a, pts)}</figure>" for a, pts in h.areas.items()]
    out.append("</div><table><caption class=\"label\">The same numbers</caption><thead><tr><th scope=\"col\">Area</th>"
               + "".join(f'<th scope="col" class="num">{escape(p)}</th>' for p in periods) + "</tr></thead><tbody>")
    # Markup throughout: a plain str added to escaped Markup would itself be escaped, showing the tags as text.
    out += [Markup('<tr><th scope="row">{}</th>{}</tr>').format(
                area_label(a), Markup("").join(Markup('<td class="num">{}</td>').format(_point_text(p)) for p in pts))
            for a, pts in h.areas.items()]
    out.append("</tbody></table>")
    return Markup("\n".join(out))


def _spark(points: Sequence[AreaPoint]) -> str:
    return "".join(" " if p.percent is None else SPARK[min(7, int(p.percent / 12.5))] for p in points)


def history_markdown(h: ReportHistory, level: int, changes: Sequence[tuple[str, str, str]]) -> list[str]:
    """`changes`: (rule id, title, text) for the findings that differ from the previous period."""
    h_ = "#" * level
    periods = [p.period for p in next(iter(h.areas.values()), [])]
    out = [f"{h_}# Since {_md(h.previous_period)}", "",
           "Share of assessed requirements met, per recorded period (the latest is this report):", "",
           "| Area | " + " | ".join(_md(p) for p in periods) + " | Trend |", "|---|" + "---:|" * len(periods) + "---|"]
    out += ["| " + _md(area_label(a)) + " | " + " | ".join(_md(_point_text(p)) for p in pts) + f" | {_spark(pts)} |"
            for a, pts in h.areas.items()]
    out += ["", f"Findings that changed since {_md(h.previous_period)}:", ""]
    if changes:
        out += [f"- **{_md(rid)}** {_md(title)}: {_md(text)}" for rid, title, text in changes]
    else:
        out.append("- None: every finding is as it was.")
    return out + [""]


# --- the action plans in the store ---------------------------------------------------------------


def actions_doc(plans: Sequence[dict], as_of, path: str, everything: bool) -> Doc:
    """`safeguard history actions`: each organisation's action plan as last recorded (the current run
    of its latest period), one row an action, overdue judged at `as_of`. `plans`: as `actions_json` gives."""
    n = sum(len(p["actions"]) for p in plans)
    overdue = sum(a["overdue"] for p in plans for a in p["actions"])
    lines = [f"{n} {'' if everything else 'open '}action{'s' if n != 1 else ''} of {len(plans)} "
             f"organisation{'s' if len(plans) != 1 else ''}, {overdue} overdue on {as_of:%d %B %Y}.",
             f"From the history store {path}: each organisation's latest recorded period."]
    sections = [Section(f"{p['org_name']} ({p['org_id']}), {p['period']}",
                        ["Requirement", "Action", "Owner", "Due", "Status", "Since", "What changed"],
                        [[f"{a['title']} ({a['rule_id']})" if a["title"] else a["rule_id"], a["action"]
                          + (f" Progress: {a['progress']}" if a["progress"] else ""), a["owner"] or "not set",
                          a["due"] or "not set", a["status_label"], a["since"], a["change"]] for a in p["actions"]],
                        "" if everything else "Done and closed actions are left out (--all shows them).",
                        ratios=(3, 4, 2, 2, 2, 2, 3))
                for p in plans]
    if not plans:
        lines.append("No action plan is recorded (record a return with an Action plan sheet or an actions list: "
                     "safeguard assess FILE --record).")
    return Doc("Action plans", lines, sections)


def actions_json(runs: Sequence[RunEntry], as_of, everything: bool, overdue_only: bool) -> list[dict]:
    """Each run's actions with their status in words and whether each is overdue at `as_of`."""
    from compliance.domain.actions import is_overdue
    from compliance.domain.outcomes import ACTION_STATUS_LABELS

    out = []
    for run in runs:
        titles = {f.rule_id: f.title for f in run.findings}
        actions = []
        for a in run.actions:
            late = is_overdue(a.status, a.due, as_of)
            if (not everything and not a.open) or (overdue_only and not late):
                continue
            actions.append({**a.model_dump(mode="json"), "title": titles.get(a.rule_id, ""), "overdue": late,
                            "status_label": ACTION_STATUS_LABELS["overdue" if late else a.status]})
        if actions:
            out.append({"org_id": run.org_id, "org_name": run.org_name, "period": run.period, "run_id": run.run_id,
                        "actions": actions})
    return out
