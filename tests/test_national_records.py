"""National record extracts: every organisation counted as its own extracts would count it."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb
import pytest

from compliance.app.generate_national import write_national
from compliance.app.records import bank_holidays
from compliance.domain.records import Windows
from compliance.intake.records.measure import arrange, measure
from compliance.intake.records.national import measure_national

START, END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
PERIOD = (START, END)
SMALL = {"outpatients": 3000, "ed_attendances": 600, "training": 300, "referrals": 80, "cp_conferences": 30,
         "missing_episodes": 240, "lac_health": 80}
ORGS = 4
# A second set of windows, so the equality is not an accident of the defaults.
WINDOWS = (Windows(), Windows(review_working_days=2, notify_working_days=3, repeat_episodes=2, repeat_days=30,
                              renewal_months_2=12, board_months=3, learning_years=1, written_hours=24))


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    """Four organisations, one flat CSV per extract with org_code on every row."""
    folder = tmp_path_factory.mktemp("national")
    write_national(folder, START, END, n_orgs=ORGS, partitioned=False, fmt="csv", rows=SMALL, seed=7)
    return folder


def _per_trust(national: Path, out: Path) -> dict[str, Path]:
    """Each organisation's rows as its own extracts (no org_code column), as a trust would hold them."""
    con = duckdb.connect()
    folders = {}
    for f in sorted((national / "extracts").iterdir()):
        for (org,) in con.execute("SELECT DISTINCT org_code FROM read_csv(?, all_varchar = true)", [str(f)]).fetchall():
            folder = folders.setdefault(org, out / org)
            folder.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY (SELECT * EXCLUDE (org_code) FROM read_csv(?, all_varchar = true) WHERE org_code = ?) "
                        f"TO '{folder / f.name}' (FORMAT csv, HEADER true)", [str(f), org])
    return folders


@pytest.mark.parametrize("windows", WINDOWS, ids=["defaults", "profile"])
def test_every_organisation_is_counted_as_its_own_extracts_alone_would_count_it(national, tmp_path, windows):
    holidays = bank_holidays(2023, 2028)
    counted = measure_national(national / "extracts", windows, PERIOD, holidays, bad_row_limit=100)
    trusts = _per_trust(national, tmp_path)
    assert len(trusts) == ORGS and counted.organisations() == set(trusts)
    for org, folder in trusts.items():
        alone = measure(folder, windows, PERIOD, holidays, bad_row_limit=100)
        together = arrange(counted.counts, org, windows, counted.provenance(org))
        assert together.fragment == alone.fragment, org
        for read in alone.reads:  # the same rows read and excluded, for the same reasons
            mine = counted.provenance(org)[read.name]
            assert (mine.rows_read, mine.rows_excluded, mine.excluded_because) == (
                read.rows_read, read.rows_excluded, dict(sorted(read.excluded.items())))
    assert any(counted.counts.one("repeat", org)["children"] for org in trusts)  # the cross-row query is exercised


def test_partitioned_parquet_gives_the_counts_of_flat_csv(national, tmp_path):
    write_national(tmp_path, START, END, n_orgs=ORGS, partitioned=True, fmt="parquet", rows=SMALL, seed=7)
    assert (tmp_path / "extracts" / "outpatients" / "org_code=XN001").is_dir()
    holidays = bank_holidays(2023, 2028)
    flat = measure_national(national / "extracts", Windows(), PERIOD, holidays, bad_row_limit=100)
    parts = measure_national(tmp_path / "extracts", Windows(), PERIOD, holidays, bad_row_limit=100)
    assert parts.counts.rows == flat.counts.rows
    for org in flat.organisations():
        assert ({n: (p.rows_read, p.rows_excluded) for n, p in parts.provenance(org).items()}
                == {n: (p.rows_read, p.rows_excluded) for n, p in flat.provenance(org).items()})


def _aggregate(run_cli, national: Path, out: Path, *extra):
    return run_cli("records", "aggregate", national / "extracts", "-o", out, "--organisations",
                   national / "organisations.csv", "--start", "2025-04-01", "--end", "2026-03-31", "--bad-rows", "100", *extra)


def test_aggregate_writes_a_return_per_organisation_with_its_provenance_that_screen_reads(run_cli, national, tmp_path):
    code, _, err = _aggregate(run_cli, national, tmp_path / "returns")
    assert code == 0, err
    returns = sorted((tmp_path / "returns").glob("*.yaml"))
    assert [p.stem for p in returns] == [f"XN{i:03d}" for i in range(ORGS)]
    text = returns[1].read_text()
    assert text.startswith("# Measured from national record extracts") and "outpatients: " in text
    assert "extracts/outpatients.csv" in text  # the file each organisation's rows came from
    code, out, err = run_cli("screen", tmp_path / "returns", "--format", "json", "--fail-on", "none")
    assert code == 0, err
    assert len(json.loads(out)["organisations"]) == ORGS


def test_a_profile_changes_the_national_counts(run_cli, national, tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text("name: two days\nparameters:\n  WNB-003: {review_working_days: 2}\n")
    assert _aggregate(run_cli, national, tmp_path / "a")[0] == 0
    assert _aggregate(run_cli, national, tmp_path / "b", "--profile", profile)[0] == 0
    a, b = (tmp_path / d / "XN000.yaml" for d in ("a", "b"))
    assert "window_working_days: 2" in b.read_text() and a.read_text() != b.read_text()


def test_an_organisation_missing_from_the_register_is_an_error(run_cli, national, tmp_path):
    register = tmp_path / "orgs.csv"
    register.write_text("\n".join((national / "organisations.csv").read_text().splitlines()[:-1]) + "\n")
    code, _, err = run_cli("records", "aggregate", national / "extracts", "-o", tmp_path / "r", "--organisations", register,
                           "--start", "2025-04-01", "--end", "2026-03-31", "--bad-rows", "100")
    assert code == 2 and f"XN{ORGS - 1:03d}" in err and "not in the register" in err
    assert not (tmp_path / "r").exists()


def test_bad_rows_over_the_limit_in_one_organisation_stop_the_run_naming_it(run_cli, tmp_path):
    ext = tmp_path / "extracts"
    ext.mkdir()
    rows = [f"XA1,C{i},C{i},5,2025-05-0{1 + i % 5},paediatrics,3,was_not_brought,,false,false," for i in range(50)]
    rows += [f"XB2,C{i},C{i},5,2025-05-02,paediatrics,3,was_not_brought,2025-05-01,false,false," for i in range(3)]
    rows += [f"XB2,D{i},D{i},5,2025-05-02,paediatrics,3,was_not_brought,,false,false," for i in range(7)]
    (ext / "outpatients.csv").write_text(
        "org_code,appointment_ref,child_ref,age,appointment_date,service,attendance_code,recorded_as,reviewed_date,"
        "discharged_without_review,on_plan_or_looked_after,lead_professional_told\n" + "\n".join(rows) + "\n")
    register = tmp_path / "orgs.csv"
    register.write_text("org_code,name,type,local_authorities\nXA1,A,acute,LA1\nXB2,B,acute,LA1;LA2\n")
    args = ("records", "aggregate", ext, "-o", tmp_path / "r", "--organisations", register, "--start", "2025-04-01",
            "--end", "2026-03-31")
    code, _, err = run_cli(*args)
    assert code == 2 and "3 of 10 rows of outpatients for XB2" in err and "row 52" in err and "XA1" not in err
    code, _, err = run_cli(*args, "--bad-rows", "50")
    assert code == 0, err
    b = (tmp_path / "r" / "XB2.yaml").read_text()
    assert "10 rows read from 1 file(s), 3 excluded (reviewed_date: review before the appointment 3)" in b
    assert "was_not_brought: 7" in b  # follow_up counts the 7 good rows only


def test_paths_are_never_patterns_and_only_regular_files_are_read(run_cli, tmp_path):
    register = tmp_path / "orgs.csv"
    register.write_text("org_code,name,type,local_authorities\nXA1,A,acute,LA1\n")
    header = "org_code,conference_ref,conference_date,attended,report_sent\n"
    ext = tmp_path / "ext[1]"
    (ext / "cp_conferences").mkdir(parents=True)
    (ext / "cp_conferences" / "a.csv").write_text(header + "XA1,C1,2025-05-01,true,false\n")
    args = ("-o", tmp_path / "r", "--organisations", register, "--start", "2025-04-01", "--end", "2026-03-31")
    code, _, err = run_cli("records", "aggregate", ext, *args)
    assert code == 2 and "pattern" in err
    plain = tmp_path / "ext"
    (ext / "cp_conferences").rename(tmp_path / "tmp")
    plain.mkdir()
    (tmp_path / "tmp").rename(plain / "cp_conferences")
    (plain / "cp_conferences" / "*.csv").write_text(header + "XA1,C2,2025-05-01,true,false\n")
    code, _, err = run_cli("records", "aggregate", plain, *args)
    assert code == 2 and "*.csv" in err
    (plain / "cp_conferences" / "*.csv").unlink()
    os.mkfifo(plain / "cp_conferences" / "b.csv")
    code, _, err = run_cli("records", "aggregate", plain, *args)  # never opened: it would hang
    assert code == 2 and "not a regular file" in err
    (plain / "cp_conferences" / "b.csv").unlink()
    code, _, err = run_cli("records", "aggregate", plain, *args)
    assert code == 0, err
    assert "invited: 1" in (tmp_path / "r" / "XA1.yaml").read_text()


def test_parquet_columns_held_typed_are_checked_as_their_text_would_be(tmp_path):
    """A Parquet DATE, BOOLEAN or integer is taken as it is rather than parsed from text: every bad
    value and cross-column check still gives the same exclusions and the same words as in a CSV."""
    from compliance.intake.records.national import connect, load_national, national_files

    con = duckdb.connect()
    con.execute("""CREATE TABLE t AS SELECT * FROM (VALUES
        ('XA1', 'A1', 'C1', 5::BIGINT, DATE '2025-05-02', 'paediatrics', '3', 'was_not_brought', NULL::DATE, false, false, NULL::DATE),
        ('XA1', 'A2', 'C2', 25, DATE '2025-05-02', 'paediatrics', '3', NULL, NULL, false, true, NULL),
        ('XA1', 'A3', 'C3', -1, DATE '2025-05-02', 'paediatrics', '5', NULL, NULL, NULL, false, NULL),
        ('XA1', 'A4', 'C 4', 5000000000, NULL, 'paediatrics', '9', NULL, NULL, false, false, NULL),
        ('XB2', 'A5', 'C5', NULL, DATE '2025-05-02', 'nowhere', '3', 'was_not_brought', DATE '2025-05-01', true, false,
         DATE '2025-04-30'),
        ('XB2', 'A6', 'C6', 17, DATE '2025-05-03', 'paediatrics', '3', 'did_not_attend', DATE '2025-05-03', false, false,
         NULL)
        ) v(org_code, appointment_ref, child_ref, age, appointment_date, service, attendance_code, recorded_as,
            reviewed_date, discharged_without_review, on_plan_or_looked_after, lead_professional_told)""")
    seen = {}
    for fmt in ("csv", "parquet"):
        (tmp_path / fmt).mkdir()
        con.execute(f"COPY t TO '{tmp_path / fmt / ('outpatients.' + fmt)}' (FORMAT {fmt})")
        (tmp_path / f"work-{fmt}").mkdir()
        db = connect(tmp_path / f"work-{fmt}")
        read = load_national(db, "outpatients", national_files(tmp_path / fmt)["outpatients"])
        seen[fmt] = ([(p.row, p.column, p.reason) for p in read.problems],
                     {org: (p.rows_read, p.excluded_because) for org, p in read.by_org.items()},
                     db.execute("SELECT * FROM outpatients ORDER BY appointment_ref").fetchall())
        db.close()
    assert seen["parquet"] == seen["csv"]
    problems, by_org, good = seen["csv"]
    assert (3, "age", "impossible age: 25 (must be at most 17)") in problems
    assert (5, "age", "bad value: 5000000000 (expected a whole number)") in problems
    assert (6, "reviewed_date", "review before the appointment") in problems
    assert by_org["XA1"][0] == 4 and sum(by_org["XB2"][1].values()) == 1 and len(good) == 2
