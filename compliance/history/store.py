"""The history store: one SQLite file (stdlib sqlite3), safe to share between processes.

Why it is built this way:
- Every write is one transaction (BEGIN IMMEDIATE ... COMMIT): a run killed half-way leaves the
  file exactly as it was, and a whole screening lands or none of it does.
- WAL journal and a busy timeout: two processes recording at once both land, one after the other,
  and readers are never blocked by a writer.
- The schema is versioned (PRAGMA user_version) and migrated on open, in the same transaction, so
  a file written by any earlier version opens; a file from a newer version is refused, not damaged.
- A file that is not ours (another SQLite database, or not a database at all) is refused with exit
  2 and never written to: the application_id pragma marks our files.
- Reading never writes (`open_store(..., readonly=True)`, every command that only reads): the file is
  opened read-only, as `immutable` when no other connection has it open (no -wal beside a WAL file),
  so nothing is created beside it (SQLite's read-only mode would leave -wal and -shm files, and
  cannot open a WAL file in a read-only folder at all); an older schema is migrated in a private copy
  in memory; a shared store on a read-only mount or a file the user may only read is read as it is.
- Periods, not runs, are what users ask about: the current run of an organisation's period is the
  one recorded last (highest `seq`); the others are its revisions.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from compliance.domain.errors import Problem, UserError
from compliance.domain.outcomes import ACTION_STATUS_LABELS, Outcome, Severity
from compliance.domain.actions import finding_key
from compliance.history.entries import ActionEntry, FindingEntry, RunEntry, ThresholdEntry, fingerprint, period_label

APPLICATION_ID = 0x53474844  # "SGHD"
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 60.0
ENV = "SAFEGUARD_HISTORY"


class HistoryError(UserError):
    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(file, problems, kind="history store")


def default_path() -> Path:
    """$SAFEGUARD_HISTORY, else the user data directory (XDG_DATA_HOME or ~/.local/share)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "safeguard" / "history.sqlite"


def _fingerprints_v2(conn: sqlite3.Connection) -> None:
    """Version 1 kept no evidence: fingerprint its findings from what it did keep."""
    rows = conn.execute("SELECT f.run_id, f.rule_id, f.outcome, f.severity, r.org_id FROM findings f "
                        "JOIN runs r ON r.id = f.run_id").fetchall()
    conn.executemany("UPDATE findings SET fingerprint = ? WHERE run_id = ? AND rule_id = ?",
                     [(fingerprint(org, rule, o, s, {}, {}), run, rule) for run, rule, o, s, org in rows])


def _finding_keys_v4(conn: sqlite3.Connection) -> None:
    """Every recorded finding gets its stable key (organisation and requirement), which actions are filed under."""
    rows = conn.execute("SELECT f.run_id, f.rule_id, r.org_id FROM findings f JOIN runs r ON r.id = f.run_id").fetchall()
    conn.executemany("UPDATE findings SET finding_key = ? WHERE run_id = ? AND rule_id = ?",
                     [(finding_key(org, rule), run, rule) for run, rule, org in rows])


# Each step takes the schema from the version before it to its own; never edit a released step.
MIGRATIONS: list[list[str | Callable[[sqlite3.Connection], None]]] = [
    [  # 1: runs and their findings' outcomes
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY, recorded_at TEXT NOT NULL, tool_version TEXT NOT NULL,
            rules_sha256 TEXT NOT NULL, profile_sha256 TEXT, input_sha256 TEXT NOT NULL, input_path TEXT NOT NULL,
            org_id TEXT NOT NULL, org_name TEXT NOT NULL, period_start TEXT NOT NULL, period_end TEXT NOT NULL)""",
        """CREATE TABLE findings (
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, rule_id TEXT NOT NULL,
            outcome TEXT NOT NULL, severity TEXT NOT NULL, PRIMARY KEY (run_id, rule_id)) WITHOUT ROWID""",
    ],
    [  # 2: key evidence values, thresholds and a fingerprint per finding
        "ALTER TABLE findings ADD COLUMN title TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE findings ADD COLUMN area TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE findings ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE findings ADD COLUMN parameters TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE findings ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''",
        _fingerprints_v2,
    ],
    [  # 3: periods as the unit (organisation type, revision order, lookups by organisation and period),
       #    and the value each finding was judged on against its threshold
        "ALTER TABLE runs ADD COLUMN org_type TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE runs ADD COLUMN seq INTEGER NOT NULL DEFAULT 0",
        "UPDATE runs SET seq = rowid",
        "ALTER TABLE findings ADD COLUMN threshold TEXT",
        "CREATE INDEX runs_by_period ON runs (org_id, period_start, period_end, seq)",
    ],
    [  # 4: the action plan, per run, each action filed under its finding's stable key (organisation and
       #    requirement, whatever the wording), so it is followed from one year to the next
        "ALTER TABLE findings ADD COLUMN finding_key TEXT NOT NULL DEFAULT ''",
        _finding_keys_v4,
        """CREATE TABLE actions (
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, n INTEGER NOT NULL,
            finding_key TEXT NOT NULL, rule_id TEXT NOT NULL, action TEXT NOT NULL, owner TEXT, due TEXT,
            status TEXT NOT NULL, progress TEXT, since TEXT, change TEXT, PRIMARY KEY (run_id, n)) WITHOUT ROWID""",
        "CREATE INDEX actions_by_key ON actions (finding_key)",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Recorded:
    run_id: str
    org_id: str
    period: str
    new: bool  # False: the same input, rules and profile were already recorded (made current again)


@dataclass(frozen=True)
class PeriodRow:
    org_id: str
    org_name: str
    period_start: dt.date
    period_end: dt.date
    current_run: str
    recorded_at: str
    runs: int  # current plus revisions

    @property
    def period(self) -> str:
        return period_label(self.period_start, self.period_end)


def _is_foreign(conn: sqlite3.Connection) -> bool:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id == APPLICATION_ID:
        return False
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return app_id != 0 or tables > 0


class Store:
    """Open with `open_store`; use as a context manager so the connection is closed."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path, self.conn = path, conn

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """A damaged file found mid-way is still the user's file problem (exit 2), not a bug."""
        try:
            yield
        except sqlite3.DatabaseError as e:
            raise HistoryError(str(self.path), [Problem(f"cannot read the history store ({e}); it was left "
                                                        "untouched (restore it from a backup)")]) from None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._guard():
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                if _cannot_write(self.path, e):
                    raise _refuse_write(self.path, f"{e} (the file or its folder is read-only)") from None
                raise
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # --- writing ----------------------------------------------------------------------------------

    def record(self, entries: Iterable[RunEntry]) -> list[Recorded]:
        """All of `entries` in one transaction. A run already stored is not stored again, only made current."""
        out: list[Recorded] = []
        with self.transaction() as c:
            seq = c.execute("SELECT coalesce(max(seq), 0) FROM runs").fetchone()[0]
            for e in entries:
                seq += 1
                exists = c.execute("UPDATE runs SET seq = ? WHERE id = ?", (seq, e.run_id)).rowcount > 0
                if not exists:
                    c.execute("INSERT INTO runs (id, recorded_at, tool_version, rules_sha256, profile_sha256, input_sha256, "
                              "input_path, org_id, org_name, period_start, period_end, org_type, seq) "
                              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              (e.run_id, e.recorded_at, e.tool_version, e.rules_sha256, e.profile_sha256, e.input_sha256,
                               e.input_path, e.org_id, e.org_name, e.period_start.isoformat(), e.period_end.isoformat(),
                               e.org_type, seq))
                    c.executemany("INSERT INTO findings (run_id, rule_id, outcome, severity, title, area, evidence, "
                                  "parameters, fingerprint, threshold, finding_key) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                                  [(e.run_id, f.rule_id, f.outcome.value, f.severity.value, f.title, f.area,
                                    json.dumps(f.values, sort_keys=True), json.dumps(f.parameters, sort_keys=True),
                                    f.fingerprint, None if f.threshold is None else f.threshold.model_dump_json(),
                                    f.finding_key)
                                   for f in e.findings])
                # the plan as worked out this time (carried actions depend on what was recorded before)
                c.execute("DELETE FROM actions WHERE run_id = ?", (e.run_id,))
                c.executemany("INSERT INTO actions (run_id, n, finding_key, rule_id, action, owner, due, status, "
                              "progress, since, change) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                              [(e.run_id, n, a.finding_key or finding_key(e.org_id, a.rule_id), a.rule_id, a.action,
                                a.owner, None if a.due is None else a.due.isoformat(), a.status, a.progress, a.since,
                                a.change) for n, a in enumerate(e.actions)])
                out.append(Recorded(e.run_id, e.org_id, e.period, new=not exists))
        return out

    def prune(self, keep: int) -> int:
        """Keep each organisation's `keep` latest periods (with their revisions); returns runs deleted."""
        with self.transaction() as c:
            doomed = [r[0] for r in c.execute(
                "SELECT r.id FROM runs r JOIN (SELECT org_id, period_start, period_end, DENSE_RANK() OVER "
                "(PARTITION BY org_id ORDER BY period_end DESC, period_start DESC) AS n FROM runs "
                "GROUP BY org_id, period_start, period_end) p USING (org_id, period_start, period_end) WHERE p.n > ?",
                (keep,))]
            c.executemany("DELETE FROM findings WHERE run_id = ?", [(d,) for d in doomed])
            c.executemany("DELETE FROM actions WHERE run_id = ?", [(d,) for d in doomed])
            c.executemany("DELETE FROM runs WHERE id = ?", [(d,) for d in doomed])
        if doomed:  # give the space back: a pruned store is one that was too big
            with self._guard():
                self.conn.execute("VACUUM")
        return len(doomed)

    # --- reading ----------------------------------------------------------------------------------

    _RUN_COLUMNS = ("id, recorded_at, tool_version, rules_sha256, profile_sha256, input_sha256, input_path, org_id, "
                    "org_name, org_type, period_start, period_end")
    _CURRENT = "seq = (SELECT max(seq) FROM runs x WHERE x.org_id = runs.org_id AND x.period_start = runs.period_start " \
               "AND x.period_end = runs.period_end)"

    def periods(self, org_id: str | None = None) -> list[PeriodRow]:
        """Every organisation's periods (or one's), oldest first, each with its current run."""
        sql = ("SELECT org_id, period_start, period_end, count(*), max(seq) FROM runs "
               + ("WHERE org_id = ? " if org_id else "") + "GROUP BY org_id, period_start, period_end "
               "ORDER BY org_id, period_end, period_start")
        with self._guard():
            groups = self.conn.execute(sql, (org_id,) if org_id else ()).fetchall()
            current = {r[0]: r for r in self.conn.execute(
                "SELECT seq, id, org_name, recorded_at FROM runs WHERE " + self._CURRENT
                + (" AND org_id = ?" if org_id else ""), (org_id,) if org_id else ())}
        with self._reading():
            return [PeriodRow(org, current[seq][2], dt.date.fromisoformat(s), dt.date.fromisoformat(e), current[seq][1],
                              current[seq][3], n) for org, s, e, n, seq in groups]

    def revisions(self, run_id: str) -> list[tuple[str, str, bool]]:
        """(run id, recorded at, is current) for every run of the same organisation and period, latest first."""
        with self._guard():
            rows = self.conn.execute(
                "SELECT b.id, b.recorded_at, b.seq FROM runs a JOIN runs b ON a.org_id = b.org_id AND "
                "a.period_start = b.period_start AND a.period_end = b.period_end WHERE a.id = ? ORDER BY b.seq DESC",
                (run_id,)).fetchall()
        return [(r, at, i == 0) for i, (r, at, _) in enumerate(rows)]

    def run(self, run_id: str) -> RunEntry | None:
        """A run by id, or by a unique prefix of at least 6 characters (as people copy them)."""
        with self._guard():
            # A prefix compared as text, never a LIKE pattern: "%%%%%%" or "______" matches nothing.
            rows = self.conn.execute(f"SELECT {self._RUN_COLUMNS} FROM runs WHERE id = ? OR "
                                     "(length(?) >= 6 AND substr(id, 1, length(?)) = ?)",
                                     (run_id, run_id, run_id, run_id)).fetchall()
            if len(rows) != 1:
                return None
            return self._entries(rows)[0]

    def spelling(self, org_id: str) -> str | None:
        """The organisation code as recorded, matched without regard to case ('rxn01' finds RXN01)."""
        with self._guard():
            row = self.conn.execute("SELECT org_id FROM runs WHERE org_id = ? COLLATE NOCASE ORDER BY seq DESC LIMIT 1",
                                    (org_id,)).fetchone()
        return None if row is None else row[0]

    def history(self, org_ids: Iterable[str] | None = None) -> dict[str, list[RunEntry]]:
        """Each organisation's current run per period, oldest first: the data of trends and comparisons."""
        ids = None if org_ids is None else list(dict.fromkeys(org_ids))
        with self._guard():
            if ids is None:
                rows = self.conn.execute(f"SELECT {self._RUN_COLUMNS} FROM runs WHERE {self._CURRENT}").fetchall()
            else:
                rows = []
                for i in range(0, len(ids), 500):
                    part = ids[i:i + 500]
                    rows += self.conn.execute(f"SELECT {self._RUN_COLUMNS} FROM runs WHERE org_id IN "
                                              f"({','.join('?' * len(part))}) AND {self._CURRENT}", part).fetchall()
            entries = self._entries(rows)
        out: dict[str, list[RunEntry]] = defaultdict(list)
        for e in sorted(entries, key=lambda e: (e.org_id, e.period_end, e.period_start)):
            out[e.org_id].append(e)
        return dict(out)

    def export(self) -> Iterator[RunEntry]:
        """Every run (revisions too), organisation and period order, oldest revision first."""
        with self._guard():
            rows = self.conn.execute(f"SELECT {self._RUN_COLUMNS} FROM runs ORDER BY org_id, period_end, period_start, seq").fetchall()
        for i in range(0, len(rows), 500):
            yield from self._entries(rows[i:i + 500])

    def _entries(self, rows: list[tuple]) -> list[RunEntry]:
        """The runs of `rows` with their findings; a damaged store (pages, or values no version of
        safeguard wrote: an unknown outcome, a date or JSON that does not parse) is the user's file
        problem, named, never an internal error."""
        with self._reading():
            return self._build_entries(rows)

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Rows made into values: one no version of safeguard wrote is a damaged file, not a bug."""
        try:
            with self._guard():
                yield
        except (KeyError, ValueError, TypeError) as e:
            raise HistoryError(str(self.path), [Problem(
                f"a run in the history store is damaged ({type(e).__name__}); it was left untouched (restore it "
                "from a backup, or `safeguard history prune` the periods you no longer need)")]) from None

    def _build_entries(self, rows: list[tuple]) -> list[RunEntry]:
        if not rows:
            return []
        findings: dict[str, list[FindingEntry]] = defaultdict(list)
        actions: dict[str, list[ActionEntry]] = defaultdict(list)
        ids = [r[0] for r in rows]
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ','.join('?' * len(part))
            for run, rule, o, s, title, area, ev, params, fp, th, key in self.conn.execute(
                    "SELECT run_id, rule_id, outcome, severity, title, area, evidence, parameters, fingerprint, threshold, "
                    f"finding_key FROM findings WHERE run_id IN ({marks}) ORDER BY run_id, rule_id", part):
                findings[run].append(FindingEntry.model_construct(
                    rule_id=rule, finding_key=key, title=title, area=area, outcome=_OUTCOMES[o], severity=_SEVERITIES[s],
                    values=_json(ev), parameters=_json(params), fingerprint=fp,
                    threshold=None if th is None else ThresholdEntry.model_construct(**json.loads(th))))
            for run, key, rule, text, owner, due, status, progress, since, change in self.conn.execute(
                    "SELECT run_id, finding_key, rule_id, action, owner, due, status, progress, since, change FROM actions "
                    f"WHERE run_id IN ({marks}) ORDER BY run_id, n", part):
                if status not in ACTION_STATUS_LABELS:
                    raise ValueError(f"unknown action status {status!r}")
                actions[run].append(ActionEntry.model_construct(
                    finding_key=key, rule_id=rule, action=text, owner=owner,
                    due=None if due is None else dt.date.fromisoformat(due), status=status, progress=progress,
                    since=since, change=change))
        return [RunEntry.model_construct(
            run_id=r[0], recorded_at=r[1], tool_version=r[2], rules_sha256=r[3], profile_sha256=r[4], input_sha256=r[5],
            input_path=r[6], org_id=r[7], org_name=r[8], org_type=r[9], period_start=dt.date.fromisoformat(r[10]),
            period_end=dt.date.fromisoformat(r[11]), findings=findings.get(r[0], []), actions=actions.get(r[0], []))
            for r in rows]


_OUTCOMES = {o.value: o for o in Outcome}
_SEVERITIES = {s.value: s for s in Severity}


def _json(text: str) -> dict:
    return {} if text == "{}" else json.loads(text)


def _refuse(path: Path, why: str) -> HistoryError:
    return HistoryError(str(path), [Problem(f"{why}; it was left untouched (give another file with --history "
                                            f"or ${ENV})")])


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return conn


def _set_wal(conn: sqlite3.Connection) -> None:
    """Switching a new file to WAL takes an exclusive lock for which SQLite may answer "database is
    locked" at once, without waiting out the busy timeout, when another process opens it at the same
    moment (seen with two `assess --record` starting together): retry until the timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _version(conn: sqlite3.Connection, path: Path) -> int:
    """The store's schema version; a foreign database or a newer store is refused."""
    if _is_foreign(conn):
        raise _refuse(path, "this is an SQLite database, but not a safeguard history store")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise _refuse(path, f"the history store has schema version {version}, newer than this safeguard "
                            f"understands ({SCHEMA_VERSION}): upgrade safeguard")
    return int(version)


def migrate(conn: sqlite3.Connection, path: Path, target: int = SCHEMA_VERSION) -> None:
    """Bring the schema to `target` in one transaction; nothing else writes while it runs."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn, path)
        for step in range(version, target):
            for statement in MIGRATIONS[step]:
                statement(conn) if callable(statement) else conn.execute(statement)
        if version < target:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {target}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


_WRITE_REFUSED = (8, 14, 3)  # SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM (primary result codes)


def _cannot_write(path: Path, e: sqlite3.Error) -> bool:
    return (getattr(e, "sqlite_errorcode", 0) & 0xFF) in _WRITE_REFUSED


def _refuse_write(path: Path, why: str) -> HistoryError:
    return HistoryError(str(path), [Problem(
        f"cannot write to the history store: {why}; it was left untouched (reading it still works; to record, "
        f"give a file you can write with --history or ${ENV})")])


def _writable(path: Path) -> str | None:
    """Why an existing store cannot be written, before SQLite tries (a read-only connection that it
    falls back to silently would leave -wal and -shm files behind and fail only at the first write)."""
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(path.parent, os.W_OK):  # SQLite writes its journal beside the file
        return "its folder is read-only"
    return None


def _open_readonly(path: Path) -> Store:
    """The store opened so that nothing is written to it or beside it (see the module's docstring).

    A WAL file with no -wal beside it is closed by every writer, so the file alone is the whole store
    and `immutable` reads it without locks or side files. Otherwise (a writer has it open, or a rollback
    journal file) `mode=ro` shares the side files that already exist and creates none of its own.
    """
    with open(path, "rb") as f:
        header = f.read(100)
    wal = len(header) == 100 and header[18] == 2
    busy = any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal"))
    query = "immutable=1" if wal and not busy else "mode=ro"
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?{query}", uri=True, isolation_level=None,
                               timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    except sqlite3.Error as e:
        raise HistoryError(str(path), [Problem(f"cannot open the history store to read it: {e}")]) from None
    try:
        version = _version(conn, path)
        if version < SCHEMA_VERSION:  # an older store: read through a migrated private copy
            copy = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            conn.backup(copy)
            conn.close()
            conn = copy
            migrate(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as e:
        conn.close()
        raise _refuse(path, f"the history store cannot be read ({e}){_READ_ONLY_HINT if busy else ''}") from None
    except BaseException:
        conn.close()
        raise
    return Store(path, conn)


_READ_ONLY_HINT = ("; a run being recorded into it, or one interrupted, left files beside it that a reader in a "
                   "read-only folder cannot share: read it where its folder can be written, or a copy of it")


def open_store(path: Path | None = None, create: bool = True, readonly: bool = False) -> Store | None:
    """The store at `path` (default: `default_path()`), migrated; None when it does not exist and not `create`.
    `readonly`: for reading only; nothing is written to the file or beside it."""
    path = Path(path) if path is not None else default_path()
    if path.is_dir():
        raise _refuse(path, "this is a folder, not a history file")
    if path.exists() and not path.is_file():  # SQLite would open a FIFO or a device and write beside it
        raise _refuse(path, "this is a pipe, device or socket, not a history file")
    if not path.exists():
        if not create or readonly:
            return None
        if not path.parent.is_dir():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise HistoryError(str(path), [Problem(f"cannot create its folder: {e.strerror}")]) from None
    elif path.stat().st_size > 0:
        with open(path, "rb") as f:
            if f.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                raise _refuse(path, "this file is not a safeguard history store (not an SQLite database)")
    if readonly:
        return _open_readonly(path)
    if path.exists() and (why := _writable(path)) is not None:
        raise _refuse_write(path, why)
    try:
        conn = _connect(path)
    except sqlite3.Error as e:
        raise HistoryError(str(path), [Problem(f"cannot open the history store: {e}")]) from None
    try:
        if _is_foreign(conn):  # before any pragma that writes
            raise _refuse(path, "this is an SQLite database, but not a safeguard history store")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:  # before the switch to WAL, which writes: a newer store is left as it was
            raise _refuse(path, f"the history store has schema version {version}, newer than this safeguard "
                                f"understands ({SCHEMA_VERSION}): upgrade safeguard")
        _set_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, path)
    except sqlite3.DatabaseError as e:
        conn.close()
        if _cannot_write(path, e):
            raise _refuse_write(path, f"{e} (the file or its folder is read-only)") from None
        raise _refuse(path, f"the history store cannot be read ({e})") from None
    except BaseException:
        conn.close()
        raise
    return Store(path, conn)
