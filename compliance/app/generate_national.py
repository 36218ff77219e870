"""A synthetic national year of record extracts, at realistic volumes, for the benchmark and tests.

Volumes follow ../shared/domain/requirements.md and records.md: about 25 million children's
outpatient appointments (of 125 million), 7 million under-18 ED attendances (of 27 million), 1.5
million training records, 84,000 looked-after children and 84,000 missing episodes: about 35
million rows. Rates follow the per-trust generator (`generate_records`): 7-15% of children's
appointments missed, most coded "was not brought", and so on. A small share of rows breaks a row
check (a review dated before its appointment), so the national run's exclusion and provenance are
exercised at scale.

Rows are made by DuckDB from a hash of the row number and the seed (deterministic, parallel,
tens of millions of rows in seconds), never one Python object per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from compliance.intake.files import write_atomic

NATIONAL_YEAR = {"outpatients": 25_000_000, "ed_attendances": 7_000_000, "training": 1_500_000,
                 "referrals": 150_000, "cp_conferences": 30_000, "missing_episodes": 84_000, "lac_health": 84_000}
ORGANISATIONS = 220
NAMED_POSTS = ("named nurse", "named doctor", "named midwife", "designated nurse")
BOARD = 12
BAD_SHARE = 0.0002  # rows that break a row check


def org_code(i: int) -> str:
    return f"XN{i:03d}"


def _u(key: int, seed: int) -> str:
    """A uniform number in [0, 1) from the row number `i`, the column `key` and the seed."""
    return f"(hash(i, {key}, {seed}) % 1000003) / 1000003.0"


def _org(n_orgs: int, seed: int) -> str:
    """An organisation per row, skewed (the largest about 3-4 times the smallest), as trusts differ."""
    return f"CAST(floor({n_orgs} * pow({_u(0, seed)}, 1.3)) AS INTEGER)"


def _code(expr: str) -> str:
    return f"'XN' || lpad(CAST({expr} AS VARCHAR), 3, '0')"


def _queries(start: dt.date, end: dt.date, rows: dict[str, int], n_orgs: int, seed: int) -> dict[str, str]:
    days = (end - start).days + 1
    u = lambda k: _u(k, seed)  # noqa: E731
    org = _org(n_orgs, seed)
    s = f"DATE '{start.isoformat()}'"
    e = f"DATE '{end.isoformat()}'"

    def day(k: int) -> str:
        return f"({s} + CAST(floor({u(k)} * {days}) AS INTEGER))"

    def at(d: str, k: int) -> str:
        return f"(CAST({d} AS TIMESTAMP) + to_minutes(CAST(floor({u(k)} * 1440) AS INTEGER)))"

    def pick(k: int, values: list[str], weights: list[float]) -> str:
        total, acc, cases = sum(weights), 0.0, []
        for v, w in zip(values[:-1], weights[:-1]):
            acc += w / total
            cases.append(f"WHEN {u(k)} < {acc:.6f} THEN '{v}'")
        return f"CASE {' '.join(cases)} ELSE '{values[-1]}' END"

    bad = f"{u(99)} < {BAD_SHARE}"
    per_org = lambda name, share: max(1, rows[name] // n_orgs // share)  # noqa: E731
    q: dict[str, str] = {}
    q["outpatients"] = f"""
        WITH r AS (SELECT i, {org} AS o, {day(1)} AS d, CAST(floor({u(2)} * 18) AS INTEGER) AS age,
                          {pick(3, ['5', '6', '3', '7', '2', '4'], [78, 6, 9, 1, 3, 3])} AS code
                   FROM range({rows['outpatients']}) t(i)),
             m AS (SELECT *, code IN ('3', '7') AS missed,
                          CASE WHEN code IN ('3', '7') AND {u(4)} < 0.95 THEN d + CAST(floor({u(5)} * 10) AS INTEGER) END AS reviewed
                   FROM r)
        SELECT {_code('o')} AS org_code, 'A' || i AS appointment_ref,
               'C' || CAST(floor({u(6)} * {per_org('outpatients', 4)}) AS BIGINT) AS child_ref, age,
               d AS appointment_date, {pick(7, ['paediatrics', 'camhs', 'sexual_health', 'maternity'], [1, 1, 1, 1])} AS service,
               code AS attendance_code,
               CASE WHEN missed THEN CASE WHEN {u(8)} < (CASE WHEN age < 16 THEN 0.93 ELSE 0.4 END)
                                          THEN 'was_not_brought' ELSE 'did_not_attend' END END AS recorded_as,
               CASE WHEN {bad} THEN d - 3 ELSE reviewed END AS reviewed_date,
               missed AND reviewed IS NULL AND {u(9)} < 0.05 AS discharged_without_review,
               {u(10)} < 0.04 AS on_plan_or_looked_after,
               CASE WHEN missed AND {u(11)} < 0.9 THEN d + CAST(floor({u(12)} * 3) AS INTEGER) END AS lead_professional_told
        FROM m"""
    q["ed_attendances"] = f"""
        SELECT {_code(org)} AS org_code, 'E' || i AS attendance_ref,
               {pick(1, ['emergency_department', 'urgent_treatment_centre'], [3, 1])} AS setting,
               {at(day(2), 3)} AS arrival, CAST(floor({u(4)} * 18) AS INTEGER) AS age,
               {u(5)} < 0.96 AS cpis_checked, {u(6)} < 0.97 AS safeguarding_screen,
               CASE WHEN {u(7)} < 0.97 THEN {day(2)} + CAST(floor({u(8)} * 5) AS INTEGER) END AS gp_hv_sn_told
        FROM range({rows['ed_attendances']}) t(i)"""
    level = pick(2, ["1", "2", "3"], [35, 30, 35])
    service = pick(3, ["emergency_department", "paediatrics", "maternity", "adult_acute"], [1, 1, 1, 1])
    q["training"] = f"""
        WITH r AS (SELECT i, {org} AS o, {level} AS level, {service} AS svc,
                          {u(4)} < 0.93 AS in_date_12, {u(4)} < 0.82 AS in_date_3 FROM range({rows['training']}) t(i))
        SELECT {_code('o')} AS org_code, 'S' || i AS staff_ref,
               CASE level WHEN '1' THEN 'Corporate' WHEN '2' THEN 'Clinical support' ELSE 'Clinical ' || svc END AS staff_group,
               CASE WHEN level = '3' THEN svc END AS service, level,
               CASE WHEN {bad} THEN DATE '1985-01-01' WHEN {u(5)} < 0.01 THEN NULL
                    WHEN (level = '3' AND in_date_3) OR (level <> '3' AND in_date_12)
                    THEN {e} - CAST(1 + floor({u(6)} * 1000) AS INTEGER)
                    ELSE {e} - CAST(1120 + floor({u(6)} * 880) AS INTEGER) END AS last_completed,
               CAST(NULL AS DATE) AS appointed
        FROM r
        UNION ALL
        SELECT {_code('o.i')}, 'N' || o.i || '-' || p.i, p.post, NULL, '4', {e} - 200, NULL
        FROM range({n_orgs}) o(i), (SELECT unnest(range({len(NAMED_POSTS)})) AS i, unnest({list(NAMED_POSTS)}) AS post) p
        UNION ALL
        SELECT {_code('o')}, 'B' || i, 'Board', NULL, 'board',
               CASE WHEN {u(21)} < 0.85 THEN appointed + CAST(10 + floor({u(22)} * 290) AS INTEGER) END, appointed
        FROM (SELECT i, i // {BOARD} AS o, {s} - CAST(30 + floor({u(20)} * 1970) AS INTEGER) AS appointed
              FROM range({n_orgs * BOARD}) t(i))"""
    q["learning_log"] = f"""
        SELECT {_code('i // 40')} AS org_code, 'N' || (i // 40) || '-' || ((i // 10) % 4) AS staff_ref,
               {e} - CAST(1 + floor({u(1)} * 1090) AS INTEGER) AS date,
               CAST({pick(2, ['1.5', '3', '3.5', '6', '7'], [1, 1, 1, 1, 1])} AS DOUBLE) AS hours
        FROM range({n_orgs * 40}) t(i) WHERE i % 10 < 3 + (i // 10) % 7"""
    q["referrals"] = f"""
        WITH r AS (SELECT i, {org} AS o, {at(day(1), 2)} AS concern FROM range({rows['referrals']}) t(i)),
             f AS (SELECT *, concern + to_hours(CAST({pick(3, ['1', '2', '4', '6', '30'], [1, 1, 1, 1, 1])} AS INTEGER)) AS referred FROM r)
        SELECT {_code('o')} AS org_code, 'R' || i AS referral_ref, concern AS concern_identified, referred,
               CASE WHEN {u(4)} < 0.97 THEN referred + to_hours(CAST({pick(5, ['2', '12', '24', '40', '60'], [1, 1, 1, 1, 1])} AS INTEGER)) END
                   AS confirmed_in_writing
        FROM f"""
    q["cp_conferences"] = f"""
        SELECT {_code(org)} AS org_code, 'CC' || i AS conference_ref, {day(1)} AS conference_date,
               {u(2)} < 0.8 AS attended, ({u(2)} >= 0.8 AND {u(3)} < 0.6) OR {u(4)} < 0.3 AS report_sent
        FROM range({rows['cp_conferences']}) t(i)"""
    q["missing_episodes"] = f"""
        WITH r AS (SELECT i, {org} AS o, {at(day(1), 2)} AS st,
                          {pick(3, ['missing', 'away_from_placement', 'absent'], [85, 14, 1])} AS cls,
                          {u(9)} < 0.1 AS health FROM range({rows['missing_episodes']}) t(i)),
             b AS (SELECT *, st + to_hours(CAST(2 + floor({u(4)} * 59) AS INTEGER)) AS back FROM r)
        SELECT {_code('o')} AS org_code, 'M' || i AS episode_ref,
               'K' || CAST(floor({u(5)} * {per_org('missing_episodes', 3)}) AS BIGINT) AS child_ref,
               st AS start, back AS returned, cls AS classification,
               CASE WHEN cls = 'missing' THEN {pick(6, ['no_apparent_risk', 'low', 'medium', 'high'], [1, 1, 1, 1])} END AS risk_grade,
               CAST(back AS DATE) AS interview_offered,
               CASE WHEN {u(7)} < 0.9 THEN back + to_hours(CAST(6 + floor({u(8)} * 115) AS INTEGER)) END AS interview_done,
               CAST(back AS DATE) + CAST(floor({u(10)} * 3) AS INTEGER) AS health_told, health AS from_health_setting,
               CASE WHEN health THEN {u(11)} < 0.9 END AS reported_per_protocol,
               {u(12)} < 0.8 AS exploitation_assessed, {u(13)} < 0.85 AS alert_placed
        FROM b"""
    q["lac_health"] = f"""
        WITH r AS (SELECT i, {org} AS o, {day(1)} AS entered, {u(2)} < 0.95 AS assessed, {u(3)} < 0.7 AS due,
                          {u(4)} < 0.1 AS moved FROM range({rows['lac_health']}) t(i))
        SELECT {_code('o')} AS org_code, 'L' || i AS child_ref, CAST(floor({u(5)} * 18) AS INTEGER) AS age,
               entered AS entered_care,
               CASE WHEN assessed THEN entered + CAST(5 + floor({u(6)} * 36) AS INTEGER) END AS initial_assessment,
               CASE WHEN assessed THEN CASE WHEN {u(7)} < 0.95 THEN 'medical_practitioner' ELSE 'nurse' END END AS assessed_by,
               CASE WHEN due THEN {day(8)} END AS review_due,
               CASE WHEN due THEN {day(8)} + CAST(floor({u(9)} * 51) - 30 AS INTEGER) END AS review_done,
               {u(10)} < 0.96 AS health_plan, {u(11)} < 0.9 AS sdq_done,
               CASE WHEN moved THEN {day(12)} END AS moved_out_of_area,
               CASE WHEN moved THEN {day(12)} + CAST(floor({u(13)} * 14) - 10 AS INTEGER) END AS host_told
        FROM r"""
    return q


def scaled(scale: float) -> dict[str, int]:
    """The national year's volumes times `scale` (1, 0.1, 0.01 ...)."""
    return {k: max(1, round(v * scale)) for k, v in NATIONAL_YEAR.items()}


def write_register(path: Path, n_orgs: int) -> None:
    """organisations.csv: each code's name, type and local authorities (what a return needs beside counts)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["org_code", "name", "type", "local_authorities"])
    for i in range(n_orgs):
        kind = "community" if i % 5 == 4 else "acute"
        w.writerow([org_code(i), f"National Synthetic {kind.title()} Trust {i:03d}", kind, f"LA{i % 150:03d}"])
    write_atomic(path, buf.getvalue())


def write_national(folder: Path, start: dt.date, end: dt.date, scale: float = 1.0, seed: int = 1,
                   n_orgs: int = ORGANISATIONS, partitioned: bool = True, fmt: str = "parquet",
                   rows: dict[str, int] | None = None) -> dict[str, int]:
    """Write `folder`/extracts/ (one Parquet or CSV file per extract, or per extract and organisation
    in org_code=CODE/ folders) and `folder`/organisations.csv; return the rows written per extract."""
    import duckdb

    rows = rows or scaled(scale)
    extracts = folder / "extracts"
    extracts.mkdir(parents=True, exist_ok=True)
    write_register(folder / "organisations.csv", n_orgs)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    written = {}
    for name, sql in _queries(start, end, rows, n_orgs, int(seed)).items():
        target = extracts / name if partitioned else extracts / f"{name}.{fmt}"
        options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
        if partitioned:
            options += ", PARTITION_BY (org_code), OVERWRITE_OR_IGNORE true"
        con.execute(f"COPY ({sql}) TO '{str(target).replace(chr(39), chr(39) * 2)}' ({options})")
        written[name] = rows.get(name) or (con.execute(f"SELECT count(*) FROM ({sql})").fetchone() or (0,))[0]
    con.close()
    return written
