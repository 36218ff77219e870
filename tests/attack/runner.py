"""Runs the attack corpus in one process (a subprocess of the test), so memory can be measured.

For each case: the CLI in-process (click's runner), its exit code, what it printed, whether a
traceback escaped, the peak of memory allocated while it ran (tracemalloc) and its CPU time.
Prints one JSON object per case. One process for the whole corpus keeps the start-up cost (import,
rule cache) paid once, so the corpus fits the suite's time budget.
"""

from __future__ import annotations

import json
import os
import sys
import time
import tracemalloc
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.setrecursionlimit(1000)  # the default; a reader that recursed per level would show here


def main(root: Path) -> None:
    from click.testing import CliRunner

    from corpus import build
    from compliance.cli.main import cli

    cases = build(root)
    CliRunner().invoke(cli, ["rules", "list"])  # warm the rule cache and imports outside any measurement
    here = os.getcwd()
    for case in cases:
        if case.cwd:
            os.chdir(case.cwd)
        if case.measure:
            tracemalloc.start()
        cpu = time.process_time()
        result = CliRunner().invoke(cli, case.args)
        cpu = time.process_time() - cpu
        peak = 0
        if case.measure:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        os.chdir(here)
        exc = result.exception
        escaped = exc is not None and not isinstance(exc, SystemExit)
        print(json.dumps({**asdict(case), "code": result.exit_code, "stdout": result.stdout[-4000:],
                          "stderr": result.stderr[-4000:], "chars": len(result.stdout) + len(result.stderr), "escaped": repr(exc) if escaped else None,
                          "peak_bytes": peak, "cpu_s": cpu,
                          "untouched": {f: Path(f).read_text() == text for f, text in case.unchanged.items()}}),
              flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
