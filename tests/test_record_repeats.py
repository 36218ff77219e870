"""Repeated rows in record extracts: a row repeated whole is counted once and reported; different rows
sharing an extract's unique reference are bad rows. Nothing is ever counted twice, by any engine."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from compliance.app.generate_records import write_records
from compliance.app.records import bank_holidays
from compliance.domain.errors import InputError
from compliance.domain.records import BY_NAME, Windows
from compliance.intake.records.measure import arrange, measure
from compliance.intake.records.national import measure_national

START, END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
PERIOD = (START, END)
SMALL = {"staff": 40, "outpatients": 120, "ed": 30, "referrals": 12, "episodes": 25, "lac": 12}
HOLIDAYS = bank_holidays(2023, 2028)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, list[list[str]]]:
    """A small trust's extracts, as header + rows of text, and what they count to."""
    folder = tmp_path_factory.mktemp("base")
    write_records(folder, START, END, seed=11, volumes=SMALL)
    return {f.stem: list(csv.reader(f.open(newline=""))) for f in sorted(folder.glob("*.csv"))}


def _write(folder: Path, tables: dict[str, list[list[str]]], org: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        for i, row in enumerate(rows):
            w.writerow(row if org is None else (["org_code"] if i == 0 else [org]) + row)
        (folder / f"{name}.csv").write_text(out.getvalue())
    return folder


def _python_repeats(rows: list[list[str]], key: str | None) -> tuple[int, int]:
    """The oracle, in plain Python over the text rows: (rows repeating an earlier row whole, distinct
    rows sharing their unique reference with a different row)."""
    header, body = rows[0], rows[1:]
    seen: set[tuple[str, ...]] = set()
    duplicates = 0
    versions: dict[str, set[tuple[str, ...]]] = {}
    for row in body:
        t = tuple(row)
        if t in seen:
            duplicates += 1
            continue
        seen.add(t)
        if key is not None:
            versions.setdefault(row[header.index(key)], set()).add(t)
    return duplicates, sum(len(v) for v in versions.values() if len(v) > 1)


def _counts_and_reads(folder: Path):
    m = measure(folder, Windows(), PERIOD, HOLIDAYS, bad_row_limit=100)
    return m.fragment, {r.name: r for r in m.reads}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.slow
def test_repeating_any_rows_whole_never_changes_a_count_and_every_repeat_is_reported(base, tmp_path_factory, data):
    names = data.draw(st.lists(st.sampled_from(sorted(base)), min_size=1, max_size=4, unique=True), label="extracts")
    tables = {n: [list(r) for r in rows] for n, rows in base.items()}
    added: dict[str, int] = {}
    for name in names:
        body = tables[name][1:]
        for _ in range(data.draw(st.integers(1, 4), label=f"{name} repeats")):
            row = body[data.draw(st.integers(0, len(body) - 1))]
            body.insert(data.draw(st.integers(0, len(body))), list(row))  # anywhere, even before the row it repeats
            added[name] = added.get(name, 0) + 1
        tables[name] = tables[name][:1] + body
    root = tmp_path_factory.mktemp("repeats")
    before, _ = _counts_and_reads(_write(root / "before", base))
    after, reads = _counts_and_reads(_write(root / "after", tables))
    assert after == before  # every count, every section
    for name, read in reads.items():
        expected, conflicting = _python_repeats(tables[name], BY_NAME[name].key)
        assert conflicting == 0 and read.rows_excluded == 0
        assert read.duplicates == expected == added.get(name, 0) + _python_repeats(base[name], None)[0]
        assert len(read.duplicate_rows) == min(read.duplicates, 20)
        assert all(" repeats row " in d for d in read.duplicate_rows)
        assert read.provenance().duplicates == read.duplicates
    # the national engine, reading the same rows under an organisation code, counts the same
    national = measure_national(_write(root / "national", tables, org="RX1"), Windows(), PERIOD, HOLIDAYS,
                                bad_row_limit=100)
    together = arrange(national.counts, "RX1", Windows(), national.provenance("RX1"))
    assert together.fragment == after
    for name, read in reads.items():
        assert national.reads[name].by_org["RX1"].duplicates == read.duplicates


OUTPATIENTS = ("appointment_ref,child_ref,age,appointment_date,service,attendance_code,recorded_as,reviewed_date,"
               "discharged_without_review,on_plan_or_looked_after,lead_professional_told\n")


def _missed(ref: str, day: str, told: str = "") -> str:
    return f"{ref},C1,5,{day},paediatrics,3,was_not_brought,{day},false,false,{told}\n"


def test_a_missed_appointment_repeated_whole_is_one_missed_appointment_not_two_in_a_row(tmp_path):
    rows = _missed("A1", "2025-06-02") + _missed("A2", "2025-07-01", "2025-07-01")
    once = tmp_path / "once"
    once.mkdir()
    (once / "outpatients.csv").write_text(OUTPATIENTS + rows)
    twice = tmp_path / "twice"
    twice.mkdir()
    (twice / "outpatients.csv").write_text(OUTPATIENTS + _missed("A1", "2025-06-02") + rows)
    a, _ = _counts_and_reads(once)
    b, reads = _counts_and_reads(twice)
    assert a["was_not_brought"]["escalation"]["eligible"] == 1  # A2 follows A1: a repeat
    assert b == a  # A1 twice is not "two in a row": escalation is unchanged
    assert reads["outpatients"].duplicates == 1
    assert reads["outpatients"].duplicate_rows == [f"{twice / 'outpatients.csv'} row 3 repeats row 2"]


def test_different_rows_with_one_reference_are_bad_rows_reported_and_held_to_the_limit(tmp_path):
    folder = tmp_path / "rec"
    folder.mkdir()
    # A1 twice with different dates: which is right is unknowable, so neither is counted
    (folder / "outpatients.csv").write_text(OUTPATIENTS + _missed("A1", "2025-06-02") + _missed("A1", "2025-06-09")
                                            + _missed("A1", "2025-06-02") + _missed("A3", "2025-08-01")
                                            + "".join(_missed(f"B{i}", "2025-09-01") for i in range(96)))
    counts, reads = _counts_and_reads(folder)
    read = reads["outpatients"]
    assert counts["was_not_brought"]["missed_appointments"]["total"] == 97  # A3 and the 96 B's
    assert read.duplicates == 1 and read.rows_excluded == 2
    assert read.excluded == {"appointment_ref: repeated reference": 2}
    shown = [p.render() for p in read.problems]
    assert [p.row for p in read.problems] == [2, 3]
    assert all("2 different rows have this appointment_ref" in s for s in shown)
    # two bad rows of 99 distinct rows (the duplicate is one row): over a 2% limit, not over 3%
    measure(folder, Windows(), PERIOD, HOLIDAYS, bad_row_limit=3)
    with pytest.raises(InputError, match="2 of 100 rows of outpatients are invalid"):
        measure(folder, Windows(), PERIOD, HOLIDAYS, bad_row_limit=2)


def test_an_entry_log_has_no_unique_reference_only_whole_repeats(tmp_path):
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "training.csv").write_text("staff_ref,staff_group,service,level,last_completed,appointed\n"
                                         "N1,named nurse,,4,2025-01-01,\n")
    # two different entries on one day are two entries; the same entry twice is one
    (folder / "learning_log.csv").write_text("staff_ref,date,hours\nN1,2025-03-01,3\nN1,2025-03-01,2\nN1,2025-03-01,3\n")
    counts, reads = _counts_and_reads(folder)
    assert counts["training"]["specialist_posts"][0]["learning_hours"] == 5
    assert reads["learning_log"].duplicates == 1 and reads["learning_log"].rows_excluded == 0
