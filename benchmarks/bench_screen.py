"""Screening a cohort: `safeguard screen` against a plain-Python baseline, in the same run.

    python benchmarks/bench_screen.py [--count 1000] [--seed 1] [--jobs N]

Generates a fictional cohort into a temporary folder and times, on the same files:
  * screen      the function the CLI uses (parallel.collect + screening.build), all cores;
  * screen -j1  the same in one process;
  * cli         `safeguard screen` as a new process (start-up, rule loading and JSON output included);
  * baseline    load + validate each return, then benchmarks/baseline.py's direct interpretation of
                the same rules (one process) — what the work costs without the engine.
It fails if any organisation's outcomes differ between the engine and the baseline.

The bundled catalogue on this branch may be small; when /work/main is a git checkout, the rules
committed there are exported (read-only, `git archive`) into the temporary folder and used too, so
the figures reflect the catalogue as it grows. Targets: 1,000 organisations under 10 s, and no more
than 3x the baseline.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import baseline  # noqa: E402

from compliance.app.generate import write_cohort  # noqa: E402
from compliance.evaluation.evaluator import Evaluator  # noqa: E402
from compliance.intake.returns import load_assessment  # noqa: E402
from compliance.app.workers import Setup, collect, default_jobs  # noqa: E402
from compliance.catalogue.loading import BUNDLED_RULES, load_rules  # noqa: E402
from compliance.cohort.ranking import build  # noqa: E402
from compliance.cohort.weights import load_weights  # noqa: E402

MAIN = Path("/work/main")


def main_rules(into: Path) -> Path | None:
    """The rules committed on main, exported without touching that checkout."""
    if not (MAIN / ".git").exists():
        return None
    tar = subprocess.run(["git", "-C", str(MAIN), "archive", "HEAD", "rules"], capture_output=True)
    if tar.returncode != 0:
        return None
    with tarfile.open(fileobj=BytesIO(tar.stdout)) as t:
        t.extractall(into, filter="data")
    return into / "rules"


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        extra = main_rules(tmp_path / "main")
        folders = [BUNDLED_RULES] + ([extra] if extra else [])
        paths, gen_s = timed(lambda: write_cohort(tmp_path / "cohort", args.count, args.seed, "json"))
        ruleset = load_rules(folders)
        weights = load_weights()
        setup = Setup(folders=tuple(folders), profile=None, weights=weights)
        jobs = args.jobs or default_jobs()
        print(f"{len(paths)} organisations (generated in {gen_s:.2f}s), {len(ruleset.rules)} rules "
              f"({'bundled + main' if extra else 'bundled'}), {jobs} worker processes")

        (scores, invalid, _), par_s = timed(lambda: collect(paths, setup, jobs))
        _, build_s = timed(lambda: build(scores, invalid, weights))
        (scores1, _, _), seq_s = timed(lambda: collect(paths, setup, 1))
        cmd = [sys.executable, "-m", "compliance", "screen", str(tmp_path / "cohort"), "--no-bundled",
               "--fail-on", "none", "-f", "json", "-o", str(tmp_path / "out.json")]
        for f in folders:
            cmd += ["--rules", str(f)]
        cli, cli_s = timed(lambda: subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT))
        if cli.returncode != 0:
            raise SystemExit(f"safeguard screen exited {cli.returncode}: {cli.stderr}")

        params = Evaluator(ruleset).params

        def run_baseline():
            out = {}
            for p in paths:
                doc, _ = load_assessment(p)
                out[str(p)] = {rid: o for rid, (o, _sev) in baseline.evaluate(ruleset.rules, params, doc).items()}
            return out

        expected, base_s = timed(run_baseline)
        if invalid:
            raise SystemExit(f"{len(invalid)} generated files were invalid, e.g. {invalid[0].reason}")
        for s in scores:
            got = {rid: o.value for rid, o in s.outcomes.items()}
            if got != expected[s.file]:
                diff = {k: (got.get(k), expected[s.file].get(k)) for k in expected[s.file] if got.get(k) != expected[s.file][k]}
                raise SystemExit(f"engine and baseline disagree on {s.file}: {diff}")
        if [s.model_dump() for s in scores] != [s.model_dump() for s in scores1]:
            raise SystemExit("parallel and sequential screening differ")
        print(f"{'screen (all cores)':<22}{par_s:8.2f}s  + ranking {build_s:.2f}s")
        print(f"{'screen -j1':<22}{seq_s:8.2f}s")
        print(f"{'cli (new process)':<22}{cli_s:8.2f}s")
        print(f"{'plain-Python baseline':<22}{base_s:8.2f}s  (one process)")
        print(f"ratio screen/baseline {par_s / base_s:.2f}x, screen -j1/baseline {seq_s / base_s:.2f}x, "
              f"cli/baseline {cli_s / base_s:.2f}x; outcomes agree for all {len(scores)} organisations")
        ok = cli_s < 10 and par_s / base_s <= 3
        print(f"target (1,000 under 10 s, <= 3x baseline): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
