"""Evidence semantics: a definite "no" decides beside unreported values; shares are compared exactly.

Each example is one the catalogue got wrong before measures became ranges (issue 11).
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from compliance.app.cases import case_input
from compliance.catalogue.dependencies import with_prerequisites
from compliance.catalogue.loading import RuleSet
from compliance.catalogue.schema import Case
from compliance.domain.model import SelfAssessment
from compliance.evaluation.evaluator import Evaluator
from compliance.evaluation.measures import Range, compute_ranges
from compliance.domain.display import share_number

_evaluators: dict[str, Evaluator] = {}


def assess(ruleset, rule_id: str, data: dict, org_type: str | None = None):
    rule = ruleset.by_id[rule_id]
    if rule_id not in _evaluators:
        needed = with_prerequisites(rule, ruleset.by_id)
        _evaluators[rule_id] = Evaluator(RuleSet(needed, {r.id: ruleset.files[r.id] for r in needed}, ""))
    case = Case(name="example", input=data, expect="met", **({"org_type": org_type} if org_type else {}))
    doc = SelfAssessment.model_validate(case_input(rule, case))
    return next(f for f in _evaluators[rule_id].evaluate(doc) if f.rule_id == rule_id)


ED_LIVE = {"kind": "emergency_department", "cp_is_live": True}
TOOL = {"eligible_contacts": 10, "completed": 10}

EXAMPLES = [
    ("ALR-002", {"services": [ED_LIVE], "alerts": {"cpis_checks": {"attendances": 100_000, "checked": 94_996}}},
     "not_met"),
    ("ALR-002", {"services": [ED_LIVE], "alerts": {"cpis_checks": {"attendances": 100_000, "checked": 95_000}}}, "met"),
    ("WNB-004", {"was_not_brought": {"escalation": {"eligible": 30_000, "notified_in_time": 29_999, "window_working_days": 1}}},
     "not_met"),
    ("ALR-001", {"services": [{"kind": "emergency_department", "cp_is_live": False}, {"kind": "maternity"}]}, "not_met"),
    ("RSK-001", {"services": [{"kind": "sexual_health"}, {"kind": "school_nursing"}, {"kind": "emergency_department"}],
                 "risk_assessment": {"exploitation_tools": [
                     {"service": "sexual_health", "tool": "A", **TOOL}, {"service": "school_nursing", "tool": "B", **TOOL},
                     {"service": "emergency_department", **TOOL}]}}, "not_met"),
    ("INF-003", {"services": [{"kind": "sexual_health"}],
                 "information_sharing": {"sexual_health": {"concerns": 40, "decision_recorded": 10}}}, "not_met"),
    ("TRN-004", {"training": {"specialist_posts": [{"post": "named doctor", "learning_hours": 12, "window_years": 3},
                                                   {"post": "named nurse"}]}}, "not_met"),
]


@pytest.mark.parametrize("rule_id,data,expected", EXAMPLES, ids=[f"{r}-{e}" for r, _, e in EXAMPLES])
def test_each_example_gets_the_outcome_the_catalogue_calls_for(ruleset, rule_id, data, expected):
    assert assess(ruleset, rule_id, data).outcome.value == expected


def test_a_share_just_below_its_threshold_is_shown_below_it(ruleset):
    f = assess(ruleset, "ALR-002", EXAMPLES[0][1])
    assert f.outcome.value == "not_met" and "95%" in f.message and "95.0%" not in f.message
    assert share_number(Fraction(299_990, 3000), 100) == "99.997" and share_number(Fraction(262_00, 310)) == "84.5"


def _ranges(ruleset, rule_id: str, data: dict) -> dict[str, Range]:
    rule = ruleset.by_id[rule_id]
    doc = SelfAssessment.model_validate(case_input(rule, Case(name="example", input=data, expect="met")))
    return compute_ranges(rule, doc)


def test_ranges_keep_what_the_known_items_say(ruleset):
    tools = _ranges(ruleset, "RSK-001", EXAMPLES[4][1])
    assert tools["tools_in_use"] == Range(2, 3)  # two names known, a third service may name another
    posts = _ranges(ruleset, "TRN-004", EXAMPLES[6][1])
    assert (posts["posts"], posts["compliant"]) == (Range(2, 2), Range(0, 1))
    assert posts["share"] == Range(0, 50)
    unreported = _ranges(ruleset, "TRN-004", {})
    assert unreported["posts"] == Range(0, None)  # not reported is "0 or more", never 0


SIX = ["designated_doctor", "designated_nurse", "designated_doctor_lac", "designated_nurse_lac",
       "designated_paediatrician_child_deaths", "named_gp"]
SUPPORTED = {"filled": True, "role_description": True, "protected_time": True}


def test_an_icb_with_every_designated_post_vacant_fails_and_says_which(ruleset):
    roles = [{"role": r, "filled": False, "vacant_since": "2026-01-31"} for r in SIX]
    f = assess(ruleset, "GOV-003", {"governance": {"roles": roles}}, org_type="icb")
    assert (f.outcome.value, f.severity.value) == ("not_met", "critical")
    assert "named GP (" in f.message and "no interim cover recorded" in f.message and "named_gp" not in f.message


def test_required_posts_depend_on_the_organisation_and_its_services(ruleset):
    vacant = [{"role": r, "filled": False, "vacant_since": "2025-06-01"} for r in ("named_doctor", "named_nurse")]
    f = assess(ruleset, "GOV-002", {"services": [{"kind": "paediatrics"}], "governance": {"roles": vacant}})
    assert f.outcome.value == "not_met" and "named doctor" in f.message and "named nurse" in f.message
    posts = [{"role": r, **SUPPORTED} for r in ("named_doctor", "named_nurse", "named_professional")]
    f = assess(ruleset, "GOV-002", {"services": [{"kind": "maternity"}], "governance": {"roles": posts}})
    assert f.outcome.value == "not_met" and "named midwife (not listed)" in f.message
    f = assess(ruleset, "GOV-002", {"services": [{"kind": "paediatrics"}], "governance": {"roles": posts}})
    assert f.outcome.value == "met"


def test_a_waiver_sets_aside_only_a_requirement_that_applies(ruleset):
    """Waiving a rule that does not apply leaves it not applicable; a waived rule keeps the outcome
    it was evaluated as, as data."""
    from compliance.domain.result import Waiver
    from compliance.evaluation.evaluator import Evaluator
    from conftest import minimal_return

    ev = Evaluator(ruleset, waivers={"GOV-011": Waiver(reason="not ours"), "TRN-001": Waiver(reason="agreed")})
    doc = SelfAssessment.model_validate(minimal_return(training={"groups": [
        {"group": "All", "level": 1, "staff_in_post": 100, "in_date": 50}]}))
    found = {f.rule_id: f for f in ev.evaluate(doc)}
    assert found["GOV-011"].outcome.value == "not_applicable" and found["GOV-011"].evaluated_outcome is None
    assert found["TRN-001"].outcome.value == "waived" and found["TRN-001"].evaluated_outcome.value == "not_met"
