"""Fictional cohorts of self-assessments, for screening demos, tests and benchmarks.

Organisation types come in national proportions and sizes, rates and volumes are drawn from the
realistic ranges in the project's requirements notes; some sections and values are left out, as in
real returns. Names and codes are invented (ZZ-prefixed codes, made-up place names). The same seed
always gives the same files: all randomness comes from one `random.Random(seed)`.
"""

from __future__ import annotations

from compliance.domain.migrate import migrate_v1

import datetime as dt
import io
import json
import random
from pathlib import Path
from typing import Any

from compliance.domain import model
from compliance.intake.files import make_folder, write_atomic

PERIOD_START, PERIOD_END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
# National counts (requirements notes): ~6,300 GP practices, ~120 acute, ~50 mental health,
# ~18 community and 10 ambulance trusts, 42 ICBs.
PROPORTIONS = {"gp_practice": 6300, "acute": 120, "mental_health": 50, "icb": 42, "community": 18, "ambulance": 10}
HEADCOUNT = {"acute": (3000, 15000), "community": (1000, 6000), "mental_health": (1500, 8000),
             "ambulance": (3000, 8000), "gp_practice": (8, 80), "icb": (300, 1200)}
SERVICES = {
    "acute": ["emergency_department", "maternity", "paediatrics", "neonatal", "adult_acute"],
    "community": ["health_visiting", "school_nursing", "looked_after_children", "sexual_health", "urgent_treatment_centre"],
    "mental_health": ["camhs", "adult_mental_health", "substance_misuse"],
    "ambulance": ["ambulance"],
    "gp_practice": ["general_practice"],
    "icb": [],
}
UNSCHEDULED = {k.value for k in model.UNSCHEDULED_CARE}
CHILD_FACING = {k.value for k in model.CHILD_FACING}
PLACES = ["Ashcombe", "Bramleigh", "Carrowby", "Dunmere", "Eastholme", "Fernlow", "Greyhaven", "Hollinwick",
          "Ivybridge Vale", "Kestermoor", "Larchfield", "Marrowdale", "Northcote", "Oakhurst", "Pellingham",
          "Quarrington", "Rookwood", "Stanmere", "Thornby", "Upperleigh", "Wexcombe", "Yarrowfield"]
LOCAL_AUTHORITIES = [f"LA{i:03d}" for i in range(1, 154)]
TYPE_WORDS = {"acute": "Hospitals NHS Trust", "community": "Community Health NHS Trust",
              "mental_health": "Mental Health NHS Trust", "ambulance": "Ambulance Service NHS Trust",
              "gp_practice": "Surgery", "icb": "Integrated Care Board"}
CODE_PREFIX = {"acute": "ZZA", "community": "ZZC", "mental_health": "ZZM", "ambulance": "ZZB", "gp_practice": "ZZP", "icb": "ZZI"}
NAMED_ROLES = {"acute": ["named_doctor", "named_nurse", "named_midwife"], "community": ["named_doctor", "named_nurse"],
               "mental_health": ["named_doctor", "named_nurse"], "ambulance": ["named_professional"],
               "gp_practice": [], "icb": ["designated_doctor", "designated_nurse", "designated_doctor_lac",
                                          "designated_nurse_lac", "named_gp", "designated_paediatrician_child_deaths"]}


class _Draw:
    """Helpers over one Random: quality q (0.5-1) pulls every rate towards its range's top."""

    def __init__(self, rng: random.Random, q: float, end: dt.date = PERIOD_END, clean: bool = False):
        self.rng, self.q, self.end, self.clean = rng, (1.0 if clean else q), end, clean

    def chance(self, p: float) -> bool:
        """True with probability p; always True for a clean organisation (every yes/no requirement met)."""
        return True if self.clean else self.rng.random() < p

    def rate(self, lo: float, hi: float) -> float:
        r = lo + (hi - lo) * (0.7 * self.q + 0.3 * self.rng.random())
        return min(1.0, max(0.0, r - 0.2 * (1 - self.q) * self.rng.random()))

    def part(self, whole: int, lo: float, hi: float) -> int:
        return min(whole, round(whole * self.rate(lo, hi)))

    def maybe(self, value: Any, p_missing: float = 0.06) -> Any:
        return None if not self.clean and self.rng.random() < p_missing else value

    def date_back(self, max_days: int, min_days: int = 0) -> str:
        return (self.end - dt.timedelta(days=self.rng.randint(min_days, max_days))).isoformat()


def _prune(d: Any) -> Any:
    """Drop None values: an omitted field is how a return says 'not reported'."""
    if isinstance(d, dict):
        return {k: _prune(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [_prune(v) for v in d]
    return d


def _pair(d: _Draw, whole_key: str, whole: int, part_key: str, lo: float, hi: float) -> dict[str, Any]:
    return {whole_key: whole, part_key: d.maybe(d.part(whole, lo, hi))}


def organisation(rng: random.Random, index: int, q_shift: float = 0.0, years_back: int = 0,
                 clean: bool = False) -> dict[str, Any]:
    """One fictional return as plain data (valid against SelfAssessment).

    `years_back` moves the period (and every date) back that many years; `q_shift` moves the
    organisation's quality, so earlier periods of one organisation differ by plausible drift.
    `clean`: every section returned, every value reported, every yes/no requirement met and neutral
    context (the base of a planted cohort, whose shares are then redrawn)."""
    kind = rng.choices(list(PROPORTIONS), weights=list(PROPORTIONS.values()))[0]
    start, end = PERIOD_START.replace(year=PERIOD_START.year - years_back), PERIOD_END.replace(year=PERIOD_END.year - years_back)
    d = _Draw(rng, min(1.0, max(0.5, rng.betavariate(5, 2) * 0.5 + 0.5 + q_shift)), end, clean)
    staff = rng.randint(*HEADCOUNT[kind])
    if kind == "acute" and rng.random() < 0.1:
        staff = rng.randint(20000, 26000)  # teaching trusts
    n_las = rng.randint(1, 18) if kind == "icb" else rng.choices([1, 2, 3], weights=[70, 20, 10])[0]
    # an organisation type's only service (an ambulance trust's) is always run by a clean return
    services = [s for s in SERVICES[kind] if rng.random() < 0.9 or s in ("emergency_department", "general_practice")
                or (clean and len(SERVICES[kind]) == 1)]
    ret: dict[str, Any] = {
        "schema_version": "1",
        "organisation": {
            "id": f"{CODE_PREFIX[kind]}{index:05d}",
            "name": f"{rng.choice(PLACES)} {TYPE_WORDS[kind]}",
            "type": kind,
            "local_authorities": sorted(rng.sample(LOCAL_AUTHORITIES, n_las)),
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "last_inspection": d.maybe(d.date_back(8 * 365, 60), 0.1),
        },
        "context": {
            "open_practice_reviews": d.maybe(rng.choices([0, 1, 2, 3], weights=[75, 15, 7, 3])[0], 0.12),
            "whistleblowing_concerns": d.maybe(rng.choices([0, 1, 2, 4], weights=[70, 18, 8, 4])[0], 0.12),
            "la_childrens_services_inadequate": d.maybe(rng.random() < 0.13 * n_las ** 0.5, 0.1),
            "cqc_safe_rating": d.maybe(rng.choices(["outstanding", "good", "requires_improvement", "inadequate"],
                                                   weights=[5, 60, 28, 7])[0], 0.1),
            "cqc_well_led_rating": d.maybe(rng.choices(["outstanding", "good", "requires_improvement", "inadequate"],
                                                       weights=[8, 62, 24, 6])[0], 0.1),
        },
        "services": [{"kind": s, "cp_is_live": d.maybe(d.chance(0.3 + 0.7 * d.q), 0.05) if s in UNSCHEDULED else None}
                     for s in services] or None,
        "training": _training(d, kind, staff, services),
        "was_not_brought": _wnb(d, kind, staff, services),
        "alerts": _alerts(d, kind, services),
        "governance": _governance(d, kind, staff, services),
        "information_sharing": _information_sharing(d, kind, staff, services),
        "risk_assessment": _risk_assessment(d, services),
        "missing": _missing(d, kind, staff),
        "looked_after": _looked_after(d, kind),
    }
    if clean:
        ret["organisation"]["last_inspection"] = (end - dt.timedelta(days=365)).isoformat()  # the same for all
        ret["context"] = {"open_practice_reviews": 0, "whistleblowing_concerns": 0, "la_childrens_services_inadequate": False,
                          "cqc_safe_rating": "good", "cqc_well_led_rating": "good"}
    for section in ("context", "services", "training", "was_not_brought", "alerts", "governance",
                    "information_sharing", "risk_assessment", "missing", "looked_after"):
        if not clean and rng.random() < 0.06:
            ret[section] = None  # whole sections not returned
    return migrate_v1(_prune(ret))  # drawn in version 1's terms, written as version 2


def _training(d: _Draw, kind: str, staff: int, services: list[str]) -> dict[str, Any]:
    shares = (0.35, 0.30, 0.30) if kind != "gp_practice" else (0.3, 0.4, 0.3)
    groups = []
    for level, share, (lo, hi) in zip((1, 2, 3), shares, ((0.85, 0.98), (0.85, 0.98), (0.65, 0.92))):
        n = max(1, round(staff * share))
        if level == 3 and d.clean and len(services) > 1:
            # a clean return gives a level-3 line for every service it runs (TRN-003's floor is
            # judged per children's service, and a service without a line is unevidenced)
            for j, s in enumerate(services):
                m = max(1, n * (j + 1) // len(services) - n * j // len(services))
                groups.append({"group": f"level 3 staff, {s.replace('_', ' ')}", "level": 3, "staff_in_post": m,
                               "in_date": d.part(m, lo, hi), "service": s})
            continue
        g = {"group": f"level {level} staff", "level": level, "staff_in_post": n, "in_date": d.maybe(d.part(n, lo, hi))}
        if level == 3 and services:
            g["service"] = d.rng.choice(services)
        groups.append(g)
    out: dict[str, Any] = {"groups": groups, "budget_gbp": d.maybe(float(d.rng.randint(1 if d.clean else 0, 200) * 500), 0.2)}
    if kind != "gp_practice":
        members = d.rng.randint(8, 16)
        out["board"] = {"members": members, "trained_within_12_months": d.maybe(d.part(members, 0.6, 1.0))}
        out["specialist_posts"] = [{"post": "named nurse", "learning_hours_3y": d.maybe(40.0 if d.clean else float(d.rng.randint(12, 40)))}]
    return out


def _wnb(d: _Draw, kind: str, staff: int, services: list[str]) -> dict[str, Any] | None:
    if kind in ("ambulance", "icb"):
        return None
    appts = max(5, staff // 3 if kind != "gp_practice" else staff * 4)
    wnb = d.part(appts, 0.07, 0.15)
    eligible = max(0, wnb // 8)
    return {
        "policy": {"exists": d.chance(0.5 + 0.5 * d.q), "last_reviewed": d.maybe(d.date_back(365 if d.clean else 4 * 365), 0.1),
                   "services_covered": services or None},
        "missed_appointments": _pair(d, "total", wnb, "coded_was_not_brought", 0.6, 1.0),
        "follow_up": {"was_not_brought": wnb, "reviewed_within_5_working_days": d.maybe(d.part(wnb, 0.6, 0.95)),
                      "discharged_without_review": d.maybe(min(wnb, round(wnb * 0.1 * (1 - d.q))))},
        "escalation": _pair(d, "eligible", eligible, "notified_within_1_working_day", 0.6, 1.0),
    }


def _alerts(d: _Draw, kind: str, services: list[str]) -> dict[str, Any] | None:
    if not set(services) & UNSCHEDULED and not (d.clean and kind in ("acute", "community", "mental_health")):
        return None
    out: dict[str, Any] = {}
    if not set(services) & UNSCHEDULED:
        pass  # a clean provider without unscheduled care still keeps its local alert system
    elif "emergency_department" in services:
        attend = d.rng.randint(60_000, 200_000)
        under18 = round(attend * d.rng.uniform(0.18, 0.28))
        out["cpis_checks"] = _pair(d, "attendances", under18, "checked", 0.8, 0.99)
        out["ed_notifications"] = _pair(d, "attendances_under_18", under18, "notified_within_2_working_days", 0.7, 0.99)
    else:
        attend = d.rng.randint(2_000, 30_000)
        out["cpis_checks"] = _pair(d, "attendances", attend, "checked", 0.8, 0.99)
        if d.clean:  # a clean urgent treatment centre passes its under-18 attendances on too
            young = round(attend * 0.25)
            out["ed_notifications"] = _pair(d, "attendances_under_18", young, "notified_within_2_working_days", 0.7, 0.99)
    active = d.rng.randint(50, 2000)
    out["local_alerts"] = {"system_exists": d.chance(0.6 + 0.4 * d.q), "active": d.maybe(active),
                           "reviewed_12_months": d.maybe(d.part(active, 0.6, 1.0)),
                           "past_expiry": d.maybe(round(active * 0.1 * (1 - d.q)))}
    return out


def _governance(d: _Draw, kind: str, staff: int, services: list[str]) -> dict[str, Any]:
    lead = "practice_lead" if kind == "gp_practice" else "executive_lead"
    roles = []
    for role in [lead] + NAMED_ROLES[kind]:
        filled = d.chance(0.75 + 0.25 * d.q)
        roles.append({"role": role, "filled": filled,
                      "vacant_since": None if filled else d.date_back(540),
                      "role_description": d.maybe(d.chance(0.9)), "protected_time": d.maybe(d.chance(0.85))})
    n_meet = d.rng.choice([4, 6, 10])
    out: dict[str, Any] = {
        "roles": roles,
        "dbs": _pair(d, "requiring", max(1, round(staff * 0.6)), "compliant", 0.9, 1.0),
        "supervision": _pair(d, "eligible", max(1, staff // 25), "supervised_3_monthly", 0.6, 1.0),
        "speak_up": {"policy_in_date": d.maybe(d.chance(0.9)), "guardian_in_post": d.maybe(d.chance(0.9))},
        "concern_reporting": {"incident_category": d.maybe(d.chance(0.9)),
                              "out_of_hours_advice": d.maybe(d.chance(0.85))},
        "case_file_audits": d.maybe([{"service": s, "audits": 4 if d.clean else d.rng.choices([0, 1, 2, 4], weights=[15, 45, 25, 15])[0]}
                                     for s in services if s in CHILD_FACING], 0.1),
    }
    if kind == "icb":  # an ICB's guardian arrangement reaches primary care too (no draw: cohorts keep their values)
        out["speak_up"]["primary_care_guardian_access"] = out["speak_up"]["guardian_in_post"]
    if kind != "gp_practice":
        out["board_assurance"] = {"annual_report": d.maybe(d.chance(0.9)), "other_reports": d.maybe(4 if d.clean else d.rng.randint(0, 4))}
        out["partnerships"] = [{"name": "Local safeguarding children partnership",
                                "section11_submitted": d.maybe(d.date_back(300 if d.clean else 900), 0.1),
                                "overdue_red_actions": d.maybe(0 if d.clean else d.rng.choices([0, 1, 3], weights=[70, 20, 10])[0])}]
        out["engagements"] = [{"date": d.date_back(360), "attendee": d.rng.choice(["chief_executive", "executive_lead"]),
                               "counterpart": "chair"} for _ in range(4 if d.clean else d.rng.randint(0, 4))]
        out["partnership_meetings"] = _pair(d, "required", n_meet, "attended", 0.5, 1.0)
    return out


def _information_sharing(d: _Draw, kind: str, staff: int, services: list[str]) -> dict[str, Any]:
    referrals = max(1, staff // 40)
    out: dict[str, Any] = {
        "referrals_to_csc": {"total": referrals, "same_working_day": d.maybe(d.part(referrals, 0.7, 1.0)),
                             "confirmed_in_writing_48h": d.maybe(d.part(referrals, 0.6, 1.0))},
        "conferences": _pair(d, "invited", max(1, staff // 60), "attended_or_reported", 0.7, 1.0),
    }
    if set(services) & {"sexual_health", "general_practice"}:
        concerns, under_13 = d.rng.randint(20, 400), d.rng.randint(0, 6)
        out["sexual_health"] = {"concerns": concerns, "decision_recorded": d.maybe(d.part(concerns, 0.7, 1.0)),
                                "under_13": under_13, "under_13_referred": d.maybe(d.part(under_13, 0.8, 1.0))}
    if set(services) & {"adult_mental_health", "substance_misuse"}:
        caseload = d.rng.randint(500, 9000)
        out["think_family"] = _pair(d, "adult_caseload", caseload, "parental_status_recorded", 0.7, 0.99)
    for service, key in (("camhs", "camhs_referrals"), ("substance_misuse", "substance_misuse_referrals")):
        if service in services or kind == "icb":
            n = d.rng.randint(50, 3000)
            out[key] = _pair(d, "referrals", n, "seen_in_time", 0.5, 0.97)
    return out


def _risk_assessment(d: _Draw, services: list[str]) -> dict[str, Any]:
    tool = "Spotting the Signs" if d.chance(0.8) else None
    tools = []
    for service in ("sexual_health", "school_nursing", "emergency_department", "camhs", "looked_after_children"):
        if service in services:
            eligible = d.rng.randint(20, 2000)
            name = tool if d.chance(0.9) else "Local exploitation screening tool"
            tools.append({"service": service, "tool": d.maybe(name), "eligible_contacts": eligible,
                          "completed": d.maybe(eligible if d.clean else d.part(eligible, 0.6, 1.0))})
    audited = d.rng.randint(10, 80)
    out: dict[str, Any] = {"exploitation_tools": tools or None,
                           "voice_of_child": _pair(d, "audited", audited, "voice_recorded", 0.6, 1.0)}
    if set(services) & {"emergency_department", "urgent_treatment_centre"}:
        attendances = d.rng.randint(5_000, 50_000)
        out["ed_screening"] = _pair(d, "attendances_under_18", attendances, "screened", 0.8, 0.99)
    return out


def _missing(d: _Draw, kind: str, staff: int) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if kind in ("acute", "community", "mental_health"):
        left = d.rng.randint(0, 30)
        out["from_health_settings"] = {"policy_in_date": d.maybe(d.chance(0.6 + 0.4 * d.q)),
                                       "episodes": left, "reported_per_protocol": d.maybe(d.part(left, 0.8, 1.0))}
    if kind not in ("community", "icb", "mental_health") and not (d.clean and kind == "acute"):
        return out or None
    repeat = d.rng.randint(0, 60)
    out["repeat"] = {"children": repeat, "exploitation_assessed": d.maybe(d.part(repeat, 0.6, 1.0)),
                     "alert_placed": d.maybe(d.part(repeat, 0.5, 1.0))}
    episodes = d.rng.randint(20, 600)
    return out | {"return_interviews": {"episodes": episodes, "offered": d.maybe(d.part(episodes, 0.7, 1.0)),
                                  "done_within_72h": d.maybe(d.part(episodes, 0.45, 0.8)),
                                  "health_notified_1wd": d.maybe(d.part(episodes, 0.5, 0.95))},
            "episodes": {"missing_medium": episodes // 3, "missing_high": episodes // 10,
                         **({"missing_no_apparent_risk": episodes // 3, "missing_low": episodes - episodes // 3 * 2 - episodes // 10,
                             "missing_ungraded": 0} if d.clean else {}),
                         "absent": 0 if d.clean else d.rng.choices([0, d.rng.randint(1, 20)], weights=[80, 20])[0]}}


def _looked_after(d: _Draw, kind: str) -> dict[str, Any] | None:
    if kind not in ("community", "icb") and not (d.clean and kind == "acute"):
        return None
    entered = d.rng.randint(30, 400)
    due = d.rng.randint(150, 1500)
    moves = d.rng.randint(0, due // 20)
    assessed = entered + due
    eligible = round(assessed * d.rng.uniform(0.5, 0.7))
    return {"initial_assessments": {"entered_care": entered, "within_20_working_days": d.maybe(d.part(entered, 0.3, 0.85)),
                                    "by_medical_practitioner": d.maybe(d.part(entered, 0.8, 1.0))},
            "review_assessments": {"due": due, "in_date": d.maybe(d.part(due, 0.8, 0.95)), "out_of_area_moves": moves,
                                   "host_notified": d.maybe(d.part(moves, 0.8, 1.0))},
            "health_plans": {"assessments": assessed, "with_plan": d.maybe(d.part(assessed, 0.85, 1.0)),
                             "sdq_eligible": eligible, "sdq_done": d.maybe(d.part(eligible, 0.7, 1.0))}}


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return cohere([organisation(rng, i) for i in range(1, count + 1)], seed)


# --- planted cohorts: where the truth is known ----------------------------------------------------


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if p >= 1:
        return n
    if p <= 0:
        return 0
    if n <= 200:
        return sum(rng.random() < p for _ in range(n))
    return min(n, max(0, round(rng.gauss(n * p, (n * p * (1 - p)) ** 0.5))))


def _slot(data: dict[str, Any], path: str) -> list[tuple[dict[str, Any], str]]:
    """(container, key) for a measure's path in a return: one for a value, one per item for `a.b[].c`."""
    head, _, tail = path.partition("[].")
    parts = head.split(".")
    node: Any = data
    for p in parts[:-1] if not tail else parts:
        node = node.get(p) if isinstance(node, dict) else None
        if node is None:
            return []
    if not tail:
        return [(node, parts[-1])] if isinstance(node, dict) else []
    return [(item, tail) for item in node if isinstance(item, dict)] if isinstance(node, list) else []


def share_slots(rules: list[Any], data: dict[str, Any]) -> list[tuple[str, float, list[tuple[dict, str, str]]]]:
    """Each share a rule holds to a standard that this return reports: (rule id, standard as a
    proportion, [(container, numerator key, denominator key)])."""
    from compliance.cohort.funnel import share_pairs

    out = []
    for rule in rules:
        params = rule.parameter_values(None)
        for _, num, den, param in share_pairs(rule):
            mn, md = rule.measures[num], rule.measures[den]
            pn, pd = (mn.value or mn.sum), (md.value or md.sum)
            if not isinstance(pn, str) or not isinstance(pd, str) or (mn.where or None) != (md.where or None):
                continue
            if pn.rpartition(".")[0] != pd.rpartition(".")[0]:
                continue  # numerator and denominator in different places: not one count of another
            where = mn.where or {}
            pairs = []
            for (c, kn), (_, kd) in zip(_slot(data, pn), _slot(data, pd)):
                if all(c.get(k) == v for k, v in where.items()) and isinstance(c.get(kd), int) and c[kd] > 0:
                    pairs.append((c, kn, kd))
            if pairs:
                out.append((rule.id, params[param] / 100, pairs))
    return out


def planted(count: int, seed: int, plant: int) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """A cohort where the truth is known: `plant` organisations have true rates below the standard
    of one or two of their shares (by 5 to 20 points); every other share of every organisation has
    a true rate at or just above its standard (within 3 points), so it falls below only by chance,
    more often the smaller its volume. Everything else is clean (see `organisation(clean=True)`).
    Returns the cohort and, by planted organisation id, the rules planted."""
    from compliance.catalogue.loading import load_rules

    rng = random.Random(seed)
    cohort = cohere([organisation(rng, i, clean=True) for i in range(1, count + 1)], seed, clean=True)
    rules = load_rules().rules
    draw = random.Random(f"{seed}-plant")
    chosen = set(draw.sample(range(count), min(plant, count)))
    truth: dict[str, list[str]] = {}
    for i, data in enumerate(cohort):
        slots = share_slots(rules, data)
        bad = set(draw.sample(range(len(slots)), min(len(slots), draw.choice([1, 1, 2])))) if i in chosen and slots else set()
        for j, (_rid, p0, pairs) in enumerate(slots):
            p = p0 - draw.uniform(0.05, 0.20) if j in bad else min(1.0, p0 + draw.uniform(0, 0.03))
            for c, kn, kd in pairs:
                c[kn] = _binomial(draw, c[kd], max(0.0, p))
        if bad:
            truth[data["organisation"]["id"]] = sorted({slots[j][0] for j in bad})
    return cohort, truth


ORGS_PER_AREA = 43  # ~6,540 organisations over England's 153 local authorities


def cohere(cohort: list[dict[str, Any]], seed: int, clean: bool = False) -> list[dict[str, Any]]:
    """Make the cohort's areas hang together, as England's do, so area rules have something to judge:
    a cohort of N organisations covers about N/43 local authorities; each area belongs to one ICB,
    whose area is a run of neighbouring authorities; each provider serves neighbouring authorities;
    and each ICB lists the providers serving its area (with a contract and an assurance return),
    missing about one in thirty, as a real list would. The draw depends only on `seed` and each
    organisation's place in the cohort, so every period of one organisation has the same areas."""
    rng = random.Random(f"{seed}-areas")
    pool = LOCAL_AUTHORITIES[:max(1, min(len(LOCAL_AUTHORITIES), round(len(cohort) / ORGS_PER_AREA)))]
    icbs = [o for o in cohort if o["organisation"]["type"] == "icb"]
    owner: dict[str, dict[str, Any]] = {}
    for n, icb in enumerate(icbs):  # contiguous runs of authorities, one ICB each (wrapping if few)
        share = pool[n * len(pool) // len(icbs):(n + 1) * len(pool) // len(icbs)] or [pool[n % len(pool)]]
        icb["organisation"]["local_authorities"] = share
        for la in share:
            owner.setdefault(la, icb)
    for org in cohort:
        if org["organisation"]["type"] == "icb":
            continue
        k = min(len(org["organisation"]["local_authorities"]), len(pool))
        first = rng.randrange(len(pool))
        org["organisation"]["local_authorities"] = sorted(pool[(first + j) % len(pool)] for j in range(k))
        for icb in {id(owner[la]): owner[la] for la in org["organisation"]["local_authorities"] if la in owner}.values():
            governance = icb.get("governance")
            if governance is None or (not clean and rng.random() < 1 / 30):
                continue  # the ICB returned no governance section, or does not know of this provider
            listed = governance.setdefault("providers", [])
            if len(listed) < 500 and all(p["provider"] != org["organisation"]["id"] for p in listed):
                end = dt.date.fromisoformat(icb["organisation"]["period"]["end"])
                listed.append(_prune({"provider": org["organisation"]["id"],
                                      "contract": "gms" if org["organisation"]["type"] == "gp_practice" else "nhs_standard",
                                      "sc32_in_contract": clean or rng.random() < 0.96,
                                      "last_assurance_return": (end - dt.timedelta(days=rng.randint(20, 330) if clean or rng.random() < 0.9
                                                                            else rng.randint(400, 900))).isoformat()}))
    return cohort


# How quality moves from one period to the next: most organisations hold steady, some improve,
# some slip (an inspector's "is it getting worse"). Per-period steps in quality (0.5 to 1).
TRAJECTORIES = {"stable": (0.0, 0.02), "improving": (0.06, 0.03), "deteriorating": (-0.08, 0.03)}
TRAJECTORY_WEIGHTS = {"stable": 55, "improving": 25, "deteriorating": 20}


def generate_periods(count: int, seed: int, periods: int) -> list[list[dict[str, Any]]]:
    """`periods` consecutive years per organisation, oldest first; the latest is exactly `generate`'s.

    Each organisation's earlier years replay its random draws with its quality moved along its
    trajectory (drawn from a separate generator), so the same services and sizes drift plausibly.
    """
    rng = random.Random(seed)
    out: list[list[dict[str, Any]]] = [[] for _ in range(periods)]
    for i in range(1, count + 1):
        drift = random.Random(f"{seed}-drift-{i}")
        step, noise = TRAJECTORIES[drift.choices(list(TRAJECTORY_WEIGHTS), weights=list(TRAJECTORY_WEIGHTS.values()))[0]]
        state = rng.getstate()
        for back in range(periods - 1, 0, -1):
            rng.setstate(state)
            out[periods - 1 - back].append(organisation(rng, i, -step * back + drift.gauss(0, noise), back))
        rng.setstate(state)
        out[periods - 1].append(organisation(rng, i))
    return [cohere(cohort, seed) for cohort in out]


def dump(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=1) + "\n"
    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


def write_cohort(folder: Path, count: int, seed: int, fmt: str = "json", periods: int = 1,
                 plant: int | None = None) -> list[Path]:
    """One file per organisation; with `periods` > 1, one folder per period (e.g. 2023-24/), oldest first.
    With `plant`, a planted cohort (see `planted`) and its truth in FOLDER/planted.csv (not a return)."""
    make_folder(folder)
    paths = []
    if plant is not None:
        cohort, truth = planted(count, seed, plant)
        write_atomic(folder / "planted.csv", "id,rules\n" + "".join(f"{k},{';'.join(v)}\n" for k, v in sorted(truth.items())))
        cohorts = [cohort]
    else:
        cohorts = [generate(count, seed)] if periods == 1 else generate_periods(count, seed, periods)
    for cohort in cohorts:
        target = folder
        if periods > 1:
            start = cohort[0]["organisation"]["period"]["start"][:4]
            target = folder / f"{start}-{str(int(start) + 1)[-2:]}"
            make_folder(target)
        for data in cohort:
            path = target / f"{data['organisation']['id']}.{fmt}"
            write_atomic(path, dump(data, fmt))
            paths.append(path)
    return paths


# Extract rows per member of staff in a year, by organisation type (a large acute trust: 15,000 staff,
# ~200,000 children's outpatient appointments, ~40,000 under-18 ED attendances, ~1,000 referrals,
# ~500 missing episodes, ~200 looked-after children).
RECORD_RATES = {
    "acute": {"outpatients": 13.3, "ed": 2.7, "referrals": 0.067, "conferences": 0.008, "episodes": 0.033, "lac": 0.013},
    "community": {"outpatients": 5, "ed": 1, "referrals": 0.1, "conferences": 0.02, "episodes": 0.1, "lac": 0.1},
    "mental_health": {"outpatients": 2, "ed": 0, "referrals": 0.05, "conferences": 0.005, "episodes": 0.05, "lac": 0.02},
    "ambulance": {"outpatients": 0, "ed": 0, "referrals": 0.05, "conferences": 0, "episodes": 0, "lac": 0},
    "gp_practice": {"outpatients": 20, "ed": 0, "referrals": 0.25, "conferences": 0.2, "episodes": 0, "lac": 0.1},
    "icb": {"outpatients": 0, "ed": 0, "referrals": 0, "conferences": 0, "episodes": 0.3, "lac": 0.5},
}
EXTRACT_OF = {"outpatients": "outpatients", "ed": "ed_attendances", "referrals": "referrals",
              "conferences": "cp_conferences", "episodes": "missing_episodes", "lac": "lac_health"}


def write_records_cohort(folder: Path, count: int, seed: int) -> list[Path]:
    """For each organisation, <id>.yaml (declarative facts only) and <id>/ (its extracts), so that
    `safeguard assess DIR/<id>.yaml --records DIR/<id>` works."""
    from compliance.app.generate_records import write_records
    from compliance.app.records import declarative_only

    make_folder(folder)
    paths = []
    for i, data in enumerate(generate(count, seed)):
        org = data["organisation"]
        kind = org["type"]
        staff = sum(g["staff_in_post"] for g in (data.get("training") or {}).get("groups") or []) or 1000
        volumes = {k: int(staff * r) for k, r in RECORD_RATES[kind].items()} | {"staff": staff}
        path = folder / f"{org['id']}.yaml"
        write_atomic(path, dump(declarative_only(data), "yaml"))
        records = folder / org["id"]
        write_records(records, PERIOD_START, PERIOD_END, seed=seed * 100_003 + i, volumes=volumes)
        for key, extract in EXTRACT_OF.items():
            if volumes[key] == 0:
                (records / f"{extract}.csv").unlink()  # not kept by this kind of organisation
        paths.append(path)
    return paths
