"""Every rule's embedded cases: the rule author's tests, run by the project's suite."""

from __future__ import annotations

import pytest

from ruamel.yaml import YAML

from compliance.app.cases import run_cases
from compliance.catalogue.files import AREA_FOLDER, BUNDLED_RULES


def _case_ids() -> list[tuple[str, str]]:
    """(rule id, case name) straight from the rule files, so that collecting these tests loads no
    rules (loading would write the rule cache before any fixture can redirect it)."""
    out = []
    for path in sorted(BUNDLED_RULES.rglob("*.yaml")):
        if path.relative_to(BUNDLED_RULES).parts[0] != AREA_FOLDER:
            data = YAML(typ="safe").load(path.read_text())
            out += [(data["id"], c["name"]) for c in data.get("cases") or []]
    return out


_CASES = _case_ids()


@pytest.fixture(scope="module")
def results(ruleset):
    return {(r.rule_id, r.case): r for r in run_cases(ruleset)}


def test_the_cases_collected_are_the_cases_the_rules_load_with(ruleset):
    assert sorted(_CASES) == sorted((r.id, c.name) for r in ruleset.rules for c in r.cases)


@pytest.mark.parametrize("rule_id,case", _CASES, ids=[c for _, c in _CASES])
def test_rule_case(results, rule_id, case):
    r = results[(rule_id, case)]
    assert r.actual == r.expected, f"{rule_id} case {case}: expected {r.expected}, got {r.actual} ({r.message})"


def test_every_rule_has_the_cases_its_outcomes_need(ruleset):
    """Each rule shows it can be met, failed and left without evidence, its scope and its threshold."""
    from compliance.app.lint import case_problems

    problems = {r.id: case_problems(r) for r in ruleset.rules}
    assert {k: v for k, v in problems.items() if v} == {}
