"""A self-contained HTML report: one file, inline CSS and script, no network, readable and printable.

Rendered with Jinja2 (autoescape on) from compliance/formats/templates/. The training chart is inline SVG
whose geometry is computed here, so the template only draws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from compliance.formats import Options
from compliance.domain.result import Report, TrainingCoverage
from compliance.domain.outcomes import Outcome, Severity
from compliance.formats.common import action_text, STILL_TO_REPORT, still_to_report, to_report_lines, KEY_QUESTION_LABELS, OUTCOME_LABELS, RankingRow, Rag, anchor, area_label, as_list, by_area, by_key_question, evidence_label, framework_groups, evidence_text, evidence_value, headline, in_ranking_order, key_risks, number_text, part_names, ranking_rows, rag, source_text, text_parts, waiver_label

TEMPLATE = "report.html.j2"

# chart geometry (px): label column, bar scale 0-100%, then the value column, wide enough for the
# longest value label ("84.5% (262/310) ✖ below 85%") to sit inside the chart
LABEL_W, BAR_X, BAR_W, ROW_H, TOP, WIDTH = 250, 260, 290, 30, 28, 800
VALUE_X = BAR_X + BAR_W + 8


def _shown(value: object) -> object:
    """Every value a template prints: text with its control characters shown (escape.html_text);
    markup the renderer built itself (Markup) is left as it is."""
    from markupsafe import Markup

    from compliance.formats.escape import html_text

    return html_text(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("compliance.formats", "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=_shown)
    env.filters["area"] = area_label
    env.filters["num"] = number_text
    return env


def _chart(bars: Sequence[TrainingCoverage]) -> dict:
    rows = []
    for i, b in enumerate(bars):
        y = TOP + i * ROW_H
        pct = b.percent
        rows.append({
            "bar": b, "y": y, "label": f"{b.group} (level {b.level})",
            "width": 0 if pct is None else round(BAR_W * min(pct, 100) / 100, 1),
            "threshold_x": None if b.threshold is None else round(BAR_X + BAR_W * b.threshold / 100, 1),
            "value": "not reported" if pct is None else f"{b.percent_text} ({b.in_date}/{b.staff_in_post})",
            "status": "none" if pct is None or b.threshold is None else ("below" if b.below else "ok"),
        })
    return {"rows": rows, "height": TOP + len(rows) * ROW_H + 10, "bar_x": BAR_X, "bar_w": BAR_W,
            "width": WIDTH, "value_x": VALUE_X,
            "label_w": LABEL_W, "ticks": [{"x": round(BAR_X + BAR_W * t / 100, 1), "t": t} for t in (0, 25, 50, 75, 100)]}


def _organisation(report: Report, history=None, by: str | None = None) -> dict:
    """`history`: a compliance.history.trends.ReportHistory (plain data), or None; `by`: a framework
    whose clauses group the findings."""
    findings = report.findings
    if history is not None:
        from compliance.formats.history import history_html

        history = {"section": history_html(history), "changes": history.changes}
    from compliance.domain.outcomes import FRAMEWORKS

    return {
        "history": history,
        "framework": FRAMEWORKS[by] if by else None,
        "framework_rows": [g for g, _ in framework_groups(findings, by)] if by else [],
        "report": report, "org": report.organisation, "anchor": anchor(report.organisation.id),
        "headline": headline(report), "status": rag(findings), "areas": by_area(findings),
        "key_questions": by_key_question(findings), "risks": key_risks(findings),
        "todo": [(f, to_report_lines(f)) for f in still_to_report(findings)],
        "not_met_by_severity": {s: sum(f.outcome == Outcome.not_met and f.severity == s for f in findings)
                                for s in Severity},
        "chart": _chart(report.training) if report.training else None, "findings": findings,
        "profile_name": (report.profile or {}).get("name") if report.profile else None,
    }


def _render(orgs: list[dict], ranking: list[RankingRow], title: str, timestamp: dt.datetime | None,
            invalid: Sequence[str] = (), overview: Mapping | None = None) -> str:
    template = _environment().get_template(TEMPLATE)
    return template.render(
        title=title, orgs=orgs, ranking=ranking, invalid=list(invalid), parts=part_names(ranking),
        text_parts=text_parts(ranking), anchor=anchor,
        timestamp=None if timestamp is None else timestamp.replace(microsecond=0).isoformat(sep=" "),
        outcomes=list(Outcome), outcome_labels=OUTCOME_LABELS, severities=list(Severity),
        rags=list(Rag), kq_labels=KEY_QUESTION_LABELS, evidence_text=evidence_text, source_text=source_text, evidence_label=evidence_label,
        evidence_value=evidence_value, waiver_label=waiver_label, to_report_lines=to_report_lines,
        action_text=action_text,
        still_to_report_title=STILL_TO_REPORT, insufficient=Outcome.insufficient_evidence,
        org_status={o["org"].id: o["status"] for o in orgs}, overview=overview,
    )


def render_html(reports: Report | Sequence[Report], timestamp: dt.datetime | None = None, history=None,
                by: str | None = None) -> str:
    """One organisation's report (with its history, when given), or several one after another."""
    items = as_list(reports)
    if len(items) != 1:
        return render_html_screening(items, None, timestamp, by=by)
    org = items[0].organisation
    return _render([_organisation(items[0], history, by)], [],
                   f"Safeguarding children: {org.name} ({org.id})", timestamp)


def render_html_screening(reports: Sequence[Report], ranking: Sequence[RankingRow | Mapping] | None = None,
                          timestamp: dt.datetime | None = None,
                          invalid: Sequence[str] = (), overview: Mapping | None = None, by: str | None = None) -> str:
    """The ranked list (score and its parts) linking to each organisation's full report below it.

    `invalid` lists files that could not be screened (one reason each), shown above the ranking.
    """
    rows = ranking_rows(ranking, reports)
    ordered = in_ranking_order(reports, rows)
    orgs = [_organisation(r, by=by) for r in ordered]
    n = max(len(rows), len(ordered))  # the ranking may list more than get full reports (--details)
    return _render(orgs, rows, f"Safeguarding children screening: {n} organisation{'s' if n != 1 else ''}", timestamp,
                   invalid, overview)


def render_html_assessment(report: Report, options: Options, history=None) -> str:
    return render_html(report, timestamp=options.timestamp, history=history, by=options.by)
