"""From a folder of extracts to the return's counts, each with where it came from.

The SQL is in `counts.sql` beside this file, one named query per group of counts, so an NHS
information analyst can read and check exactly what is counted. Python only loads the extracts,
builds the working-day calendar, runs the queries with the windows in force and arranges their
results as a version 2 return fragment (every count with the window it was made with).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from collections.abc import Iterable

import duckdb

from compliance.domain.errors import InputError, Problem
from compliance.domain.records import Windows
from compliance.domain.result import Provenance
from compliance.intake.records.reader import ExtractRead, extract_files, load_extract, over_limit

SQL_FILE = Path(__file__).with_name("counts.sql")
# Return paths the extracts measure: a return used with --records leaves these out.
MEASURED_SECTIONS = (
    "was_not_brought.missed_appointments", "was_not_brought.follow_up", "was_not_brought.escalation",
    "alerts.cpis_checks", "alerts.ed_notifications", "risk_assessment.ed_screening",
    "information_sharing.referrals_to_csc", "information_sharing.conferences", "missing.episodes", "missing.return_interviews",
    "missing.from_health_settings.episodes", "missing.from_health_settings.reported_per_protocol", "missing.repeat",
    "looked_after.initial_assessments", "looked_after.review_assessments", "looked_after.health_plans",
    "training.groups", "training.board", "training.specialist_posts",
)
DEFAULT_BAD_ROW_LIMIT = 1.0  # percent of an extract's rows


@lru_cache(maxsize=1)
def queries() -> dict[str, str]:
    """The named queries of counts.sql."""
    out: dict[str, str] = {}
    for block in re.split(r"^-- name: ", SQL_FILE.read_text(), flags=re.M)[1:]:
        name, _, body = block.partition("\n")
        out[name.strip()] = body.strip().rstrip(";")
    return out


@dataclass
class Measured:
    """A version 2 return fragment measured from records, and the provenance of each section."""

    fragment: dict[str, Any]
    sections: dict[str, Provenance] = field(default_factory=dict)  # "was_not_brought.follow_up" -> provenance
    reads: list[ExtractRead] = field(default_factory=list)

    def provenance_of(self, path: str) -> Provenance | None:
        """The provenance of a path of the return, e.g. was_not_brought.follow_up.reviewed_in_time."""
        inner = path.split("[", 1)[0]
        for section, prov in self.sections.items():
            if inner == section or inner.startswith(section + "."):
                return prov
        return None


CALENDAR_SQL = """
CREATE OR REPLACE TEMP TABLE calendar AS
WITH days AS (
    SELECT CAST(d AS DATE) AS day
    FROM generate_series(CAST($first AS TIMESTAMP), CAST($last AS TIMESTAMP), INTERVAL 1 DAY) t(d)
),
flags AS (
    SELECT day, isodow(day) <= 5 AND day NOT IN (SELECT day FROM bank_holidays) AS working FROM days
),
numbered AS (
    SELECT day, working, sum(CAST(working AS INTEGER)) OVER (ORDER BY day) AS working_day_no FROM flags
)
-- due_no: a day off counts as the next working day, so
-- action.due_no - event.due_no <= N is "within N working days" as calendar.within_working_days says
SELECT day, working, working_day_no, working_day_no + CASE WHEN working THEN 0 ELSE 1 END AS due_no FROM numbered
"""


def build_calendar(con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date, holidays: Iterable[dt.date]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE bank_holidays (day DATE)")
    rows = [(d,) for d in sorted(set(holidays))]
    if rows:
        con.executemany("INSERT INTO bank_holidays VALUES (?)", rows)
    con.execute(CALENDAR_SQL, {"first": first, "last": last})


TRUST = ""  # the org_code of a trust's own extracts: one organisation

# The queries each extract feeds (learning_log's needs training too).
QUERIES: dict[str, tuple[str, ...]] = {
    "outpatients": ("missed_appointments", "follow_up", "escalation"),
    "ed_attendances": ("ed",),
    "referrals": ("referrals",),
    "cp_conferences": ("conferences",),
    "missing_episodes": ("episodes", "return_interviews", "from_health_settings", "repeat"),
    "lac_health": ("initial_assessments", "review_assessments", "health_plans"),
    "training": ("groups", "board"),
    "learning_log": ("specialist_posts",),
}


@dataclass
class Counts:
    """Every query's result rows by organisation (org_code taken out), and each query's columns: an
    organisation with no row from a query has zero of each of its counts."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)  # query -> org -> rows

    def add(self, query: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
        self.columns[query] = [c for c in columns if c != "org_code"]
        by_org = self.rows.setdefault(query, {})
        at = columns.index("org_code")
        for row in rows:
            by_org.setdefault(row[at], []).append({c: v for c, v in zip(columns, row) if c != "org_code"})

    def all(self, query: str, org: str) -> list[dict[str, Any]]:
        return self.rows.get(query, {}).get(org, [])

    def one(self, query: str, org: str) -> dict[str, Any]:
        got = self.all(query, org)
        return got[0] if got else dict.fromkeys(self.columns[query], 0)

    def organisations(self) -> set[str]:
        return {org for by_org in self.rows.values() for org in by_org}


def queries_for(extracts: Iterable[str]) -> list[str]:
    """The queries the extracts present can answer, in counts.sql's order."""
    present = set(extracts)
    wanted = {q for name in present for q in QUERIES.get(name, ())
              if name != "learning_log" or "training" in present}
    return [q for q in queries() if q in wanted]


def parameters(windows: Windows, period: tuple[dt.date, dt.date]) -> dict[str, Any]:
    return {"period_start": period[0], "period_end": period[1], **windows.model_dump()}


def used_parameters(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if re.search(r"\$" + k + r"\b", sql)}


def count(con: duckdb.DuckDBPyConnection, names: Iterable[str], params: dict[str, Any]) -> Counts:
    """Run the queries of counts.sql the loaded extracts `names` answer, on DuckDB."""
    out = Counts()
    for q in queries_for(names):
        sql = queries()[q]
        cur = con.execute(sql, used_parameters(sql, params))
        out.add(q, [d[0] for d in cur.description], cur.fetchall())
    return out


def arrange(counts: Counts, org: str, windows: Windows, provenance: dict[str, Provenance]) -> Measured:
    """One organisation's counts as a version 2 return fragment, each section with its provenance."""
    w = windows
    out: dict[str, Any] = {}
    sections: dict[str, Provenance] = {}

    def one(query: str) -> dict[str, Any]:
        return counts.one(query, org)

    def put(path: str, value: Any, extract: str) -> None:
        node = out
        *parents, last = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
        sections[path] = provenance[extract]

    if "outpatients" in provenance:
        put("was_not_brought.missed_appointments", {**one("missed_appointments"), "under_age": w.wnb_max_age}, "outpatients")
        put("was_not_brought.follow_up", {**one("follow_up"), "window_working_days": w.review_working_days}, "outpatients")
        put("was_not_brought.escalation", {**one("escalation"), "window_working_days": w.notify_working_days}, "outpatients")
    if "ed_attendances" in provenance:
        ed = one("ed")
        put("alerts.cpis_checks", {"attendances": ed["attendances"], "checked": ed["cpis_checked"]}, "ed_attendances")
        put("alerts.ed_notifications", {"attendances_under_18": ed["attendances"], "notified_in_time": ed["notified_in_time"],
                                        "window_working_days": w.ed_notify_working_days}, "ed_attendances")
        put("risk_assessment.ed_screening", {"attendances_under_18": ed["attendances"], "screened": ed["screened"]},
            "ed_attendances")
    if "referrals" in provenance:
        put("information_sharing.referrals_to_csc",
            {**one("referrals"), "referral_window_working_days": w.referral_working_days,
             "confirm_window_hours": w.written_hours}, "referrals")
    if "cp_conferences" in provenance:
        put("information_sharing.conferences", one("conferences"), "cp_conferences")
    if "missing_episodes" in provenance:
        put("missing.episodes", one("episodes"), "missing_episodes")
        put("missing.return_interviews",
            {**one("return_interviews"), "interview_window_hours": w.interview_hours,
             "health_window_working_days": w.health_told_working_days}, "missing_episodes")
        hs = one("from_health_settings")
        put("missing.from_health_settings.episodes", hs["episodes"], "missing_episodes")
        put("missing.from_health_settings.reported_per_protocol", hs["reported_per_protocol"], "missing_episodes")
        put("missing.repeat", {**one("repeat"), "min_episodes": w.repeat_episodes,
                               "within_days": w.repeat_days}, "missing_episodes")
    if "lac_health" in provenance:
        put("looked_after.initial_assessments",
            {**one("initial_assessments"), "window_working_days": w.lac_initial_working_days}, "lac_health")
        put("looked_after.review_assessments", one("review_assessments"), "lac_health")
        put("looked_after.health_plans", one("health_plans"), "lac_health")
    if "training" in provenance:
        groups = [{k: v for k, v in g.items() if v is not None} for g in counts.all("groups", org)]
        if groups:
            put("training.groups", groups, "training")
        board = one("board")
        if board["members"]:
            put("training.board", {**board, "window_months": w.board_months}, "training")
        if "learning_log" in provenance:
            posts = [{"post": p["post"], "learning_hours": round(float(p["learning_hours"]), 2),
                      "window_years": w.learning_years} for p in counts.all("specialist_posts", org)]
            if posts:
                put("training.specialist_posts", posts, "learning_log")
    return Measured(fragment=out, sections=sections)


def as_one_organisation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """A trust's extract is one organisation: its view gains the empty org_code counts.sql groups by."""
    con.execute(f"DROP VIEW IF EXISTS _trust_{name}")
    con.execute(f"ALTER VIEW {name} RENAME TO _trust_{name}")
    con.execute(f"CREATE TEMP VIEW {name} AS SELECT '{TRUST}' AS org_code, * FROM _trust_{name}")


def measure(folder: Path, windows: Windows, period: tuple[dt.date, dt.date], holidays: Iterable[dt.date],
            bad_row_limit: float = DEFAULT_BAD_ROW_LIMIT, con: duckdb.DuckDBPyConnection | None = None) -> Measured:
    """Read every extract in `folder` and count with `windows` over `period`.

    More bad rows than `bad_row_limit` percent of an extract stops the run (InputError, exit 2);
    fewer are excluded, counted by reason and carried into the provenance of every count.
    """
    start, end = period
    if not 0 <= bad_row_limit <= 100:  # also false for NaN, which would otherwise turn the limit off
        raise InputError("--bad-rows", [Problem(f"{bad_row_limit} is not a percentage from 0 to 100")])
    files = extract_files(folder)
    if con is None:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")  # never draw on the user's terminal
    build_calendar(con, start - dt.timedelta(days=400), end + dt.timedelta(days=400), holidays)
    reads: dict[str, ExtractRead] = {}
    for name, paths in files.items():
        read = load_extract(con, name, paths)
        if over_limit(read.rows_excluded, read.rows_read, read.duplicates, bad_row_limit):
            raise InputError(str(folder / name), [Problem(
                f"{read.rows_excluded} of {read.rows_read} rows of {name} are invalid, more than the limit of "
                f"{bad_row_limit:g}% (--bad-rows); first: " + "; ".join(p.render() for p in read.problems[:5]))])
        as_one_organisation(con, name)
        reads[name] = read
    counts = count(con, reads, parameters(windows, period))
    measured = arrange(counts, TRUST, windows, {name: read.provenance() for name, read in reads.items()})
    measured.reads = list(reads.values())
    return measured
