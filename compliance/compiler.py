"""Compiling rules into durable-rules rulesets (durable-rules' own data form).

Each rule becomes a handful of single-pattern engine rules that partition every possible fact:
one per way the rule can be out of scope or short of evidence, one for `met`, and one (or two,
with an escalated severity) for `not_met`. The partition is built, not hoped for:

* a gate (organisation type, services, `applies_when`) or the condition contributes its own
  negation, computed here by De Morgan, so the engine never needs `$not` patterns, whose result
  depends on the order facts arrive in (see ../shared/durable-rules-notes.md);
* a branch that reads a measure first requires it present (`$ex`); "some measure missing" is its
  own branch (`$nex`), so a missing value can never fall through to `met` or `not_met`;
* every disjunction is emitted in disjoint form, a | (~a & b) | (~a & ~b & c): durable-rules fires
  an action once for *each* alternative of an `$or` that holds, so overlapping alternatives would
  yield the same outcome twice (found while writing MIS-001; not in the library's notes);
* every pattern is anchored on the fact's `t` (the rule id), so no pattern can match the
  session-state object the engine re-asserts after actions;
* every emitted condition object has exactly one key, and every operator comes from the closed
  table below: durable-rules silently ignores all keys but the first and treats an unknown
  operator as a property name.

The engine layer checks at run time that each rule produced exactly one outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .rules import Arith, Condition, Outcome, Rule, Severity, Text

MAX_RULES_PER_RULESET = 40  # far below the 512 conditions under one node that hang registration

_OPS = {"eq": "$eq", "ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
_NEGATED = {"eq": "ne", "ne": "eq", "lt": "gte", "gte": "lt", "gt": "lte", "lte": "gt"}
_ARITH = {"add": "$add", "sub": "$sub", "mul": "$mul", "div": "$div"}
_FOLD = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
         "div": lambda a, b: a / b}
# Every operator the compiler may emit; a test checks compiled rulesets use nothing else.
EMITTED_OPERATORS = frozenset(_OPS.values()) | frozenset(_ARITH.values()) | {"$and", "$or", "$ex", "$nex", "$m", "$l", "$r"}


@dataclass(frozen=True)
class Branch:
    """What it means when an engine rule fires."""

    rule_id: str
    outcome: Outcome
    gate: str  # org_type | services | applies_when | condition | escalate
    severity: Severity


@dataclass
class CompiledChunk:
    definition: dict[str, dict[str, Any]]  # engine rule name -> {"all": [...]}, without actions
    branches: dict[str, Branch]
    rule_ids: list[str]


class CompileError(ValueError):
    pass


def compile_rules(rules: list[Rule], params: dict[str, dict[str, Any]]) -> list[CompiledChunk]:
    chunks = []
    for start in range(0, len(rules), MAX_RULES_PER_RULESET):
        part = rules[start : start + MAX_RULES_PER_RULESET]
        definition: dict[str, dict[str, Any]] = {}
        branches: dict[str, Branch] = {}
        for rule in part:
            for i, (pattern, branch) in enumerate(compile_rule(rule, params[rule.id])):
                name = f"{rule.id}#{i}"
                definition[name] = {"all": [{"m": pattern}]}
                branches[name] = branch
        chunks.append(CompiledChunk(definition, branches, [r.id for r in part]))
    return chunks


def compile_rule(rule: Rule, params: dict[str, Any]) -> list[tuple[dict[str, Any], Branch]]:
    """The rule's branches as (durable pattern, meaning) pairs; exactly one matches any fact."""
    c = _Compiler(rule, params)
    out: list[tuple[dict[str, Any], Branch]] = []
    prefix: list[dict[str, Any]] = [{"t": rule.id}]

    def branch(outcome: Outcome, gate: str, severity: Severity | None = None) -> Branch:
        return Branch(rule.id, outcome, gate, severity or rule.severity)

    gates: list[tuple[str, list[str], Condition | dict[str, Any]]] = []
    all_types = set(rule.applies_to.org_types)
    from .model import OrgType

    if all_types != set(OrgType):
        gates.append(("org_type", [], {"$or": [{"$eq": {"org_type": t.value}} for t in rule.applies_to.org_types]}))
    if rule.applies_to.services is not None:
        gates.append(("services", ["svc_count"], {"$gt": {"svc_count": 0}}))
    if rule.applies_when is not None:
        gates.append(("applies_when", c.measures_in(rule.applies_when), rule.applies_when))

    for gate, needed, test in gates:
        if needed:
            out.append((_and(prefix + [_any_missing(needed)]), branch(Outcome.insufficient_evidence, gate)))
            prefix = prefix + [_present(n) for n in needed]
        positive = test if isinstance(test, dict) else c.expr(test)
        negative = _negate_raw(test) if isinstance(test, dict) else c.expr(test, negate=True)
        out.append((_and(prefix + [negative]), branch(Outcome.not_applicable, gate)))
        prefix = prefix + [positive]

    needed = c.measures_in(rule.condition)
    if needed:
        out.append((_and(prefix + [_any_missing(needed)]), branch(Outcome.insufficient_evidence, "condition")))
    base = prefix + [_present(n) for n in needed]
    out.append((_and(base + [c.expr(rule.condition)]), branch(Outcome.met, "condition")))
    failed = base + [c.expr(rule.condition, negate=True)]
    if rule.escalate is None:
        out.append((_and(failed), branch(Outcome.not_met, "condition")))
    else:
        extra = [n for n in c.measures_in(rule.escalate.when) if n not in needed]
        when = c.expr(rule.escalate.when)
        unless = c.expr(rule.escalate.when, negate=True)
        escalated = failed + [_present(n) for n in extra] + [when]
        plain = failed + [_disjoint(([(_any_missing(extra), _and([_present(n) for n in extra]))] if extra else [])
                                    + [(unless, when)])]
        out.append((_and(escalated), branch(Outcome.not_met, "escalate", rule.escalate.severity)))
        out.append((_and(plain), branch(Outcome.not_met, "condition")))
    return out


def _and(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _present(name: str) -> dict[str, Any]:
    return {"$ex": {name: 1}}


def _any_missing(names: list[str]) -> dict[str, Any]:
    return _disjoint([({"$nex": {n: 1}}, _present(n)) for n in names])


def _disjoint(alternatives: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """An $or whose alternatives cannot hold together, from (alternative, its negation) pairs."""
    return _or([_and([neg for _, neg in alternatives[:i]] + [pos]) for i, (pos, _) in enumerate(alternatives)])


def _negate_raw(test: dict[str, Any]) -> dict[str, Any]:
    """Negation of the compiler's own gate tests (an $or of $eq, or a single $gt)."""
    (op, arg), = test.items()
    if op == "$or":
        return _and([{"$neq": x["$eq"]} for x in arg])
    if op == "$gt":
        return {"$lte": arg}
    raise CompileError(f"cannot negate {op}")


class _Compiler:
    def __init__(self, rule: Rule, params: dict[str, Any]):
        self.rule = rule
        self.params = params

    def measures_in(self, cond: Condition) -> list[str]:
        from .rules import condition_names

        return [n for n in condition_names(cond) if n in self.rule.measures]

    def expr(self, cond: Condition, negate: bool = False) -> dict[str, Any]:
        op = cond.op
        if op == "not":
            return self.expr(cond.not_, not negate)  # type: ignore[arg-type]
        if op in ("all", "any"):
            children = getattr(cond, op)
            if (op == "all") != negate:
                return _and([self.expr(x, negate) for x in children])
            return _disjoint([(self.expr(x, negate), self.expr(x, not negate)) for x in children])
        left, right = getattr(cond, op)
        if negate:
            op = _NEGATED[op]
        return {_OPS[op]: {left: self.operand(right)}}

    def operand(self, o: Any) -> Any:
        if isinstance(o, bool):
            return int(o)
        if isinstance(o, (int, float)):
            return o
        if isinstance(o, Text):
            return o.text
        if isinstance(o, str):
            if o in self.rule.measures:
                return {"$m": o}
            value = self.params[o]
            return int(value) if isinstance(value, bool) else value
        if isinstance(o, Arith):
            a, b = (self.operand(x) for x in getattr(o, o.op))
            if not isinstance(a, dict) and not isinstance(b, dict):
                if o.op == "div" and b == 0:
                    raise CompileError(f"{self.rule.id}: division by zero in a condition")
                return _FOLD[o.op](a, b)
            return {_ARITH[o.op]: {"$l": a, "$r": b}}
        raise CompileError(f"{self.rule.id}: unsupported operand {o!r}")
