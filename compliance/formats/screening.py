"""Rendering a screening: an 80-column text report, a CSV of the ranking, and the JSON document."""

from __future__ import annotations

from typing import Any

import csv
import io
import textwrap
from collections.abc import Iterator, Mapping
from compliance.domain.labels import value_label
from compliance.domain.outcomes import FAILING_WORDS, OUTCOME_LABELS, Outcome, Severity
from compliance.cohort.ranking import RankedOrg, Screening
from compliance.domain.result import Report
from compliance.formats import Options
from compliance.formats.common import PART_LABELS, RankingRow
from compliance.formats.escape import csv_row, terminal

WIDTH = 80
SEVS = [Severity.critical, Severity.high, Severity.medium, Severity.low]
CSV_COLUMNS = ["rank", "id", "name", "type", "local_authorities", "score", "findings_points", "exposure_multiplier",
               "children", "context_points", "data_quality_points", "critical", "high", "medium", "low",
               "drivers", "lines_of_enquiry", "file", "status", "error", "band", "national_rank", "rank_low",
               "rank_high", "peer_rank", "peer_size", "rank_group", "overdue_actions"]
NOT_REPORTED = "not reported"  # an unknown count, never written as 0 or left blank


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
            "file": o.file, "status": "screened", "error": "", "band": o.band, "national_rank": o.national_rank,
            "rank_low": o.rank_low, "rank_high": o.rank_high, "peer_rank": o.peer_rank, "peer_size": o.peer_size,
            "rank_group": o.rank_group,
            "overdue_actions": NOT_REPORTED if o.overdue_actions is None else o.overdue_actions,
        }))
    for bad in result.invalid_files:
        w.writerow(csv_row({"file": bad.file, "status": "internal error" if bad.internal else "invalid",
                            "error": bad.reason}))
    return buf.getvalue()


ENQUIRY_COLUMNS = ["list", "national_rank", "rank_low", "rank_high", "rank_group", "id", "name", "type",
                   "local_authorities", "band", "score", "enquiry", "rule_id", "title", "severity", "outcome",
                   "line_of_enquiry", "file", "status", "error"]


def render_enquiries_csv(result: Screening, options: Options | None = None) -> str:
    """What to probe on each visit, tidy: one row per organisation and line of enquiry, in list order,
    most severe first within an organisation (`enquiry` numbers them from 1). An organisation with
    nothing to probe has one row with `enquiry` 0 and the enquiry's columns empty, and each file that
    could not be screened one row with `status` invalid, so no organisation silently drops out.
    Columns are fixed (ENQUIRY_COLUMNS); text that a spreadsheet would run as a formula is escaped."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=ENQUIRY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for o in result.organisations:
        head = {"list": o.rank, "national_rank": o.national_rank, "rank_low": o.rank_low or "",
                "rank_high": o.rank_high or "", "rank_group": o.rank_group or "", "id": o.id, "name": o.name,
                "type": o.type, "local_authorities": ";".join(o.local_authorities), "band": o.band, "score": o.score,
                "file": o.file, "status": "screened", "error": ""}
        if not o.lines_of_enquiry:
            w.writerow(csv_row({**head, "enquiry": 0}))
        for i, e in enumerate(o.lines_of_enquiry, start=1):
            w.writerow(csv_row({**head, "enquiry": i, "rule_id": e.rule_id, "title": e.title,
                                "severity": e.severity.value, "outcome": e.outcome.value, "line_of_enquiry": e.text}))
    for bad in result.invalid_files:
        w.writerow(csv_row({"file": bad.file, "status": "internal error" if bad.internal else "invalid",
                            "error": bad.reason}))
    return buf.getvalue()


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _wrap(text: str, indent: str) -> list[str]:
    text = terminal(text)
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]


def rank_text(o: RankedOrg) -> str:
    """The national rank as its 95% range, e.g. "1–7" (a single place only when the range is one), so
    organisations whose places are not sure are never shown as a strict order."""
    if not o.rank_high or o.rank_low == o.rank_high:
        return str(o.national_rank)
    return f"{o.rank_low}–{o.rank_high}"


def group_text(o: RankedOrg) -> str:
    """Which group of organisations that cannot be told apart this one belongs to."""
    return f"group {o.rank_group}" if o.rank_group else ""


RANK_NOTE = ("Ranks are 95% ranges: each share redrawn by chance and every organisation ranked again. "
             "Organisations whose ranges overlap (directly or through others between them) are in one group and are "
             "not surely in the order listed: within a group, the list order (by score) is no finding. An "
             "organisation is surely above another only when it is in an earlier group.")


def _org(o: RankedOrg, enquiries: int) -> list[str]:
    fs = o.failing_by_severity
    head = f"{o.rank:>4} {o.score:>7.1f} {o.band or '':<9} {terminal(o.id + ' ' + o.name)[:30]:<30} " \
           f"{terminal(value_label(o.type))[:12]:<12} {fs.get(Severity.critical, 0)}/{fs.get(Severity.high, 0)}/" \
           f"{fs.get(Severity.medium, 0)}/{fs.get(Severity.low, 0)}"
    lines = [head[:WIDTH]]
    if o.peer_size:
        lines += _wrap(f"national rank {rank_text(o)}" + (f" ({group_text(o)})" if o.rank_group else "")
                       + f"; {o.peer_rank} of {o.peer_size} {value_label(o.type)} organisations", "      ")
    mult = f" x {o.exposure_multiplier:.2f} exposure ({o.children:,} children and young people seen)" \
        if o.exposure_multiplier != 1 else ""
    hist = {"none": "; no earlier period recorded",
            "compared": f" + deterioration {o.deterioration_points:.1f} since {o.previous_period}"}.get(o.history, "")
    names = [f"{la} {o.local_authority_names[la]}" if la in o.local_authority_names else la for la in o.local_authorities]
    lines += _wrap(f"score = findings {o.findings_points:.1f}{mult} + context {o.context_points:.1f}"
                   f" + data quality {o.data_quality_points:.1f}{hist}; areas: {', '.join(names)}", "      ")
    shown = o.drivers()
    for c in shown + [c for c in o.components if c.part == "deterioration" and c not in shown]:
        lines += _wrap(f"driver: {c.detail} = {c.points:.1f}", "      ")
    if not any(c.key == "overdue_actions" for c in shown):  # always said, the count or that it is unknown
        lines += _wrap(o.overdue_actions_text, "      ")
    if o.spc:
        special = [f"{k.replace('_', ' ')}: {v}" for k, v in o.spc.items() if "special cause" in v]
        first = next(iter(o.spc.values()))
        lines += [w for t in special for w in _wrap(f"SPC {t}", "      ")] or _wrap(
            "SPC: " + (first if "too few" in first else "common-cause variation only in every share"), "      ")
    for e in o.lines_of_enquiry[:enquiries]:
        lines += _wrap(f"ask ({e.rule_id}, {e.severity.value}): {e.text}", "      ")
    if len(o.lines_of_enquiry) > enquiries:
        lines.append(f"      ... and {len(o.lines_of_enquiry) - enquiries} more lines of enquiry "
                     "(--format markdown, html or xlsx)")
    return lines


LEGEND = (f"c/h/m/l: requirements {FAILING_WORDS}, by severity (critical/high/medium/low). "
          "band: very high = at least a definite critical failure's points, high = a definite high failure's, "
          "moderate = a medium failure's or context alone, low = less. A share below its standard counts in full "
          "only when below the funnel's 99.8% limit (chance cannot explain it), a quarter between the 95% and 99.8% "
          "limits, and a twentieth when consistent with the standard. list: the order by score. " + RANK_NOTE)


_NATIONAL = [(o, max(7, len(OUTCOME_LABELS[o]))) for o in Outcome]  # each column as wide as its label


def render_text(result: Screening, enquiries: int = 3, quiet: bool = False) -> str:
    lines = [f"Screened {result.screened} organisation{'s' if result.screened != 1 else ''}; "
             f"{len(result.invalid_files)} invalid file(s); {len(result.duplicates)} duplicate id(s).",
             "score = findings x exposure + context + data quality (see --weights)"]
    if not quiet:
        lines += _wrap(LEGEND, "")
    elif any(o.rank_group for o in result.organisations):
        lines += _wrap("list: the order by score, not a sure order (95% rank ranges: without --quiet)", "")
    lines += ["", f"{'list':>4} {'score':>7} {'band':<9} {'organisation':<30} {'type':<12} c/h/m/l", "-" * WIDTH]
    for o in result.organisations:
        if quiet:
            fs = o.failing_by_severity
            lines.append(f"{o.rank:>4} {o.score:>7.1f} {o.band or '':<9} {terminal(o.id + ' ' + o.name)[:30]:<30} "
                         f"{terminal(value_label(o.type))[:12]:<12} {fs.get(Severity.critical, 0)}/{fs.get(Severity.high, 0)}/"
                         f"{fs.get(Severity.medium, 0)}/{fs.get(Severity.low, 0)}"[:WIDTH])
        else:
            lines += _org(o, enquiries)
    if result.area_ranking:
        lines += [""] + _wrap("Areas ranked by need: evidenced critical failures first, then evidenced need (area "
                              "requirements not met + the mean of its organisations' evidence points + half the worst "
                              f"one's), then deterioration, context, exposure, and silence ({OUTCOME_LABELS[Outcome.insufficient_evidence].lower()}) last", "")
        lines += [f"{'rank':>4} {'crit':>4} {'need':>7} {'silence':>7}  {'local authority':<24} {'orgs':>4}  top area finding",
                  "-" * WIDTH]
        for a in result.area_ranking:
            top_driver = a.components[0].detail if a.components else "none failing"
            la = a.local_authority + (f" {a.name}" if a.name else "")
            lines.append(_fit(f"{a.rank:>4} {a.critical:>4} {a.score:>7.1f} {a.silence:>7.1f}  {terminal(la)[:24]:<24} "
                              f"{a.organisations:>4}  {terminal(top_driver)}", WIDTH))
    if quiet:
        return "\n".join(lines) + "\n"
    for why in result.area_code_problems:
        lines += [""] + _wrap(f"Area code: {why}; grouped by the code as written.", "")
    lines += ["", "Areas (an organisation counts in every area it serves; worst score first)",
              f"{'local authority':<24} {'orgs':>5} {'mean':>9} {'max':>8} {'c/h/m/l failing':>20}", "-" * WIDTH]
    for area in result.areas:
        fs = area.failing_by_severity
        counts = "/".join(str(fs.get(s, 0)) for s in SEVS)
        lines.append(f"{terminal(area.local_authority)[:24]:<24} {area.organisations:>5} {area.mean_score:>9.1f} "
                     f"{area.max_score:>8.1f} {counts:>20}")
    if result.funnels:
        lines += ["", "Funnels (each share against its standard; below = outside the lower limit)",
                  f"{'rule':<8} {'measure':<18} {'standard':>8} {'cohort':>7} {'orgs':>5} {'<95%':>5} {'<99.8%':>6} {'overdispersed':>13}",
                  "-" * WIDTH]
        for f in result.funnels:
            od = f"yes (phi {f.phi:.1f})" if f.overdispersed else "no"
            lines.append(f"{f.rule_id:<8} {f.measure.replace('_', ' ')[:18]:<18} {f.standard:>7g}% {f.cohort_rate:>6.1f}% {f.organisations:>5} "
                         f"{f.below_95:>5} {f.below_998:>6} {od:>13}"[:WIDTH])
    lines += ["", "National picture (organisations per outcome)",
              f"{'rule':<9} " + " ".join(f"{OUTCOME_LABELS[o].lower():>{w}}" for o, w in _NATIONAL), "-" * WIDTH]
    for t in result.national:
        lines.append(f"{t.rule_id:<9} " + " ".join(f"{getattr(t, o.value):>{w}}" for o, w in _NATIONAL))
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
    return {**({"band": o.band, "rank_interval": rank_text(o), **({"rank_group": o.rank_group} if o.rank_group else {}),
                "peer_rank": f"{o.peer_rank} of {o.peer_size} {value_label(o.type)}"}
               if o.peer_size else {}),
            "findings_points": o.findings_points, "exposure_multiplier": o.exposure_multiplier,
            "context_points": o.context_points, "data_quality_points": o.data_quality_points,
            "failing_critical_high": fs.get(Severity.critical, 0) + fs.get(Severity.high, 0),
            "top_driver": next((c.detail for c in o.drivers(1)), ""),
            "overdue_actions": NOT_REPORTED if o.overdue_actions is None else o.overdue_actions,
            **({} if o.history == "not_consulted" else
               {"deterioration_points": o.deterioration_points if o.history == "compared" else "no history"})}




def score_formula(w) -> list[tuple[str, str]]:
    """The score's formula and each part, with the weights in force, as a reader checks it."""
    sev = w.severity
    return [
        ("Score", "findings × exposure + context + data quality"),
        ("Findings", f"each requirement not met scores its severity's points (critical {sev.critical:g}, high "
                     f"{sev.high:g}, medium {sev.medium:g}, low {sev.low:g}); one {OUTCOME_LABELS[Outcome.insufficient_evidence].lower()} scores "
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


def overview(result: Screening, reports: Mapping[str, Report], limit: int | None = None) -> dict:
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
              "members": [(rank_text(by_id[i]), by_id[i].name) for i in a.ranked_ids if i in by_id]}
             for a in result.areas]
    national = [{"rule_id": t.rule_id, "title": titles.get(t.rule_id, ""), "met": t.met, "not_met": t.not_met,
                 "insufficient_evidence": t.insufficient_evidence, "not_applicable": t.not_applicable,
                 "waived": t.waived} for t in result.national]
    filtered = any(o.rank != o.national_rank for o in result.organisations) or len(result.organisations) < result.screened
    for o in result.organisations:
        names.update(o.local_authority_names)
    return {"formula": score_formula(result.weights), "areas": areas, "national": national,
            "part_labels": PART_LABELS, "filtered": filtered, "screened": result.screened,
            **screening_extras(result, titles, names, reports, limit)}


def screening_extras(result: Screening, titles: dict[str, str], names: dict[str, str], reports: Mapping[str, Report],
                     limit: int | None = None) -> dict:
    """The screening page's own parts: each row's filters and status, the legend, the lines of enquiry
    of the organisations shown in full, a funnel plot per rule and, with --by area, the areas by need."""
    from compliance.cohort.funnel import BAND_LABELS
    from compliance.cohort.standardise import band_legend
    from compliance.formats.funnel_svg import funnel_plot

    rows: dict[str, dict[str, Any]] = {}
    for o in result.organisations:
        fs = o.failing_by_severity
        outside = any(s.band == "below_99.8" for s in o.shares if s.failing)
        rows[o.id] = {"type": o.type, "type_label": value_label(o.type), "areas": o.local_authorities,
                      "area_names": [f"{names[la]} ({la})" if la in names else la for la in o.local_authorities],
                      "band": o.band, "rank_text": rank_text(o), "peer": f"{o.peer_rank} of {o.peer_size}" if o.peer_size else "",
                      "deteriorated": o.deterioration_points > 0, "outside": outside,
                      "status": f"{sum(fs.values())} failing ({'/'.join(str(fs.get(s, 0)) for s in SEVS)})"}
    shown = [o for o in result.organisations if o.file in reports][:limit]
    enquiries = [{"rank": o.rank, "id": o.id, "name": o.name, "items": [
        {"rule_id": e.rule_id, "title": titles.get(e.rule_id, ""), "severity": e.severity.value,
         "outcome": OUTCOME_LABELS[e.outcome].lower(), "text": e.text}
        for e in o.lines_of_enquiry]} for o in shown]
    org_names = {o.id: o.name for o in result.organisations}
    funnels = []
    for f in result.funnels:
        plot = funnel_plot(f, [{"id": oid, "name": org_names[oid], "x": x, "n": n, "band": band}
                               for oid, x, n, band in f.points if oid in org_names])
        if plot:
            funnels.append({"rule": f, "plot": plot, "anchor": f"funnel-{f.rule_id}-{f.measure}"})
    legend = [("c/h/m/l", f"Requirements {FAILING_WORDS}, by severity: critical / high / medium / low."),
              *[(f"band: {b}", text) for b, text in band_legend(result.weights)],
              ("National rank (a–b)", "The place among every organisation screened, as its 95% range: each share "
                                      "redrawn by chance (bootstrap) and every organisation ranked again."),
              ("Group", RANK_NOTE),
              ("List", "The order by score within this view; not a sure order (see Group)."),
              ("Peer rank", "The place among organisations of the same type (practices with practices, trusts with trusts)."),
              ("Funnel limits", "Around the standard, the range a share would fall in by chance alone at 95% and 99.8%, "
                                "narrowing as the denominator grows (Spiegelhalter 2005); widened when the cohort varies "
                                "more than chance explains (over-dispersed: phi, tau²)."),
              *[(k.replace("_", " "), v) for k, v in BAND_LABELS.items()],
              ("z", "How many standard deviations the share lies from the standard (with over-dispersion added)."),
              ("P(true rate below standard)", "The probability, given the counts, that the organisation's true rate is "
                                              "below the standard (Jeffreys prior)."),
              ("Exposure", "Children and young people seen: under-18 ED attendances, looked-after children, missing "
                           "episodes and was-not-brought escalations, as the return counts them."),
              ("LA", "Local authority (the area an inspection covers): an upper-tier authority in England has an ONS "
                     "code of E06, E08, E09 or E10 followed by six digits; other codes are shown as the returns give "
                     "them, and names only where a return gives one (no table of names is bundled)."
                     + ("" if not result.area_code_problems else
                        " Codes here that look like ONS codes but are not an upper-tier authority's: "
                        + "; ".join(result.area_code_problems) + ".")),
              ("ED / UTC", "Emergency department / urgent treatment centre."),
              ("ICB", "Integrated care board.")]
    areas = [{"rank": a.rank, "code": a.local_authority, "name": a.name or names.get(a.local_authority),
              "critical": a.critical, "need": a.score, "area_points": a.area_points, "orgs_points": a.organisations_points,
              "deterioration": a.deterioration, "context": a.context, "exposure": a.exposure, "silence": a.silence,
              "organisations": a.organisations,
              "top": a.components[0].detail if a.components else "none failing"} for a in result.area_ranking]
    ranged = any(o.rank_group for o in result.organisations)
    return {"rank_note": RANK_NOTE if ranged else "", "rows": rows, "types": sorted({(r["type"], r["type_label"]) for r in rows.values()}),
            "all_areas": sorted({(la, names.get(la, la)) for r in rows.values() for la in r["areas"]}),
            "legend": legend, "enquiries": enquiries, "funnels": funnels, "area_ranking": areas}


def render_text_screening(result: Screening, options: Options | None = None) -> str:
    return render_text(result, quiet=bool(options and options.quiet))


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
    return render_html_screening(shown, rows, options.timestamp, invalid=invalid,
                                 overview=overview(result, reports, options.details),
                                 by=options.by)


def render_detailed_markdown(result: Screening, options: Options, reports: dict[str, Report]) -> str:
    from compliance.formats.markdown import render_markdown_screening

    rows, shown, invalid = _detailed(result, reports, options.details)
    return render_markdown_screening(shown, rows, options.timestamp, invalid=invalid, by=options.by,
                                     overview=overview(result, reports, options.details))


def render_detailed_junit(result: Screening, options: Options, reports: Mapping[str, Report]) -> Iterator[str]:
    """JUnit is read by machines and always has every organisation: rendered in pieces, one
    organisation's report at a time, in the order `render_junit_screening` gives."""
    from compliance.formats.junit import stream_junit

    ranked = [o for o in result.organisations if o.file in reports]
    order = {o.id: i for i, o in enumerate(ranked)}
    ranked.sort(key=lambda o: order[o.id])  # as in_ranking_order: a duplicated id sorts at its last place
    invalid = _invalid(result)
    return stream_junit((reports[o.file] for o in ranked), options.junit_insufficient, options.timestamp, invalid)
