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
from typing import Any, Iterable

import duckdb

from compliance.domain.errors import InputError, Problem
from compliance.domain.records import Windows
from compliance.domain.result import Provenance
from compliance.intake.records.reader import ExtractRead, extract_files, load_extract

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
SELECT day, working, working_day_no FROM numbered
"""


def build_calendar(con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date, holidays: Iterable[dt.date]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE bank_holidays (day DATE)")
    rows = [(d,) for d in sorted(set(holidays))]
    if rows:
        con.executemany("INSERT INTO bank_holidays VALUES (?)", rows)
    con.execute(CALENDAR_SQL, {"first": first, "last": last})


def _run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    sql = queries()[name]
    used = {k: v for k, v in params.items() if re.search(r"\$" + k + r"\b", sql)}
    cur = con.execute(sql, used)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _one(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> dict[str, Any]:
    return _run(con, name, params)[0]


def measure(folder: Path, windows: Windows, period: tuple[dt.date, dt.date], holidays: Iterable[dt.date],
            bad_row_limit: float = DEFAULT_BAD_ROW_LIMIT, con: duckdb.DuckDBPyConnection | None = None) -> Measured:
    """Read every extract in `folder` and count with `windows` over `period`.

    More bad rows than `bad_row_limit` percent of an extract stops the run (InputError, exit 2);
    fewer are excluded, counted by reason and carried into the provenance of every count.
    """
    start, end = period
    files = extract_files(folder)
    if con is None:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")  # never draw on the user's terminal
    build_calendar(con, start - dt.timedelta(days=400), end + dt.timedelta(days=400), holidays)
    reads: dict[str, ExtractRead] = {}
    for name, paths in files.items():
        read = load_extract(con, name, paths)
        limit = read.rows_read * bad_row_limit / 100
        if read.rows_excluded > limit:
            raise InputError(str(folder / name), [Problem(
                f"{read.rows_excluded} of {read.rows_read} rows of {name} are invalid, more than the limit of "
                f"{bad_row_limit:g}% (--bad-rows); first: " + "; ".join(p.render() for p in read.problems[:5]))])
        reads[name] = read
    params = {"period_start": start, "period_end": end, **windows.model_dump()}
    w = windows
    out: dict[str, Any] = {}
    sections: dict[str, Provenance] = {}

    def put(path: str, value: Any, extract: str) -> None:
        node = out
        *parents, last = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
        sections[path] = reads[extract].provenance()

    if "outpatients" in reads:
        put("was_not_brought.missed_appointments",
            {**_one(con, "missed_appointments", params), "under_age": w.wnb_max_age}, "outpatients")
        put("was_not_brought.follow_up",
            {**_one(con, "follow_up", params), "window_working_days": w.review_working_days}, "outpatients")
        put("was_not_brought.escalation",
            {**_one(con, "escalation", params), "window_working_days": w.notify_working_days}, "outpatients")
    if "ed_attendances" in reads:
        ed = _one(con, "ed", params)
        put("alerts.cpis_checks", {"attendances": ed["attendances"], "checked": ed["cpis_checked"]}, "ed_attendances")
        put("alerts.ed_notifications", {"attendances_under_18": ed["attendances"], "notified_in_time": ed["notified_in_time"],
                                        "window_working_days": w.ed_notify_working_days}, "ed_attendances")
        put("risk_assessment.ed_screening", {"attendances_under_18": ed["attendances"], "screened": ed["screened"]},
            "ed_attendances")
    if "referrals" in reads:
        put("information_sharing.referrals_to_csc",
            {**_one(con, "referrals", params), "referral_window_working_days": w.referral_working_days,
             "confirm_window_hours": w.written_hours}, "referrals")
    if "cp_conferences" in reads:
        put("information_sharing.conferences", _one(con, "conferences", params), "cp_conferences")
    if "missing_episodes" in reads:
        put("missing.episodes", _one(con, "episodes", params), "missing_episodes")
        put("missing.return_interviews",
            {**_one(con, "return_interviews", params), "interview_window_hours": w.interview_hours,
             "health_window_working_days": w.health_told_working_days}, "missing_episodes")
        hs = _one(con, "from_health_settings", params)
        put("missing.from_health_settings.episodes", hs["episodes"], "missing_episodes")
        put("missing.from_health_settings.reported_per_protocol", hs["reported_per_protocol"], "missing_episodes")
        put("missing.repeat", {**_one(con, "repeat", params), "min_episodes": w.repeat_episodes,
                               "within_days": w.repeat_days}, "missing_episodes")
    if "lac_health" in reads:
        put("looked_after.initial_assessments",
            {**_one(con, "initial_assessments", params), "window_working_days": w.lac_initial_working_days}, "lac_health")
        put("looked_after.review_assessments", _one(con, "review_assessments", params), "lac_health")
        put("looked_after.health_plans", _one(con, "health_plans", params), "lac_health")
    if "training" in reads:
        groups = [{k: v for k, v in g.items() if v is not None} for g in _run(con, "groups", params)]
        if groups:
            put("training.groups", groups, "training")
        board = _one(con, "board", params)
        if board["members"]:
            put("training.board", {**board, "window_months": w.board_months}, "training")
        if "learning_log" in reads:
            posts = [{"post": p["post"], "learning_hours": round(float(p["learning_hours"]), 2),
                      "window_years": w.learning_years} for p in _run(con, "specialist_posts", params)]
            if posts:
                put("training.specialist_posts", posts, "learning_log")
    return Measured(fragment=out, sections=sections, reads=list(reads.values()))
