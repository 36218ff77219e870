"""Cost of mutation testing the bundled catalogue, against running its cases once, in the same run.

    python benchmarks/bench_mutate.py [--rounds N]

The baseline is `rules test` (every case of every rule, one compiled evaluator per rule and set of
case parameters); mutation testing compiles each mutant with its prerequisites only and stops at
the first case that kills it. Prints both times, their ratio, the number of mutants and the cost
per mutant. The suite runs the mutation check on every run, so this ratio is what it adds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compliance.app.cases import run_cases  # noqa: E402
from compliance.app.mutate import mutate_rules  # noqa: E402
from compliance.catalogue.loading import BUNDLED_RULES, load_rules  # noqa: E402


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds; the median is reported.")
    args = parser.parse_args()
    ruleset = load_rules()
    cases, mutants, count = [], [], 0
    for _ in range(args.rounds):  # interleaved, so a busy machine slows both alike
        seconds, _ = timed(lambda: run_cases(ruleset))
        cases.append(seconds)
        seconds, scores = timed(lambda: mutate_rules(ruleset, area_folders=[BUNDLED_RULES]))
        mutants.append(seconds)
        count = sum(s.total for s in scores)
    base, mut = statistics.median(cases), statistics.median(mutants)
    print(f"rules test (baseline): {base:.2f} s for {sum(len(r.cases) for r in ruleset.rules)} cases")
    print(f"rules test --mutate:   {mut:.2f} s for {count} mutants ({1000 * mut / count:.1f} ms per mutant)")
    print(f"ratio: {mut / base:.1f}x the cases run once")


if __name__ == "__main__":
    main()
