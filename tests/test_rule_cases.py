"""Every rule's embedded cases: the rule author's tests, run by the project's suite."""

from __future__ import annotations

import pytest

from compliance.cases import run_cases
from compliance.rules import load_rules

_RULESET = load_rules()
_CASES = [(r.id, c.name) for r in _RULESET.rules for c in r.cases]


@pytest.fixture(scope="module")
def results():
    return {(r.rule_id, r.case): r for r in run_cases(_RULESET)}


@pytest.mark.parametrize("rule_id,case", _CASES, ids=[c for _, c in _CASES])
def test_rule_case(results, rule_id, case):
    r = results[(rule_id, case)]
    assert r.actual == r.expected, f"{rule_id} case {case}: expected {r.expected}, got {r.actual} ({r.message})"


def test_every_rule_has_the_cases_its_outcomes_need():
    """Each rule shows it can be met, failed and left without evidence, and its scope."""
    for rule in _RULESET.rules:
        outcomes = {c.expect.value for c in rule.cases}
        missing = {"met", "not_met", "insufficient_evidence"} - outcomes
        scoped = (rule.applies_when is not None or rule.applies_to.services is not None
                  or len(rule.applies_to.org_types) < 6)
        if scoped:
            missing |= {"not_applicable"} - outcomes
        assert not missing, f"{rule.id} has no case expecting {sorted(missing)}"
        assert any("threshold" in c.name for c in rule.cases) or not rule.parameters, (
            f"{rule.id} has parameters but no case at its threshold (a case named *threshold*)")
