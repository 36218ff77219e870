"""A board-paper summary in GitHub-flavoured Markdown: headline, counts, key risks, actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence, Set

from compliance.formats import Options
from compliance.domain.result import Report
from compliance.domain.display import plural
from compliance.domain.labels import value_label
from compliance.domain.outcomes import Outcome, Severity
from compliance.formats.escape import markdown
from compliance.formats.common import action_text, actions_for, OUTCOME_LABELS, STILL_TO_REPORT, counts_line, still_to_report, to_report_lines, GroupSummary, framework_groups, RankingRow, anchor, as_list, by_area, by_key_question, evidence_text, headline, in_ranking_order, key_risks, number_text, part_label, part_names, ranking_rows, text_parts, waiver_label

md = markdown  # the one Markdown escaper (compliance.formats.escape)


def _table(head: list[str], rows: list[list[object]], right: Set[int] = frozenset()) -> list[str]:
    align = ["---:" if i in right else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return lines


def _status_table(title: str, rows: list[GroupSummary]) -> list[str]:
    return _table([title, "Status", *(OUTCOME_LABELS[o] for o in _ORDER)],
                  [[r.label, r.status.label.upper(), *(r.outcomes[o] for o in _ORDER)] for r in rows],
                  right={2, 3, 4, 5, 6})


_ORDER = (Outcome.met, Outcome.not_met, Outcome.insufficient_evidence, Outcome.not_applicable, Outcome.waived)


def _first_upper(text: str) -> str:
    """Capitalised without lowering the rest (str.capitalize would print rule ids as trn-001)."""
    return text[:1].upper() + text[1:]


def _framework_table(report: Report, framework: str) -> list[str]:
    from compliance.domain.outcomes import FRAMEWORKS

    rows = framework_groups(report.findings, framework)
    return _table([FRAMEWORKS[framework], "Status", *(OUTCOME_LABELS[o] for o in _ORDER), "Requirements"],
                  [[g.label, g.status.label.upper(), *(g.outcomes[o] for o in _ORDER),
                    ", ".join(f"{f.rule_id}{' (failing)' if f.failing else ''}" for f in items)] for g, items in rows],
                  right={2, 3, 4, 5, 6})


def _organisation(report: Report, level: int, timestamp: dt.datetime | None, history=None,
                  by: str | None = None) -> list[str]:
    h = "#" * level
    org = report.organisation
    s = report.summary
    meta = [f"period {org.period_start} to {org.period_end}", value_label(org.type),
            f"rules {report.rules.version} ({plural(report.rules.count, 'rule')})"]
    meta += [f"local rule {o.rule_id} overrides {'the bundled' if o.bundled else 'the'} rule of the same id"
             for o in report.rules.overrides]
    if report.profile:
        meta.append(f"profile {report.profile.get('name', '')}")
    meta.append(f"safeguard {report.tool.version}")
    if timestamp is not None:
        meta.append(f"generated {timestamp.replace(microsecond=0).isoformat()}")
    out = [f'{h} Safeguarding children: {md(org.name)} ({md(org.id)}) <a id="{anchor(org.id)}"></a>', "",
           md(_first_upper("; ".join(meta))), "", f"**{md(headline(report))}**", "",
           f"{h}# Counts", ""]
    out += _table(["Outcome", "Findings"], [[OUTCOME_LABELS[o], s.outcomes[o]] for o in Outcome], right={1})
    not_met = [f for f in report.findings if f.outcome == Outcome.not_met]
    out += ["", md(_first_upper(counts_line(report))) + ".", "",
            "Not met, by severity: " + ", ".join(f"{sum(f.severity == sev for f in not_met)} {sev.value}"
                                                 for sev in Severity) + ".", ""]
    out += _status_table("Area", by_area(report.findings)) + [""]
    out += _status_table("CQC key question", by_key_question(report.findings)) + [""]
    if by:
        out += _framework_table(report, by) + [""]
    out += ["Status: RED = a high or critical requirement not met or not evidenced yet; AMBER = only medium "
            "or low ones; GREEN = nothing failing.", ""]
    if history is not None:
        from compliance.formats.history import history_markdown

        out += history_markdown(history, level, [(f.rule_id, f.title, history.changes[f.rule_id]) for f in report.findings
                                                 if not history.changes.get(f.rule_id, "").startswith("unchanged")])
    risks = key_risks(report.findings)
    out += [f"{h}# Key risks", ""]
    if risks:
        out += _table(["#", "Severity", "Rule", "Outcome", "Finding", "Evidence"],
                      [[i, f.severity.value, f"{f.rule_id} {f.title}", OUTCOME_LABELS[f.outcome],
                        f.message + (f" {waiver_label(f.waiver)}" if f.waiver else ""),
                        evidence_text(f.evidence)] for i, f in enumerate(risks, 1)], right={0})
        out += ["", f"{h}# Actions", ""]
        for i, f in enumerate(risks, 1):
            planned = actions_for(report, f.rule_id)
            if planned:
                out += [f"{i}. **{md(f.rule_id)}** ({f.severity.value}): " + " ".join(md(action_text(a)) for a in planned)]
            else:
                out += [f"{i}. **{md(f.rule_id)}** ({f.severity.value}): {md(f.remediation)} (suggested; no action agreed yet)"]
    else:
        out += ["None: no requirement assessed is not met."]
    todo = still_to_report(report.findings)
    if todo:
        out += ["", f"{h}# {STILL_TO_REPORT} ({len(todo)})", "",
                "Not failures: the return does not give these values yet. Report them for the requirements to "
                "be decided.", ""]
        for i, f in enumerate(todo, 1):
            out.append(f"{i}. **{md(f.rule_id)} {md(f.title)}** ({f.severity.value})")
            out += [f"   - {md(line)}" for line in to_report_lines(f)]
    return out + [""]


def render_markdown(reports: Report | Sequence[Report], timestamp: dt.datetime | None = None, history=None,
                    by: str | None = None) -> str:
    items = as_list(reports)
    if len(items) == 1:
        return "\n".join(_organisation(items[0], 1, timestamp, history, by))
    return render_markdown_screening(items, None, timestamp, by=by)


def render_markdown_screening(reports: Sequence[Report], ranking: Sequence[RankingRow | Mapping] | None = None,
                              timestamp: dt.datetime | None = None, invalid: Sequence[str] = (),
                              by: str | None = None, overview: Mapping | None = None) -> str:
    """The ranking (score and its parts, linking to each organisation), then each organisation's summary.

    `invalid` lists files that could not be screened (one reason each), shown before the ranking.
    """
    rows = ranking_rows(ranking, reports)
    ordered = in_ranking_order(reports, rows)
    n = max(len(rows), len(ordered))  # the ranking may list more than get full summaries (--details)
    out = [f"# Safeguarding children screening: {n} organisation{'s' if n != 1 else ''}", ""]
    if invalid:
        out += [f"## Not screened ({len(invalid)})", "",
                "These returns could not be read, so they are not in the ranking: unknown, not compliant.", ""]
        out += [f"- {md(reason)}" for reason in invalid] + [""]
    if rows:
        parts = part_names(rows)
        ranged = "rank_group" in parts
        if ranged and overview and overview.get("rank_note"):
            out += [f"**Not a strict order.** {md(overview['rank_note'])}", ""]
        out += _table(["List" if ranged else "Rank", "Organisation", "Score", *(md(part_label(p)) for p in parts)],
                      [[i, f"{r.name} ({r.id})", number_text(r.score), *(number_text(r.parts.get(p)) for p in parts)]
                       for i, r in enumerate(rows, 1)],
                      right={0, 2, *(3 + i for i, p in enumerate(parts) if p not in text_parts(rows))})
        shown = {rep.organisation.id for rep in ordered}
        out += ["", "Organisations: " + ", ".join(f"[{md(r.id)}](#{anchor(r.id)})" for r in rows if r.id in shown), ""]
        if len(shown) < len(rows):
            out += [f"Full findings follow for the {len(shown)} highest-ranked; the others are in the table only.", ""]
    if overview:
        out += _screening_overview(overview)
    for report in ordered:
        out += _organisation(report, 2, timestamp, by=by)
    return "\n".join(out)


def render_markdown_assessment(report: Report, options: Options, history=None) -> str:
    """`history`: a compliance.history.trends.ReportHistory (plain data), or None."""
    return render_markdown(report, timestamp=options.timestamp, history=history, by=options.by)


def _screening_overview(ov: Mapping) -> list[str]:
    """The legend, areas by need, lines of enquiry and each funnel's summary, as the HTML page has them."""
    out = ["## What the abbreviations and terms mean", ""]
    out += [f"- **{md(term)}**: {md(meaning)}" for term, meaning in ov.get("legend", [])] + [""]
    if ov.get("area_ranking"):
        out += ["## Areas ranked by need", "",
                "Evidenced critical failures first; then evidenced need (area requirements not met + the mean of its "
                "organisations' evidence points + half the worst one's); then deterioration, context, exposure; "
                "silence (not evidenced yet) last, counted once.", ""]
        out += _table(["Rank", "Local authority", "Critical failures", "Evidenced need", "Deterioration", "Context",
                       "Silence", "Organisations", "Top area finding"],
                      [[a["rank"], f"{a['name']} ({a['code']})" if a["name"] else a["code"], a["critical"],
                        number_text(a["need"]), number_text(a["deterioration"]), number_text(a["context"]),
                        number_text(a["silence"]), a["organisations"], a["top"]] for a in ov["area_ranking"]],
                      right={0, 2, 3, 4, 5, 6, 7}) + [""]
    if ov.get("enquiries"):
        out += ["## Lines of enquiry", "",
                "For each organisation shown in full, in ranking order: most severe first, failures before "
                "requirements not evidenced yet.", ""]
        for o in ov["enquiries"]:
            out += [f"### {o['rank']}. {md(o['name'])} ({md(o['id'])})", ""]
            out += [f"{i}. **{md(e['rule_id'])}** {md(e['title'])} ({e['severity']}; {e['outcome']}): {md(e['text'])}"
                    for i, e in enumerate(o["items"], 1)] or ["Nothing failing: no line of enquiry."]
            out += [""]
    if ov.get("funnels"):
        out += ["## Funnels", "", "Each share against its standard; outside = below the lower 95% or 99.8% limit "
                "(Spiegelhalter 2005). The HTML page draws each as a funnel plot.", ""]
        out += _table(["Rule", "Measure", "Standard", "Cohort rate", "Organisations", "Below 95%", "Below 99.8%",
                       "Over-dispersed", "Below the 99.8% limit"],
                      [[f"{f['rule'].rule_id} {f['rule'].title}", f["rule"].measure.replace("_", " "), f"{f['rule'].standard:g}%",
                        f"{f['rule'].cohort_rate:.1f}%", f["rule"].organisations, f["rule"].below_95, f["rule"].below_998,
                        f"yes (phi {f['rule'].phi:.1f})" if f["rule"].overdispersed else "no",
                        "; ".join(f"{p['name']} ({p['id']}) {p['x']:,}/{p['n']:,}" for p in f["plot"]["outside"]
                                  if p["band"] == "below_99.8")[:2000]]
                       for f in ov["funnels"]], right={2, 3, 4, 5, 6}) + [""]
    return out
