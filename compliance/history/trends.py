"""Periods compared: trends, comparisons, changes since the last period, deterioration.

Pure functions of recorded runs (no database here), so renderers and screening get plain data
and the same runs always give the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field

from compliance.domain.base import Strict
from compliance.domain.outcomes import OUTCOME_LABELS, Outcome, Severity
from compliance.domain.result import FAILING
from compliance.history.entries import FindingEntry, RunEntry, StoredParameter

# The outcomes' one labels (compliance/domain/outcomes.py), lower-cased to sit inside a sentence.
OUTCOME_WORDS = {o: label.lower() for o, label in OUTCOME_LABELS.items()}
ASSESSED = (Outcome.met, Outcome.not_met, Outcome.insufficient_evidence)


def value_text(f: FindingEntry | None) -> str | None:
    """The value judged against the threshold, as people read it ("88%"), or None."""
    if f is None or f.threshold is None or f.threshold.actual is None:
        return None
    v = f.threshold.actual
    text = f"{v:.1f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)
    unit = f.threshold.unit or ""
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}".rstrip()


def previous(runs: list[RunEntry], now: RunEntry | None = None) -> RunEntry | None:
    """The latest recorded period that ended before `now`'s (or the latest of all)."""
    earlier = [r for r in runs if now is None or (r.period_end < now.period_end and r.period_start < now.period_start)]
    return max(earlier, key=lambda r: (r.period_end, r.period_start), default=None)


# --- trend ---------------------------------------------------------------------------------------


class TrendCell(Strict):
    outcome: Outcome | None = Field(default=None, description="null: the rule was not assessed in that period")
    severity: Severity | None = None
    actual: int | float | None = None
    required: int | float | None = None
    value: str | None = Field(default=None, description="The value as text, with its unit.")


class TrendRow(Strict):
    rule_id: str
    title: str
    area: str
    cells: list[TrendCell] = Field(description="One per period, in the order of `periods`.")


class Trend(Strict):
    """`safeguard history trend`: each rule's outcome and value per period, oldest first."""

    org_id: str
    org_name: str
    periods: list[str]
    runs: list[str]
    rows: list[TrendRow]


def trend(runs: list[RunEntry], rule_id: str | None = None) -> Trend:
    runs = sorted(runs, key=lambda r: (r.period_end, r.period_start))
    by_rule: dict[str, dict[int, FindingEntry]] = defaultdict(dict)
    for i, r in enumerate(runs):
        for f in r.findings:
            if rule_id is None or f.rule_id == rule_id:
                by_rule[f.rule_id][i] = f
    rows = []
    for rid in sorted(by_rule):
        seen = by_rule[rid]
        latest = seen[max(seen)]
        cells = []
        for i in range(len(runs)):
            e = seen.get(i)
            t = e.threshold if e else None
            cells.append(TrendCell() if e is None else TrendCell(
                outcome=e.outcome, severity=e.severity, actual=t.actual if t else None,
                required=t.required if t else None, value=value_text(e)))
        rows.append(TrendRow(rule_id=rid, title=latest.title, area=latest.area, cells=cells))
    last = runs[-1] if runs else None
    return Trend(org_id=last.org_id if last else "", org_name=last.org_name if last else "",
                 periods=[r.period for r in runs], runs=[r.run_id for r in runs], rows=rows)


# --- compare -------------------------------------------------------------------------------------

ChangeKind = Literal["new_failure", "fixed", "outcome_changed", "severity_changed", "value_changed", "added", "removed"]


class Change(Strict):
    rule_id: str
    title: str
    kind: ChangeKind
    outcome_before: Outcome | None
    outcome_after: Outcome | None
    severity_before: Severity | None
    severity_after: Severity | None
    values_before: dict[str, int | float | str | None] = Field(default_factory=dict)
    values_after: dict[str, int | float | str | None] = Field(default_factory=dict)
    parameters_before: dict[str, StoredParameter] = Field(default_factory=dict)
    parameters_after: dict[str, StoredParameter] = Field(default_factory=dict)


class Comparison(Strict):
    """`safeguard history compare`: exactly the findings that differ between two periods."""

    org_id: str
    org_name: str
    from_period: str
    to_period: str
    from_run: str
    to_run: str
    changes: list[Change]
    still_failing: list[str] = Field(description="Failing in both periods, unchanged (not counted as changes).")
    unchanged: int


KIND_ORDER = ["new_failure", "fixed", "outcome_changed", "severity_changed", "value_changed", "added", "removed"]


def _kind(a: FindingEntry | None, b: FindingEntry | None) -> ChangeKind:
    if a is None:
        return "new_failure" if b.failing else "added"  # type: ignore[union-attr]
    if b is None:
        return "removed"
    if a.failing != b.failing:
        return "new_failure" if b.failing else "fixed"
    if a.outcome != b.outcome:
        return "outcome_changed"
    if a.severity != b.severity:
        return "severity_changed"
    return "value_changed"


def compare(before: RunEntry, after: RunEntry) -> Comparison:
    """A finding has changed when its fingerprint has (outcome, severity, key values or thresholds)."""
    a = {f.rule_id: f for f in before.findings}
    b = {f.rule_id: f for f in after.findings}
    changes, still, unchanged = [], [], 0
    for rid in sorted(a.keys() | b.keys()):
        fa, fb = a.get(rid), b.get(rid)
        if fa is not None and fb is not None and fa.fingerprint == fb.fingerprint:
            unchanged += 1
            if fb.failing:
                still.append(rid)
            continue
        changes.append(Change(
            rule_id=rid, title=(fb or fa).title, kind=_kind(fa, fb),  # type: ignore[union-attr]
            outcome_before=fa.outcome if fa else None, outcome_after=fb.outcome if fb else None,
            severity_before=fa.severity if fa else None, severity_after=fb.severity if fb else None,
            values_before=fa.values if fa else {}, values_after=fb.values if fb else {},
            parameters_before=fa.parameters if fa else {}, parameters_after=fb.parameters if fb else {}))
    changes.sort(key=lambda c: (KIND_ORDER.index(c.kind), -(c.severity_after or c.severity_before).rank,  # type: ignore[union-attr]  # a change has a finding on one side at least
                                c.rule_id))
    return Comparison(org_id=after.org_id, org_name=after.org_name, from_period=before.period, to_period=after.period,
                      from_run=before.run_id, to_run=after.run_id, changes=changes, still_failing=still,
                      unchanged=unchanged)


# --- in a report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaPoint:
    period: str
    met: int
    assessed: int  # met + not met + without evidence

    @property
    def percent(self) -> float | None:
        return None if not self.assessed else round(100 * self.met / self.assessed, 1)


@dataclass(frozen=True)
class ReportHistory:
    """What a report shows of the organisation's history: handed to renderers as plain data."""

    previous_period: str | None
    changes: dict[str, str] = field(default_factory=dict)  # rule id -> "was met in 2024/25 (88%)"
    areas: dict[str, list[AreaPoint]] = field(default_factory=dict)  # area -> one point per period, oldest first


def change_text(before: FindingEntry | None, now: FindingEntry, since: str) -> str:
    if before is None:
        return f"not assessed in {since}"
    was = value_text(before)
    then = f" ({was})" if was else ""
    if before.outcome == now.outcome:
        if before.fingerprint == now.fingerprint or was is None or was == value_text(now):
            return f"unchanged since {since}"
        return f"also {OUTCOME_WORDS[now.outcome]} in {since}{then}"
    return f"was {OUTCOME_WORDS[before.outcome]} in {since}{then}"


def area_points(runs: list[RunEntry]) -> dict[str, list[AreaPoint]]:
    runs = sorted(runs, key=lambda r: (r.period_end, r.period_start))
    areas = sorted({f.area for r in runs for f in r.findings})
    out: dict[str, list[AreaPoint]] = {}
    for area in areas:
        out[area] = [AreaPoint(r.period, sum(f.area == area and f.outcome == Outcome.met for f in r.findings),
                               sum(f.area == area and f.outcome in ASSESSED for f in r.findings)) for r in runs]
    return out


def report_history(runs: list[RunEntry], now: RunEntry) -> ReportHistory | None:
    """None when nothing earlier than `now` is recorded: a report then shows no history section."""
    before = previous(runs, now)
    if before is None:
        return None
    old = {f.rule_id: f for f in before.findings}
    series = [r for r in runs if r.period_end < now.period_end and r.period_start < now.period_start] + [now]
    return ReportHistory(previous_period=before.period,
                         changes={f.rule_id: change_text(old.get(f.rule_id), f, before.period) for f in now.findings},
                         areas=area_points(series))


# --- deterioration (screening) -------------------------------------------------------------------


@dataclass(frozen=True)
class Fall:
    rule_id: str
    detail: str  # "TRN-003 fell from 88% to 71% since 2024/25"


def falls(before: RunEntry, now: RunEntry) -> list[Fall]:
    """Rules met or without evidence last period that fail now (worse, not merely still failing)."""
    old = {f.rule_id: f for f in before.findings}
    out = []
    for f in now.findings:
        b = old.get(f.rule_id)
        if b is None or f.outcome not in FAILING or b.outcome == f.outcome:
            continue
        if b.outcome not in (Outcome.met, Outcome.insufficient_evidence) or b.outcome == Outcome.not_met:
            continue
        was, is_ = value_text(b), value_text(f)
        if was and is_:
            detail = f"{f.rule_id} fell from {was} to {is_} since {before.period}"
        else:
            detail = f"{f.rule_id} was {OUTCOME_WORDS[b.outcome]} in {before.period}, {OUTCOME_WORDS[f.outcome]} now"
        out.append(Fall(f.rule_id, detail))
    return out
