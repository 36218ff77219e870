"""`screen` as a use case: discover the returns, score them in worker processes, rank the cohort.

Kept out of the CLI so that another front end (or a test) screens exactly as the command does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from compliance.app.evaluators import make_evaluator
from compliance.app.workers import Setup, collect
from compliance.cohort.ranking import InvalidFile, Screening, build, check_filters, passes, select
from compliance.cohort.area_score import AreaScore
from compliance.cohort.score import OrgScore
from compliance.cohort.weights import load_weights
from compliance.domain.exit_policy import fails_on_counts
from compliance.domain.result import Report, RuleOverride
from compliance.intake.discovery import discover


@dataclass(frozen=True)
class ScreenRun:
    result: Screening
    reports: Mapping[str, Report]  # full reports by file, only when asked for (detailed formats)
    selected: list[OrgScore]  # the organisations that pass the filters, before --top
    overrides: list[RuleOverride] = field(default_factory=list)  # local rules in force instead of bundled ones

    def fails(self, fail_on: str) -> bool:
        return fails_on_counts((s.failing_by_severity for s in self.selected), fail_on)


def screen(paths: list[str], folders: list[Path], profile: Path | None = None, weights_file: Path | None = None, *,
           top: int | None = None, org_types: tuple[str, ...] = (), local_authorities: tuple[str, ...] = (),
           jobs: int | None = None, detail: bool = False, details: int | None = None, by_area: bool = False,
           progress: Callable[[int], Callable[[Iterator], Iterator] | None] | None = None,
           history: Path | None = None, use_history: bool = False, record: bool = False) -> ScreenRun:
    """`use_history`: score deterioration since each organisation's last period in the store at `history`
    (None: the default store); `record`: then record every run there, in one transaction."""
    weights = load_weights(weights_file)
    made = make_evaluator(folders, profile)  # rules and profile are checked here, before any worker starts
    evaluator = made[0]
    if use_history or record:  # and a foreign or damaged history file, before any work is done
        from compliance.app.history import earlier_runs

        earlier_runs(history, [])
    files, missing = discover(paths)
    # With `details` (HTML, Markdown), only the top `details` organisations are shown in full: every
    # organisation is scored from its verdicts alone, as for JSON, and only those shown are then
    # assessed in full (a full report for every organisation made HTML 3x slower than JSON).
    later = detail and details is not None and not (use_history or record)
    setup = Setup(folders=tuple(folders), profile=profile, weights=weights, detail=detail and not later,
                  record=use_history or record)
    entries: list = []
    # With `details`, only the reports of the organisations a detailed view can show are kept.
    scores, invalid, reports = collect(files, setup, jobs, progress=progress(len(files)) if progress else None,
                                       keep=details, shown=lambda s: passes(s, org_types, local_authorities),
                                       entries=entries, made=made)
    if use_history or record:
        from compliance.app.history import record as record_runs, score_with_history

        scores = score_with_history(scores, entries, history, weights)
        if record:
            record_runs(history, entries)
    invalid += [InvalidFile(file=m.given, reason=str(m.error())) for m in missing]
    check_filters(scores, org_types, local_authorities)
    from compliance.cohort.standardise import apply_statistics

    scores, funnels = apply_statistics(scores, weights)
    result = build(scores, invalid, weights, top, org_types, local_authorities, statistics=False)
    result = result.model_copy(update={"funnels": funnels})
    if by_area:
        result = result.model_copy(update={"area_ranking": area_ranking(files, folders, scores, weights)})
    if later:
        shown = [Path(o.file) for o in result.organisations[:details]]
        _, _, reports = collect(shown, replace(setup, detail=True), jobs, made=made)
    return ScreenRun(result, reports, select(scores, org_types, local_authorities), evaluator.ruleset.overrides)


def area_ranking(files: list[Path], folders: list[Path], scores: list[OrgScore], weights) -> list[AreaScore]:
    """Every area the screened returns name, judged by the area rules and scored (`screen --by area`).

    The returns are read again here, in this process: an area needs all of its organisations'
    returns together, which the workers never hold. Files that could not be read are already
    listed as invalid and take no part.
    """
    from compliance.app.area import area_report
    from compliance.catalogue.loading import load_area_rules
    from compliance.cohort.area_score import rank_areas, score_area
    from compliance.domain.errors import UserError
    from compliance.evaluation.area import AreaEvaluator
    from compliance.intake.returns import load_assessment

    screened = {s.file for s in scores}
    returns = []
    for path in files:
        if str(path) in screened:
            try:
                returns.append((path, load_assessment(path)[0]))
            except UserError:
                continue
    evaluator = AreaEvaluator(load_area_rules(folders))
    by_id = {s.id: s for s in scores}
    areas = sorted({la for _, d in returns for la in d.organisation.local_authorities})
    names: dict[str, str] = {}
    for _, d in returns:
        names.update({la.code: la.name for la in d.organisation.local_authority_names or []})
    return rank_areas([score_area(area_report(la, returns, evaluator), by_id, weights) for la in areas], names)
