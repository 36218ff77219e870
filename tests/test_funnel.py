"""Screening statistics for shares: funnel limits, over-dispersion, and what counts as an outlier.

The formulas are Spiegelhalter's: "Funnel plots for comparing institutional performance",
Statistics in Medicine 24:1185-1202 (2005), section 2 and appendix A.1.1 (proportions: normal
limits p0 +/- z sqrt(p0 (1 - p0) / n), exact binomial limits by interpolated quantiles); and
"Handling over-dispersion of performance indicators", Quality & Safety in Health Care 14:347-351
(2005) (winsorised phi; additive tau^2).
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings, strategies as st

from compliance.cohort.funnel import Z95, Z998, ShareCount, dispersion, exact_limit, exact_limits, normal_limits


def _share(x: int, n: int, std: float = 90.0, rid: str = "TRN-001") -> ShareCount:
    return ShareCount(rid, "t", "coverage", "threshold", x, n, std, 100 * x < std * n, "high", "high")


def place(shares: list[ShareCount]):
    """Each share's signal (every one, for the tests) and the funnels."""
    from compliance.cohort.funnel import place as placed

    got = placed(shares)
    return [got.signal(i, c) for i, c in enumerate(shares)], got.funnels


def _cdfs(n: int, p: float) -> list[float]:
    """F(r) = P(X <= r) for r = 0..n, X ~ Binomial(n, p), summed from math.comb: independent of scipy."""
    out, total = [], 0.0
    for k in range(n + 1):
        total += math.comb(n, k) * p**k * (1 - p) ** (n - k)
        out.append(total)
    return out


def test_normal_limits_equal_spiegelhalter_worked_example():
    # p0 = 0.9, n = 100: SD = sqrt(0.9 x 0.1 / 100) = 0.03, so the limits are 0.9 -/+ z x 0.03 with
    # z = 1.959964 (95%) and 3.090232 (99.8%), i.e. 0.841201 / 0.958799 and 0.807293 / 0.992707.
    assert Z95 == pytest.approx(1.959964, abs=1e-6) and Z998 == pytest.approx(3.090232, abs=1e-6)
    lo95, hi95 = normal_limits(0.9, 100, Z95)
    lo998, hi998 = normal_limits(0.9, 100, Z998)
    assert float(lo95) == pytest.approx(0.841201, abs=1e-6) and float(hi95) == pytest.approx(0.958799, abs=1e-6)
    assert float(lo998) == pytest.approx(0.807293, abs=1e-6) and float(hi998) == pytest.approx(0.992707, abs=1e-6)
    # the limits narrow with volume as 1 / sqrt(n): at n = 400 the 99.8% band is half as wide
    lo_big, _ = normal_limits(0.9, 400, Z998)
    assert 0.9 - float(lo_big) == pytest.approx((0.9 - float(lo998)) / 2)
    # the additive over-dispersion term widens them: sqrt(s^2 + tau^2), here sqrt(0.0009 + 0.0016) = 0.05
    lo_od, _ = normal_limits(0.9, 100, Z95, tau2=0.0016)
    assert float(lo_od) == pytest.approx(0.9 - 1.959964 * 0.05, abs=1e-6)


@pytest.mark.parametrize("n,p0", [(20, 0.9), (100, 0.9), (37, 0.8), (300, 0.95)])
def test_exact_limits_follow_the_interpolated_quantile_formula(n, p0):
    # Appendix A.1.1: r_p is the smallest r with F(r) >= p; alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1));
    # the limit is (r_p - alpha) / n. Worked here with exact sums, not scipy.
    cdf = _cdfs(n, p0)
    for p in (0.001, 0.025, 0.975, 0.999):
        r = next(r for r in range(n + 1) if cdf[r] >= p)
        f_r, f_before = cdf[r], (cdf[r - 1] if r > 0 else 0.0)
        alpha = (f_r - p) / (f_r - f_before)
        assert exact_limit(p0, n, p) == pytest.approx((r - alpha) / n, abs=1e-7)
    lim = exact_limits(p0, n)
    assert lim["lo998"] <= lim["lo95"] < p0 < lim["hi95"] <= lim["hi998"]


def test_volume_decides_not_the_point_estimate():
    # The example: 8 of 10 and 800 of 1,000 against 90% are the same share; the first is
    # consistent with chance (exact P(X <= 8 | 10, 0.9) = 0.26), the second is not (P ~ 1e-21).
    signals, _ = place([_share(8, 10), _share(800, 1000)])
    small, large = signals
    assert small.p_exact == pytest.approx(0.2639, abs=1e-4) and small.band == "consistent"
    assert large.p_exact < 1e-20 and large.band == "below_99.8"
    assert large.z == pytest.approx((0.8 - 0.9) / math.sqrt(0.09 / 1000), abs=1e-3)
    # screening.md's pair: 7 of 10 (P = 0.07) stays consistent; 850 of 1,000 (z = -5.3) is an outlier
    signals, _ = place([_share(7, 10), _share(850, 1000)])
    assert signals[0].p_exact == pytest.approx(0.0702, abs=1e-4) and signals[0].band == "consistent"
    assert signals[1].z == pytest.approx(-5.27, abs=0.01) and signals[1].band == "below_99.8"
    # the probability that the true rate is below the standard: far from sure for 8 of 10, sure for 800 of 1,000
    assert 0.5 < small.p_below < 0.95 and large.p_below > 0.999


def test_a_hundred_percent_standard_is_missed_by_one_miss():
    signals, _ = place([_share(99, 100, 100.0), _share(100, 100, 100.0)])
    assert [s.band for s in signals] == ["below_99.8", "at_or_above"]


def test_overdispersion_detected_and_widens_limits():
    rng = random.Random(1)
    plain, spread = [], []
    for _ in range(200):
        n = rng.randint(200, 2000)
        plain.append((sum(rng.random() < 0.92 for _ in range(n)), n))
        p = min(0.999, max(0.5, rng.gauss(0.92, 0.04)))  # true rates differ between organisations
        spread.append((sum(rng.random() < p for _ in range(n)), n))
    phi, tau2, over = dispersion(*zip(*plain))
    assert not over and tau2 == 0 and 0.6 < phi < 1.5
    phi, tau2, over = dispersion(*zip(*spread))
    assert over and phi > 3 and tau2 == pytest.approx(0.04**2, rel=0.6)
    # the same organisation is flagged less surely in the over-dispersed cohort
    signals, funnels = place([_share(x, n, 92.0) for x, n in spread] + [_share(850, 1000, 92.0)])
    assert funnels[0].overdispersed and abs(signals[-1].z_od) < abs(signals[-1].z)


cohorts = st.lists(st.tuples(st.integers(1, 3000), st.floats(0.5, 1.0)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(cohorts, st.sampled_from([75.0, 80.0, 90.0, 95.0, 100.0]))
def test_nothing_consistent_with_the_standard_at_998_is_flagged(orgs, std):
    """Whatever the cohort: an organisation whose count the exact binomial test finds consistent
    with the standard at the 99.8% level (P(X <= x | n, p0) >= 0.001, summed independently here) is
    never flagged below the 99.8% limit, nor, at 95%, below the 95% limit."""
    shares = [_share(min(n, round(n * p)), n, std) for n, p in orgs]
    signals, _ = place(shares)
    for s in signals:
        p = 1.0 if s.x == s.n else (0.0 if std == 100 else _cdf_fast(s.x, s.n, std / 100))
        if p >= 0.001:
            assert s.band != "below_99.8", (s.x, s.n, p)
        if p >= 0.025:
            assert s.band not in ("below_99.8", "below_95"), (s.x, s.n, p)


def _cdf_fast(x: int, n: int, p: float) -> float:
    """The binomial tail by the log-space sum (exact enough for the 0.001 boundary, and fast)."""
    logs = [math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p)
            for k in range(x + 1)]
    top = max(logs)
    return math.exp(top) * sum(math.exp(v - top) for v in logs)


def _scored(oid: str, counts: list[ShareCount], fixed: float = 0.0):
    """An organisation's score as a worker hands it over: a failing share rule's component (its
    severity's points before the cohort pass) and, with `fixed`, a failure that is not a share's."""
    from compliance.cohort.score import Component, OrgScore
    from compliance.domain.outcomes import Outcome

    comps = [Component(part="findings", key=c.rule_id, points=15.0, detail=c.rule_id) for c in counts if c.failing]
    if fixed:
        comps.append(Component(part="findings", key="GOV-001", points=fixed, detail="GOV-001"))
    s = OrgScore.model_construct(
        id=oid, name=oid, type="gp_practice", local_authorities=["E06000001"], local_authority_names={}, file=oid,
        score=sum(c.points for c in comps), findings_points=sum(c.points for c in comps), exposure_multiplier=1.0,
        children=None, context_points=0.0, data_quality_points=0.0, deterioration_points=0.0, components=comps,
        failing_by_severity={}, lines_of_enquiry=[],
        outcomes={**{c.rule_id: Outcome.not_met if c.failing else Outcome.met for c in counts},
                  **({"GOV-001": Outcome.not_met} if fixed else {})})
    s._counts = counts
    return s


def test_a_rank_interval_places_each_redraw_as_the_point_is_placed():
    # 0 of 3 against 85% is below the 95% limit, not the 99.8% one (exact tail 0.15^3 = 0.0034), and
    # every redraw from Binomial(3, 0) is 0 of 3 again: so the organisation's score, and its rank,
    # are the same in every replicate. The normal approximation alone (z = -4.1) put every redraw
    # below the 99.8% limit, at twice the points, and ranked it above an organisation it is below.
    from compliance.cohort.standardise import apply_statistics
    from compliance.cohort.weights import load_weights

    small = _scored("SMALL", [_share(0, 3, 85.0)])
    definite = _scored("DEFINITE", [], fixed=20.0)
    clean = [_scored(f"C{i}", [_share(95, 100, 85.0)]) for i in range(3)]
    out, _ = apply_statistics([small, definite, *clean], load_weights(), bootstrap=40)
    by_id = {s.id: s for s in out}
    assert by_id["DEFINITE"].score > by_id["SMALL"].score > 0
    assert (by_id["DEFINITE"].rank_low, by_id["DEFINITE"].rank_high) == (1, 1)
    assert (by_id["SMALL"].rank_low, by_id["SMALL"].rank_high) == (2, 2)
