"""What the one rule cache is worth, measured against the same work without it, in the same run.

    python benchmarks/bench_cache.py [--repeat 7]

Whole commands run as new processes, in turn with and without the cache (A B A B ...; the cache is
filled by a warm-up round first), and the ratios are medians of the ratios of runs of the same round.
Inside one process, loading the catalogue and compiling it are timed with and without their entry.
A kind of entry earns its place when it saves a meaningful share of a command's start (the
question issue 25 asked of the old pickle: is it still needed?).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import load, median, python, ratio, run  # noqa: E402

FIXTURE = ROOT / "fixtures" / "organisations" / "northfield-acute.yaml"
COMMANDS = [("assess", python("-m", "compliance", "assess", str(FIXTURE), "--fail-on", "none")),
            ("rules list", python("-m", "compliance", "rules", "list"))]


def _ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def in_process(repeat: int, folder: str) -> None:
    from compliance.catalogue.loading import load_rules
    from compliance.evaluation.compiler import compile_cached, compile_rules

    os.environ["SAFEGUARD_CACHE_DIR"] = folder
    rs = load_rules()
    params = {r.id: r.parameter_values() for r in rs.rules}
    compile_cached(rs.rules, params, rs.content_key)  # fills the entry
    cached_load = _ms(load_rules, repeat)
    cached_compile = _ms(lambda: compile_cached(rs.rules, params, rs.content_key), repeat)
    os.environ["SAFEGUARD_CACHE_DIR"] = ""
    fresh_load = _ms(load_rules, repeat)
    fresh_compile = _ms(lambda: compile_rules(rs.rules, params), repeat)
    os.environ["SAFEGUARD_CACHE_DIR"] = folder
    print(f"{'in one process':<22} {'cached ms':>10} {'no cache ms':>12} {'saved':>8}")
    for name, hit, miss in (("load the catalogue", cached_load, fresh_load),
                            ("compile the catalogue", cached_compile, fresh_compile)):
        print(f"{name:<22} {hit:10.1f} {miss:12.1f} {miss / hit:7.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    print(f"{args.repeat} rounds each; {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        in_process(args.repeat, tmp)
        print(f"\n{'command':<12} {'cached ms':>10} {'no cache ms':>12} {'cpu ratio':>10}  (no cache / cached, CPU)")
        for name, cmd in COMMANDS:
            run(cmd, {"SAFEGUARD_CACHE_DIR": tmp})  # warm-up: fills the cache
            runs: dict[str, list] = {"a": [], "b": []}
            for _ in range(args.repeat):  # in turn: cached, then without the cache
                runs["a"].append(run(cmd, {"SAFEGUARD_CACHE_DIR": tmp}))
                runs["b"].append(run(cmd, {"SAFEGUARD_CACHE_DIR": ""}))
            print(f"{name:<12} {median(runs['a'], 'cpu') * 1e3:10.0f} {median(runs['b'], 'cpu') * 1e3:12.0f} "
                  f"{ratio(runs['b'], runs['a'], 'cpu'):9.2f}x")
    print(load())


if __name__ == "__main__":
    main()
