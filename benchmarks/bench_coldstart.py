"""Start-up of a command against the floor of importing what it cannot do without, in the same run.

    python benchmarks/bench_coldstart.py [--repeat 7]

Each command runs as a new process, in turn with its floor (A B A B ...), after one warm-up round
that also fills the rule cache (a first run after a rule changes pays for parsing; that is not
start-up). Ratios are medians of the ratios of runs of the same round, in CPU and in wall time.

Targets (issue 14): `safeguard assess FILE` <= 2x the floor of importing pydantic, click and
durable-rules; `safeguard rules list` and `safeguard --help` <= 1.3x the floor of importing click.
`assess` is also shown against the floor of a program that defines a pydantic model, for information.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import interleaved, load, median, python, ratio, verdict  # noqa: E402

FIXTURE = ROOT / "fixtures" / "organisations" / "northfield-acute.yaml"
ENGINE_FLOOR = python("-c", "import pydantic, click, durable.engine")
# `import pydantic` alone loads almost nothing (its names are imported on first use); any program with
# a model pays for BaseModel's machinery too. Printed for information: the target is the floor above.
MODEL_FLOOR = python("-c", "from pydantic import BaseModel, Field; import click, durable.engine")
CLICK_FLOOR = python("-c", "import click")
ASSESS = python("-m", "compliance", "assess", str(FIXTURE), "--fail-on", "none")
CASES = [  # (name, command, floor name, floor, target or None for information)
    ("assess", ASSESS, "import pydantic, click, durable", ENGINE_FLOOR, 2.0),
    ("assess", ASSESS, "from pydantic import BaseModel, ...", MODEL_FLOOR, None),
    ("rules list", python("-m", "compliance", "rules", "list"), "import click", CLICK_FLOOR, 1.3),
    ("--help", python("-m", "compliance", "--help"), "import click", CLICK_FLOOR, 1.3),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SAFEGUARD_CACHE_DIR": tmp}
        print(f"{args.repeat} rounds each; {load()}")
        print(f"{'command':<12} {'cpu ms':>8} {'floor ms':>9} {'cpu ratio':>10} {'wall ms':>8} {'floor ms':>9} "
              f"{'wall ratio':>11}  target")
        for name, cmd, floor_name, floor, target in CASES:
            runs = interleaved({"a": cmd, "b": floor}, args.repeat, env)
            a, b = runs["a"], runs["b"]
            cpu, wall = ratio(a, b, "cpu"), ratio(a, b, "wall")
            goal = (f"<= {target}x `{floor_name}`: {verdict(cpu <= target)} (CPU)" if target is not None
                    else f"(information: against `{floor_name}`)")
            print(f"{name:<12} {median(a, 'cpu') * 1e3:8.0f} {median(b, 'cpu') * 1e3:9.0f} {cpu:9.2f}x "
                  f"{median(a, 'wall') * 1e3:8.0f} {median(b, 'wall') * 1e3:9.0f} {wall:10.2f}x  {goal}")
        print(load())


if __name__ == "__main__":
    main()
