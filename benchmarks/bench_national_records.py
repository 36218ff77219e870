"""A national year of record extracts counted per organisation, against DuckDB merely scanning them.

    python benchmarks/bench_national_records.py --scales 0.1,1 [--repeat 3] [--data DIR] [--spark-sample 0.001]

For each scale, a synthetic national year (`safeguard records generate --scale S`; 1 is about 35
million rows, ~220 organisations, partitioned Parquet) is written once (or read from --data
DIR/scale-S/ when it is there already), then, in turn (A B A B ...), each as a new process:
  A  `safeguard records aggregate`: row checks, counts.sql per organisation, one return each;
  B  the floor: DuckDB reading every column of the same files (the same explicit file list).
Ratios are medians of the pairwise ratios (wall and CPU); peak memory is the largest process.
With two scales or more, the growth of A's wall time is shown against the growth in rows.

Targets (issue 31): A within 2x of B's wall time; peak memory under 8 GB on 2 cores; linear from
1/10 to the full year. --spark-sample S also runs the Spark engine and DuckDB on a scale-S sample
(flat Parquet) and shows their times, for information (Spark's start-up is most of it at that size).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from measure import interleaved, load, median, python, ratio, verdict  # noqa: E402

START, END = "2025-04-01", "2026-03-31"
SCAN = """
import sys
from pathlib import Path
import duckdb
from compliance.intake.records.national import national_files
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for name, files in national_files(Path(sys.argv[1])).items():
    paths = [str(f.path) for f in files]
    con.execute("SELECT count(*), min(COLUMNS(*)) FROM read_parquet(?, union_by_name = true, hive_partitioning = false)",
                [paths]).fetchall()
"""


def generate(folder: Path, scale: float, partitioned: bool = True) -> int:
    from compliance.app.generate_national import write_national
    import datetime as dt

    if not (folder / "organisations.csv").exists():
        write_national(folder, dt.date.fromisoformat(START), dt.date.fromisoformat(END), scale=scale,
                       partitioned=partitioned)
    import duckdb

    from compliance.intake.records.national import national_files

    con = duckdb.connect()
    return sum(con.execute("SELECT count(*) FROM read_parquet(?, hive_partitioning = false)",
                           [[str(f.path) for f in files]]).fetchone()[0]
               for files in national_files(folder / "extracts").values())


def aggregate(folder: Path, out: Path, engine: str = "duckdb") -> list[str]:
    return python("-m", "compliance", "records", "aggregate", str(folder / "extracts"), "-o", str(out),
                  "--organisations", str(folder / "organisations.csv"), "--start", START, "--end", END,
                  "--engine", engine, "--bad-rows", "5")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="0.1", help="comma-separated shares of a national year, e.g. 0.1,1 (\"\": none)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", type=Path, help="keep the generated years here (scale-S/), to reuse them")
    ap.add_argument("--spark-sample", type=float, default=0.0, help="scale of the Spark sample (0: no Spark run)")
    args = ap.parse_args()
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        base = args.data or Path(tmp)
        print(f"{args.repeat} rounds each; {load()}")
        print(f"{'scale':>6} {'rows':>12} {'orgs':>5} {'wall s':>8} {'scan s':>7} {'wall ratio':>10} {'cpu ratio':>10} "
              f"{'peak MB':>8} {'rows/s':>10}")
        walls = {}
        for scale in scales:
            folder = base / f"scale-{scale:g}"
            rows = generate(folder, scale)
            runs = interleaved({"a": aggregate(folder, Path(tmp) / f"returns-{scale:g}"),
                                "b": python("-c", SCAN, str(folder / "extracts"))}, args.repeat, warmup=False)
            a, b = runs["a"], runs["b"]
            walls[scale] = (rows, median(a, "wall"))
            orgs = len(list((Path(tmp) / f"returns-{scale:g}").glob("*.yaml")))
            peak = max(r.peak_mb for r in a)
            print(f"{scale:6g} {rows:12,} {orgs:5} {median(a, 'wall'):8.1f} {median(b, 'wall'):7.1f} "
                  f"{ratio(a, b, 'wall'):9.2f}x {ratio(a, b, 'cpu'):9.2f}x {peak:8.0f} {rows / median(a, 'wall'):10,.0f}")
            print(f"       target: within 2x of the scan (wall): {verdict(ratio(a, b, 'wall') <= 2)}; "
                  f"peak memory under 8 GB: {verdict(peak < 8192)}")
        if len(walls) > 1:
            (r0, w0), (r1, w1) = walls[min(walls)], walls[max(walls)]
            growth = (w1 / w0) / (r1 / r0)
            print(f"growth {min(walls):g} -> {max(walls):g}: rows x{r1 / r0:.1f}, wall x{w1 / w0:.1f} "
                  f"({growth:.2f}x of linear; start-up is a larger share of the small run)")
        if args.spark_sample:
            folder = base / f"spark-{args.spark_sample:g}"
            if not (folder / "organisations.csv").exists():
                from compliance.app.generate_national import write_national
                import datetime as dt

                write_national(folder, dt.date.fromisoformat(START), dt.date.fromisoformat(END),
                               scale=args.spark_sample, partitioned=False)
            times = {}
            for engine in ("duckdb", "spark"):
                t = time.perf_counter()
                from measure import run

                run(aggregate(folder, Path(tmp) / f"spark-{engine}", engine))
                times[engine] = time.perf_counter() - t
            print(f"spark sample (scale {args.spark_sample:g}, flat Parquet): duckdb {times['duckdb']:.1f} s, "
                  f"spark {times['spark']:.1f} s ({times['spark'] / times['duckdb']:.1f}x, information: local mode, "
                  "start-up included)")
        print(load())


if __name__ == "__main__":
    main()
