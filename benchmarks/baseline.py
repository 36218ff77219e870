"""A plain-Python evaluator of the same rules: the speed baseline and a cross-check of the engine.

It interprets each rule's gates and condition directly over the same measures. It is deliberately
simple and is not used by the product; benchmarks compare against it, and they fail loudly if its
outcomes ever differ from the engine's.
"""

from __future__ import annotations

from typing import Any

from compliance.measures import compute, service_count
from compliance.model import SelfAssessment
from compliance.rules import Arith, Condition, Rule, Text, condition_names

_CMP = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b}
_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b}


def _operand(o: Any, env: dict[str, Any]) -> Any:
    if isinstance(o, bool):
        return int(o)
    if isinstance(o, (int, float)):
        return o
    if isinstance(o, Text):
        return o.text
    if isinstance(o, Arith):
        a, b = (_operand(x, env) for x in getattr(o, o.op))
        return _ARITH[o.op](a, b)
    return env[o]


def holds(c: Condition, env: dict[str, Any]) -> bool:
    if c.op == "all":
        return all(holds(x, env) for x in c.all)
    if c.op == "any":
        return any(holds(x, env) for x in c.any)
    if c.op == "not":
        return not holds(c.not_, env)
    left, right = getattr(c, c.op)
    return _CMP[c.op](env[left], _operand(right, env))


def outcome(rule: Rule, doc: SelfAssessment, params: dict[str, Any]) -> tuple[str, str]:
    """(outcome, severity) of one rule, by direct interpretation."""
    values = compute(rule, doc, params)
    env = {**params, **{k: v for k, v in values.items() if v is not None}, "org_type": doc.organisation.type.value}

    def missing(c: Condition) -> bool:
        return any(n in rule.measures and values.get(n) is None for n in condition_names(c))

    if doc.organisation.type not in rule.applies_to.org_types:
        return "not_applicable", rule.severity.value
    if rule.applies_to.services is not None:
        count = service_count(rule, doc)
        if count is None:
            return "insufficient_evidence", rule.severity.value
        if count == 0:
            return "not_applicable", rule.severity.value
    if rule.applies_when is not None:
        if missing(rule.applies_when):
            return "insufficient_evidence", rule.severity.value
        if not holds(rule.applies_when, env):
            return "not_applicable", rule.severity.value
    if missing(rule.condition):
        return "insufficient_evidence", rule.severity.value
    if holds(rule.condition, env):
        return "met", rule.severity.value
    esc = rule.escalate
    if esc is not None and not missing(esc.when) and holds(esc.when, env):
        return "not_met", esc.severity.value
    return "not_met", rule.severity.value


def evaluate(rules: list[Rule], params: dict[str, dict[str, Any]], doc: SelfAssessment) -> dict[str, tuple[str, str]]:
    return {r.id: outcome(r, doc, params[r.id]) for r in rules}
