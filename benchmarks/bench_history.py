"""The history store at national scale, against plain sqlite3 doing the same rows, in the same run.

    python benchmarks/bench_history.py [--count 6600] [--periods 5] [--sample 300] [--screen 400]

  * record      one screening's runs (COUNT organisations x ~40 findings) with Store.record, against
                baseline: the same rows as tuples, executemany into the same tables, one transaction,
                no idempotency check, no JSON, no models.
  * trend one   history + trend for one organisation over PERIODS periods, against a plain indexed
                SELECT of that organisation's finding rows.
  * trend all   history + trend for every organisation, against a plain SELECT of every row.
  * screen      (with --screen N) `screen --record` against `screen` on N generated returns, one process:
                the cost recording adds to a screening (reports built, runs recorded).

Real runs are evaluated for --sample generated returns and copied under new organisation codes up
to COUNT, so every run has the bundled catalogue's findings; each period's copies differ (a new
input hash), as real periods do. Figures are ratios against the baseline measured here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compliance.app.assess import report_for  # noqa: E402
from compliance.app.evaluators import make_evaluator  # noqa: E402
from compliance.app.generate import write_cohort  # noqa: E402
from compliance.app.history import units_of  # noqa: E402
from compliance.catalogue.loading import BUNDLED_RULES  # noqa: E402
from compliance.history.entries import run_entry, run_key  # noqa: E402
from compliance.history.store import open_store  # noqa: E402
from compliance.history.trends import trend  # noqa: E402
from compliance.intake.returns import load_assessment  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def sample_entries(folder: Path, n: int):
    write_cohort(folder, n, 1)
    evaluator, _ = make_evaluator([BUNDLED_RULES], None)
    units = units_of(evaluator.ruleset)
    out = []
    for path in sorted(folder.glob("*.json")):
        doc, info = load_assessment(path)
        out.append(run_entry(report_for(doc, info, evaluator, [BUNDLED_RULES]), units))
    return out


def period_copies(sample, count: int, year: int):
    """COUNT runs for the period starting in `year`, cycling through the sample under new codes."""
    out = []
    for i in range(count):
        e = sample[i % len(sample)]
        org = f"ZZB{i:05d}"
        sha = f"{e.input_sha256}-{org}-{year}"
        out.append(e.model_copy(update={
            "org_id": org, "input_sha256": sha, "run_id": run_key(sha, e.rules_sha256, None),
            "period_start": dt.date(year, 4, 1), "period_end": dt.date(year + 1, 3, 31)}))
    return out


BASELINE_SCHEMA = [
    "CREATE TABLE runs (id TEXT PRIMARY KEY, recorded_at TEXT, tool_version TEXT, rules_sha256 TEXT, profile_sha256 TEXT,"
    " input_sha256 TEXT, input_path TEXT, org_id TEXT, org_name TEXT, period_start TEXT, period_end TEXT, org_type TEXT,"
    " seq INTEGER)",
    "CREATE TABLE findings (run_id TEXT, rule_id TEXT, outcome TEXT, severity TEXT, title TEXT, area TEXT, evidence TEXT,"
    " parameters TEXT, fingerprint TEXT, threshold TEXT, PRIMARY KEY (run_id, rule_id)) WITHOUT ROWID",
    "CREATE INDEX runs_by_period ON runs (org_id, period_start, period_end, seq)",
]


def baseline_rows(entries):
    runs, findings = [], []
    for n, e in enumerate(entries):
        runs.append((e.run_id, e.recorded_at, e.tool_version, e.rules_sha256, None, e.input_sha256, e.input_path,
                     e.org_id, e.org_name, e.period_start.isoformat(), e.period_end.isoformat(), e.org_type, n))
        findings += [(e.run_id, f.rule_id, f.outcome.value, f.severity.value, f.title, f.area, "{}", "{}",
                      f.fingerprint, None) for f in e.findings]
    return runs, findings


def baseline_insert(conn, runs, findings):
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", runs)
    conn.executemany("INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,?,?)", findings)
    conn.execute("COMMIT")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=6600)
    ap.add_argument("--periods", type=int, default=5)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--screen", type=int, default=0, help="also time screen --record on this many returns")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sample, s = timed(lambda: sample_entries(tmp / "sample", args.sample))
        print(f"evaluated {len(sample)} sample returns in {s:.1f} s "
              f"({sum(len(e.findings) for e in sample) / len(sample):.0f} findings each)")
        years = list(range(2026 - args.periods, 2026))
        cohorts = [period_copies(sample, args.count, y) for y in years]

        base = sqlite3.connect(tmp / "baseline.sqlite", isolation_level=None)
        base.execute("PRAGMA journal_mode = WAL")
        base.execute("PRAGMA synchronous = NORMAL")
        for sql in BASELINE_SCHEMA:
            base.execute(sql)
        store = open_store(tmp / "history.sqlite")
        rec_t, base_t = [], []
        for cohort in cohorts:
            rows = baseline_rows(cohort)
            _, b = timed(lambda rows=rows: baseline_insert(base, *rows))
            _, r = timed(lambda cohort=cohort: store.record(cohort))
            base_t.append(b)
            rec_t.append(r)
        _, again = timed(lambda: store.record(cohorts[-1]))  # idempotent: the same screening again
        rows = sum(len(e.findings) for e in cohorts[0])
        print(f"\nrecord {args.count} organisations ({rows:,} findings) per period, {args.periods} periods:")
        for y, r, b in zip(years, rec_t, base_t):
            print(f"  {y}/{str(y + 1)[-2:]}: store {r:.2f} s, plain inserts {b:.2f} s, ratio {r / b:.1f}x")
        print(f"  re-recording the last period (idempotent): {again:.2f} s")
        print(f"  file: {(tmp / 'history.sqlite').stat().st_size / 1e6:.0f} MB (+WAL) for "
              f"{args.count * args.periods:,} runs")

        org = cohorts[0][len(cohorts[0]) // 2].org_id
        (one, t1) = timed(lambda: trend(store.history([org])[org]))
        _, b1 = timed(lambda: base.execute(
            "SELECT f.* FROM runs r JOIN findings f ON f.run_id = r.id WHERE r.org_id = ?", (org,)).fetchall())
        print(f"\ntrend one organisation over {len(one.periods)} periods: {t1 * 1000:.1f} ms, "
              f"plain SELECT {b1 * 1000:.2f} ms, ratio {t1 / b1:.0f}x")
        (every, ta) = timed(lambda: [trend(runs) for runs in store.history().values()])
        _, ba = timed(lambda: base.execute("SELECT f.* FROM runs r JOIN findings f ON f.run_id = r.id").fetchall())
        print(f"trend all {len(every)} organisations: {ta:.2f} s, plain SELECT of every row {ba:.2f} s, "
              f"ratio {ta / ba:.1f}x")
        store.close()

        if args.screen:
            from compliance.app.screen import screen

            folder = tmp / "cohort"
            write_cohort(folder, args.screen, 2)
            _, plain = timed(lambda: screen([str(folder)], [BUNDLED_RULES], jobs=1))
            _, recorded = timed(lambda: screen([str(folder)], [BUNDLED_RULES], jobs=1, history=tmp / "s.sqlite",
                                               use_history=True, record=True))
            print(f"\nscreen {args.screen} returns, one process: {plain:.1f} s; with --record {recorded:.1f} s, "
                  f"ratio {recorded / plain:.2f}x")
        print(json.dumps({"record_ratio": round(sum(rec_t) / sum(base_t), 2), "trend_one_ratio": round(t1 / b1, 1),
                          "trend_all_ratio": round(ta / ba, 2)}))


if __name__ == "__main__":
    main()
