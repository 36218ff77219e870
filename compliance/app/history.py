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
    store = open_store(path, create=False)
    if store is None:
        return {}
    with store:
        return store.history(org_ids)


def assess_with_history(report: Report, folders: list[Path], path: Path | None,
                        save: bool) -> tuple[ReportHistory | None, Recorded | None]:
    """The report's history (from periods before its own), then its run recorded when `save`."""
    from compliance.catalogue.loading import load_rules

    entry = run_entry(report, units_of(load_rules(folders)))
    runs = earlier_runs(path, [entry.org_id]).get(entry.org_id, [])
    history = report_history(runs, entry)
    recorded = record(path, [entry])[0] if save else None
    return history, recorded


def score_with_history(scores: list[OrgScore], entries: list[RunEntry], path: Path | None,
                       weights: Weights) -> list[OrgScore]:
    """Each score with its deterioration since the organisation's last recorded period."""
    by_file = {e.input_path: e for e in entries}
    runs = earlier_runs(path, [e.org_id for e in entries])
    out = []
    for s in scores:
        now = by_file.get(s.file)
        before = previous(runs.get(now.org_id, []), now) if now is not None else None
        if before is None:
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
