"""What every report format shows the same way: RAG status, summaries, training coverage, ranking rows.

RAG status of a group of findings (an area, a CQC key question, an organisation):
  red   - at least one finding not met or not evidenced yet whose severity is high or critical;
  amber - some finding not met or not evidenced yet, all of them medium or low;
  green - nothing failing: every finding met, not applicable or waived.
Status is always written as a word (and in HTML an icon), never shown by colour alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum

from compliance.domain.base import Strict

from compliance.domain.result import Evidence, Finding, MissingInput, Report, Waiver
from compliance.domain.outcomes import ACTION_STATUS_LABELS, OUTCOME_LABELS, STILL_TO_REPORT, KeyQuestion, Outcome, Severity  # noqa: F401 - the formats' one vocabulary
from compliance.domain.outcomes import Source


class Rag(str, Enum):
    red = "red"
    amber = "amber"
    green = "green"

    @property
    def label(self) -> str:
        return {"red": "Red", "amber": "Amber", "green": "Green"}[self.value]

    @property
    def meaning(self) -> str:
        return {"red": "high or critical requirement not met or not evidenced yet",
                "amber": "medium or low requirement not met or not evidenced yet",
                "green": "nothing failing"}[self.value]


SERIOUS = (Severity.critical, Severity.high)
KEY_QUESTION_LABELS = {k: k.value.capitalize() for k in KeyQuestion}


def rag(findings: Iterable[Finding]) -> Rag:
    failing = [f for f in findings if f.failing]
    if any(f.severity in SERIOUS for f in failing):
        return Rag.red
    return Rag.amber if failing else Rag.green


class GroupSummary(Strict):
    """One row of 'by area' or 'by key question': the status and how many findings of each outcome."""

    key: str
    label: str
    status: Rag
    outcomes: dict[Outcome, int]
    failing: int


def _summaries(findings: Sequence[Finding], key, label) -> list[GroupSummary]:
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(key(f), []).append(f)
    rows = []
    for k in sorted(groups):
        items = groups[k]
        counts = {o: sum(f.outcome == o for f in items) for o in Outcome}
        rows.append(GroupSummary(key=k, label=label(k), status=rag(items), outcomes=counts,
                                 failing=sum(f.failing for f in items)))
    return rows


NOT_MAPPED = "Not mapped to this framework"


def framework_groups(findings: Sequence[Finding], framework: str) -> list[tuple[GroupSummary, list[Finding]]]:
    """Findings under each clause of a framework (a rule mapped to several clauses is under each), in
    clause order, with unmapped rules last, so a lead can paste one framework's view into its audit."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        clauses = [m.clause for m in f.mappings if m.framework == framework] or [NOT_MAPPED]
        for clause in dict.fromkeys(clauses):
            groups.setdefault(clause, []).append(f)
    out = []
    for clause in sorted(groups, key=lambda c: (c == NOT_MAPPED, c)):
        items = groups[clause]
        out.append((GroupSummary(key=clause, label=clause, status=rag(items),
                                 outcomes={o: sum(f.outcome == o for f in items) for o in Outcome},
                                 failing=sum(f.failing for f in items)), items))
    return out


def by_area(findings: Sequence[Finding]) -> list[GroupSummary]:
    return _summaries(findings, lambda f: f.area, area_label)


def by_key_question(findings: Sequence[Finding]) -> list[GroupSummary]:
    return _summaries(findings, lambda f: f.key_question.value, lambda k: KEY_QUESTION_LABELS[KeyQuestion(k)])


def area_label(area: str) -> str:
    return area.replace("_", " ").capitalize()


def key_risks(findings: Sequence[Finding]) -> list[Finding]:
    """Requirements not met, most severe first: the failures with an action. Findings without evidence
    are not here (they are `still_to_report`), so a gap in the return never reads as a failure."""
    return sorted((f for f in findings if f.outcome == Outcome.not_met),
                  key=lambda f: (-f.severity.rank, f.rule_id))


def still_to_report(findings: Sequence[Finding]) -> list[Finding]:
    """Findings not evidenced yet, most severe first: the to-do list of what to report."""
    return sorted((f for f in findings if f.outcome == Outcome.insufficient_evidence),
                  key=lambda f: (-f.severity.rank, f.rule_id))


_VALUE_OF = re.compile(r"^value\(([A-Za-z0-9_.\[\]]+)\)$")


def to_report(f: Finding) -> list[MissingInput]:
    """What to report for this finding to be decided: the finding's own `missing` list; for a finding
    made before the evaluator filled it, the unreported values it reads directly, by their labels."""
    if f.missing:
        return list(f.missing)
    out: list[MissingInput] = []
    for e in f.evidence:
        m = _VALUE_OF.match(e.source)
        if e.value is None and m and e.used:
            out.append(MissingInput(path=m.group(1), label=evidence_label(e)))
    if not out:  # a rule whose unreported values are all derived: the plain values under them
        out = [MissingInput(path=m.group(1), label=evidence_label(e)) for e in f.evidence
               if e.value is None and (m := _VALUE_OF.match(e.source))]
    return out


def where_to_enter(m: MissingInput) -> str:
    """Where a person enters a missing value, in words: the workbook cell or YAML line the finding
    gives, else the section of the return it belongs to."""
    if m.enter_at:
        return f"{m.enter_at} of the return" if m.enter_at.startswith("line ") else m.enter_at
    from compliance.domain.labels import section_label

    try:
        return f"the {section_label(m.path)} section of the return"
    except KeyError:
        return "the return"


def to_report_lines(f: Finding) -> list[str]:
    """One line per value to report: 'Staff in date: enter it at Training!F14'."""
    items = to_report(f)
    if not items:
        return [f"the values this requirement reads ({f.title.lower()})"]
    return [f"{m.label}: enter it at {where_to_enter(m)}" for m in items]


def action_text(a) -> str:
    """One action as every report words it: 'Audit the late notifications (Named nurse; due 2026-09-30;
    in progress: OVERDUE)'."""
    own = ACTION_STATUS_LABELS[a.status].lower()  # her status; an overdue one flagged beside it
    parts = [p for p in (a.owner, f"due {a.due}" if a.due else None, own) if p]
    flag = "; OVERDUE" if a.overdue and a.status != "overdue" else ""
    progress = f" Progress: {a.progress}" if a.progress else ""
    change = f" {a.change}." if a.change else ""
    return f"{a.action} ({'; '.join(parts)}{flag}).{progress}{change}"


def actions_for(report: Report, rule_id: str) -> list:
    return [a for a in report.actions if a.rule_id == rule_id]


def counts_line(report: Report) -> str:
    """The board's count: requirements not met apart from those not evidenced yet."""
    s = report.summary
    return (f"{s.outcomes[Outcome.met]} met, {s.outcomes[Outcome.not_met]} not met, "
            f"{s.outcomes[Outcome.insufficient_evidence]} not evidenced yet (still to report), "
            f"{s.outcomes[Outcome.not_applicable]} not applicable, {s.outcomes[Outcome.waived]} waived")


def applicable(report: Report) -> int:
    """Findings that were judged: everything but not_applicable."""
    return sum(f.outcome != Outcome.not_applicable for f in report.findings)


def headline(report: Report) -> str:
    """One sentence a board can read: requirements not met (and how many are serious), and apart
    from them the requirements not evidenced yet, which are a to-do, not a failure."""
    s = report.summary
    name = report.organisation.name
    not_met = s.outcomes[Outcome.not_met]
    unevidenced = s.outcomes[Outcome.insufficient_evidence]
    total = applicable(report)
    if not_met + unevidenced == 0:
        return f"{name} meets all {total} applicable safeguarding-children requirements assessed."
    serious = sum(f.outcome == Outcome.not_met and f.severity in SERIOUS for f in report.findings)
    verb = "is" if not_met == 1 else "are"
    text = (f"{name}: {not_met} of {total} applicable safeguarding-children requirements {verb} not met"
            f"{f', {serious} of them high or critical' if not_met else ''}")
    if unevidenced:
        text += (f"; {unevidenced} {'is' if unevidenced == 1 else 'are'} not evidenced yet "
                 "(still to report, not a failure)")
    return text + "."


def evidence_text(evidence: Sequence[Evidence]) -> str:
    """Compact, one line, in words: 'Staff in date: 262; Staff in post: 310' (JSON keeps the measure
    names and paths for tools)."""
    return "; ".join(f"{evidence_label(e)}: {evidence_value(e)}" for e in evidence)


def evidence_label(e: Evidence) -> str:
    return e.label or e.measure.replace("_", " ").capitalize()


def evidence_value(e: Evidence) -> str:
    """The value as reports show it, with the organisation's own note on where it comes from beside it."""
    value = e.text or ("not reported" if e.value is None else str(e.value))
    return f"{value} (note: {e.note})" if e.note else value


def waiver_label(w: Waiver) -> str:
    """The one wording of a waiver in every format: an expired waiver is never called 'Waived'."""
    if w.expired:
        return f"Waiver expired{f' on {w.expires}' if w.expires else ''} (no longer applies): {w.reason}"
    return f"Waived: {w.reason}{f' (expires {w.expires})' if w.expires else ''}"


def source_text(src: Source) -> str:
    section = f", {src.section}" if src.section else ""
    local = "; local default" if src.confidence == "local_default" else ""
    return f"{src.document}{section} ({src.year}{local})"


def sources_text(sources: Sequence[Source]) -> str:
    return " | ".join(source_text(s) for s in sources)


# --- screening -------------------------------------------------------------------------------------


class RankingRow(Strict):
    """A ranked organisation as a screening gives it: the score and the parts it adds up from."""

    id: str
    name: str
    score: float
    parts: dict[str, float | int | str | None] = {}
    rank: int | None = None
    national_rank: int | None = None


def ranking_rows(ranking: Sequence[RankingRow | Mapping] | None, reports: Sequence[Report]) -> list[RankingRow]:
    """The ranking as given (plain dicts are accepted); without one, the reports in the order given."""
    if ranking is None:
        return []
    return [r if isinstance(r, RankingRow) else RankingRow.model_validate(r) for r in ranking]


def text_parts(rows: Sequence[RankingRow]) -> set[str]:
    """Parts holding words (e.g. the top driver) rather than numbers: left-aligned, not right."""
    return {name for r in rows for name, value in r.parts.items() if isinstance(value, str)}


# The score's parts as a reader knows them (the ranking's columns); the names stay in JSON and CSV for tools.
PART_LABELS = {"findings_points": "Findings", "exposure_multiplier": "× exposure", "context_points": "+ context",
               "data_quality_points": "+ data quality", "deterioration_points": "+ deterioration",
               "failing_critical_high": "Critical or high failing", "top_driver": "Top driver",
               "band": "Band", "rank_interval": "National rank (95% range)", "rank_group": "Group (not surely ordered within)",
               "peer_rank": "Peer rank", "overdue_actions": "Overdue actions"}


def part_label(name: str) -> str:
    return PART_LABELS.get(name, name.replace("_", " "))


def part_names(rows: Sequence[RankingRow]) -> list[str]:
    """Every part's name once, in the order it first appears: the columns of the ranking table."""
    return list(dict.fromkeys(name for r in rows for name in r.parts))


def as_list(reports: Report | Sequence[Report]) -> list[Report]:
    return [reports] if isinstance(reports, Report) else list(reports)


def in_ranking_order(reports: Sequence[Report], rows: Sequence[RankingRow]) -> list[Report]:
    """Ranked organisations first in rank order, then any report the ranking leaves out."""
    order = {r.id: i for i, r in enumerate(rows)}
    return sorted(reports, key=lambda rep: order.get(rep.organisation.id, len(order)))


def anchor(org_id: str) -> str:
    return "org-" + re.sub(r"[^A-Za-z0-9_-]", "-", org_id)


def number_text(value: object) -> str:
    """Numbers as people write them (32, not 32.0; 12.35, not 12.3456789); anything else as given."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    return str(value)
