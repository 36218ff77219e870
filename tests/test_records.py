"""Assessing from record extracts: counts measured with the rules' windows, bad rows never vanish."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


from compliance.app.generate_records import write_records

HEADER = ("appointment_ref,child_ref,age,appointment_date,service,attendance_code,recorded_as,reviewed_date,"
          "discharged_without_review,on_plan_or_looked_after,lead_professional_told\n")
RETURN = ('schema_version: "2"\norganisation: {id: RREC1, name: Records Trust, type: acute, local_authorities: [LA1], '
          'period: {start: 2025-04-01, end: 2026-03-31}}\n')


def _folder(tmp_path: Path, rows: list[str]) -> tuple[Path, Path]:
    rec = tmp_path / "rec"
    rec.mkdir(parents=True)
    (rec / "outpatients.csv").write_text(HEADER + "".join(r + "\n" for r in rows))
    ret = tmp_path / "return.yaml"
    ret.write_text(RETURN)
    return ret, rec


def _reviewed(day: str, reviewed: str, n: int = 10) -> list[str]:
    return [f"A{i},C{i},5,{day},paediatrics,3,was_not_brought,{reviewed},false,false," for i in range(n)]


def _finding(run_cli, ret, rec, rule="WNB-003", *extra):
    code, out, err = run_cli("assess", ret, "--records", rec, "--format", "json", "--fail-on", "none", *extra)
    assert code == 0, err
    report = json.loads(out)
    return next(f for f in report["findings"] if f["rule_id"] == rule), report


def test_a_profile_that_shortens_the_review_window_changes_the_count_and_the_outcome(run_cli, tmp_path):
    # Friday 2 May 2025; Monday 5 May is a bank holiday, so Friday 9 May is 4 working days later
    ret, rec = _folder(tmp_path, _reviewed("2025-05-02", "2025-05-09"))
    met, report = _finding(run_cli, ret, rec)
    assert met["outcome"] == "met" and "within 5 working days" in met["message"]
    reviewed = next(e for e in met["evidence"] if e["measure"] == "reviewed_n")
    assert reviewed["value"] == 10 and reviewed["provenance"]["extract"] == "outpatients"
    assert reviewed["provenance"]["rows_read"] == 10 and reviewed["provenance"]["rows_excluded"] == 0
    profile = tmp_path / "profile.yaml"
    profile.write_text("name: three days\nparameters:\n  WNB-003: {review_working_days: 3}\n")
    short, _ = _finding(run_cli, ret, rec, "WNB-003", "--profile", profile)
    assert short["outcome"] == "not_met" and "within 3 working days" in short["message"]
    assert next(e for e in short["evidence"] if e["measure"] == "reviewed_n")["value"] == 0


def test_bank_holidays_are_not_working_days(tmp_path):
    from compliance.app.records import bank_holidays
    from compliance.domain.records import Windows
    from compliance.intake.records.measure import measure

    def reviewed_in_time(day: str, reviewed: str) -> int:
        _, rec = _folder(tmp_path / day, _reviewed(day, reviewed))
        fragment = measure(rec, Windows(review_working_days=4), (dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
                           bank_holidays(2024, 2027)).fragment
        return fragment["was_not_brought"]["follow_up"]["reviewed_in_time"]

    assert reviewed_in_time("2025-05-02", "2025-05-09") == 10  # Monday 5 May is a bank holiday: 4 working days
    assert reviewed_in_time("2025-06-06", "2025-06-13") == 0  # no holiday: 5 working days


def test_bad_rows_below_the_limit_are_excluded_and_reported_per_extract(run_cli, tmp_path):
    rows = _reviewed("2025-05-02", "2025-05-09", 300)
    rows.append("B1,C1,5,2025-13-01,paediatrics,3,was_not_brought,2025-05-09,false,false,")  # bad date
    rows.append("B2,C2,5,2025-05-02,paediatrics,9,was_not_brought,2025-05-09,false,false,")  # unknown code
    rows.append("B3,C3,19,2025-05-02,paediatrics,3,was_not_brought,2025-05-09,false,false,")  # impossible age
    ret, rec = _folder(tmp_path, rows)
    code, out, err = run_cli("assess", ret, "--records", rec, "--format", "json", "--fail-on", "none", "--bad-rows", "1")
    assert code == 0, err
    prov = json.loads(out)["records"][0]
    assert prov["rows_read"] == 303 and prov["rows_excluded"] == 3
    assert prov["excluded_because"] == {"age: impossible age": 1, "appointment_date: bad value": 1,
                                        "attendance_code: unknown code": 1}
    assert any("row 302, column appointment_date" in e for e in prov["examples"])


def test_review_before_the_appointment_is_a_bad_row_and_over_the_limit_the_run_stops(run_cli, tmp_path):
    rows = _reviewed("2025-05-02", "2025-05-09", 50) + _reviewed("2025-05-09", "2025-05-02", 2)
    ret, rec = _folder(tmp_path, rows)
    code, _, err = run_cli("assess", ret, "--records", rec)
    assert code == 2
    assert "2 of 52 rows of outpatients are invalid" in err and "review before the appointment" in err
    assert "outpatients.csv row 52, column reviewed_date" in err


def test_the_same_count_from_the_return_and_the_records_is_an_error_naming_both(run_cli, tmp_path):
    ret, rec = _folder(tmp_path, _reviewed("2025-05-02", "2025-05-09"))
    ret.write_text(RETURN + "was_not_brought:\n  follow_up: {was_not_brought: 10, reviewed_in_time: 9, window_working_days: 5}\n")
    code, _, err = run_cli("assess", ret, "--records", rec)
    assert code == 2
    assert "was_not_brought.follow_up.was_not_brought is given by the return and measured from records" in err
    assert "outpatients.csv" in err


def test_unknown_columns_and_files_are_errors(run_cli, tmp_path):
    ret, rec = _folder(tmp_path, _reviewed("2025-05-02", "2025-05-09"))
    (rec / "outpatient.csv").write_text("x\n")
    code, _, err = run_cli("assess", ret, "--records", rec)
    assert code == 2 and "outpatient.csv" in err and "not a known extract" in err
    (rec / "outpatient.csv").unlink()
    (rec / "outpatients.csv").write_text(HEADER.replace("age,", "agee,"))
    code, _, err = run_cli("assess", ret, "--records", rec)
    assert code == 2 and "missing column age" in err and "unknown column 'agee'" in err


def test_generated_extracts_in_csv_parquet_and_xlsx_give_the_same_counts(tmp_path):
    import duckdb

    from compliance.app.records import bank_holidays
    from compliance.domain.records import Windows
    from compliance.intake.records.measure import measure

    start, end = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
    small = {"staff": 60, "outpatients": 150, "ed": 40, "referrals": 10, "episodes": 15, "lac": 10}
    write_records(tmp_path / "csv", start, end, seed=3, volumes=small)
    con = duckdb.connect()
    (tmp_path / "pq").mkdir()
    (tmp_path / "xl").mkdir()
    from openpyxl import Workbook
    import csv

    for f in (tmp_path / "csv").iterdir():
        con.execute(f"COPY (SELECT * FROM read_csv('{f}', all_varchar=true)) TO '{tmp_path / 'pq' / (f.stem + '.parquet')}' (FORMAT parquet)")
        wb = Workbook()
        for row in csv.reader(f.open()):
            wb.active.append(row)
        wb.save(tmp_path / "xl" / (f.stem + ".xlsx"))
    holidays = bank_holidays(2024, 2027)
    got = [measure(tmp_path / d, Windows(), (start, end), holidays).fragment for d in ("csv", "pq", "xl")]
    assert got[0] == got[1] == got[2]
    assert got[0]["was_not_brought"]["follow_up"]["was_not_brought"] > 0


def test_the_bundled_records_fixture_gives_the_findings_of_its_return(run_cli):
    from conftest import ROOT

    records = ROOT / "fixtures" / "records"
    code, out, err = run_cli("assess", records / "brookside-acute.yaml", "--records", records / "brookside-acute",
                             "--format", "json", "--fail-on", "none")
    assert code == 0, err
    from_records = {f["rule_id"]: (f["outcome"], f["severity"], f["message"]) for f in json.loads(out)["findings"]}
    code, out, _ = run_cli("assess", ROOT / "fixtures" / "organisations" / "brookside-acute.yaml", "--format", "json",
                           "--fail-on", "none")
    from_return = {f["rule_id"]: (f["outcome"], f["severity"], f["message"]) for f in json.loads(out)["findings"]}
    assert from_records == from_return
    measured = [r for r, (o, _, _) in from_records.items() if o in ("met", "not_met")]
    assert {"WNB-003", "INF-001", "LAC-001", "TRN-001", "ALR-004"} <= set(measured)


def test_generated_records_assess(run_cli, tmp_path):
    code, _, _ = run_cli("fixtures", "generate", "--records", "--count", "2", "--seed", "5", "-o", tmp_path)
    assert code == 0
    for ret in sorted(tmp_path.glob("*.yaml")):
        code, out, err = run_cli("assess", ret, "--records", tmp_path / ret.stem, "--format", "json", "--fail-on", "none")
        assert code == 0, err
        assert json.loads(out)["records"]


def test_the_sql_calendar_counts_working_days_as_the_calendar_module_does():
    import duckdb
    import random

    from compliance.app.records import bank_holidays
    from compliance.domain.calendar import working_days_between
    from compliance.intake.records.measure import build_calendar

    con = duckdb.connect()
    build_calendar(con, dt.date(2024, 1, 1), dt.date(2027, 12, 31), bank_holidays(2024, 2027))
    rng = random.Random(7)
    pairs = []
    for _ in range(300):
        a = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(700))
        pairs.append((a, a + dt.timedelta(days=rng.randrange(30))))
    for a, b in pairs + [(dt.date(2025, 12, 24), dt.date(2025, 12, 29)), (dt.date(2025, 4, 17), dt.date(2025, 4, 22))]:
        got = con.execute("SELECT t.working_day_no - e.working_day_no FROM calendar e, calendar t "
                          "WHERE e.day = ? AND t.day = ?", [a, b]).fetchone()[0]
        assert got == working_days_between(a, b), (a, b)


def test_conference_invitations_are_counted_for_inf002(tmp_path):
    """INF-002 from records: conferences held in the period, attended or reported to."""
    from compliance.domain.records import Windows
    from compliance.intake.records.measure import measure
    import datetime as dt

    (tmp_path / "cp_conferences.csv").write_text(
        "conference_ref,conference_date,attended,report_sent\n"
        "C1,2025-05-01,true,false\nC2,2025-06-01,false,true\nC3,2025-07-01,false,false\n"
        "C4,2026-04-01,true,true\n")  # after the period: not counted
    got = measure(tmp_path, Windows(), (dt.date(2025, 4, 1), dt.date(2026, 3, 31)), [])
    assert got.fragment["information_sharing"]["conferences"] == {"invited": 3, "attended_or_reported": 2}
    assert got.provenance_of("information_sharing.conferences.invited") is not None


def test_sql_and_python_agree_on_working_day_deadlines_and_month_windows():
    """One calendar, for SQL too (issue: findings right at every edge): on random dates across
    weekends and bank holidays, "within N working days" and "within N months/years of the period end"
    are decided the same in counts.sql's terms as in compliance.domain.calendar."""
    import random

    import duckdb

    from compliance.app.records import bank_holidays
    from compliance.domain import calendar as cal
    from compliance.intake.records.measure import build_calendar

    con = duckdb.connect()
    build_calendar(con, dt.date(2020, 1, 1), dt.date(2028, 12, 31), bank_holidays(2020, 2028))
    rng = random.Random(11)
    pairs = [(dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(900)), rng.randrange(12), rng.randrange(4))
             for _ in range(400)]
    # the catalogue's examples: Friday -> Sunday, 24 -> 28 December 2020, Saturday -> Monday
    pairs += [(dt.date(2026, 3, 6), 2, 0), (dt.date(2020, 12, 24), 4, 0), (dt.date(2026, 3, 7), 2, 0)]
    for event, later, n in pairs:
        done = event + dt.timedelta(days=later)
        sql = con.execute("SELECT t.due_no - e.due_no <= ? FROM calendar e, calendar t WHERE e.day = ? AND t.day = ?",
                          [n, event, done]).fetchone()[0]
        assert sql == cal.within_working_days(event, done, n), (event, done, n)
    assert not cal.within_working_days(dt.date(2026, 3, 6), dt.date(2026, 3, 8), 0)  # Friday concern, Sunday referral
    assert not cal.within_working_days(dt.date(2020, 12, 24), dt.date(2020, 12, 28), 0)  # 28 Dec 2020 a bank holiday
    assert cal.within_working_days(dt.date(2026, 3, 7), dt.date(2026, 3, 9), 0)  # Saturday concern, Monday referral
    end = dt.date(2026, 3, 31)
    for _ in range(300):
        day = end - dt.timedelta(days=rng.randrange(1, 2000))
        months = rng.choice([3, 12, 24, 36])
        sql = con.execute("SELECT CAST(? AS DATE) >= CAST(? AS DATE) - to_months(?)", [day, end, months]).fetchone()[0]
        assert sql == cal.within_months(day, end, months), (day, months)
        years = rng.choice([1, 3, 5])
        sql = con.execute("SELECT CAST(? AS DATE) >= CAST(? AS DATE) - to_years(?)", [day, end, years]).fetchone()[0]
        assert sql == (day >= cal.add_years(end, -years)), (day, years)
    exactly = cal.add_months(end, -36)
    assert cal.within_months(exactly, end, 36)  # training exactly 36 months before the end is in date
