"""Synthetic record extracts for one organisation, at realistic volumes.

Volumes and rates follow the catalogue's ranges for synthetic data (../shared/domain/requirements.md):
a large acute trust's year is 15,000 staff, ~200,000 children's outpatient appointments with 7-15%
missed, ~40,000 under-18 ED attendances, hundreds of referrals, tens to hundreds of missing episodes
and a few hundred looked-after children. A `bad` share of rows is deliberately malformed, so the
reader's reporting of bad rows can be exercised.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any
from collections.abc import Iterable

from compliance.intake.files import make_folder, write_atomic
from compliance.domain.labels import value_label

ACUTE_YEAR = {"staff": 15_000, "outpatients": 200_000, "ed": 40_000, "referrals": 1_000, "conferences": 120,
              "episodes": 500, "lac": 200}
SERVICES_OP = ("paediatrics", "camhs", "sexual_health", "maternity")


def _csv(path: Path, header: list[str], rows: Iterable[list[Any]]) -> None:
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else (str(v).lower() if isinstance(v, bool) else
                                          v.isoformat(timespec="minutes") if isinstance(v, dt.datetime) else v)
                    for v in r])
    write_atomic(path, buf.getvalue())


def write_records(folder: Path, start: dt.date, end: dt.date, seed: int = 1, volumes: dict[str, int] | None = None) -> None:
    """Write the eight extracts for one organisation's period into `folder` (created if needed)."""
    v = {**ACUTE_YEAR, **(volumes or {})}
    rng = random.Random(seed)
    make_folder(folder)
    days = (end - start).days

    def day() -> dt.date:
        return start + dt.timedelta(days=rng.randrange(days + 1))

    def after(d: dt.date, lo: int, hi: int) -> dt.date:
        return d + dt.timedelta(days=rng.randint(lo, hi))

    def when(d: dt.date) -> dt.datetime:
        return dt.datetime.combine(d, dt.time(rng.randrange(24), rng.randrange(60)))

    # training: levels 1-3 in groups, 4-5 named/designated, a board
    services = ["emergency_department", "paediatrics", "maternity", "adult_acute"]
    train = []
    n = v["staff"]
    for i in range(n):
        level = rng.choices(["1", "2", "3"], weights=[35, 30, 35])[0]
        service = rng.choice(services) if level == "3" else None
        group = {"1": "Corporate", "2": "Clinical support", "3": f"Clinical {value_label(service or '')}"}[level]
        in_date = rng.random() < (0.93 if level != "3" else 0.82)
        done = end - dt.timedelta(days=rng.randint(1, 1000) if in_date else rng.randint(1120, 2000))
        train.append([f"S{i:06d}", group, service, level, done if rng.random() > 0.01 else None, None])
    for i, post in enumerate(["named nurse", "named doctor", "named midwife", "designated nurse"]):
        train.append([f"N{i:03d}", post, None, "4", end - dt.timedelta(days=200), None])
    for i in range(12):
        appointed = start - dt.timedelta(days=rng.randint(30, 2000))
        trained = after(appointed, 10, 300) if rng.random() < 0.85 else None
        train.append([f"B{i:03d}", "Board", None, "board", trained, appointed])
    _csv(folder / "training.csv", ["staff_ref", "staff_group", "service", "level", "last_completed", "appointed"], train)
    log = []
    for i in range(4):
        for _ in range(rng.randint(3, 9)):
            log.append([f"N{i:03d}", end - dt.timedelta(days=rng.randint(1, 1090)), rng.choice([1.5, 3, 3.5, 6, 7])])
    _csv(folder / "learning_log.csv", ["staff_ref", "date", "hours"], log)

    # outpatient appointments of children
    ops = []
    children = max(1, v["outpatients"] // 4)
    for i in range(v["outpatients"]):
        d = day()
        code = rng.choices(["5", "6", "3", "7", "2", "4"], weights=[78, 6, 9, 1, 3, 3])[0]
        missed = code in ("3", "7")
        age = rng.randrange(18)
        recorded = (("was_not_brought" if rng.random() < (0.93 if age < 16 else 0.4) else "did_not_attend")
                    if missed else None)
        reviewed = (after(d, 0, 9) if rng.random() < 0.95 else None) if missed else None
        discharged = missed and reviewed is None and rng.random() < 0.05
        plan = rng.random() < 0.04
        told = after(d, 0, 2) if missed and rng.random() < 0.9 else None
        ops.append([f"A{i:07d}", f"C{rng.randrange(children):06d}", age, d, rng.choice(SERVICES_OP), code, recorded,
                    reviewed, discharged, plan, told])
    _csv(folder / "outpatients.csv", ["appointment_ref", "child_ref", "age", "appointment_date", "service",
                                      "attendance_code", "recorded_as", "reviewed_date", "discharged_without_review",
                                      "on_plan_or_looked_after", "lead_professional_told"], ops)

    ed = []
    for i in range(v["ed"]):
        arrival = when(day())
        ed.append([f"E{i:07d}", rng.choices(["emergency_department", "urgent_treatment_centre"], weights=[3, 1])[0],
                   arrival, rng.randrange(18), rng.random() < 0.96, rng.random() < 0.97,
                   after(arrival.date(), 0, 4) if rng.random() < 0.97 else None])
    _csv(folder / "ed_attendances.csv", ["attendance_ref", "setting", "arrival", "age", "cpis_checked",
                                         "safeguarding_screen", "gp_hv_sn_told"], ed)

    refs = []
    for i in range(v["referrals"]):
        concern = when(day())
        referred = concern + dt.timedelta(hours=rng.choice([1, 2, 4, 6, 30]))
        written = referred + dt.timedelta(hours=rng.choice([2, 12, 24, 40, 60])) if rng.random() < 0.97 else None
        refs.append([f"R{i:05d}", concern, referred, written])
    _csv(folder / "referrals.csv", ["referral_ref", "concern_identified", "referred", "confirmed_in_writing"], refs)

    conferences = []
    for i in range(v["conferences"]):
        attended = rng.random() < 0.8
        conferences.append([f"C{i:05d}", day(), attended, (not attended and rng.random() < 0.6) or rng.random() < 0.3])
    _csv(folder / "cp_conferences.csv", ["conference_ref", "conference_date", "attended", "report_sent"], conferences)

    eps = []
    kids = max(1, v["episodes"] // 3)
    for i in range(v["episodes"]):
        start_t = when(day())
        back = start_t + dt.timedelta(hours=rng.randint(2, 60))
        cls = rng.choices(["missing", "away_from_placement", "absent"], weights=[85, 14, 1])[0]
        grade = rng.choice(["no_apparent_risk", "low", "medium", "high"]) if cls == "missing" else None
        interviewed = back + dt.timedelta(hours=rng.randint(6, 120)) if rng.random() < 0.9 else None
        health = rng.random() < 0.1
        eps.append([f"M{i:05d}", f"K{rng.randrange(kids):05d}", start_t, back, cls, grade, back.date(), interviewed,
                    after(back.date(), 0, 2), health, (rng.random() < 0.9) if health else None,
                    rng.random() < 0.8, rng.random() < 0.85])
    _csv(folder / "missing_episodes.csv", ["episode_ref", "child_ref", "start", "returned", "classification",
                                           "risk_grade", "interview_offered", "interview_done", "health_told",
                                           "from_health_setting", "reported_per_protocol", "exploitation_assessed",
                                           "alert_placed"], eps)

    lac = []
    for i in range(v["lac"]):
        entered = day()
        assessed = after(entered, 5, 40) if rng.random() < 0.95 else None
        due = day() if rng.random() < 0.7 else None
        moved = day() if rng.random() < 0.1 else None
        lac.append([f"L{i:05d}", rng.randrange(18), entered, assessed,
                    rng.choices(["medical_practitioner", "nurse"], weights=[95, 5])[0] if assessed else None,
                    due, after(due, -30, 20) if due else None, rng.random() < 0.96, rng.random() < 0.9,
                    moved, after(moved, -10, 3) if moved else None])
    _csv(folder / "lac_health.csv", ["child_ref", "age", "entered_care", "initial_assessment", "assessed_by",
                                     "review_due", "review_done", "health_plan", "sdq_done", "moved_out_of_area",
                                     "host_told"], lac)
