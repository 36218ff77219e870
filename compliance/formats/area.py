"""The area report: the area rules' findings, the accountability matrix, providers missing from the
returns, and lines of enquiry, for a terminal, a board paper or a page."""

from __future__ import annotations

import textwrap

from compliance.domain.area_result import AreaReport
from compliance.domain.outcomes import FAILING_WORDS, MARKS_LEGEND, OUTCOME_LABELS, OUTCOME_MARKS, Outcome
from compliance.formats import Options
from compliance.formats.escape import html as html_escape, markdown, terminal

WIDTH = 80
MARK = OUTCOME_LABELS  # the organisation reports' words (domain/outcomes.py), never this renderer's own
SHORT = OUTCOME_MARKS
LABEL_WIDTH = max(len(v) for v in MARK.values())


def _fit(text: str, width: int) -> str:
    text = terminal(text)  # escaped before it is measured, so a control character cannot widen or break a column
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _wrap(text: str, indent: str = "  ") -> list[str]:
    # escaped before wrapping: a line break in a name is shown as \n, never taken as a place to break
    return textwrap.wrap(terminal(text), WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def matrix_view(r: AreaReport) -> tuple[list, list, list]:
    """The accountability matrix as a reader scans it: requirements in id order (columns), the
    organisations failing a share first (failures before missing evidence, then by id), and those
    with nothing failing folded into one list."""
    order = sorted(range(len(r.findings)), key=lambda i: r.findings[i].rule_id)
    columns = [r.findings[i] for i in order]
    rows = [(m, [outcomes[i] for i in order]) for m, outcomes in r.matrix()]

    def weight(outcomes: list[Outcome]) -> tuple[int, int]:
        return (-sum(o == Outcome.not_met for o in outcomes), -sum(o == Outcome.insufficient_evidence for o in outcomes))

    failing = sorted([x for x in rows if any(o in (Outcome.not_met, Outcome.insufficient_evidence) for o in x[1])],
                     key=lambda x: (weight(x[1]), x[0].id))
    fine = [m for m, outcomes in rows if not any(o in (Outcome.not_met, Outcome.insufficient_evidence) for o in outcomes)]
    return columns, failing, fine


def render_text(r: AreaReport, options: Options | None = None) -> str:
    failing = [f for f in r.findings if f.failing]
    lines = [f"Area {r.local_authority}: {len(r.organisations)} organisation(s); "
             f"{len(failing)} of {len(r.findings)} area requirement(s) {FAILING_WORDS}", ""]
    for f in r.findings:
        lines.append(_fit(f"{MARK[f.outcome]:<{LABEL_WIDTH}} {f.severity.value:<9} {f.rule_id}  {f.title}", WIDTH))
        if f.outcome != Outcome.met:
            lines += _wrap(f.message, "    ")
    columns, failing_rows, fine = matrix_view(r)
    lines += [""] + _wrap(f"Accountability: each organisation's share ({MARKS_LEGEND}; - no part); organisations "
                          "failing a share first, those with nothing failing listed after", "")
    lines += [w for f in columns for w in _wrap(f"{f.rule_id}: {f.title}", "  ")]
    lines.append(f"  {'organisation':<22}" + "".join(f"{f.rule_id[-3:]:>8}" for f in columns))
    for m, outcomes in failing_rows:
        lines.append(f"  {_fit(m.id + ' ' + m.name, 22):<22}" + "".join(f"{SHORT[o]:>8}" for o in outcomes))
    if fine:
        lines += _wrap(f"{len(fine)} organisation(s) with nothing failing: " + ", ".join(m.id for m in fine), "  ")
    if r.missing_providers:
        lines += ["", "Listed by the ICB but not among the returns: " + ", ".join(r.missing_providers)]
    if failing:
        lines += ["", "Lines of enquiry"]
        for f in failing:
            lines += _wrap(f"{f.rule_id}: {f.line_of_enquiry}")
    # Every line through the terminal escaper: a newline in a name cannot forge a row, an ESC cannot
    # drive the terminal.
    return "\n".join(map(terminal, lines)) + "\n"


_cell = markdown  # names, ids and messages as written: no HTML, link, row or control character acts


def render_markdown(r: AreaReport, options: Options | None = None) -> str:
    out = [f"# Area {_cell(r.local_authority)}", "",
           f"{len(r.organisations)} organisations; "
           f"{sum(f.failing for f in r.findings)} of {len(r.findings)} area requirements {FAILING_WORDS}.",
           "", "| requirement | outcome | severity | finding |", "|---|---|---|---|"]
    out += [f"| {_cell(f.rule_id)} {_cell(f.title)} | {MARK[f.outcome]} | {f.severity.value} | {_cell(f.message)} |"
            for f in r.findings]
    columns, failing_rows, fine = matrix_view(r)
    out += ["", "## Accountability", "", "Organisations failing a share first; those with nothing failing are listed after.", ""]
    out += [f"- **{_cell(f.rule_id)}**: {_cell(f.title)}" for f in columns] + [""]
    out += ["| organisation | " + " | ".join(_cell(f.rule_id) for f in columns) + " |", "|---|" + "---|" * len(columns)]
    out += [f"| {_cell(m.name)} ({_cell(m.id)}) | " + " | ".join(MARK[o] for o in outcomes) + " |"
            for m, outcomes in failing_rows]
    if fine:
        out += ["", f"{len(fine)} organisation(s) with nothing failing: " + ", ".join(f"{_cell(m.name)} ({_cell(m.id)})" for m in fine)]
    if r.missing_providers:
        out += ["", "Listed by the ICB but not returned: " + ", ".join(map(_cell, r.missing_providers))]
    failing = [f for f in r.findings if f.failing]
    if failing:
        out += ["", "## Lines of enquiry", ""] + [f"- **{_cell(f.rule_id)}**: {_cell(f.line_of_enquiry)}" for f in failing]
    return "\n".join(out) + "\n"


def render_html(r: AreaReport, options: Options | None = None) -> str:
    e = html_escape
    rows = "".join(f"<tr class='{f.outcome.value}'><td>{e(f.rule_id)}</td><td>{e(f.title)}</td><td>{e(MARK[f.outcome])}</td>"
                   f"<td>{e(f.severity.value)}</td><td>{e(f.message)}</td></tr>" for f in r.findings)
    columns, failing_rows, fine = matrix_view(r)
    head = "".join(f"<th scope='col'><abbr title='{e(f.title)}'>{e(f.rule_id)}</abbr><br><small>{e(f.title)}</small></th>"
                   for f in columns)
    matrix = "".join(f"<tr><th scope='row'>{e(m.name)} ({e(m.id)})</th>"
                     + "".join(f"<td class='{o.value}'>{e(MARK[o])}</td>" for o in outcomes) + "</tr>"
                     for m, outcomes in failing_rows)
    if fine:
        matrix += (f"<tr><td colspan='{len(columns) + 1}'><details><summary>{len(fine)} organisation(s) with nothing "
                   f"failing</summary>{e(', '.join(f'{m.name} ({m.id})' for m in fine))}</details></td></tr>")
    enquiries = "".join(f"<li><b>{e(f.rule_id)}</b>: {e(f.line_of_enquiry)}</li>" for f in r.findings if f.failing)
    missing = (f"<p>Listed by the ICB but not among the returns: {e(', '.join(r.missing_providers))}</p>"
               if r.missing_providers else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Safeguarding children: area {e(r.local_authority)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:75rem;margin:1rem auto;padding:0 1rem}}
table{{border-collapse:collapse;width:100%;table-layout:fixed;overflow-wrap:anywhere}}td,th{{border:1px solid #ccc;padding:.3rem;text-align:left;vertical-align:top}}
.not_met{{background:#fde2e1}}.insufficient_evidence{{background:#fff3cd}}.met{{background:#e3f4e6}}</style></head>
<body><h1>Area {e(r.local_authority)}</h1>
<p>{len(r.organisations)} organisations; {sum(f.failing for f in r.findings)} of {len(r.findings)} area requirements {FAILING_WORDS}.</p>
<h2>Area findings</h2><table><thead><tr><th>Rule</th><th>Requirement</th><th>Outcome</th><th>Severity</th><th>Finding</th></tr></thead><tbody>{rows}</tbody></table>
<h2>Accountability</h2><div style="overflow-x:auto"><table><thead><tr><th>Organisation</th>{head}</tr></thead><tbody>{matrix}</tbody></table></div>
{missing}<h2>Lines of enquiry</h2><ul>{enquiries}</ul></body></html>
"""
