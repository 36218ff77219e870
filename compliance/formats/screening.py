"""Rendering a screening: an 80-column text report, a CSV of the ranking, and the JSON document."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterator, Mapping
from compliance.domain.labels import value_label
from compliance.domain.outcomes import Severity
from compliance.cohort.ranking import RankedOrg, Screening
from compliance.domain.result import Report
from compliance.formats import Options
from compliance.formats.common import PART_LABELS, RankingRow
from compliance.formats.escape import csv_row, terminal

WIDTH = 80
SEVS = [Severity.critical, Severity.high, Severity.medium, Severity.low]
CSV_COLUMNS = ["rank", "id", "name", "type", "local_authorities", "score", "findings_points", "exposure_multiplier",
               "children", "context_points", "data_quality_points", "critical", "high", "medium", "low",
               "drivers", "lines_of_enquiry", "file", "status", "error"]


def render_csv(result: Screening, options: Options | None = None) -> str:
    """One row per ranked organisation, then one per invalid file (status 'invalid')."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for o in result.organisations:
        w.writerow(csv_row({
            "rank": o.rank, "id": o.id, "name": o.name, "type": o.type, "local_authorities": ";".join(o.local_authorities),
            "score": o.score, "findings_points": o.findings_points, "exposure_multiplier": o.exposure_multiplier,
            "children": "" if o.children is None else o.children, "context_points": o.context_points,
            "data_quality_points": o.data_quality_points,
            **{s.value: o.failing_by_severity.get(s, 0) for s in SEVS},
            "drivers": " | ".join(f"{c.detail} = {c.points:.1f}" for c in o.drivers()),
            "lines_of_enquiry": " | ".join(f"{e.rule_id}: {e.text}" for e in o.lines_of_enquiry),
            "file": o.file, "status": "screened", "error": "",
        }))
    for bad in result.invalid_files:
        w.writerow(csv_row({"file": bad.file, "status": "internal error" if bad.internal else "invalid",
                            "error": bad.reason}))
    return buf.getvalue()


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _wrap(text: str, indent: str) -> list[str]:
    text = terminal(text)
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]


def _org(o: RankedOrg, enquiries: int) -> list[str]:
    fs = o.failing_by_severity
    head = f"{o.rank:>4} {o.score:>7.1f}  {terminal(o.id + ' ' + o.name)[:37]:<37} {terminal(value_label(o.type))[:13]:<13}" \
           f" {fs.get(Severity.critical, 0):>2}/{fs.get(Severity.high, 0)}/{fs.get(Severity.medium, 0)}/{fs.get(Severity.low, 0)}"
    lines = [head[:WIDTH]]
    mult = f" x {o.exposure_multiplier:.2f} exposure ({o.children} children)" if o.exposure_multiplier != 1 else ""
    hist = {"none": "; no earlier period recorded",
            "compared": f" + deterioration {o.deterioration_points:.1f} since {o.previous_period}"}.get(o.history, "")
    lines += _wrap(f"score = findings {o.findings_points:.1f}{mult} + context {o.context_points:.1f}"
                   f" + data quality {o.data_quality_points:.1f}{hist}; areas: {', '.join(o.local_authorities)}", "      ")
    shown = o.drivers()
    for c in shown + [c for c in o.components if c.part == "deterioration" and c not in shown]:
        lines += _wrap(f"driver: {c.detail} = {c.points:.1f}", "      ")
    for e in o.lines_of_enquiry[:enquiries]:
        lines += _wrap(f"ask ({e.rule_id}, {e.severity.value}): {e.text}", "      ")
    if len(o.lines_of_enquiry) > enquiries:
        lines.append(f"      ... and {len(o.lines_of_enquiry) - enquiries} more lines of enquiry (see --format json)")
    return lines


def render_text(result: Screening, enquiries: int = 3) -> str:
    lines = [f"Screened {result.screened} organisation{'s' if result.screened != 1 else ''}; "
             f"{len(result.invalid_files)} invalid file(s); {len(result.duplicates)} duplicate id(s).",
             "score = findings x exposure + context + data quality (see --weights)", "",
             f"{'rank':>4} {'score':>7}  {'organisation':<37} {'type':<13} {'c/h/m/l':>7}", "-" * WIDTH]
    for o in result.organisations:
        lines += _org(o, enquiries)
    lines += ["", "Areas (an organisation counts in every area it serves)",
              f"{'local authority':<24} {'orgs':>5} {'total':>9} {'max':>8} {'c/h/m/l failing':>20}", "-" * WIDTH]
    for a in result.areas:
        fs = a.failing_by_severity
        counts = "/".join(str(fs.get(s, 0)) for s in SEVS)
        lines.append(f"{terminal(a.local_authority)[:24]:<24} {a.organisations:>5} {a.total_score:>9.1f} {a.max_score:>8.1f} {counts:>20}")
    if result.area_ranking:
        lines += ["", "Areas ranked by risk (score = area findings + mean of its organisations' scores)",
                  f"{'rank':>4} {'score':>7}  {'local authority':<16} {'orgs':>5} {'area':>7} {'orgs':>7}  top area finding",
                  "-" * WIDTH]
        for ar in result.area_ranking:
            top_driver = ar.components[0].detail if ar.components else "none failing"
            lines.append(_fit(f"{ar.rank:>4} {ar.score:>7.1f}  {terminal(ar.local_authority)[:16]:<16} {ar.organisations:>5} "
                              f"{ar.area_points:>7.1f} {ar.organisations_points:>7.1f}  {terminal(top_driver)}", WIDTH))
    lines += ["", "National picture (organisations per outcome)",
              f"{'rule':<9} {'met':>7} {'not met':>8} {'no evidence':>12} {'n/a':>7} {'waived':>7}", "-" * WIDTH]
    for t in result.national:
        lines.append(f"{t.rule_id:<9} {t.met:>7} {t.not_met:>8} {t.insufficient_evidence:>12} {t.not_applicable:>7} {t.waived:>7}")
    if result.invalid_files:
        lines += ["", "Invalid files (not screened)"]
        for bad in result.invalid_files:
            lines += _wrap(bad.reason, "  ")
    if result.duplicates:
        lines += ["", "Duplicate organisation ids (each file was screened)"]
        for d in result.duplicates:
            lines += _wrap(f"{d.id}: {', '.join(d.files)}", "  ")
    return "\n".join(lines) + "\n"



def ranking_parts(o: RankedOrg) -> dict[str, float | int | str | None]:
    """The score's parts as the detailed renderers' ranking columns show them."""
    fs = o.failing_by_severity
    return {"findings_points": o.findings_points, "exposure_multiplier": o.exposure_multiplier,
            "context_points": o.context_points, "data_quality_points": o.data_quality_points,
            "failing_critical_high": fs.get(Severity.critical, 0) + fs.get(Severity.high, 0),
            "top_driver": next((c.detail for c in o.drivers(1)), ""),
            **({} if o.history == "not_consulted" else
               {"deterioration_points": o.deterioration_points if o.history == "compared" else "no history"})}




def score_formula(w) -> list[tuple[str, str]]:
    """The score's formula and each part, with the weights in force, as a reader checks it."""
    sev = w.severity
    return [
        ("Score", "findings × exposure + context + data quality"),
        ("Findings", f"each requirement not met scores its severity's points (critical {sev.critical:g}, high "
                     f"{sev.high:g}, medium {sev.medium:g}, low {sev.low:g}); one without evidence scores "
                     f"{w.insufficient_evidence:g} of that, since silence is risk; a shortfall against a single "
                     f"threshold scales the points by up to {1 + w.gap:g}×."),
        ("Exposure", f"1 + {w.exposure.max_uplift:g} × min(1, children ÷ {w.exposure.children_for_max:,.0f}), where "
                     "children counts under-18 ED attendances, looked-after children, missing episodes and "
                     "was-not-brought escalations; 1 when no volume is reported."),
        ("Context", f"{w.context.per_year_since_inspection:g} a year since the last inspection (at most "
                    f"{w.context.max_years_since_inspection:g} years), {w.context.per_open_practice_review:g} an "
                    f"open practice review, {w.context.per_whistleblowing_concern:g} a whistle-blowing concern, "
                    f"{w.context.la_childrens_services_inadequate:g} for inadequate local children's services, and "
                    "points for CQC safe and well-led ratings below good."),
        ("Data quality", f"{w.data_quality.per_missing_context_value:g} for each context value not reported."),
    ]


def overview(result: Screening, reports: dict[str, Report]) -> dict:
    """What the screening page shows besides the ranking: the formula, the areas, the national picture."""
    names: dict[str, str] = {}
    titles: dict[str, str] = {}
    for r in reports.values():
        names.update(r.organisation.local_authority_names)
        titles.update((f.rule_id, f.title) for f in r.findings)
    by_id = {o.id: o for o in result.organisations}
    areas = [{"code": a.local_authority, "name": names.get(a.local_authority), "organisations": a.organisations,
              "total": a.total_score, "max": a.max_score,
              "failing": "/".join(str(a.failing_by_severity.get(s, 0)) for s in SEVS),
              "members": [(by_id[i].national_rank, by_id[i].name) for i in a.ranked_ids if i in by_id]}
             for a in result.areas]
    national = [{"rule_id": t.rule_id, "title": titles.get(t.rule_id, ""), "met": t.met, "not_met": t.not_met,
                 "insufficient_evidence": t.insufficient_evidence, "not_applicable": t.not_applicable,
                 "waived": t.waived} for t in result.national]
    filtered = any(o.rank != o.national_rank for o in result.organisations) or len(result.organisations) < result.screened
    return {"formula": score_formula(result.weights), "areas": areas, "national": national,
            "part_labels": PART_LABELS, "filtered": filtered, "screened": result.screened}


def render_text_screening(result: Screening, options: Options | None = None) -> str:
    return render_text(result)


def _detailed(result: Screening, reports: dict[str, Report], limit: int | None
              ) -> tuple[list[RankingRow], list[Report], list[str]]:
    """The ranking rows, the full reports shown, and the files that could not be screened.

    The ranking always lists every organisation; full findings for a thousand organisations make a
    page no browser opens comfortably (70 MB), so people's formats show the top `limit` of the list.
    Files that could not be screened are listed too, so a reader of the report alone never takes a
    missing organisation for a clean one.
    """
    ranked = result.organisations  # all of them; the reports kept are those of the top `limit` at least
    rows = [RankingRow(id=o.id, name=o.name, score=o.score, parts=ranking_parts(o), rank=o.rank,
                       national_rank=o.national_rank) for o in ranked]
    shown = [o for o in (ranked if limit is None else ranked[:limit]) if o.file in reports]
    return rows, [reports[o.file] for o in shown], _invalid(result)


def _invalid(result: Screening) -> list[str]:
    invalid = [bad.reason for bad in result.invalid_files]
    invalid += [f"organisation {d.id} appears in {len(d.files)} files: {', '.join(d.files)}" for d in result.duplicates]
    return invalid


def render_detailed_html(result: Screening, options: Options, reports: dict[str, Report]) -> str:
    from compliance.formats.html import render_html_screening

    rows, shown, invalid = _detailed(result, reports, options.details)
    return render_html_screening(shown, rows, options.timestamp, invalid=invalid, overview=overview(result, reports),
                                 by=options.by)


def render_detailed_markdown(result: Screening, options: Options, reports: dict[str, Report]) -> str:
    from compliance.formats.markdown import render_markdown_screening

    rows, shown, invalid = _detailed(result, reports, options.details)
    return render_markdown_screening(shown, rows, options.timestamp, invalid=invalid, by=options.by)


def render_detailed_junit(result: Screening, options: Options, reports: Mapping[str, Report]) -> Iterator[str]:
    """JUnit is read by machines and always has every organisation: rendered in pieces, one
    organisation's report at a time, in the order `render_junit_screening` gives."""
    from compliance.formats.junit import stream_junit

    ranked = [o for o in result.organisations if o.file in reports]
    order = {o.id: i for i, o in enumerate(ranked)}
    ranked.sort(key=lambda o: order[o.id])  # as in_ranking_order: a duplicated id sorts at its last place
    invalid = _invalid(result)
    return stream_junit((reports[o.file] for o in ranked), options.junit_insufficient, options.timestamp, invalid)
