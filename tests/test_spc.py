"""Deterioration by statistical process control (NHS England, "Making Data Count": XmR chart,
limits at mean +/- 2.66 x mean moving range; a point outside, a shift of 7, a trend of 6)."""

from __future__ import annotations

import pytest

from compliance.cohort.spc import xmr


def test_too_few_periods_are_not_judged():
    got = xmr([90, 80, 70, 60, 50])
    assert got.verdict == "too_few_periods" and "too few" in got.text() and got.mean is None


def test_limits_are_mean_plus_minus_266_mean_moving_range():
    values = [90, 92, 91, 93, 92, 91, 90, 92]
    got = xmr(values)
    mean = sum(values) / 8
    mr = (2 + 1 + 2 + 1 + 1 + 1 + 2) / 7
    assert got.mean == pytest.approx(mean, abs=1e-3)
    assert (got.lower, got.upper) == (pytest.approx(mean - 2.66 * mr, abs=1e-3), pytest.approx(mean + 2.66 * mr, abs=1e-3))
    assert got.verdict == "common_cause" and got.trial  # 8 points: trial limits


def test_a_point_below_the_lower_limit_is_deterioration_and_above_is_improvement():
    assert xmr([90, 91, 90, 92, 91, 90, 91, 70]).verdict == "deterioration"
    assert xmr([90, 91, 90, 92, 91, 90, 91, 70], higher_is_better=False).verdict == "improvement"


def test_a_shift_and_a_trend_are_special_causes():
    shift = [95, 96, 95, 96, 95, 96, 90, 91, 90, 91, 90, 91, 90]  # the last 7 below the mean
    got = xmr(shift)
    assert got.verdict == "deterioration" and any("7 points in a row below" in s for s in got.signals)
    assert not got.trial
    trend = xmr([95, 95.5, 95, 94.5, 94, 93.5, 93, 92.5])  # 6 falling points (5 falls)
    assert trend.verdict == "deterioration" and any("falling" in s for s in trend.signals)
    assert xmr([90, 90.5, 91, 91.5, 92, 92.5]).verdict == "improvement"
