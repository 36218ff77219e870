"""Running the test cases embedded in rule files.

A case is an input fragment merged onto a minimal valid return (so a case says only what matters to
its rule) and the outcome the rule must give. The same runner serves the test suite and
`safeguard rules test`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from compliance.evaluation.evaluator import Evaluator
from compliance.domain.model import SelfAssessment
from compliance.catalogue.schema import Case, Rule
from compliance.catalogue.loading import RuleSet

BASE_RETURN: dict[str, Any] = {
    "schema_version": "2",
    "organisation": {
        "id": "CASE1",
        "name": "Rule case organisation",
        "type": "acute",
        "local_authorities": ["LA1"],
        "period": {"start": "2025-04-01", "end": "2026-03-31"},
    },
}


def merge(base: Any, fragment: Any) -> Any:
    """Deep-merge mappings; anything else in the fragment replaces the base."""
    if isinstance(base, dict) and isinstance(fragment, dict):
        out = dict(base)
        for k, v in fragment.items():
            out[k] = merge(base.get(k), v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(fragment)


def case_input(rule: Rule, case: Case) -> dict[str, Any]:
    data = merge(BASE_RETURN, case.input)
    org_type = case.org_type or rule.applies_to.org_types[0]
    data["organisation"] = {**data["organisation"], "type": org_type.value}
    return data


@dataclass
class CaseResult:
    rule_id: str
    case: str
    expected: str
    actual: str
    message: str

    @property
    def passed(self) -> bool:
        return self.expected == self.actual


def run_cases(ruleset: RuleSet, only: set[str] | None = None) -> list[CaseResult]:
    """Every case of every rule (or of the rules in `only`), each rule alone with the case's parameters.

    A rule with `depends_on` runs with its prerequisites (at their defaults) on the same input, so
    its cases show how the dependency plays out.
    """
    from compliance.catalogue.dependencies import with_prerequisites

    results = []
    for rule in ruleset.rules:
        if only is not None and rule.id not in only:
            continue
        needed = with_prerequisites(rule, ruleset.by_id)
        single = RuleSet(needed, {r.id: ruleset.files[r.id] for r in needed}, ruleset.digest)
        evaluators: dict[str, Evaluator] = {}
        for case in rule.cases:
            key = repr(sorted(case.parameters.items()))  # list parameters are not hashable
            if key not in evaluators:
                evaluators[key] = Evaluator(single, {rule.id: dict(case.parameters)})
            expected = case.expect.value + (f"/{case.severity.value}" if case.severity else "")
            data = case_input(rule, case)
            try:
                doc = SelfAssessment.model_validate(data)
            except ValidationError as e:
                results.append(CaseResult(rule.id, case.name, expected, "invalid-input", invalid_input(e, data)))
                continue
            finding = next(f for f in evaluators[key].evaluate(doc) if f.rule_id == rule.id)
            actual = finding.outcome.value + (f"/{finding.severity.value}" if case.severity else "")
            results.append(CaseResult(rule.id, case.name, expected, actual, finding.message))
    return results


def area_case_returns(case: Any) -> list[SelfAssessment]:
    """An area case's organisations, each merged onto the minimal return, all in area LA1."""
    docs = []
    for fragment in case.organisations:
        data = merge(BASE_RETURN, fragment)
        org = data["organisation"]
        org.setdefault("name", f"Organisation {org['id']}")
        org["local_authorities"] = ["LA1"]
        docs.append(SelfAssessment.model_validate(data))
    return docs


def invalid_input(e: ValidationError, data: Any = None) -> str:
    """A case's input that is not a valid return, said as where and what in the return's own words
    (with "did you mean" for a misspelt field; the case is the author's to fix)."""
    from compliance.catalogue.explain import explain

    if data is None:
        return "the case's input is not a valid return: " + "; ".join(
            f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors())
    return "the case's input is not a valid return: " + "; ".join(
        p.render() for p in explain(SelfAssessment, e, None, data=data))


def run_area_cases(rules: list) -> list[CaseResult]:
    """Every embedded case of the area rules, each area evaluated alone."""
    from compliance.evaluation.area import AreaEvaluator

    evaluator = AreaEvaluator(rules)
    out = []
    for rule in evaluator.rules:
        for case in rule.cases:
            try:
                docs = area_case_returns(case)
            except ValidationError as e:  # the rule author's case, not a crash of ours
                out.append(CaseResult(rule.id, case.name, case.expect.value, "invalid-input", invalid_input(e)))
                continue
            verdict, _ = evaluator.evaluate(docs)[rule.id]
            out.append(CaseResult(rule.id, case.name, case.expect.value, verdict.outcome.value,
                                  "; ".join(verdict.failing + verdict.unknown)))
    return out
