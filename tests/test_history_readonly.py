"""Reading the history store never writes: no -wal or -shm left beside it, no byte or time changed,
whatever its journal mode, schema version or permissions; a store that cannot be written is refused
for recording with a message that says so (exit 2), before SQLite creates anything beside it.

Run as root, permissions do not stop a process, so the permission cases run the CLI as an
unprivileged user (setpriv) where that is possible, and the os.access seam covers them everywhere.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from compliance.history.store import HistoryError, _connect, migrate, open_store
from history_helpers import entry
from test_history_store import V1_ROWS, V2_ROWS

READERS = [
    ("list",), ("list", "ZZA00001"), ("show", "{run}"), ("show", "{run}", "-f", "json"),
    ("trend", "ZZA00001"), ("trend", "ZZA00001", "-f", "markdown"),
    ("compare", "ZZA00001", "--from", "2023/24", "--to", "2024/25"), ("export",),
]


def state(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file in the folder: its bytes' digest and its modification time (ns)."""
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def recorded(path: Path) -> str:
    with open_store(path) as s:
        [_, rec] = s.record([entry(year=2023), entry(year=2024)])
    return rec.run_id


def old_store(path: Path, version: int) -> None:
    conn = _connect(path)
    migrate(conn, path, target=version)
    for sql in {1: V1_ROWS, 2: V2_ROWS}[version]:
        conn.execute(sql)
    conn.close()


def rollback_journal(path: Path) -> str:
    run = recorded(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return run


@pytest.mark.parametrize("make", ["wal", "rollback journal", "version 1", "version 2", "empty file"])
def test_every_reading_command_leaves_the_folder_exactly_as_it_was(tmp_path, run_cli, make):
    path = tmp_path / "h.sqlite"
    run = "r1"
    if make == "wal":
        run = recorded(path)
    elif make == "rollback journal":
        run = rollback_journal(path)
    elif make.startswith("version"):
        old_store(path, int(make[-1]))
    else:
        path.write_bytes(b"")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite"]
    before = state(tmp_path)
    for args in READERS:
        args = [a.format(run=run) for a in args]
        code, out, err = run_cli("history", *args, "--history", path)
        assert code in (0, 2), (args, err)
        assert "Traceback" not in err
        if make in ("wal", "rollback journal"):
            assert code == 0, (args, err)
        if code == 2:
            assert str(path) in err and "no " in err, (args, err)  # e.g. "no recorded periods", not a failure to read
        assert state(tmp_path) == before, args


def test_an_older_store_read_only_is_migrated_in_memory_and_reads_its_runs(tmp_path):
    for version in (1, 2):
        path = tmp_path / f"v{version}.sqlite"
        old_store(path, version)
        before = path.read_bytes()
        with open_store(path, create=False, readonly=True) as s:
            [old] = s.history()["ZZA00001"]
            assert old.period == "2023/24" and old.findings[0].outcome.value == "not_met"
        assert path.read_bytes() == before
        assert sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("PRAGMA user_version").fetchone()[0] == version


def test_a_reader_beside_a_writer_sees_what_it_committed_and_adds_no_file(tmp_path):
    path = tmp_path / "h.sqlite"
    recorded(path)
    writer = open_store(path)
    try:
        writer.record([entry(year=2025)])  # committed to the -wal, not yet checkpointed into the file
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == ["h.sqlite", "h.sqlite-shm", "h.sqlite-wal"]
        with open_store(path, create=False, readonly=True) as s:
            assert [p.period for p in s.periods()] == ["2023/24", "2024/25", "2025/26"]
        assert sorted(p.name for p in tmp_path.iterdir()) == names
    finally:
        writer.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite"]  # the writer's close still tidies up


@pytest.mark.parametrize("denied", ["file", "folder"])
def test_recording_into_a_store_that_cannot_be_written_is_refused_before_anything_is_created(tmp_path, monkeypatch,
                                                                                             denied):
    path = tmp_path / "h.sqlite"
    recorded(path)
    before = state(tmp_path)
    real = os.access
    target = path if denied == "file" else tmp_path
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if (Path(p) == target and mode & os.W_OK)
                        else real(p, mode, *a, **k))
    with pytest.raises(HistoryError) as e:
        open_store(path)
    text = str(e.value)
    assert str(path) in text and "cannot write to the history store" in text and f"{denied} is read-only" in text
    assert state(tmp_path) == before
    with open_store(path, create=False, readonly=True) as s:  # and reading it still works
        assert len(s.periods()) == 2
    assert state(tmp_path) == before


def _unprivileged() -> list[str] | None:
    """A command prefix that runs as a user permissions apply to, or None when there is none."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] if setpriv else None


def test_a_read_only_store_in_a_read_only_folder_reads_and_refuses_to_record_as_a_real_user():
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip("no way to drop root's privileges here (setpriv)")
    folder = Path(tempfile.mkdtemp(prefix="sg-ro-"))
    try:
        path = folder / "h.sqlite"
        recorded(path)
        path.chmod(0o444)
        folder.chmod(0o555)
        before = state(folder)
        env = {**os.environ, "HOME": str(folder), "XDG_CACHE_HOME": str(folder / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}

        def cli(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([*prefix, sys.executable, "-m", "compliance", *args], capture_output=True,
                                  text=True, env=env, cwd=folder, timeout=120)

        listed = cli("history", "list", "--history", str(path))
        if "Permission denied" in listed.stderr and "python" in listed.stderr.lower():
            pytest.skip("the unprivileged user cannot run this interpreter")
        assert listed.returncode == 0, listed.stderr
        assert "ZZA00001" in listed.stdout and "2024/25" in listed.stdout
        assert state(folder) == before
        pruned = cli("history", "prune", "--keep", "1", "--history", str(path))
        assert pruned.returncode == 2 and "Traceback" not in pruned.stderr, pruned.stderr
        assert "cannot write to the history store" in pruned.stderr and str(path) in pruned.stderr
        assert state(folder) == before
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)
