"""Every rule's embedded cases: the rule author's tests, run by the project's suite."""

from __future__ import annotations

import pytest

from compliance.app.cases import run_cases
from compliance.catalogue.loading import load_rules

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
    """Each rule shows it can be met, failed and left without evidence, its scope and its threshold."""
    from compliance.app.lint import case_problems

    problems = {r.id: case_problems(r) for r in _RULESET.rules}
    assert {k: v for k, v in problems.items() if v} == {}
