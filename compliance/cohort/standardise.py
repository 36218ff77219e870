"""The cohort pass of screening: what no single organisation's score can know on its own.

Workers score each organisation alone; once every score is in, this places each share in its
rule's funnel (compliance.cohort.funnel), counts a failing share rule by how surely it falls short
(a shortfall chance could explain adds little however far the point estimate lies below the
standard), bands each score, ranks each organisation among its peers (organisation type), and
gives each national rank an interval by resampling the shares (parametric bootstrap).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from compliance.cohort.funnel import BAND_LABELS, STRENGTH, FunnelRule, ShareSignal, place, severity_counted, strength
from compliance.cohort.score import Component, OrgScore
from compliance.cohort.weights import Weights
from compliance.domain.outcomes import Outcome

BANDS = ("very high", "high", "moderate", "low")
BOOTSTRAP = 40  # replicates for the rank intervals: enough for a 95% interval that reads as a range


def band_of(score: float, w: Weights) -> str:
    """Bands anchored to the severity points, so a band says what it takes to reach it."""
    sev = w.severity
    if score >= sev.critical:
        return "very high"
    if score >= sev.high:
        return "high"
    if score >= sev.medium:
        return "moderate"
    return "low"


def band_legend(w: Weights) -> list[tuple[str, str]]:
    sev = w.severity
    return [("very high", f"{sev.critical:g} points or more: at least a definite critical failure's worth"),
            ("high", f"{sev.high:g} to {sev.critical:g}: at least a definite high-severity failure's worth"),
            ("moderate", f"{sev.medium:g} to {sev.high:g}: a medium failure's worth, or context alone"),
            ("low", f"under {sev.medium:g}")]


def _pct(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def share_detail(s: ShareSignal) -> str:
    z = "" if s.z_od is None else f", z {s.z_od:+.1f}"
    return (f"{s.x:,} of {s.n:,} ({_pct(100 * s.x / s.n)}%) against a standard of {_pct(s.standard)}%: "
            f"{BAND_LABELS[s.band].split(' (')[0]}{z}, P(true rate below standard) {s.p_below:.2f}")


def _share_component(c: Component, sig: list[ShareSignal], w: Weights) -> tuple[Component, float]:
    """The component of a failing share rule counted by the strength of its evidence, and that strength."""
    got = strength(sig)
    if got is None:
        return c, 1.0
    st, s = got
    sev = severity_counted(s)
    base = getattr(w.severity, sev)
    p0, y = s.standard / 100, s.x / s.n
    rel = min(1.0, (p0 - y) / p0) if st == STRENGTH["below_99.8"] else 0.0
    pts = base * st * (1 + w.gap * rel)
    how = f"{base:g} points x {st:.2f}" + (f" x (1 + {w.gap:g} x {rel:.2f} shortfall)" if rel else "")
    return Component(part="findings", key=c.key, points=pts,
                     detail=f"{s.rule_id} {s.title} ({sev}): not met, {share_detail(s)}; {how}"), st


def apply_statistics(scores: Sequence[OrgScore], w: Weights, bootstrap: int = BOOTSTRAP,
                     seed: int = 0) -> tuple[list[OrgScore], list[FunnelRule]]:
    """Every score with its shares placed and its share rules counted by their evidence, banded and
    ranked among its peers; and each rule's funnel. Scores come back in the order given.

    Only the shares below their standard become `ShareSignal`s on the score (the drivers and flags
    read them); every share stays in its funnel's points and in the bootstrap."""
    counts = [c for s in scores for c in s._counts]
    owners = [s.id for s in scores for _ in s._counts]
    placed = place(counts, owners)
    out = []
    i = 0
    for s in scores:
        sig = [placed.signal(i + j, c) for j, c in enumerate(s._counts) if placed.band[i + j] != "at_or_above"]
        i += len(s._counts)
        by_rule: dict[str, list[ShareSignal]] = defaultdict(list)
        for g in sig:
            by_rule[g.rule_id].append(g)
        comps: list[Any] = []
        sure: dict[str, float] = {}
        for c in s.components:
            if c.part == "findings" and c.key in by_rule and s.outcomes.get(c.key) == Outcome.not_met:
                c, sure[c.key] = _share_component(c, by_rule[c.key], w)
            comps.append(c)
        found = sum(c.points for c in comps if c.part == "findings")
        evidence = sum(c.points for c in comps if c.part == "findings" and s.outcomes.get(c.key) == Outcome.not_met)
        critical = sum(1 for e in s.lines_of_enquiry
                       if e.severity.value == "critical" and e.outcome == Outcome.not_met and sure.get(e.rule_id, 1.0) >= 1.0)
        total = found * s.exposure_multiplier + s.context_points + s.data_quality_points + s.deterioration_points
        out.append({
            "components": sorted(comps, key=lambda c: (-c.points, c.part, c.key)),
            "findings_points": round(found, 2), "score": round(total, 2), "band": band_of(total, w), "shares": sig,
            "critical_failures": critical, "evidence_points": round(evidence, 2),
            "silence_points": round(found - evidence, 2),
        })
    place_of = peers([(s.type, u["score"]) for s, u in zip(scores, out)])
    spans = rank_intervals(scores, out, placed.funnels, w, bootstrap, seed) if bootstrap and len(out) > 1 else None
    return [s.model_copy(update={**u, "peer_rank": place_of[i][0], "peer_size": place_of[i][1],
                                 **({"rank_low": spans[i][0], "rank_high": spans[i][1]} if spans else {})})
            for i, (s, u) in enumerate(zip(scores, out))], placed.funnels


def peers(scores: list[tuple[str, float]]) -> list[tuple[int, int]]:
    """Each (type, score)'s place among those of its type and the type's size (ties share the better place)."""
    by_type: dict[str, list[float]] = defaultdict(list)
    for t, v in scores:
        by_type[t].append(v)
    first: dict[str, dict[float, int]] = {}
    for t, group in by_type.items():
        first[t] = {}
        for pos, v in enumerate(sorted(group, reverse=True), start=1):
            first[t].setdefault(v, pos)
    return [(first[t][v], len(by_type[t])) for t, v in scores]


def rank_intervals(scores: Sequence[OrgScore], updates: list[dict], funnels: list[FunnelRule], w: Weights,
                   reps: int, seed: int) -> list[tuple[int, int]]:
    """A 95% interval for each national rank: each share is redrawn, placed in the funnel again exactly
    as `funnel.place` places it (the exact binomial tail and the over-dispersed z must both pass a
    limit), its rule re-counted, and every organisation re-ranked; the interval is the 2.5th to
    97.5th percentile of the ranks. Points not from shares (other failures, context) stay fixed.

    A redraw is Binomial(n, x/n) (the parametric bootstrap): a record of every one of n met stays
    met, as a 100% standard requires (a rate pulled off 100% would fail every such organisation by
    chance in a third of the replicates).
    A replicate is placed as the point is: a redraw the exact test finds consistent with the standard
    is never counted as outside a limit (the normal approximation alone put 0 of 3 against 85% below
    the 99.8% limit in every replicate, and the intervals then missed the ranks they were for)."""
    import numpy as np
    from scipy.special import bdtr  # the binomial CDF

    from compliance.cohort.funnel import P95, P998, Z95, Z998

    rng = np.random.default_rng(seed)
    tau2 = {(f.rule_id, f.measure, f.standard): f.tau2 for f in funnels}
    org_of, group_of, xs, ns, p0s, bases, lows, t2 = [], [], [], [], [], [], [], []
    fixed = np.array([u["score"] for u in updates], dtype=float)
    mult = np.array([s.exposure_multiplier for s in scores], dtype=float)
    group = 0
    for k, (s, u) in enumerate(zip(scores, updates)):
        by_rule: dict[str, list] = defaultdict(list)
        for c in s._counts:
            if s.outcomes.get(c.rule_id) in (Outcome.met, Outcome.not_met):
                by_rule[c.rule_id].append(c)
        points = {c.key: c.points for c in u["components"] if c.part == "findings"}
        short = {g.rule_id for g in u["shares"]}
        for rid, gs in by_rule.items():
            if s.outcomes[rid] == Outcome.not_met and rid not in short:
                continue  # it fails on something other than its shares: that stays fixed
            fixed[k] -= mult[k] * points.get(rid, 0.0)
            for g in gs:
                org_of.append(k)
                group_of.append(group)
                xs.append(g.x)
                ns.append(g.n)
                p0s.append(g.standard / 100)
                bases.append(getattr(w.severity, g.severity))  # counted when the redraw is sure
                lows.append(getattr(w.severity, g.base_severity))  # and when it is not
                t2.append(tau2.get((g.rule_id, g.measure, g.standard), 0.0))
            group += 1
    if not xs:
        xs, ns, p0s, bases, lows, t2, org_of, group_of = [0], [1], [0.5], [0.0], [0.0], [0.0], [0], [0]
        group = 1
    x, n, p0, base, low = (np.array(v, dtype=float) for v in (xs, ns, p0s, bases, lows))
    tau = np.array(t2)
    org_idx, grp = np.array(org_of), np.array(group_of)
    drawn = rng.binomial(n.astype(np.int64)[:, None], (x / n)[:, None], size=(len(x), reps))
    y = drawn / n[:, None]
    p_exact = bdtr(drawn, n.astype(np.int64)[:, None], p0[:, None])
    s2 = p0 * (1 - p0) / n + tau
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (y - p0[:, None]) / np.sqrt(s2)[:, None]
    sure = p0[:, None] >= 1
    below = y < p0[:, None]
    between = STRENGTH["below_95"] + 0.5 * np.clip(np.log10(P95 / np.maximum(p_exact, 1e-300)) / np.log10(P95 / P998), 0, 1)
    st = np.where(sure & below, 1.0,
                  np.where(~sure & (p_exact < P998) & (z < -Z998), STRENGTH["below_99.8"],
                           np.where(~sure & (p_exact < P95) & (z < -Z95), between,
                                    np.where(below, STRENGTH["consistent"], 0.0))))
    rel = np.where(st >= 1.0, np.minimum(1.0, (p0[:, None] - y) / p0[:, None]), 0.0)
    pts = np.where(st >= 1.0, base[:, None], low[:, None]) * st * (1 + w.gap * rel)
    # a rule counts its strongest share: max within each (organisation, rule) group, then sum per organisation
    per_group = np.zeros((group, reps))
    np.maximum.at(per_group, grp, pts)
    first_org = np.zeros(group, dtype=np.int64)
    first_org[grp] = org_idx
    totals = np.repeat(fixed[:, None], reps, axis=1)
    np.add.at(totals, first_org, per_group * mult[first_org][:, None])
    # tied organisations share every place of their tie: the interval runs from the best to the worst
    v = -np.round(totals, 6)
    ordered = np.sort(v, axis=0)
    top = np.empty_like(v)
    bottom = np.empty_like(v)
    for r in range(reps):
        top[:, r] = np.searchsorted(ordered[:, r], v[:, r], side="left") + 1
        bottom[:, r] = np.searchsorted(ordered[:, r], v[:, r], side="right")
    lo, hi = np.percentile(top, 2.5, axis=1), np.percentile(bottom, 97.5, axis=1)
    return [(int(np.floor(a)), int(np.ceil(b))) for a, b in zip(lo, hi)]
