"""Cost of evaluating one organisation, engine against a plain-Python baseline, in the same run.

    python benchmarks/bench_assess.py [--repeat N]

Prints, per fixture: the engine's time per evaluation (facts already derived, i.e. pure engine
time), the whole evaluation (measures + engine + findings), the plain-Python baseline over the same
measures, their ratio, and the wall time of `safeguard assess` as a new process.
"""

from __future__ import annotations

import argparse
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
from compliance.evaluation.measures import compute, service_count  # noqa: E402
from compliance.catalogue.loading import load_rules  # noqa: E402


def per_call(fn, repeat: int) -> float:
    """Median of 5 batches, seconds per call."""
    batches = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        batches.append((time.perf_counter() - start) / repeat)
    return statistics.median(batches)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    ruleset = load_rules()
    ev = Evaluator(ruleset)
    print(f"{len(ruleset.rules)} rules, {sum(len(c.definition) for c in ev.engine.chunks)} engine rules, "
          f"{len(ev.engine.chunks)} ruleset(s); median of 5 batches of {args.repeat}")
    print(f"{'fixture':<22} {'engine':>9} {'evaluate':>9} {'python':>9} {'ratio':>6} {'assess':>8}")
    for path in sorted((ROOT / "fixtures" / "organisations").glob("*.yaml")):
        doc, _ = load_assessment(path)
        facts = []
        for chunk in ev.engine.chunks:
            part = []
            for rid in chunk.rule_ids:
                rule = ruleset.by_id[rid]
                values = compute(rule, doc, ev.params[rid])
                fact = {"t": rid, "org_type": doc.organisation.type.value, "svc_count": service_count(rule, doc)}
                fact.update((n, values[n]) for n in rule.used_measures)
                part.append(fact)
            facts.append(part)
        engine_s = per_call(lambda: ev.engine.run(facts), args.repeat)
        full_s = per_call(lambda: ev.evaluate(doc), args.repeat)
        py_s = per_call(lambda: baseline.evaluate(ruleset.rules, ev.params, doc), args.repeat)
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
              f"{full_s / py_s:5.1f}x {min(walls):7.3f}s")


if __name__ == "__main__":
    main()
