"""Deterioration over time read as NHS boards are taught to read it: statistical process control.

NHS England's "Making Data Count" uses the XmR chart: the mean of the points, and process limits at
mean +/- 2.66 x the mean moving range (the average absolute change between consecutive points).
Special-cause variation is one of: a point outside the limits; a shift (7 or more consecutive
points on one side of the mean); a trend (6 or more consecutive points each rising, or each
falling). With fewer than MIN_POINTS periods no judgement is made (it says so, rather than
guessing); with fewer than FULL_POINTS the limits are trial limits, and the result says that too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from compliance.domain.base import Strict

MIN_POINTS = 6  # the shortest series a trend rule can fire on
FULL_POINTS = 12  # fewer points give only trial limits ("Making Data Count")
SHIFT, TREND = 7, 6

Verdict = Literal["too_few_periods", "common_cause", "deterioration", "improvement"]


class SpcResult(Strict):
    periods: int
    verdict: Verdict
    trial: bool = Field(description="Limits from fewer than 12 points: trial limits, to be read with care.")
    mean: float | None = None
    lower: float | None = None
    upper: float | None = None
    signals: list[str] = Field(default_factory=list, description="Which special-cause rules fired, in words.")

    def text(self) -> str:
        if self.verdict == "too_few_periods":
            return f"{self.periods} period(s): too few for SPC (needs {MIN_POINTS}); not judged"
        limits = f"mean {self.mean:.1f}, process limits {self.lower:.1f} to {self.upper:.1f}" + (" (trial)" if self.trial else "")
        what = {"common_cause": "common-cause variation only", "deterioration": "special cause: deterioration",
                "improvement": "special cause: improvement"}[self.verdict]
        return f"{self.periods} periods, {limits}: {what}" + (f" ({'; '.join(self.signals)})" if self.signals else "")


def _runs(flags: Sequence[int]) -> int:
    """The longest run of equal non-zero flags at the end of the series (the latest points matter)."""
    if not flags or flags[-1] == 0:
        return 0
    n = 0
    for f in reversed(flags):
        if f != flags[-1]:
            break
        n += 1
    return n


def xmr(values: Sequence[float], higher_is_better: bool = True) -> SpcResult:
    """Judge the latest points of a series (oldest first) against its own XmR process limits."""
    n = len(values)
    if n < MIN_POINTS:
        return SpcResult(periods=n, verdict="too_few_periods", trial=True)
    mean = sum(values) / n
    mr = sum(abs(b - a) for a, b in zip(values, values[1:])) / (n - 1)
    lower, upper = mean - 2.66 * mr, mean + 2.66 * mr
    worse: list[str] = []
    better: list[str] = []
    last = values[-1]
    if last < lower:
        (worse if higher_is_better else better).append(f"latest point {last:.1f} below the lower limit")
    if last > upper:
        (better if higher_is_better else worse).append(f"latest point {last:.1f} above the upper limit")
    side = [1 if v > mean else -1 if v < mean else 0 for v in values]
    shift = _runs(side)
    if shift >= SHIFT:
        below = side[-1] < 0
        ((worse if below == higher_is_better else better)
         .append(f"{shift} points in a row {'below' if below else 'above'} the mean"))
    steps = [1 if b > a else -1 if b < a else 0 for a, b in zip(values, values[1:])]
    trend = _runs(steps) + 1 if _runs(steps) else 0
    if trend >= TREND:
        falling = steps[-1] < 0
        ((worse if falling == higher_is_better else better)
         .append(f"{trend} points in a row {'falling' if falling else 'rising'}"))
    verdict: Verdict = "deterioration" if worse else "improvement" if better else "common_cause"
    return SpcResult(periods=n, verdict=verdict, trial=n < FULL_POINTS, mean=round(mean, 3), lower=round(lower, 3),
                     upper=round(upper, 3), signals=worse or better)
