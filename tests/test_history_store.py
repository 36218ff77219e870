"""The history store: idempotent, transactional, shared between processes, migrated, and never
writes over a file that is not its own."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from compliance.history.store import MIGRATIONS, SCHEMA_VERSION, HistoryError, _connect, migrate, open_store
from history_helpers import entry, finding

TESTS = Path(__file__).resolve().parent


def test_record_and_read_back(tmp_path):
    with open_store(tmp_path / "h.sqlite") as s:
        e = entry()
        [rec] = s.record([e])
        assert rec.new and rec.period == "2024/25"
        [back] = s.history()["ZZA00001"]
        assert back.model_dump() == e.model_copy(update={"findings": sorted(e.findings, key=lambda f: f.rule_id)}).model_dump()


def test_recording_the_same_input_rules_and_profile_twice_is_idempotent(tmp_path):
    with open_store(tmp_path / "h.sqlite") as s:
        first = s.record([entry()])
        second = s.record([entry(recorded_at="2026-02-02T00:00:00+00:00")])
        assert first[0].run_id == second[0].run_id and not second[0].new
        assert s.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        assert s.conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 2


def test_the_latest_run_of_a_period_is_current_and_the_others_are_revisions(tmp_path):
    with open_store(tmp_path / "h.sqlite") as s:
        a, b = entry(salt="a"), entry(salt="b", findings=[finding("ZZA00001", "TRN-001", "not_met", value=50)])
        s.record([a])
        s.record([b])
        [row] = s.periods("ZZA00001")
        assert row.current_run == b.run_id and row.runs == 2
        assert [r for r, _, _ in s.revisions(a.run_id)] == [b.run_id, a.run_id]
        assert s.history()["ZZA00001"][0].run_id == b.run_id
        s.record([a])  # re-recording an earlier run makes it current again, without a copy
        assert s.periods("ZZA00001")[0].current_run == a.run_id and s.periods("ZZA00001")[0].runs == 2


def test_prune_keeps_the_latest_periods_of_each_organisation(tmp_path):
    with open_store(tmp_path / "h.sqlite") as s:
        s.record([entry(year=y, org=o) for y in (2022, 2023, 2024) for o in ("ZZA00001", "ZZA00002")])
        s.record([entry(year=2024, salt="rev")])
        assert s.prune(2) == 2
        assert [p.period for p in s.periods("ZZA00001")] == ["2023/24", "2024/25"]
        assert s.periods("ZZA00001")[1].runs == 2
        assert s.conn.execute("SELECT count(*) FROM findings WHERE run_id NOT IN (SELECT id FROM runs)").fetchone()[0] == 0


def test_prune_gives_the_space_back(tmp_path):
    path = tmp_path / "h.sqlite"
    with open_store(path) as s:
        s.record([entry(year=y, org=f"ZZA{n:05d}") for y in range(2000, 2025) for n in range(20)])
    before = path.stat().st_size
    with open_store(path) as s:
        assert s.prune(1) == 24 * 20
    assert path.stat().st_size < before / 4


# --- migrations: a file from every earlier schema version opens and keeps its data --------------

V1_ROWS = [
    "INSERT INTO runs VALUES ('r1', '2025-01-01T00:00:00+00:00', '0.0.9', 'rules', NULL, 'in', 'a.json', 'ZZA00001', "
    "'Old Trust', '2023-04-01', '2024-03-31')",
    "INSERT INTO findings VALUES ('r1', 'TRN-001', 'not_met', 'high')",
]
V2_ROWS = V1_ROWS[:1] + [
    "INSERT INTO findings (run_id, rule_id, outcome, severity, title, area, evidence, parameters, fingerprint) "
    "VALUES ('r1', 'TRN-001', 'not_met', 'high', 'Training', 'training', '{\"coverage\": 70}', '{\"threshold\": 90}', 'fp')",
]

V3_ROWS = [V1_ROWS[0].replace("'2024-03-31')", "'2024-03-31', 'acute', 1)"),
           "INSERT INTO findings (run_id, rule_id, outcome, severity, title, area, evidence, parameters, fingerprint, "
           "threshold) VALUES ('r1', 'TRN-001', 'not_met', 'high', 'Training', 'training', '{\"coverage\": 70}', "
           "'{\"threshold\": 90}', 'fp', NULL)"]


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_a_store_from_every_earlier_version_is_migrated_on_open(tmp_path, version):
    path = tmp_path / "old.sqlite"
    conn = _connect(path)
    migrate(conn, path, target=version)
    for sql in {0: [], 1: V1_ROWS, 2: V2_ROWS, 3: V3_ROWS}[version]:
        conn.execute(sql)
    conn.close()
    assert len(MIGRATIONS) == 4, "a new schema version needs its own rows above"
    with open_store(path) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        if version:
            [old] = s.history()["ZZA00001"]
            assert old.period == "2023/24" and old.findings[0].outcome.value == "not_met" and old.findings[0].fingerprint
            if version >= 2:
                assert old.findings[0].values == {"coverage": 70}
            # version 4: every finding filed under its stable key (organisation and requirement), no plan yet
            from compliance.domain.actions import finding_key

            assert old.findings[0].finding_key == finding_key("zza00001", "TRN-001") and old.actions == []
        s.record([entry()])  # and the migrated store takes new runs
        assert len(s.history()["ZZA00001"]) == (2 if version else 1)


# --- files that are not ours ---------------------------------------------------------------------


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE accounts (id INTEGER)")
    conn.commit()
    conn.close()


def _corrupt(path: Path) -> None:
    with open_store(path) as s:
        s.record([entry(year=y) for y in range(2000, 2030)])
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_text("name,score\nA,1\n"), "not an SQLite database"),
    (_foreign_sqlite, "not a safeguard history store"),
    (_corrupt, "cannot be read"),
])
def test_a_foreign_or_corrupt_file_is_refused_and_left_untouched(tmp_path, make, words):
    path = tmp_path / "h.sqlite"
    make(path)
    before = path.read_bytes()
    with pytest.raises(HistoryError) as e:
        s = open_store(path)
        s.history()  # damage may only show when pages are read
    assert words in str(e.value) and str(path) in str(e.value)
    assert path.read_bytes() == before


def test_a_store_from_a_newer_safeguard_is_refused(tmp_path):
    path = tmp_path / "h.sqlite"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(HistoryError, match="newer"):
        open_store(path)


# --- processes ------------------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from compliance.history.store import open_store
    from history_helpers import entry

    path, tag, n, pause = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4] == "pause"

    def runs():
        for i in range(n):
            if pause and i == n // 2:
                Path(str(path) + ".halfway").write_text("x")
                time.sleep(600)  # killed here, mid-transaction
            yield entry(org=f"{{tag}}{{i:05d}}")

    with open_store(path) as s:
        s.record(runs())
""")


def _writer(path: Path, tag: str, n: int, pause: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER.format(tests=str(TESTS)), str(path), tag, str(n),
                             "pause" if pause else "go"])


def test_a_run_killed_mid_write_leaves_the_store_as_it_was(tmp_path):
    path = tmp_path / "h.sqlite"
    with open_store(path) as s:
        s.record([entry(org="ZZKEEP")])
    p = _writer(path, "ZZX", 400, pause=True)
    deadline = time.monotonic() + 60
    while not Path(str(path) + ".halfway").exists():
        assert p.poll() is None and time.monotonic() < deadline, "writer did not reach the middle"
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    with open_store(path) as s:
        assert list(s.history()) == ["ZZKEEP"]
        assert s.conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 2
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_two_processes_recording_at_once_both_land(tmp_path):
    path = tmp_path / "h.sqlite"
    writers = [_writer(path, tag, 300) for tag in ("ZZA", "ZZB")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    with open_store(path) as s:
        orgs = s.history()
        assert len(orgs) == 600
        assert {o[:3] for o in orgs} == {"ZZA", "ZZB"}


def test_a_trend_shows_a_period_that_did_not_assess_a_rule_as_not_assessed():
    """A rule added after the first period: its earlier cell is empty, not an internal error."""
    from compliance.history.trends import trend

    org = "ZZA00001"
    runs = [entry(org, 2023, findings=[finding(org, "TRN-001")]),
            entry(org, 2024, findings=[finding(org, "TRN-001"), finding(org, "GOV-001", outcome="not_met")])]
    rows = {r.rule_id: r.cells for r in trend(runs).rows}
    assert [c.outcome for c in rows["GOV-001"]] == [None, "not_met"]
    assert [c.outcome for c in rows["TRN-001"]] == ["met", "met"]
