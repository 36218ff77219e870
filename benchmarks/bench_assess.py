"""Cost of evaluating one organisation, engine against a plain-Python baseline, in the same run.

    python benchmarks/bench_assess.py [--repeat N] [--only FIXTURE]

Prints, per fixture: the engine's time per evaluation (facts already derived, i.e. pure engine
time), the whole evaluation (measures + engine + findings), the plain-Python baseline over the same
measures, their ratio, the screening path (verdicts: outcomes without findings) and its ratio, and
the wall time of `safeguard assess` as a new process. Ratios are medians of batches run in turn
(CPU time), so a shared machine's drift affects both sides alike. Target (issue 14): evaluation
<= 2.5x the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import baseline  # noqa: E402

from compliance.evaluation.evaluator import Evaluator  # noqa: E402
from compliance.intake.returns import load_assessment  # noqa: E402
from compliance.catalogue.loading import load_rules  # noqa: E402


def per_call(fn, repeat: int) -> float:
    """Median of 5 batches, seconds per call."""
    return statistics.median(_batch(fn, repeat) for _ in range(5))


def _batch(fn, repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - start) / repeat


def paired(fn, base, repeat: int) -> tuple[float, float, float]:
    """Batches of fn and base in turn: (median fn s/call, median base s/call, median of the ratios)."""
    a, b = [], []
    for _ in range(7):
        a.append(_batch(fn, repeat))
        b.append(_batch(base, repeat))
    return statistics.median(a), statistics.median(b), statistics.median(x / y for x, y in zip(a, b))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--only", metavar="NAME", help="only the fixture NAME (e.g. elm-tree-gp); default: all of them")
    args = ap.parse_args()
    ruleset = load_rules()
    ev = Evaluator(ruleset)
    print(f"{len(ruleset.rules)} rules, {sum(len(c.definition) for c in ev.engine.chunks)} engine rules, "
          f"{len(ev.engine.chunks)} ruleset(s); median of 5 batches of {args.repeat}")
    print(f"{'fixture':<22} {'engine':>9} {'evaluate':>9} {'python':>9} {'ratio':>6} {'verdicts':>9} {'ratio':>6} "
          f"{'assess':>8}")
    worst = 0.0
    for path in sorted((ROOT / "fixtures" / "organisations").glob(f"{args.only or '*'}.yaml")):
        doc, _ = load_assessment(path)
        facts, _ = ev.facts(doc)
        engine_s = per_call(lambda facts=facts: ev.engine.run(facts), args.repeat)
        python = lambda doc=doc: baseline.evaluate(ruleset.rules, ev.params, doc)  # noqa: E731
        full_s, py_s, full_ratio = paired(lambda doc=doc: ev.evaluate(doc), python, args.repeat)
        lean_s, _, lean_ratio = paired(lambda doc=doc: ev.verdicts(doc), python, args.repeat)
        worst = max(worst, full_ratio)
        expected = baseline.evaluate(ruleset.rules, ev.params, doc)
        got = {f.rule_id: (f.outcome.value, f.severity.value) for f in ev.evaluate(doc)}
        if got != expected:
            raise SystemExit(f"engine and baseline disagree on {path.name}: "
                             f"{ {k: (got[k], expected[k]) for k in got if got[k] != expected[k]} }")
        walls = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "compliance", "assess", str(path), "--fail-on", "none"],
                           check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
        print(f"{path.stem:<22} {engine_s * 1e3:8.3f}ms {full_s * 1e3:8.3f}ms {py_s * 1e3:8.3f}ms "
              f"{full_ratio:5.2f}x {lean_s * 1e3:8.3f}ms {lean_ratio:5.2f}x {min(walls):7.3f}s")
    one, five, fifteen = os.getloadavg()
    print(f"target (issue 14): evaluation <= 2.5x the plain-Python baseline with the full catalogue: worst {worst:.2f}x, "
          f"{'met' if worst <= 2.5 else 'NOT met'} (CPU time, median of paired batches; load average {one:.2f} "
          f"{five:.2f} {fifteen:.2f})")


if __name__ == "__main__":
    main()
