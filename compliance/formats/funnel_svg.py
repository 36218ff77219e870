"""A funnel plot's geometry for the screening page: each organisation's share against its
denominator (log scale), the standard, and the 95% and 99.8% limits around it (exact binomial
where the cohort is not over-dispersed, the normal limits widened by tau^2 where it is). The
template draws it as inline SVG; every point carries its label for hover and the table beside the
plot names the organisations outside the limits.
"""

from __future__ import annotations

import math
from typing import Any

from compliance.cohort.funnel import P95, P998, Z95, Z998, FunnelRule, exact_limit_many, normal_limits

W, H = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 14, 40
MAX_POINTS = 1500  # beyond this, every point outside the limits and an even sample of the rest


def _limits(f: FunnelRule, grid: list[float]) -> list[tuple[float, float, float, float]]:
    """(lo 99.8, lo 95, hi 95, hi 99.8) at each denominator of `grid`."""
    p0 = f.standard / 100
    if p0 >= 1:
        return [(1.0, 1.0, 1.0, 1.0)] * len(grid)
    out: list[tuple[float, float, float, float]] = []
    exact = [max(1, int(round(n))) for n in grid if f.tau2 == 0 and n <= 2000]
    if exact:
        curves = [exact_limit_many(p0, exact, p) for p in (P998, P95, 1 - P95, 1 - P998)]
        out = [tuple(float(c[i]) for c in curves) for i in range(len(exact))]  # type: ignore[misc]
    for n in grid[len(exact):]:
        lo998, hi998 = normal_limits(p0, n, Z998, f.tau2)
        lo95, hi95 = normal_limits(p0, n, Z95, f.tau2)
        out.append((float(lo998), float(lo95), float(hi95), float(hi998)))
    return out


def funnel_plot(f: FunnelRule, points: list[dict[str, Any]]) -> dict[str, Any]:
    """`points`: dicts with id, name, x, n, band. Returns what the template draws."""
    if not points:
        return {}
    ns = [p["n"] for p in points]
    n_lo, n_hi = max(1, min(ns)), max(2, max(ns))
    if n_hi <= n_lo:
        n_hi = n_lo * 10
    lx_lo, lx_hi = math.log10(n_lo), math.log10(n_hi)
    grid = [10 ** (lx_lo + (lx_hi - lx_lo) * i / 48) for i in range(49)]
    lims = _limits(f, grid)  # the grid rises, so the exact limits (n <= 2000) come first
    y_min = min([p["x"] / p["n"] for p in points] + [lims[-1][0], f.standard / 100 - 0.05])
    y_min = max(0.0, math.floor(y_min * 20) / 20)
    y_max = 1.0

    def sx(n: float) -> float:
        return round(LEFT + (math.log10(max(n, 1)) - lx_lo) / max(lx_hi - lx_lo, 1e-9) * (W - LEFT - RIGHT), 1)

    def sy(v: float) -> float:
        v = min(max(v, y_min), y_max)
        return round(TOP + (y_max - v) / max(y_max - y_min, 1e-9) * (H - TOP - BOTTOM), 1)

    def path(i: int) -> str:
        return " ".join(f"{'M' if j == 0 else 'L'}{sx(n)},{sy(lim[i])}" for j, (n, lim) in enumerate(zip(grid, lims)))

    outside = [p for p in points if p["band"] in ("below_99.8", "below_95")]
    rest = [p for p in points if p["band"] not in ("below_99.8", "below_95")]
    if len(points) > MAX_POINTS:
        step = max(1, math.ceil(len(rest) / max(1, MAX_POINTS - len(outside))))
        rest = rest[::step]
    shown = rest + outside  # outside last, so drawn on top
    dots = [{"cx": sx(p["n"]), "cy": sy(p["x"] / p["n"]), "band": p["band"],
             "label": f"{p['name']} ({p['id']}): {p['x']:,} of {p['n']:,} = {100 * p['x'] / p['n']:.1f}%"} for p in shown]
    y_ticks = []
    tick = 0.05 if y_max - y_min <= 0.3 else 0.1 if y_max - y_min <= 0.6 else 0.2
    v = y_max
    while v >= y_min - 1e-9:
        y_ticks.append({"y": sy(v), "t": f"{100 * v:.0f}%"})
        v = round(v - tick, 6)
    x_ticks = [{"x": sx(10 ** e), "t": f"{10 ** e:,}"} for e in range(math.ceil(lx_lo), math.floor(lx_hi) + 1)]
    return {"w": W, "h": H, "left": LEFT, "right": W - RIGHT, "top": TOP, "bottom": H - BOTTOM,
            "standard_y": sy(f.standard / 100), "lo998": path(0), "lo95": path(1), "hi95": path(2), "hi998": path(3),
            "dots": dots, "sampled": len(points) - len(shown), "y_ticks": y_ticks, "x_ticks": x_ticks,
            "outside": sorted(outside, key=lambda p: (p["band"] != "below_99.8", p["x"] / p["n"]))}
