"""Screening many returns across processes: durable-rules holds the GIL, so threads would not help.

Each worker process has one Evaluator for its whole life (forked, the one the parent already built;
otherwise built in the pool initializer) and scores whole files, so only small score records cross
process boundaries. One bad file becomes an `InvalidFile` with the
same one-paragraph message `safeguard assess` gives; it never stops the others.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import zlib
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.domain.errors import UserError
from compliance.domain.result import Report
from compliance.cohort.funnel import STRENGTH
from compliance.cohort.ranking import InvalidFile
from compliance.cohort.score import OrgScore, score_of
from compliance.cohort.weights import Weights
from compliance.cohort.signals import signals_of


@dataclass(frozen=True)
class Setup:
    """What a worker needs to rebuild the evaluator: picklable, unlike the engine."""

    folders: tuple[Path, ...]
    profile: Path | None
    weights: Weights
    detail: bool = False  # also send back each full report (HTML, Markdown, JUnit)
    record: bool = False  # also send back each run as the history store keeps it


# A score; a score with its packed report (None when not kept) and, when recording, its run entry; or a bad file.
WorkerResult = OrgScore | InvalidFile | tuple[OrgScore, bytes | None] | tuple[OrgScore, bytes | None, Any]


class Worker:
    def __init__(self, setup: Setup, made: tuple[Any, Any] | None = None):
        """`made`: the (evaluator, profile record) the caller already built from this setup, if any."""
        from compliance.app.evaluators import make_evaluator

        self.setup = setup
        self.evaluator, self.profile_record = made or make_evaluator(list(setup.folders), setup.profile)
        self.units = None
        if setup.record:
            from compliance.app.history import units_of

            self.units = units_of(self.evaluator.ruleset)

    def __call__(self, path: Path) -> WorkerResult:
        from compliance.app.assess import report_for
        from compliance.intake.returns import load_assessment

        try:
            doc, info = load_assessment(path)
            org = doc.organisation
            verdicts = self.evaluator.verdicts(doc)  # scored alone; findings, when a format prints them, dressed from them
            result = score_of(verdicts, org.id, org.name, org.type.value, list(org.local_authorities), info.path,
                              signals_of(doc), self.setup.weights)
            if not self.setup.detail and not self.setup.record:
                return result
            report = report_for(doc, info, self.evaluator, list(self.setup.folders), self.profile_record,
                                verdicts=verdicts)
            if self.setup.record:
                from compliance.history.entries import run_entry

                return result, pack(report) if self.setup.detail else None, run_entry(report, self.units)
            return result, pack(report)
        except UserError as e:
            return InvalidFile(file=str(path), reason=str(e))
        except Exception as e:  # noqa: BLE001 - a bug met on one file is that file's, not the run's
            return InvalidFile(file=str(path), reason=f"{path}: internal error: {type(e).__name__}: {e}"[:2000],
                               internal=True)


def pack(report: Report) -> bytes:
    """A full report as the main process keeps it until it is rendered: ~190 KB of objects as ~10 KB."""
    return zlib.compress(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL), 1)


class Reports(Mapping[str, Report]):
    """Full reports by file, kept packed and unpacked one at a time as a renderer reads them.

    Only this process's own workers' output is ever unpickled here.
    """

    def __init__(self) -> None:
        self._packed: dict[str, bytes] = {}

    def keep(self, file: str, packed: bytes) -> None:
        self._packed[file] = packed

    def drop(self, file: str) -> None:
        self._packed.pop(file, None)

    def __getitem__(self, file: str) -> Report:
        return pickle.loads(zlib.decompress(self._packed[file]))

    def __contains__(self, file: object) -> bool:
        return file in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)


_worker: Worker | None = None
# The parent's own evaluator while its pool runs. A forked worker starts with a copy of it, engine
# and all (no durable Host, so no threads, and the parent never evaluates in it, so no session is live),
# and rebuilding it cost each worker ~70 ms of CPU; a spawned worker sees None and builds its own.
_inherited: tuple[Setup, tuple[Any, Any]] | None = None


def _init(setup: Setup) -> None:
    """Ctrl-C reaches the whole process group: the parent alone answers it (exit 130, one line),
    and a terminated worker just ends, so neither prints a traceback per process."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    made = _inherited[1] if _inherited is not None and _inherited[0] is setup else None
    _worker = Worker(setup, made)
    # The rules, compiled models and engine live as long as the process: collections need not walk them.
    gc.freeze()


def _run(path: Path) -> WorkerResult:
    assert _worker is not None, "pool initializer did not run"
    return _worker(path)


def _complete_models() -> None:
    """Models build their validators when first used (start-up pays only for what a command uses);
    built here, before the workers fork, each worker inherits them instead of building its own."""
    from compliance.domain.model import SelfAssessment

    for model in (SelfAssessment, OrgScore, InvalidFile, Report):
        model.model_rebuild()


class WorkerDied(RuntimeError):
    """An internal error (exit 3): a worker process ended without returning its results."""


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def screen_files(paths: list[Path], setup: Setup, jobs: int | None = None,
                 made: tuple[Any, Any] | None = None) -> Iterator[WorkerResult]:
    """Results in the order of `paths`. jobs=1 runs in this process (no pool), for tests and tiny runs.

    `made`: the (evaluator, profile record) `make_evaluator` gave for this setup, reused rather than rebuilt.
    """
    global _inherited
    jobs = min(jobs or default_jobs(), max(1, len(paths)))
    if jobs == 1:
        worker = Worker(setup, made)
        yield from map(worker, paths)
        return
    chunk = max(1, min(32, len(paths) // (jobs * 8)))
    _complete_models()
    _inherited = (setup, made) if made is not None else None
    try:
        # concurrent.futures, not multiprocessing.Pool: a worker that dies (the engine is C code and
        # can crash) breaks the pool and ends the run with an error, where Pool would wait forever
        # for the lost task.
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(), initializer=_init,
                                 initargs=(setup,)) as pool:
            try:
                yield from pool.map(_run, paths, chunksize=chunk)
            except BrokenProcessPool as e:
                raise WorkerDied("a screening worker process died (killed or crashed) before it had assessed "
                                 "every return; nothing was written. Run again with -j 1 to find the return "
                                 "it was assessing, and please report it") from e
    finally:
        _inherited = None


def collect(paths: list[Path], setup: Setup, jobs: int | None = None,
            progress: Callable[[Iterator], Iterator] | None = None, *, keep: int | None = None,
            shown: Callable[[OrgScore], bool] | None = None,
            entries: list | None = None, made: tuple[Any, Any] | None = None) -> tuple[list[OrgScore], list[InvalidFile], Reports]:
    """Scores, invalid files and (with `setup.detail`) full reports, keyed by file.

    With `keep`, only the reports of the `keep` highest-ranked organisations that `shown` accepts
    are kept (all a detailed view with `--details keep` can show), so memory does not grow with
    the cohort by a full report per organisation. With `setup.record`, each scored file's RunEntry
    is appended to `entries`.
    """
    results = screen_files(paths, setup, jobs, made)
    if progress is not None:
        results = progress(results)
    scores: list[OrgScore] = []
    invalid: list[InvalidFile] = []
    details = Reports()
    candidates: list[OrgScore] = []
    limit = 2 * (keep or 0)
    for r in results:
        if isinstance(r, tuple):
            if len(r) == 3:
                if entries is not None:
                    entries.append(r[2])
                r = r[:2]
            r, packed = r
            if packed is None:
                pass
            elif keep is None:
                details.keep(r.file, packed)
            elif shown is None or shown(r):
                details.keep(r.file, packed)
                candidates.append(r)
                if len(candidates) > limit:
                    candidates = _best(candidates, keep, details, setup.weights)
                    limit = max(2 * keep, 2 * len(candidates))
        if isinstance(r, InvalidFile):
            invalid.append(r)
        else:
            scores.append(r)
    if keep is not None:
        _best(candidates, keep, details, setup.weights)
    return scores, invalid, details


def bounds(s: OrgScore, w: Weights) -> tuple[float, float]:
    """The lowest and highest score the cohort pass can give this organisation: a failing share rule
    ends between the smallest share of its severity points (consistent with the standard) and its points
    scaled by the largest gap, whatever the rest of the cohort holds."""
    below = {c.rule_id: (c.base_severity, c.severity) for c in s._counts if c.failing and 100 * c.x < c.standard * c.n}
    if not below:
        return s.score, s.score
    lo = hi = s.score
    for c in s.components:
        if c.part == "findings" and c.key in below:
            least, most = (getattr(w.severity, v) for v in below[c.key])
            lo -= s.exposure_multiplier * (c.points - STRENGTH["consistent"] * least)
            hi += s.exposure_multiplier * (most * (1 + w.gap) - c.points)
    return lo, hi


def _best(candidates: list[OrgScore], keep: int, details: Reports, w: Weights) -> list[OrgScore]:
    """Those that can still be among the `keep` highest once the cohort is known: any whose highest
    possible score reaches the `keep`-th highest lowest possible one."""
    if len(candidates) <= keep:
        return candidates
    span = {id(c): bounds(c, w) for c in candidates}
    floor = sorted((span[id(c)][0] for c in candidates), reverse=True)[keep - 1] if keep else float("inf")
    kept = [c for c in candidates if span[id(c)][1] >= floor - 1e-9]
    for dropped in candidates:
        if span[id(dropped)][1] < floor - 1e-9:
            details.drop(dropped.file)
    return kept
