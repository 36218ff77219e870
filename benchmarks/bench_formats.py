"""Every screening format against JSON, in the same rounds (issue 31, item 3).

    python benchmarks/bench_formats.py [--size 6600] [--repeat 2] [--jobs 2] [--formats html,markdown]

Generates a fictional national cohort once, then runs `safeguard screen DIR -f FMT` for JSON and
every other format as whole processes taken in turn (json, text, csv, html, ... json, text, ...),
and prints each format's wall and CPU time as the median of its ratios to JSON's run of the same
round, with peak memory. Target: HTML, Markdown, JUnit and xlsx within 1.5x of JSON's wall time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import interleaved, load, median, python, ratio, verdict  # noqa: E402

ALL = ("json", "text", "csv", "html", "markdown", "junit", "xlsx")
TARGETED = ("html", "markdown", "junit", "xlsx")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=6600)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", default=",".join(ALL[1:]), help="comma-separated formats besides json")
    args = ap.parse_args()
    from compliance.app.generate import write_cohort

    formats = ["json"] + [f for f in args.formats.split(",") if f and f != "json"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cohort"
        write_cohort(folder, args.size, args.seed, "json")
        cmds = {fmt: python("-m", "compliance", "screen", str(folder), "-f", fmt, "-o", str(Path(tmp) / f"out.{fmt}"),
                            "--fail-on", "none", "-j", str(args.jobs)) for fmt in formats}
        print(f"{args.size} organisations, {args.repeat} rounds, -j {args.jobs}; {load()}", flush=True)
        runs = interleaved(cmds, args.repeat, {"SAFEGUARD_CACHE_DIR": str(Path(tmp) / "cache")}, warmup=False)
        print(f"{'format':<9} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'wall/json':>10} {'cpu/json':>9}")
        for fmt, rs in runs.items():
            print(f"{fmt:<9} {median(rs, 'wall'):7.1f} {median(rs, 'cpu'):7.1f} {max(r.peak_mb for r in rs):8.0f} "
                  f"{ratio(rs, runs['json'], 'wall'):9.2f}x {ratio(rs, runs['json'], 'cpu'):8.2f}x")
        for fmt in (f for f in formats if f in TARGETED):
            r = ratio(runs[fmt], runs["json"], "wall")
            print(f"target {fmt}: within 1.5x of JSON's wall: {r:.2f}x {verdict(r <= 1.5)}")
        print(load())


if __name__ == "__main__":
    main()
