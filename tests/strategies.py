"""Hypothesis strategies for self-assessments: valid ones (parts never exceed wholes) with any value
possibly unreported, covering the sections the bundled rules read."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from compliance.domain.model import OrgType, ServiceKind

COUNT = st.integers(0, 5000)


def maybe(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def part_of(draw, whole: int):
    """Biased to none, all and near-all as well as anywhere: uniform parts almost never reach a 90%
    threshold together, so 'met' (the outcome the monotonicity properties start from) would be rare."""
    if draw(st.integers(0, 4)) == 0:  # unreported one time in five
        return None
    return draw(st.one_of(st.integers(0, whole), st.sampled_from([0, whole]), st.integers(whole * 9 // 10, whole)))


@st.composite
def tally(draw, whole_key: str, *part_keys: str):
    whole = draw(COUNT)
    out = {whole_key: whole}
    for k in part_keys:
        v = draw(part_of(whole))
        if v is not None:
            out[k] = v
    return out


@st.composite
def staff_group(draw):
    staff = draw(st.integers(0, 3000))
    g = {"group": draw(st.sampled_from(["nurses", "doctors", "admin", "allied"])), "level": draw(st.integers(1, 3)),
         "staff_in_post": staff}
    in_date = draw(part_of(staff))
    if in_date is not None:
        g["in_date"] = in_date
    return g


DATES = st.dates(dt.date(2019, 1, 1), dt.date(2026, 3, 31))


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


@st.composite
def self_assessment(draw) -> dict:
    org_type = draw(st.sampled_from(list(OrgType))).value
    doc = {
        "schema_version": "1",
        "organisation": {"id": "HYP1", "name": "Generated organisation", "type": org_type,
                         "local_authorities": ["LA1"], "period": {"start": "2025-04-01", "end": "2026-03-31"}},
    }
    services = draw(maybe(st.lists(st.builds(
        lambda k, live: _drop_none({"kind": k.value, "cp_is_live": live}),
        st.sampled_from(list(ServiceKind)), maybe(st.booleans())), max_size=6)))
    if services is not None:
        doc["services"] = services
    groups = draw(maybe(st.lists(staff_group(), max_size=5)))
    if groups is not None:
        doc["training"] = {"groups": groups}
    policy = draw(maybe(st.builds(
        lambda exists, reviewed, covered: _drop_none({"exists": exists, "last_reviewed": reviewed, "services_covered": covered}),
        st.booleans(), maybe(DATES), maybe(st.lists(st.sampled_from([k.value for k in ServiceKind]), max_size=5, unique=True)))))
    wnb = _drop_none({"policy": policy, "follow_up": draw(maybe(tally("was_not_brought", "reviewed_within_5_working_days",
                                                                      "discharged_without_review")))})
    if wnb:
        doc["was_not_brought"] = wnb
    checks = draw(maybe(tally("attendances", "checked")))
    if checks is not None:
        doc["alerts"] = {"cpis_checks": checks}
    gov = _drop_none({
        "partnerships": draw(maybe(st.lists(st.builds(
            lambda d, red: _drop_none({"name": "P", "section11_submitted": d, "overdue_red_actions": red}),
            maybe(DATES), maybe(st.integers(0, 3))), max_size=3))),
        "engagements": draw(maybe(st.lists(st.builds(
            lambda d, who: {"date": d, "attendee": who, "counterpart": "chair"},
            DATES, st.sampled_from(["chief_executive", "executive_lead", "other"])), max_size=3))),
        "partnership_meetings": draw(maybe(tally("required", "attended"))),
    })
    if gov:
        doc["governance"] = gov
    missing = _drop_none({
        "episodes": draw(maybe(st.fixed_dictionaries({}, optional={k: st.integers(0, 50) for k in (
            "missing_no_apparent_risk", "missing_low", "missing_medium", "missing_high", "missing_ungraded", "absent")}))),
        "return_interviews": draw(maybe(tally("episodes", "offered", "done_within_72h", "health_notified_1wd"))),
    })
    health = draw(maybe(tally("episodes", "reported_per_protocol")))
    if health is not None:
        health["policy_in_date"] = draw(st.booleans())
        missing["from_health_settings"] = _drop_none(health | {"policy_in_date": draw(maybe(st.booleans()))})
    repeat = draw(maybe(tally("children", "exploitation_assessed", "alert_placed")))
    if repeat is not None:
        missing["repeat"] = repeat
    if missing:
        doc["missing"] = missing
    sections = {
        "information_sharing": {
            "referrals_to_csc": tally("total", "same_working_day", "confirmed_in_writing_48h"),
            "conferences": tally("invited", "attended_or_reported"),
            "think_family": tally("adult_caseload", "parental_status_recorded"),
            "camhs_referrals": tally("referrals", "seen_in_time"),
            "substance_misuse_referrals": tally("referrals", "seen_in_time"),
        },
        "risk_assessment": {
            "exploitation_tools": st.lists(exploitation_tool(), max_size=4),
            "ed_screening": tally("attendances_under_18", "screened"),
            "voice_of_child": tally("audited", "voice_recorded"),
        },
        "looked_after": {
            "initial_assessments": tally("entered_care", "within_20_working_days", "by_medical_practitioner"),
            "review_assessments": pairs(("due", "in_date"), ("out_of_area_moves", "host_notified")),
            "health_plans": pairs(("assessments", "with_plan"), ("sdq_eligible", "sdq_done")),
        },
    }
    for section, parts in sections.items():
        drawn = _drop_none({k: draw(maybe(strategy)) for k, strategy in parts.items()})
        if drawn:
            doc[section] = drawn
    return doc


@st.composite
def pairs(draw, first: tuple[str, str], second: tuple[str, str]) -> dict:
    """A required tally and an optional second one in the same record (e.g. reviews, then moves)."""
    out = draw(tally(*first))
    more = draw(maybe(tally(*second)))
    return out | (more or {})


@st.composite
def exploitation_tool(draw) -> dict:
    kinds = ["sexual_health", "school_nursing", "emergency_department", "camhs", "looked_after_children"]
    out = {"service": draw(st.sampled_from(kinds)), "tool": draw(maybe(st.sampled_from(["Spotting the Signs", "Other"])))}
    return _drop_none(out | draw(tally("eligible_contacts", "completed")))
