"""History as use cases: record runs, and bring what was recorded before to reports and screening.

The only place that opens the store on behalf of assess and screen; renderers and the score get
plain data from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from compliance.catalogue.loading import RuleSet
from compliance.cohort.deterioration import with_history
from compliance.cohort.score import OrgScore
from compliance.cohort.weights import Weights
from compliance.domain.result import Report
from compliance.history.entries import RunEntry, run_entry
from compliance.history.store import Recorded, open_store
from compliance.history.trends import ReportHistory, falls, previous, report_history


def units_of(ruleset: RuleSet) -> dict[str, str | None]:
    """Each rule's threshold unit, so recorded values read as "88%" rather than "88"."""
    return {r.id: r.parameters[r.threshold.parameter].unit for r in ruleset.rules if r.threshold is not None}


def record(path: Path | None, entries: Iterable[RunEntry]) -> list[Recorded]:
    with open_store(path) as store:  # type: ignore[union-attr]
        return store.record(entries)


def earlier_runs(path: Path | None, org_ids: Iterable[str]) -> dict[str, list[RunEntry]]:
    """Every recorded period of these organisations; nothing when the store does not exist yet."""
    store = open_store(path, create=False, readonly=True)
    if store is None:
        return {}
    with store:
        return store.history(org_ids)


def store_path(path: Path | None) -> Path:
    """Where the store is (or would be): the path given, else the default; printed on every recording."""
    from compliance.history.store import default_path

    return (path or default_path()).expanduser().resolve()


def assess_with_history(report: Report, folders: list[Path], path: Path | None, save: bool, replace: bool = False
                        ) -> tuple[Report, ReportHistory | None, Recorded | None, RunEntry | None]:
    """The report with its action plan followed from the last recorded period (open actions carried
    over while their requirement is still not met, closed when it is met), its history (from periods
    before its own), then its run recorded when `save` (with that plan), and the run it replaced as
    its period's current run (None when the period was new or recorded from the same input).
    Recording a different input for a period already recorded needs `replace`: next year's figures
    never silently become last year's."""
    from compliance.catalogue.loading import load_rules
    from compliance.history.actions import carry_actions

    units = units_of(load_rules(folders))
    entry = run_entry(report, units)
    store = open_store(path, create=False, readonly=True)
    runs: list[RunEntry] = []
    if store is not None:
        with store:
            known = store.spelling(entry.org_id) or entry.org_id  # codes match whatever their case
            runs = store.history([known]).get(known, [])
    history = report_history(runs, entry)
    report = carry_actions(report, previous(runs, entry))
    entry = run_entry(report, units, entry.recorded_at)
    same = next((r for r in runs if (r.period_start, r.period_end) == (entry.period_start, entry.period_end)), None)
    replaced = same if same is not None and same.input_sha256 != entry.input_sha256 else None
    if save and replaced is not None and not replace:
        from compliance.domain.errors import Problem
        from compliance.history.store import HistoryError

        raise HistoryError(str(store_path(path)), [Problem(
            f"{entry.org_id} {entry.period} is already recorded from another return ({replaced.input_path}, recorded "
            f"{replaced.recorded_at}, run {replaced.run_id[:12]}); to record this one in its place give --replace (the "
            "earlier run is kept as a revision); if this is next year's return, check its period "
            "(safeguard template --from moves it on by a year)")])
    recorded = record(path, [entry])[0] if save else None
    return report, history, recorded, replaced


def plan_for(path: Path | None, org_id: str, period_end) -> tuple[RunEntry | None, Path]:
    """The recorded run whose action plan next year's template starts from: the organisation's period
    ending on `period_end` (the return the template is filled from), else its latest before it."""
    store = open_store(path, create=False, readonly=True)
    where = store_path(path)
    if store is None:
        return None, where
    with store:
        known = store.spelling(org_id) or org_id
        runs = [r for r in store.history([known]).get(known, []) if r.period_end <= period_end]
    return (max(runs, key=lambda r: (r.period_end, r.period_start)) if runs else None), where


def score_with_history(scores: list[OrgScore], entries: list[RunEntry], path: Path | None,
                       weights: Weights) -> list[OrgScore]:
    """Each score with its deterioration since the organisation's last recorded period, and, when its
    return gives no action plan, the overdue actions of the plan last recorded for it (due before this
    return's period end, not done); with no plan anywhere the count stays unknown, never 0."""
    from compliance.cohort.score import with_overdue
    from compliance.history.actions import is_overdue_now

    by_file = {e.input_path: e for e in entries}
    runs = earlier_runs(path, [e.org_id for e in entries])
    out = []
    for s in scores:
        now = by_file.get(s.file)
        before = previous(runs.get(now.org_id, []), now) if now is not None else None
        if now is not None and before is not None and before.actions and s.overdue_actions is None:
            s = with_overdue(s, sum(is_overdue_now(a, now.period_end) for a in before.actions), weights)
        if now is None or before is None:
            out.append(with_history(s, None, [], weights))
        else:
            fell = [(f.rule_id, f.detail) for f in falls(before, now)]
            spc, special = process_control(s, runs.get(now.org_id, []), now)
            fell += [(rid, detail) for rid, detail in special if rid not in {r for r, _ in fell}]
            out.append(with_history(s, before.period, fell, weights).model_copy(update={"spc": spc}))
    return out


def process_control(s: OrgScore, runs: list[RunEntry], now: RunEntry) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Each share's XmR reading over the organisation's recorded periods up to this one (one value a
    period, the latest recording of each), and the special-cause deteriorations among them."""
    from compliance.cohort.spc import xmr

    by_period = {r.period_end: r for r in sorted(runs, key=lambda r: r.recorded_at) if r.period_end < now.period_end}
    ordered = [by_period[k] for k in sorted(by_period)] + [now]
    notes: dict[str, str] = {}
    special: list[tuple[str, str]] = []
    for c in s._counts:
        series = []
        for run in ordered:
            f = next((f for f in run.findings if f.rule_id == c.rule_id), None)
            v = None if f is None else f.values.get(c.measure)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                series.append(float(v))
        got = xmr(series)
        notes[f"{c.rule_id} {c.measure}"] = got.text()
        if got.verdict == "deterioration":
            special.append((c.rule_id, f"{c.rule_id} {c.title}: {c.measure.replace('_', ' ')} {got.text()}"))
    return notes, special
