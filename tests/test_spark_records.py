"""The Spark engine counts exactly what DuckDB counts: the same SQL, transpiled, on a local Spark."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from compliance.app.generate_national import write_national
from compliance.app.records import bank_holidays
from compliance.domain.records import Windows
from compliance.intake.records.national import measure_national

if os.environ.get("CI") != "true":  # in CI the Spark test must run, never skip (pyspark is in the test extra)
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17 or later", allow_module_level=True)

START, END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
SAMPLE = {"outpatients": 2500, "ed_attendances": 500, "training": 250, "referrals": 60, "cp_conferences": 30,
          "missing_episodes": 240, "lac_health": 60}


@pytest.fixture(scope="module")
def spark():
    from compliance.intake.records.spark import session

    s = session()
    yield s
    s.stop()


def test_every_count_and_every_provenance_on_spark_equals_duckdb(spark, tmp_path):
    from compliance.intake.records.spark import measure_national_spark

    write_national(tmp_path, START, END, n_orgs=5, partitioned=False, rows=SAMPLE, seed=11)
    windows = Windows(review_working_days=3, repeat_episodes=2, repeat_days=60, renewal_months_1=24)
    holidays = bank_holidays(2023, 2028)
    folder = tmp_path / "extracts"
    duck = measure_national(folder, windows, (START, END), holidays, bad_row_limit=100)
    on_spark = measure_national_spark(folder, windows, (START, END), holidays, bad_row_limit=100, spark=spark)
    assert set(on_spark.counts.rows) == set(duck.counts.rows) and len(duck.counts.rows) == 16
    for query, by_org in duck.counts.rows.items():
        assert on_spark.counts.rows[query] == by_org, query
    assert duck.counts.one("repeat", "XN001")["children"] > 0  # windows over rows of one child, per organisation
    for name, read in duck.reads.items():
        assert on_spark.reads[name].by_org == read.by_org, name
        assert (on_spark.reads[name].rows_read, on_spark.reads[name].rows_excluded) == (read.rows_read, read.rows_excluded)


def test_the_transpiled_checks_find_the_bad_rows_duckdb_finds(spark, tmp_path):
    import duckdb

    from compliance.intake.records.spark import measure_national_spark

    ext = tmp_path / "extracts"
    ext.mkdir()
    rows = ("('XA1','C1','2025-05-01','true','false'), ('XA1','C2','2025-13-01','true','false'), "
            "('XB2','C3','2025-06-01','maybe','false'), ('XB2','C 4','2025-06-02','false','true'), "
            "('bad code!','C5','2025-06-03','true','true'), ('XB2','C6','2025-06-04','yes','0')")
    duckdb.connect().execute(f"COPY (SELECT * FROM (VALUES {rows}) t(org_code, conference_ref, conference_date, attended, "
                             f"report_sent)) TO '{ext / 'cp_conferences.parquet'}' (FORMAT parquet)")
    holidays = bank_holidays(2024, 2027)
    duck = measure_national(ext, Windows(), (START, END), holidays, bad_row_limit=100)
    on_spark = measure_national_spark(ext, Windows(), (START, END), holidays, bad_row_limit=100, spark=spark)
    assert duck.reads["cp_conferences"].by_org["XB2"].rows_excluded == 2
    assert duck.reads["cp_conferences"].unattributed == 1
    assert on_spark.reads["cp_conferences"].by_org == duck.reads["cp_conferences"].by_org
    assert on_spark.reads["cp_conferences"].unattributed == 1
    assert on_spark.counts.rows == duck.counts.rows


def test_repeated_rows_and_repeated_references_are_marked_as_duckdb_marks_them(spark, tmp_path):
    import duckdb

    from compliance.intake.records.spark import measure_national_spark

    ext = tmp_path / "extracts"
    ext.mkdir()
    # XA1: C1 three times whole (two duplicates); XB2: C3 twice with different dates (two bad rows), C4 once
    rows = ("('XA1','C1','2025-05-01','true','false'), ('XA1','C1','2025-05-01','true','false'), "
            "('XA1','C2','2025-05-02','false','false'), ('XA1','C1','2025-05-01','true','false'), "
            "('XB2','C3','2025-06-01','true','false'), ('XB2','C3','2025-06-09','true','false'), "
            "('XB2','C4','2025-06-02','false','true'), ('XA1','C3','2025-06-01','true','false')")
    duckdb.connect().execute(f"COPY (SELECT * FROM (VALUES {rows}) t(org_code, conference_ref, conference_date, attended, "
                             f"report_sent)) TO '{ext / 'cp_conferences.parquet'}' (FORMAT parquet)")
    holidays = bank_holidays(2024, 2027)
    duck = measure_national(ext, Windows(), (START, END), holidays, bad_row_limit=100)
    on_spark = measure_national_spark(ext, Windows(), (START, END), holidays, bad_row_limit=100, spark=spark)
    a, b = duck.reads["cp_conferences"].by_org["XA1"], duck.reads["cp_conferences"].by_org["XB2"]
    assert (a.duplicates, a.rows_excluded, b.duplicates, b.rows_excluded) == (2, 0, 0, 2)
    assert duck.counts.one("conferences", "XA1")["invited"] == 3  # C1 once, C2, C3 (XB2's C3 is another organisation's)
    assert duck.counts.one("conferences", "XB2")["invited"] == 1
    assert on_spark.reads["cp_conferences"].by_org == duck.reads["cp_conferences"].by_org
    assert on_spark.counts.rows == duck.counts.rows
