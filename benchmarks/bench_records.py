"""Cost of evidence from records: a large acute trust's year, and ten times it.

    pip install -e '.[bench]'           # pandas, for the comparison implementation only
    python benchmarks/bench_records.py [--only 1] [--rounds 3] [--keep DIR]

For each size, in fresh processes (so peak memory is the step's own), the median of --rounds runs:

* **scan**: DuckDB merely reading every extract file (the floor: nothing is faster than reading);
* **evidence**: reading, checking every row and measuring the counts (`compliance.intake.records`);
* **assess**: the whole `safeguard assess RETURN --records DIR` path (rules compiled, counts, findings);
* **pandas**: the same counts written with pandas for this benchmark (type parsing, working days with
  numpy.busday_count over the same bank holidays), checked equal to DuckDB's.

Wall time and peak memory (max RSS) of each, and the ratios evidence/scan, assess/scan and
evidence/pandas. Targets (issue 15): the trust-year under 3 s on 2 cores, within 2x of the scan
floor, cost linear in rows (the 10x year should take about 10x).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START, END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
RETURN = ('schema_version: "2"\norganisation: {id: RBENCH, name: Benchmark Trust, type: acute, '
          'local_authorities: [LA1], period: {start: 2025-04-01, end: 2026-03-31}}\n')

CHILD = r'''
import json, resource, sys, time, datetime as dt
from pathlib import Path
sys.path.insert(0, sys.argv[1])
step, folder = sys.argv[2], Path(sys.argv[3])
START, END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
t = time.perf_counter()
out = None
if step == "scan":
    import duckdb
    from compliance.intake.records.reader import _header, _source
    con = duckdb.connect()
    n = 0
    for f in sorted(folder.glob("*.csv")):
        n += con.execute(f"SELECT count(*) FROM {_source(f, folder, _header(con, f, folder))}").fetchone()[0]
    out = n
elif step == "evidence":
    from compliance.app.records import bank_holidays
    from compliance.domain.records import Windows
    from compliance.intake.records.measure import measure
    out = measure(folder, Windows(), (START, END), bank_holidays(2024, 2027)).fragment
elif step == "assess":
    from compliance.app.assess import assess_file
    from compliance.catalogue.loading import BUNDLED_RULES
    report = assess_file(folder.parent / "return.yaml", [BUNDLED_RULES], None, folder)
    out = {f.rule_id: f.outcome.value for f in report.findings}
elif step == "pandas":
    sys.path.insert(0, sys.argv[1] + "/benchmarks")
    from bench_records import pandas_counts
    from compliance.app.records import bank_holidays
    out = pandas_counts(folder, bank_holidays(2024, 2027))
wall = time.perf_counter() - t
print(json.dumps({"wall": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "out": out},
                 default=str))
'''


def pandas_counts(folder: Path, holidays: list[dt.date]) -> dict:
    """The counts of counts.sql, in pandas (the main ones: WNB, ED, referrals, missing, LAC, training)."""
    import numpy as np
    import pandas as pd

    hol = np.array(holidays, dtype="datetime64[D]")
    s, e = pd.Timestamp(START), pd.Timestamp(END)

    def read(name):
        return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])

    def day(col):
        return pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")

    def flag(col):
        return col.str.lower().isin(["true", "1", "yes", "y"])

    def wd(a, b):
        """Working days after a up to and including b; NaN where b is missing."""
        ok = b.notna() & a.notna()
        out = pd.Series(np.nan, index=a.index)
        a1 = (a[ok].values.astype("datetime64[D]") + 1)
        b1 = (b[ok].values.astype("datetime64[D]") + 1)
        out[ok] = np.busday_count(a1, b1, holidays=hol)
        return out

    res: dict = {}
    op = read("outpatients")
    op["age"] = pd.to_numeric(op["age"], errors="coerce")
    op["d"] = day(op["appointment_date"])
    op = op[op["age"].between(0, 17) & op["d"].notna()]
    inp = op["d"].between(s, e)
    missed = op["attendance_code"].isin(["3", "7"])
    m = op[missed & inp]
    res["missed_appointments"] = {"total": int((m["age"] < 16).sum()),
                                  "coded_was_not_brought": int(((m["age"] < 16) & (m["recorded_as"] == "was_not_brought")).sum())}
    rev = wd(m["d"], day(m["reviewed_date"]))
    res["follow_up"] = {"was_not_brought": len(m), "reviewed_in_time": int((rev <= 5).sum()),
                        "discharged_without_review": int(flag(m["discharged_without_review"]).sum())}
    seq = op[op["attendance_code"].isin(["3", "5", "6", "7"])].sort_values(["child_ref", "d", "appointment_ref"])
    seq["prev"] = seq.groupby("child_ref")["attendance_code"].shift().isin(["3", "7"])
    el = seq[seq["attendance_code"].isin(["3", "7"]) & seq["d"].between(s, e)
             & (flag(seq["on_plan_or_looked_after"]) | seq["prev"])]
    res["escalation"] = {"eligible": len(el), "notified_in_time": int((wd(el["d"], day(el["lead_professional_told"])) <= 1).sum())}
    ed = read("ed_attendances")
    ed["a"] = pd.to_datetime(ed["arrival"].str.replace("T", " "), errors="coerce").dt.normalize()
    ed = ed[ed["a"].between(s, e)]
    res["ed"] = {"attendances": len(ed), "cpis_checked": int(flag(ed["cpis_checked"]).sum()),
                 "screened": int(flag(ed["safeguarding_screen"]).sum()),
                 "notified_in_time": int((wd(ed["a"], day(ed["gp_hv_sn_told"])) <= 2).sum())}
    rf = read("referrals")
    c = pd.to_datetime(rf["concern_identified"].str.replace("T", " "), errors="coerce")
    r = pd.to_datetime(rf["referred"].str.replace("T", " "), errors="coerce")
    w = pd.to_datetime(rf["confirmed_in_writing"].str.replace("T", " "), errors="coerce")
    keep = c.dt.normalize().between(s, e)
    res["referrals"] = {"total": int(keep.sum()),
                        "referred_in_time": int((wd(c.dt.normalize(), r.dt.normalize())[keep] <= 0).sum()),
                        "confirmed_in_time": int(((w - r) <= pd.Timedelta(hours=48))[keep].sum())}
    ep = read("missing_episodes")
    st = pd.to_datetime(ep["start"].str.replace("T", " "), errors="coerce")
    ep = ep[st.dt.normalize().between(s, e)].assign(st=st)
    res["episodes"] = {"absent": int((ep["classification"] == "absent").sum()),
                       "missing_ungraded": int(((ep["classification"] == "missing") & ep["risk_grade"].isna()).sum())}
    back = pd.to_datetime(ep["returned"].str.replace("T", " "), errors="coerce")
    done = pd.to_datetime(ep["interview_done"].str.replace("T", " "), errors="coerce")
    res["return_interviews"] = {"episodes": int(back.notna().sum()),
                                "done_in_time": int(((done - back) <= pd.Timedelta(hours=72)).sum()),
                                "health_notified_in_time": int((wd(back.dt.normalize(), day(ep["health_told"])) <= 1).sum())}
    lac = read("lac_health")
    ent, ia = day(lac["entered_care"]), day(lac["initial_assessment"])
    k = ent.between(s, e)
    res["initial_assessments"] = {"entered_care": int(k.sum()), "assessed_in_time": int((wd(ent, ia)[k] <= 20).sum()),
                                  "by_medical_practitioner": int((lac["assessed_by"][k] == "medical_practitioner").sum())}
    tr = read("training")
    lc = day(tr["last_completed"])
    lv = tr[tr["level"].isin(["1", "2", "3"])]
    in_date = (lc <= e) & (lc > e - pd.DateOffset(months=36))
    g = lv.assign(in_date=in_date[lv.index]).groupby(["staff_group", "level"], dropna=False)["in_date"].agg(["size", "sum"])
    res["groups"] = {"groups": len(g), "staff_in_post": int(g["size"].sum()), "in_date": int(g["sum"].sum())}
    return res


def run(step: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), step, str(folder)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{step} failed: {out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def rows(folder: Path) -> int:
    return sum(sum(1 for _ in f.open()) - 1 for f in folder.glob("*.csv"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", type=int, choices=[1, 10], help="Only the trust-year (1) or the 10x year (10).")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="Write the extracts here (and reuse them) instead of a temporary folder.")
    args = ap.parse_args()
    from compliance.app.generate_records import ACUTE_YEAR, write_records

    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-records-"))
    results = {}
    for scale in ([args.only] if args.only else [1, 10]):
        folder = base / f"x{scale}" / "records"
        if not folder.is_dir():
            print(f"generating the {scale}x trust-year in {folder} ...", file=sys.stderr)
            write_records(folder, START, END, seed=scale, volumes={k: v * scale for k, v in ACUTE_YEAR.items()})
        (folder.parent / "return.yaml").write_text(RETURN)
        n = rows(folder)
        got = {}
        for step in ("scan", "evidence", "assess", "pandas"):
            runs = [run(step, folder) for _ in range(args.rounds)]
            got[step] = {"wall": statistics.median(r["wall"] for r in runs),
                         "rss_mb": statistics.median(r["rss_mb"] for r in runs), "out": runs[0]["out"]}
        ev, pd_ = got["evidence"]["out"], got["pandas"]["out"]
        wnb = ev["was_not_brought"]
        agree = (wnb["follow_up"]["reviewed_in_time"] == pd_["follow_up"]["reviewed_in_time"]
                 and wnb["escalation"]["notified_in_time"] == pd_["escalation"]["notified_in_time"]
                 and ev["alerts"]["ed_notifications"]["notified_in_time"] == pd_["ed"]["notified_in_time"]
                 and ev["information_sharing"]["referrals_to_csc"]["referred_in_time"] == pd_["referrals"]["referred_in_time"]
                 and ev["looked_after"]["initial_assessments"]["assessed_in_time"] == pd_["initial_assessments"]["assessed_in_time"])
        results[scale] = (n, got, agree)
        print(f"\n{scale}x trust-year: {n:,} rows in {len(list(folder.glob('*.csv')))} extracts"
              f"  (pandas counts agree with DuckDB's: {'yes' if agree else 'NO'})")
        print(f"  {'step':10} {'wall s':>8} {'peak MB':>8}")
        for step in ("scan", "evidence", "assess", "pandas"):
            print(f"  {step:10} {got[step]['wall']:8.2f} {got[step]['rss_mb']:8.0f}")
        s = got["scan"]
        print(f"  evidence / scan floor: {got['evidence']['wall'] / s['wall']:.2f}x time, "
              f"{got['evidence']['rss_mb'] / s['rss_mb']:.2f}x memory")
        print(f"  assess / scan floor:   {got['assess']['wall'] / s['wall']:.2f}x time, "
              f"{got['assess']['rss_mb'] / s['rss_mb']:.2f}x memory")
        print(f"  evidence / pandas:     {got['evidence']['wall'] / got['pandas']['wall']:.2f}x time, "
              f"{got['evidence']['rss_mb'] / got['pandas']['rss_mb']:.2f}x memory")
    if 1 in results and 10 in results:
        (n1, g1, _), (n10, g10, _) = results[1], results[10]
        print(f"\nlinearity: 10x rows ({n10 / n1:.1f}x) took {g10['evidence']['wall'] / g1['evidence']['wall']:.1f}x "
              f"(evidence), {g10['assess']['wall'] / g1['assess']['wall']:.1f}x (assess), "
              f"{g10['scan']['wall'] / g1['scan']['wall']:.1f}x (scan)")


if __name__ == "__main__":
    main()
