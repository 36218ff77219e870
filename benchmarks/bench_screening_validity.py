"""Does screening find what is really wrong? Precision at k and ROC AUC on cohorts where the truth is known.

    python benchmarks/bench_screening_validity.py [--counts 1500,3000] [--plant-share 0.1] [--seeds 1,2,3,4,5] [--k 50]

For each size and seed, `safeguard fixtures generate --plant` makes a cohort (realistic volumes, national
proportions of organisation types) in which a tenth of the organisations have true rates 5 to 20
points below the standard of one or two shares, and every other share of every organisation has a
true rate at or just above its standard, so it falls below only by chance (more often the smaller
its volume). Context is held neutral, so the figures measure how well each ranking finds true
shortfalls. The same scored cohort is ranked twice, in the same run:

  * new   the screening ranking (funnel limits, evidence-weighted share rules);
  * old   the weighted sum as it was (every failing rule's severity points, scaled by the gap).

and for each it prints precision at k (the share of the top k that are planted) and the area under
the ROC curve of the score as a test for "planted" (0.5: no better than chance), per seed and as a
mean, the ratio new / old, and the worst of each over every size and seed. Target (issue 29):
precision at 50 at least 0.8, and at least 1.5 times the old ranking's, on every size and seed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compliance.app.generate import write_cohort  # noqa: E402
from compliance.app.workers import Setup, collect  # noqa: E402
from compliance.catalogue.loading import BUNDLED_RULES  # noqa: E402
from compliance.cohort.ranking import build  # noqa: E402
from compliance.cohort.weights import load_weights  # noqa: E402


def auc(scores: list[float], truth: list[bool]) -> float:
    """Mann-Whitney: the probability a planted organisation scores above an unplanted one (ties count half)."""
    from scipy.stats import rankdata

    pos = sum(truth)
    neg = len(truth) - pos
    if not pos or not neg:
        return float("nan")
    ranks = rankdata(scores)
    return (sum(r for r, t in zip(ranks, truth) if t) - pos * (pos + 1) / 2) / (pos * neg)


def run(count: int, plant: int, seed: int, k: int, jobs: int | None) -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cohort"
        paths = write_cohort(folder, count, seed, plant=plant)
        planted = {line.split(",")[0] for line in (folder / "planted.csv").read_text().splitlines()[1:]}
        w = load_weights()
        scores, invalid, _ = collect(paths, Setup((BUNDLED_RULES,), None, w), jobs)
        assert not invalid, invalid[:3]
        out = {}
        for name, stats in (("new", True), ("old", False)):
            ranked = build(scores, invalid, w, statistics=stats).organisations
            top = ranked[:k]
            precision = sum(o.id in planted for o in top) / len(top)
            out[name] = (precision, auc([o.score for o in ranked], [o.id in planted for o in ranked]))
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counts", default="1500,3000", help="Cohort sizes, comma-separated.")
    ap.add_argument("--plant-share", type=float, default=0.1, help="Share of each cohort planted (0.1: one in ten).")
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--jobs", type=int, default=None)
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    counts = [int(c) for c in a.counts.split(",")]
    print(f"cohorts of {a.counts} organisations, {a.plant_share:.0%} planted, seeds {a.seeds}")
    print(f"{'count':>6} {'seed':>5} {'k':>4} {'P@k new':>8} {'P@k old':>8} {'ratio':>6} {'AUC new':>8} {'AUC old':>8}")
    rows = []
    for count in counts:
        k = min(a.k, count)
        for seed in seeds:
            r = run(count, max(1, round(count * a.plant_share)), seed, k, a.jobs)
            rows.append(r)
            ratio = r["new"][0] / r["old"][0] if r["old"][0] else float("inf")
            print(f"{count:>6} {seed:>5} {k:>4} {r['new'][0]:>8.2f} {r['old'][0]:>8.2f} {ratio:>6.2f} "
                  f"{r['new'][1]:>8.3f} {r['old'][1]:>8.3f}", flush=True)
    mean = {n: tuple(sum(r[n][i] for r in rows) / len(rows) for i in range(2)) for n in ("new", "old")}
    ratio = mean["new"][0] / mean["old"][0] if mean["old"][0] else float("inf")
    print(f"{'mean':>12} {'':>4} {mean['new'][0]:>8.2f} {mean['old'][0]:>8.2f} {ratio:>6.2f} "
          f"{mean['new'][1]:>8.3f} {mean['old'][1]:>8.3f}")
    worst = min(r["new"][0] for r in rows)
    worst_ratio = min(r["new"][0] / r["old"][0] if r["old"][0] else float("inf") for r in rows)
    print(f"min precision at k, new: {worst:.2f}; min ratio new / old: {worst_ratio:.2f}x")
    met = worst >= 0.8 and worst_ratio >= 1.5
    print(f"target (precision at {a.k} >= 0.8 and >= 1.5x the old ranking's, every size and seed): "
          f"{'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
