"""Timing whole processes the way the operating system accounts for them, in pairs.

Each command runs as a child process; `os.wait4` returns its CPU time (user + system, including
every worker process it waited for) and its peak resident memory (the largest single process).
Commands are run in turn, A B A B ..., and compared pair by pair, so that a shared machine's drift
in speed affects both sides of each ratio alike; medians are what the benchmarks quote.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    cpu: float  # seconds, user + system, the process and the children it waited for
    wall: float  # seconds
    peak_kb: int  # largest resident set of the process or any child, KiB

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


def run(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """One run of cmd, output discarded; a non-zero exit other than 1 (findings) is a failure."""
    # As on a user's machine, Python keeps compiled modules (a development shell may turn that off,
    # and then every start compiles the whole package from source, which is not the product's cost).
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**base, **(env or {})})
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    return Run(cpu=usage.ru_utime + usage.ru_stime, wall=wall, peak_kb=usage.ru_maxrss)


def interleaved(commands: dict[str, list[str]], repeat: int, env: dict[str, str] | None = None,
                warmup: bool = True) -> dict[str, list[Run]]:
    """Every command once per round, rounds repeated; a first uncounted round warms the caches."""
    if warmup:
        for cmd in commands.values():
            run(cmd, env)
    out: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            out[name].append(run(cmd, env))
    return out


def median(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def ratio(a: list[Run], b: list[Run], attr: str) -> float:
    """Median of the pairwise ratios a[i] / b[i] (runs of the same round)."""
    return statistics.median(getattr(x, attr) / getattr(y, attr) for x, y in zip(a, b))


def load() -> str:
    """The machine's load averages and cores, printed beside every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"
