"""Properties the findings must have for a board or an inspector to rely on them (hypothesis).

* Decisiveness: a definite "no" decides. A list item that by itself fails the rule makes the rule
  `not_met`, whatever else the list holds, unreported values included: so adding it never turns
  `not_met` into `met` or `insufficient_evidence`, and never leaves a rule without evidence.
* Exactness: outcomes are decided on exact values. One below an exact threshold is never met, and
  exactly at it always is, however large the counts (rounding a share to two decimals before
  comparing it lets 29,999 of 30,000 pass a 100% threshold).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import minimal_return

from compliance.catalogue.dependencies import with_prerequisites
from compliance.catalogue.loading import RuleSet
from compliance.domain.model import SelfAssessment
from compliance.evaluation.evaluator import Evaluator

_EVALUATORS: dict[str, Evaluator] = {}


def evaluator_for(ruleset: RuleSet, rule_id: str) -> Evaluator:
    """The rule with its prerequisites only: a tenth of the cost of the whole catalogue per example."""
    if rule_id not in _EVALUATORS:
        needed = with_prerequisites(ruleset.by_id[rule_id], ruleset.by_id)
        _EVALUATORS[rule_id] = Evaluator(RuleSet(needed, {r.id: ruleset.files[r.id] for r in needed}, ruleset.digest))
    return _EVALUATORS[rule_id]


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """A value, or None for 'not reported' (the key is then left out)."""
    return st.none() | strategy


def reported(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None}


def outcome(ruleset: RuleSet, rule_id: str, org_type: str, sections: dict[str, Any]) -> tuple[str, str]:
    data = minimal_return(**sections)
    data["organisation"]["type"] = org_type
    evaluator = evaluator_for(ruleset, rule_id)
    finding = next(f for f in evaluator.evaluate(SelfAssessment.model_validate(data)) if f.rule_id == rule_id)
    return finding.outcome.value, finding.message


# --- decisiveness -----------------------------------------------------------------------------------

CHILD_SERVICES = ["emergency_department", "urgent_treatment_centre", "maternity", "paediatrics", "sexual_health",
                  "camhs", "school_nursing"]


@dataclass(frozen=True)
class Decisive:
    """A rule, a list it reads, arbitrary items of that list, and one item that fails the rule alone."""

    rule_id: str
    org_type: str
    items: st.SearchStrategy  # lists of items, known and unknown values mixed
    failing: dict[str, Any]
    sections: Callable[[list[dict[str, Any]]], dict[str, Any]]  # the list -> the return's sections


def _services_with_cp_is_live():
    kinds = st.sampled_from(["emergency_department", "urgent_treatment_centre", "maternity", "adult_acute"])
    item = st.fixed_dictionaries({"kind": kinds, "cp_is_live": maybe(st.booleans())}).map(reported)
    return st.lists(item, max_size=4, unique_by=lambda s: s["kind"])


def _specialist_posts():
    item = st.fixed_dictionaries({"post": st.sampled_from(["named nurse", "named midwife", "named professional"]),
                                  "learning_hours_3y": maybe(st.integers(0, 60))}).map(reported)
    return st.lists(item, max_size=4)


def _partnerships():
    dates = st.dates(dt.date(2023, 1, 1), dt.date(2026, 3, 31)).map(dt.date.isoformat)
    item = st.fixed_dictionaries({"section11_submitted": maybe(dates), "overdue_red_actions": maybe(st.integers(0, 3))})
    return st.lists(item, max_size=4).map(
        lambda xs: [reported({"name": f"P{i}", **x}) for i, x in enumerate(xs)])


def _level_3_groups():
    # The floor is per service, its lines added up: a paediatric line, or one whose service is not
    # reported, could lift the failing paediatric line, so the other lines are of other services.
    item = st.fixed_dictionaries({
        "service": st.sampled_from([s for s in CHILD_SERVICES if s != "paediatrics"] + ["adult_acute"]),
        "staff_in_post": st.integers(1, 400),
        "in_date": maybe(st.floats(0, 1)),
    })

    def group(i: int, x: dict[str, Any]) -> dict[str, Any]:
        in_date = None if x["in_date"] is None else round(x["in_date"] * x["staff_in_post"])
        return reported({"group": f"G{i}", "level": 3, "service": x["service"], "staff_in_post": x["staff_in_post"],
                         "in_date": in_date})

    return st.lists(item, max_size=4).map(lambda xs: [group(i, x) for i, x in enumerate(xs)])


def _exploitation_tools():
    item = st.fixed_dictionaries({
        "service": st.sampled_from(["sexual_health", "school_nursing", "camhs", "looked_after_children"]),
        "tool": maybe(st.just("Spotting the Signs")),
        "eligible_contacts": st.integers(1, 500),
        "completed": maybe(st.floats(0, 1)),
    })

    def tool(x: dict[str, Any]) -> dict[str, Any]:
        completed = None if x["completed"] is None else round(x["completed"] * x["eligible_contacts"])
        return reported({**x, "completed": completed})

    return st.lists(item, max_size=4, unique_by=lambda t: t["service"]).map(lambda xs: [tool(x) for x in xs])


def _tools_sections(tools: list[dict[str, Any]]) -> dict[str, Any]:
    run = sorted({t["service"] for t in tools} | {"emergency_department"})
    return {"services": [{"kind": k} for k in run], "risk_assessment": {"exploitation_tools": tools}}


DECISIVE = [
    Decisive("ALR-001", "acute", _services_with_cp_is_live(), {"kind": "paediatrics", "cp_is_live": False},
             lambda services: {"services": services}),
    Decisive("TRN-004", "acute", _specialist_posts(), {"post": "named doctor", "learning_hours_3y": 12},
             lambda posts: {"training": {"specialist_posts": posts}}),
    Decisive("GOV-005", "acute", _partnerships(),
             {"name": "Stale", "section11_submitted": "2021-06-30", "overdue_red_actions": 0},
             lambda partnerships: {"governance": {"partnerships": partnerships}}),
    Decisive("TRN-003", "acute", _level_3_groups(),
             {"group": "Paediatric nurses", "level": 3, "service": "paediatrics", "staff_in_post": 100, "in_date": 0},
             lambda groups: {"training": {"groups": groups}}),
    Decisive("RSK-001", "acute", _exploitation_tools(),
             {"service": "emergency_department", "tool": "Spotting the Signs", "eligible_contacts": 100, "completed": 0},
             _tools_sections),
]
@pytest.mark.parametrize("case", [pytest.param(c, id=c.rule_id) for c in DECISIVE])
@given(data=st.data())
def test_a_definitely_failing_item_decides_whatever_else_the_list_holds(ruleset, case, data):
    items = data.draw(case.items, label="other items")
    position = data.draw(st.integers(0, len(items)), label="where the failing item goes")
    with_failing = items[:position] + [case.failing] + items[position:]
    got, message = outcome(ruleset, case.rule_id, case.org_type, case.sections(with_failing))
    assert got == "not_met", f"{case.rule_id}: {got} ({message})"


# --- exactness --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A rule deciding on `part / whole >= threshold %`, and the return that reports part and whole."""

    rule_id: str
    org_type: str
    sections: Callable[[int, int], dict[str, Any]]  # (part, whole) -> the return's sections


SHARES = [
    Share("WNB-004", "acute", lambda p, w: {"was_not_brought": {"escalation": {
        "eligible": w, "notified_within_1_working_day": p}}}),
    Share("TRN-001", "acute", lambda p, w: {"training": {"groups": [{
        "group": "all staff", "level": 1, "staff_in_post": w, "in_date": p}]}}),
    Share("INF-002", "acute", lambda p, w: {"information_sharing": {"conferences": {
        "invited": w, "attended_or_reported": p}}}),
    Share("RSK-003", "acute", lambda p, w: {"risk_assessment": {"voice_of_child": {
        "audited": w, "voice_recorded": p}}}),
]
# Large wholes are where rounding decides: 1 short of 95% of 100,000 is 94.999%, which rounds to 95.00.
WHOLES = st.integers(1, 100) | st.integers(20_000, 1_000_000)


def _needed(whole: int, threshold: int | float) -> int:
    """The smallest part whose share of whole reaches threshold %, in exact integer arithmetic."""
    from fractions import Fraction

    exact = Fraction(whole) * Fraction(str(threshold)) / 100
    return -(-exact.numerator // exact.denominator)


@pytest.mark.parametrize("share", [pytest.param(s, id=s.rule_id) for s in SHARES])
@given(whole=WHOLES)
def test_one_below_an_exact_threshold_is_never_met_and_at_it_always_is(ruleset, share, whole):
    threshold = ruleset.by_id[share.rule_id].parameter_values()["threshold"]
    needed = _needed(whole, threshold)
    at, message = outcome(ruleset, share.rule_id, share.org_type, share.sections(needed, whole))
    assert at == "met", f"{share.rule_id}: {needed} of {whole} at {threshold}%: {at} ({message})"
    if needed > 0:
        below, message = outcome(ruleset, share.rule_id, share.org_type, share.sections(needed - 1, whole))
        assert below == "not_met", f"{share.rule_id}: {needed - 1} of {whole} below {threshold}%: {below} ({message})"
