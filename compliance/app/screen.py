"""`screen` as a use case: discover the returns, score them in worker processes, rank the cohort.

Kept out of the CLI so that another front end (or a test) screens exactly as the command does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from compliance.app.evaluators import make_evaluator
from compliance.app.workers import Setup, collect
from compliance.cohort.ranking import InvalidFile, Screening, build, select
from compliance.cohort.score import OrgScore
from compliance.cohort.weights import load_weights
from compliance.domain.exit_policy import fails_on_counts
from compliance.domain.result import Report, RuleOverride
from compliance.intake.discovery import discover


@dataclass(frozen=True)
class ScreenRun:
    result: Screening
    reports: dict[str, Report]  # full reports by file, only when asked for (detailed formats)
    selected: list[OrgScore]  # the organisations that pass the filters, before --top
    overrides: list[RuleOverride] = field(default_factory=list)  # local rules in force instead of bundled ones

    def fails(self, fail_on: str) -> bool:
        return fails_on_counts((s.failing_by_severity for s in self.selected), fail_on)


def screen(paths: list[str], folders: list[Path], profile: Path | None = None, weights_file: Path | None = None, *,
           top: int | None = None, org_types: tuple[str, ...] = (), local_authorities: tuple[str, ...] = (),
           jobs: int | None = None, detail: bool = False,
           progress: Callable[[int], Callable[[Iterator], Iterator] | None] | None = None) -> ScreenRun:
    weights = load_weights(weights_file)
    evaluator, _ = make_evaluator(folders, profile)  # rules and profile are checked here, before any worker starts
    files, missing = discover(paths)
    setup = Setup(folders=tuple(folders), profile=profile, weights=weights, detail=detail)
    scores, invalid, reports = collect(files, setup, jobs, progress=progress(len(files)) if progress else None)
    invalid += [InvalidFile(file=raw, reason=f"{raw}: invalid input: {why}.") for raw, why in missing]
    result = build(scores, invalid, weights, top, org_types, local_authorities)
    return ScreenRun(result, reports, select(scores, org_types, local_authorities), evaluator.ruleset.overrides)
