"""Area assessment at national scale: every area of a generated cohort, against the organisation-level
screening of the same cohort, measured in the same run (figures are ratios, never absolute targets).

    python benchmarks/bench_area.py [--count 6600] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compliance.app.area import area_report, load_returns  # noqa: E402
from compliance.app.generate import write_cohort  # noqa: E402
from compliance.app.screen import screen  # noqa: E402
from compliance.catalogue.loading import BUNDLED_RULES, load_area_rules  # noqa: E402
from compliance.evaluation.area import AreaEvaluator  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=6600)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_cohort(folder, args.count, args.seed)
        t0 = time.perf_counter()
        run = screen([str(folder)], [BUNDLED_RULES])
        t_screen = time.perf_counter() - t0
        t0 = time.perf_counter()
        returns = load_returns([folder])
        t_read = time.perf_counter() - t0
        evaluator = AreaEvaluator(load_area_rules())
        t0 = time.perf_counter()
        areas = sorted({la for _, d in returns for la in d.organisation.local_authorities})
        reports = [area_report(la, returns, evaluator) for la in areas]
        t_areas = time.perf_counter() - t0
    failing = sum(f.failing for r in reports for f in r.findings)
    print(f"organisations: {run.result.screened}; areas: {len(areas)}; failing area findings: {failing}")
    print(f"organisation screening (workers, all cores): {t_screen:.2f} s")
    print(f"reading every return again for areas:        {t_read:.2f} s ({t_read / t_screen:.2f}x the screening)")
    print(f"area rules over every area (one process):    {t_areas:.2f} s ({t_areas / t_screen:.2f}x the screening), "
          f"{1000 * t_areas / max(len(areas), 1):.1f} ms per area")


if __name__ == "__main__":
    main()
