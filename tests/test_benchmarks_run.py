"""Every benchmark still runs (on the smallest inputs): a benchmark that has rotted measures nothing.

No figure is checked here: speed is read from the benchmarks' own output, as ratios measured in
the same run, never asserted in a unit test. This only proves each script runs to its end and
prints ratios.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import pytest

from conftest import ROOT

SMALL = {
    "bench_area.py": ["--count", "100"],
    "bench_assess.py": ["--repeat", "1", "--only", "elm-tree-gp"],  # one fixture: every step still runs
    "bench_cache.py": ["--repeat", "1"],
    "bench_coldstart.py": ["--repeat", "1"],
    "bench_history.py": ["--count", "40", "--periods", "2", "--sample", "10"],
    "bench_mutate.py": ["--rounds", "1"],
    "bench_national.py": ["--sizes", "20,40", "--repeat", "1"],  # two sizes: the slopes and the ranking report
    "bench_national_records.py": ["--scales", "0.0002,0.0005", "--repeat", "1"],  # Spark left out: its start-up
    "bench_records.py": ["--only", "1", "--rounds", "1"],
    "bench_screen.py": ["--count", "40"],
    "bench_screening_validity.py": ["--counts", "60", "--seeds", "1", "--k", "5", "--jobs", "1"],
}


def test_every_benchmark_is_listed_here():
    assert sorted(p.name for p in (ROOT / "benchmarks").glob("bench_*.py")) == sorted(SMALL)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SMALL))
def test_the_benchmark_runs_on_a_small_input(script, tmp_path):
    if script == "bench_records.py" and importlib.util.find_spec("pandas") is None:
        pytest.skip("bench_records compares with pandas: pip install -e '.[bench]'")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *SMALL[script]], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"\b\d+(\.\d+)?x\b", done.stdout), done.stdout[-2000:]  # a ratio such as "1.82x"
    assert "Traceback" not in done.stderr
