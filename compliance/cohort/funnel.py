"""Screening statistics for shares: how surely an organisation falls short of a standard, given its volume.

The exact verdict (met / not met) is decided elsewhere, on exact values, and stays as it is. This
module answers a different question an inspector ranking hundreds of organisations asks: is a
share below its standard more than chance would explain? 8 of 10 against 90% is consistent with
chance; 800 of 1,000 is not.

Methods (Spiegelhalter, "Funnel plots for comparing institutional performance", Statistics in
Medicine 24:1185-1202, 2005; Spiegelhalter, "Handling over-dispersion of performance indicators",
Quality & Safety in Health Care 14:347-351, 2005; as in NHS-R's FunnelPlotR):

- control limits around the standard p0 for a denominator n: the normal approximation
  p0 +/- z * sqrt(p0 (1 - p0) / n), with z = 1.959964 (95%) and 3.090232 (99.8%); and the exact
  binomial limits with Spiegelhalter's interpolation (appendix A.1.1 of the 2005 paper);
- over-dispersion: z-scores of every organisation against the cohort's pooled rate, winsorised at
  the 10th and 90th percentiles, give phi = mean(z^2); when I * phi exceeds the 95th percentile of
  chi-squared on I - 1 degrees of freedom the cohort is over-dispersed and the additive
  random-effects term tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2, widens
  every limit: s^2 + tau^2 in place of s^2. Dispersion is estimated around the cohort's rate, not
  the standard, so a cohort that sits above the standard is not mistaken for an over-dispersed one;
- the probability that the true rate is below the standard: the posterior under the Jeffreys prior
  Beta(1/2, 1/2), P(p < p0 | x, n) = I_p0(x + 1/2, n - x + 1/2).

An organisation is flagged below a limit only when both the exact binomial tail P(X <= x | n, p0)
is below the limit's one-sided level and the over-dispersed z-score is below -z: so a count that
the exact test finds consistent with the standard is never flagged, whatever the approximation.

Pure functions over plain numbers and rules; numpy and scipy do the vector work once per cohort,
so the per-organisation cost is a few tuples.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Any, Literal, NamedTuple
from collections.abc import Iterable, Sequence

from pydantic import Field

from compliance.domain.base import Strict

Z95 = 1.959963984540054  # two-sided 95%: 2.5% in each tail
Z998 = 3.090232306167813  # two-sided 99.8%: 0.1% in each tail
P95, P998 = 0.025, 0.001  # the one-sided tail levels of those limits

Band = Literal["below_99.8", "below_95", "consistent", "at_or_above"]
BAND_LABELS: dict[str, str] = {
    "below_99.8": "below the 99.8% limit (almost surely short of the standard)",
    "below_95": "below the 95% limit (probably short of the standard)",
    "consistent": "consistent with the standard (within the limits: chance could explain the shortfall)",
    "at_or_above": "at or above the standard",
}
# How much of a failing rule's severity points a share counts for, by where it lies in the funnel.
# Between the limits a shortfall is what chance gives one share in forty, so it counts for a quarter;
# inside them, for a twentieth (silence and definite failures elsewhere count in full).
STRENGTH: dict[str, float] = {"below_99.8": 1.0, "below_95": 0.25, "consistent": 0.05, "at_or_above": 0.0}


class ShareCount(NamedTuple):
    """One share measure of one organisation, as a worker hands it over: a plain tuple, since every
    organisation has a dozen and they cross processes."""

    rule_id: str
    title: str
    measure: str
    label: str  # the standard's parameter, as the rule names it
    x: int  # numerator: how many met the requirement
    n: int  # denominator: how many it applies to (> 0)
    standard: float  # the standard, as a percentage
    failing: bool  # whether the rule's exact verdict is not met
    severity: str  # the rule's severity in this verdict (after any escalation)
    base_severity: str  # the rule's declared severity, before escalation


class ShareSignal(Strict):
    """A share below its standard, placed in its rule's funnel (once the whole cohort is known)."""

    rule_id: str
    title: str
    measure: str
    label: str = Field(description="The standard's parameter, as the rule names it.")
    x: int = Field(description="Numerator: how many met the requirement.")
    n: int = Field(description="Denominator: how many it applies to.")
    standard: float = Field(description="The standard, as a percentage.")
    failing: bool = Field(description="Whether the rule's exact verdict is not met.")
    severity: str = Field(description="The rule's severity in this verdict (after any escalation).")
    base_severity: str = Field(description="The rule's declared severity, before escalation.")

    band: Band
    z: float | None = Field(description="(share - standard) / its binomial SD; None at a 100% standard.")
    z_od: float | None = Field(description="The same with the cohort's over-dispersion added to the variance.")
    p_exact: float = Field(description="Exact binomial P(X <= x | n, standard): how likely so few if the standard held.")
    p_below: float = Field(description="Probability the true rate is below the standard (Jeffreys prior).")


class FunnelRule(Strict):
    """One share measure across the cohort: the funnel's centre, limits and dispersion."""

    rule_id: str
    title: str
    measure: str
    standard: float
    cohort_rate: float = Field(description="Pooled rate: sum of numerators / sum of denominators, percent.")
    organisations: int
    phi: float = Field(description="Winsorised dispersion ratio (1: as binomial noise alone predicts).")
    overdispersed: bool
    tau2: float = Field(description="Additive random-effects variance (proportion scale) used when over-dispersed.")
    below_998: int
    below_95: int
    points: list[tuple[str, int, int, str]] = Field(default_factory=list, exclude=True, description=(
        "Every organisation's (id, numerator, denominator, band), for the plot; not in the JSON document."))


# --- which measures are shares against a standard ------------------------------------------------


_PAIRS: dict[int, tuple[Any, tuple[tuple[str, str, str, str], ...]]] = {}


def share_pairs(rule: Any) -> tuple[tuple[str, str, str, str], ...]:
    """(share measure, numerator, denominator, standard parameter) for each `gte: [share, parameter]`
    the rule's condition (or its declared threshold) holds a `percent: [num, den]` measure to.

    Worked out once per rule object (kept alive beside its answer, so its id is never reused)."""
    got = _PAIRS.get(id(rule))
    if got is None or got[0] is not rule:
        got = _PAIRS[id(rule)] = (rule, tuple(share_pairs_uncached(rule)))
    return got[1]


def share_pairs_uncached(rule: Any) -> list[tuple[str, str, str, str]]:
    found: dict[str, str] = {}
    t = getattr(rule, "threshold", None)
    if t is not None:
        found[t.measure] = t.parameter

    def walk(c: Any) -> None:
        if c is None:
            return
        op = c.op
        if op in ("all", "any"):
            for sub in getattr(c, op):
                walk(sub)
        elif op == "not":
            return  # a share that must *not* reach a level is no standard to fall short of
        elif op == "gte":
            left, right = c.gte
            if isinstance(right, str) and right in rule.parameters:
                found.setdefault(left, right)

    walk(rule.condition)
    out = []
    for name, param in found.items():
        m = rule.measures.get(name)
        if m is not None and getattr(m, "percent", None):
            num, den = m.percent
            out.append((name, num, den, param))
    return out


def _count(v: Any) -> int | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, Fraction):
        return v.numerator if v.denominator == 1 else None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def _exact_value(r: Any) -> Any:
    lo, hi = getattr(r, "lo", None), getattr(r, "hi", None)
    return lo if lo is not None and lo == hi else None


def share_counts(item: Any, rule: Any, params: dict[str, Any], severity: str) -> list[ShareCount]:
    """The shares of one verdict whose numerator and denominator are reported exactly (each measure's
    range is a single value)."""
    pairs = share_pairs(rule)
    if not pairs:
        return []

    def value(name: str) -> Any:
        r = item.ranges.get(name)
        return None if r is None else _exact_value(r)

    failing = item.outcome.value == "not_met"
    out = []
    for name, num, den, param in pairs:
        x, n, std = _count(value(num)), _count(value(den)), params.get(param)
        if x is None or n is None or n <= 0 or x < 0 or x > n or isinstance(std, bool) or not isinstance(std, (int, float)):
            continue
        if not 0 < std <= 100:
            continue
        out.append(ShareCount(rule.id, rule.title, name, param, x, n, float(std), failing, severity, rule.severity.value))
    return out


# --- limits ---------------------------------------------------------------------------------------


def normal_limits(p0: float, n: float | Any, z: float, tau2: float = 0.0) -> tuple[Any, Any]:
    """Spiegelhalter (2005) eq. for a proportion: p0 +/- z sqrt(p0 (1 - p0) / n + tau^2), clipped to [0, 1]."""
    import numpy as np

    s = np.sqrt(p0 * (1 - p0) / np.asarray(n, dtype=float) + tau2)
    return np.clip(p0 - z * s, 0, 1), np.clip(p0 + z * s, 0, 1)


def exact_limit(p0: float, n: int, p: float) -> float:
    """Spiegelhalter (2005), appendix A.1.1: the p-quantile of Binomial(n, p0), interpolated.

    r_p is the smallest r with F(r) >= p; alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1)); the limit
    on the proportion scale is (r_p - alpha) / n."""
    return float(exact_limit_many(p0, [n], p)[0])


def exact_limit_many(p0: float, n: Any, p: float) -> Any:
    """`exact_limit` for an array of denominators at once (a funnel plot's curve: one scipy call,
    not a hundred and fifty)."""
    import numpy as np
    from scipy.stats import binom

    n = np.asarray(n, dtype=float)
    r = binom.ppf(p, n, p0)
    f_r, f_before = binom.cdf(r, n, p0), binom.cdf(r - 1, n, p0)
    same = f_r == f_before
    alpha = np.where(same, 0.0, (f_r - p) / np.where(same, 1.0, f_r - f_before))
    return np.clip((r - alpha) / n, 0.0, 1.0)


def exact_limits(p0: float, n: int) -> dict[str, float]:
    return {"lo998": exact_limit(p0, n, P998), "lo95": exact_limit(p0, n, P95),
            "hi95": exact_limit(p0, n, 1 - P95), "hi998": exact_limit(p0, n, 1 - P998)}


def dispersion(x: Any, n: Any) -> tuple[float, float, bool]:
    """(phi, tau^2, over-dispersed) of a cohort's counts around its pooled rate (Spiegelhalter, QSHC 2005)."""
    import numpy as np
    from scipy.special import chdtri  # the chi-squared quantile; scipy.special loads in a fifth of scipy.stats' time

    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    k = len(n)
    if k < 10:
        return 1.0, 0.0, False  # too few to estimate a dispersion: binomial noise alone
    rate = x.sum() / n.sum()
    if rate <= 0 or rate >= 1:
        return 1.0, 0.0, False
    s2 = rate * (1 - rate) / n
    z = (x / n - rate) / np.sqrt(s2)
    lo, hi = np.percentile(z, [10, 90])
    zw = np.clip(z, lo, hi)
    phi = float(np.mean(zw ** 2))
    over = k * phi > float(chdtri(k - 1, 0.05))
    if not over:
        return phi, 0.0, False
    w = 1 / s2
    tau2 = max(0.0, (k * phi - (k - 1)) / float(w.sum() - (w ** 2).sum() / w.sum()))
    return phi, tau2, True


class Placed(NamedTuple):
    """Every share placed in its funnel, as arrays in the order given, and each funnel's summary."""

    band: list[str]
    z: Any  # numpy arrays; nan at a 100% standard
    z_od: Any
    p_exact: Any
    p_below: Any
    funnels: list[FunnelRule]

    def signal(self, i: int, c: ShareCount) -> ShareSignal:
        z, zd = float(self.z[i]), float(self.z_od[i])
        return ShareSignal.model_construct(**c._asdict(), band=self.band[i], z=None if z != z else round(z, 3),
                                           z_od=None if zd != zd else round(zd, 3), p_exact=float(self.p_exact[i]),
                                           p_below=round(float(self.p_below[i]), 4))


def place(shares: Sequence[ShareCount], owners: Sequence[str] | None = None) -> Placed:
    """Every share placed in its rule's funnel; `owners` (each share's organisation id) go into the plots' points."""
    import numpy as np
    from scipy.special import bdtr, betainc  # binomial CDF; regularised incomplete beta (the Beta CDF)

    k = len(shares)
    band = ["at_or_above"] * k
    z_all, zd_all, pe_all, pb_all = (np.full(k, np.nan) for _ in range(4))
    groups: dict[tuple[str, str, float], list[int]] = defaultdict(list)
    for i, s in enumerate(shares):
        groups[(s.rule_id, s.measure, s.standard)].append(i)
    funnels = []
    for (rid, measure, std), idx in sorted(groups.items()):
        ix = np.array(idx)
        x = np.array([shares[i].x for i in idx], dtype=float)
        n = np.array([shares[i].n for i in idx], dtype=float)
        p0 = std / 100
        phi, tau2, over = dispersion(x, n)
        p_exact = bdtr(x.astype(np.int64), n.astype(np.int64), p0)
        p_below = betainc(x + 0.5, n - x + 0.5, p0)
        y = x / n
        if p0 < 1:
            s2 = p0 * (1 - p0) / n
            z = (y - p0) / np.sqrt(s2)
            z_od = (y - p0) / np.sqrt(s2 + tau2)
            below998 = (p_exact < P998) & (z_od < -Z998)
            below95 = (p_exact < P95) & (z_od < -Z95)
            z_all[ix], zd_all[ix] = z, z_od
        else:  # a 100% standard: one miss is certain shortfall, whatever the volume
            below998 = below95 = x < n
        pe_all[ix], pb_all[ix] = p_exact, p_below
        for j, i in enumerate(idx):
            if y[j] < p0:
                band[i] = "below_99.8" if below998[j] else "below_95" if below95[j] else "consistent"
        funnels.append(FunnelRule.model_construct(
            rule_id=rid, title=shares[idx[0]].title, measure=measure, standard=std,
            cohort_rate=round(100 * float(x.sum() / n.sum()), 3), organisations=len(idx), phi=round(phi, 3),
            overdispersed=over, tau2=tau2, below_998=int(np.sum(below998)), below_95=int(np.sum(below95)),
            points=[] if owners is None else [(owners[i], shares[i].x, shares[i].n, band[i]) for i in idx]))
    return Placed(band, z_all, zd_all, pe_all, pb_all, funnels)


def severity_counted(s: ShareSignal) -> str:
    """The severity a share's rule counts with: its escalated severity only when the shortfall is sure
    (below the 99.8% limit); an escalation decided on a point estimate that chance could explain
    (e.g. one small group below a floor) counts at the rule's declared severity."""
    return s.severity if s.band == "below_99.8" else s.base_severity


def band_strength(band: str, p_exact: float) -> float:
    """How much of its rule's points a share below the standard counts for: in full below the 99.8%
    limit; between the limits from a quarter (at the 95% limit) to three quarters (at the 99.8%
    limit) as the exact tail probability falls, since many organisations each reporting a dozen
    shares put one in forty between the limits by chance alone; a twentieth inside them."""
    if band != "below_95":
        return STRENGTH[band]
    import math

    t = math.log10(P95 / max(p_exact, 1e-300)) / math.log10(P95 / P998)
    return STRENGTH["below_95"] + 0.5 * min(1.0, max(0.0, t))


def strength(signals: Iterable[ShareSignal]) -> tuple[float, ShareSignal] | None:
    """How much a failing share rule counts (see band_strength) and the share that decides it: the
    strongest of its shares below the standard. None: no share below it (the rule fails on
    something else, which counts in full)."""
    below = [s for s in signals if s.band != "at_or_above"]
    if not below:
        return None
    best = max(below, key=lambda s: (band_strength(s.band, s.p_exact), -s.p_exact))
    return band_strength(best.band, best.p_exact), best
