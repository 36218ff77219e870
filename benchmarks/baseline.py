"""A plain-Python evaluator of the same rules: the speed baseline and a cross-check of the engine.

It interprets each rule's gates and condition directly over the same measures. It is deliberately
simple and is not used by the product; benchmarks compare against it, and they fail loudly if its
outcomes ever differ from the engine's.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from compliance.evaluation.measures import Range, compute_ranges, service_count
from compliance.domain.model import SelfAssessment
from compliance.catalogue.schema import Arith, Condition, Rule, Text

_CMP = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b}
_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b}


def _operand(o: Any, env: dict[str, Any]) -> Any:
    if isinstance(o, bool):
        return int(o)
    if isinstance(o, (int, float)):
        return Fraction(repr(o)) if isinstance(o, float) else o
    if isinstance(o, Text):
        return o.text
    if isinstance(o, Arith):
        a, b = (_operand(x, env) for x in getattr(o, o.op))
        if a is None or b is None:
            return None
        return _ARITH[o.op](Fraction(a), Fraction(b))
    v = env.get(o)
    if isinstance(v, dt.date):
        return v.toordinal()
    if isinstance(v, Range):
        return v.value() if v.exact else None
    return Fraction(repr(v)) if isinstance(v, float) else v


def _bounds(o: Any, env: dict[str, Any]) -> tuple[Any, Any] | None:
    """(lowest, highest) an operand can be, None for open; None when it is not a range or a number."""
    if isinstance(o, str) and isinstance(env.get(o), Range) and env[o].text is None:
        r = env[o]
        return r.lo if r.lo is not None else 0, r.hi
    if isinstance(o, (Arith, bool, int, float)) or (isinstance(o, str) and o in env and not isinstance(env[o], (Range, str))):  # noqa: E501
        if isinstance(o, Arith) and any(isinstance(env.get(n), Range) for n in _names(o)):
            return None
        v = _operand(o, env)
        return None if v is None or isinstance(v, str) else (v, v)
    return None


def _names(o: Any) -> list[str]:
    if isinstance(o, Arith):
        return [n for x in getattr(o, o.op) for n in _names(x)]
    return [o] if isinstance(o, str) else []


def holds(c: Condition, env: dict[str, Any]) -> bool | None:
    """Three-valued: True, False, or None when the values the return allows do not decide it.

    A measure is a range (lowest, highest); a comparison with a number holds when every value in
    the range passes, fails when none does. Arithmetic over measures needs them reported exactly.
    """
    if c.op in ("all", "any"):
        results = [holds(x, env) for x in getattr(c, c.op)]
        decisive = c.op == "any"  # a True decides `any`, a False decides `all`
        if decisive in results:
            return decisive
        return None if None in results else not decisive
    if c.op == "not":
        r = holds(c.not_, env)
        return None if r is None else not r
    left, right = getattr(c, c.op)
    lb, rb = _bounds(left, env), _bounds(right, env)
    if lb is not None and rb is not None:
        (a_lo, a_hi), (b_lo, b_hi) = lb, rb
        def ge(x: Any, y: Any) -> bool:  # x >= y, None meaning +infinity on either side
            return x is None or (y is not None and x >= y)

        def gt(x: Any, y: Any) -> bool:
            return y is not None and (x is None or x > y)
        if c.op in ("gte", "gt", "lte", "lt"):
            cmp = ge if c.op in ("gte", "lte") else gt
            if c.op in ("gte", "gt"):
                yes, no = cmp(a_lo, b_hi) if b_hi is not None else False, not cmp(a_hi, b_lo)
            else:
                yes, no = cmp(b_lo, a_hi) if a_hi is not None else False, not cmp(b_hi, a_lo)
            return True if yes else False if no else None
        same = a_hi is not None and b_hi is not None and a_lo == a_hi == b_lo == b_hi
        apart = (b_hi is not None and a_lo > b_hi) or (a_hi is not None and a_hi < b_lo)
        r = True if same else False if apart else None
        return r if c.op == "eq" else (None if r is None else not r)
    a, b = _operand(left, env), _operand(right, env)
    if a is None or b is None:
        return None
    return _CMP[c.op](a, b)


def outcome(rule: Rule, doc: SelfAssessment, params: dict[str, Any]) -> tuple[str, str]:
    """(outcome, severity) of one rule, by direct interpretation."""
    env = {**params, **compute_ranges(rule, doc, params), "org_type": doc.organisation.type.value}
    sev = rule.severity.value
    if doc.organisation.type not in rule.applies_to.org_types:
        return "not_applicable", sev
    if rule.applies_to.services is not None:
        count = service_count(rule, doc)
        if count is None:
            return "insufficient_evidence", sev
        if count == 0:
            return "not_applicable", sev
    if rule.applies_when is not None:
        r = holds(rule.applies_when, env)
        if r is None:
            return "insufficient_evidence", sev
        if not r:
            return "not_applicable", sev
    r = holds(rule.condition, env)
    if r is None:
        return "insufficient_evidence", sev
    if r:
        return "met", sev
    if rule.escalate is not None and holds(rule.escalate.when, env):
        return "not_met", rule.escalate.severity.value
    return "not_met", sev


def evaluate(rules: list[Rule], params: dict[str, dict[str, Any]], doc: SelfAssessment) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    by_id = {r.id: r for r in rules}

    def solve(r: Rule) -> tuple[str, str]:  # prerequisites first; ids are acyclic once loaded
        if r.id not in out:
            if any(solve(by_id[p])[0] == "not_applicable" for p in r.depends_on):
                out[r.id] = ("not_applicable", r.severity.value)
            else:
                out[r.id] = outcome(r, doc, params[r.id])
        return out[r.id]

    for r in rules:
        solve(r)
    return {r.id: out[r.id] for r in rules}


def area_outcome(rule: Any, docs: list[SelfAssessment], params: dict[str, Any]) -> str:
    """An area rule's outcome by direct interpretation: the oracle for the engine's joins."""
    from compliance.evaluation.area import gather, silence_matters

    g = gather(rule, docs, params)
    items, listings = g.items, g.listings
    fail, unknown = False, False
    for it in items:
        env = {**params, **{k: v for k, v in it.values.items() if v is not None}}
        verdict = holds(rule.check, env) if rule.check is not None else True
        fail |= verdict is False
        unknown |= verdict is None
    for f in rule.same:
        known = {it.values[f] for it in items if it.values.get(f) is not None}
        fail |= len(known) > 1
        unknown |= any(it.values.get(f) is None for it in items)
    if rule.listed_by is not None:
        codes = {code for _, code in listings}
        if not listings:
            unknown |= bool(items)
        else:
            fail |= any(it.org_id not in codes for it in items)
    req = rule.items.required
    if req is not None:
        listed = {(it.org_id, str(it.values.get(req.key))) for it in items}
        fail |= any((org, key) not in listed for org, _, key in g.required)
    applicable = bool(items) or bool(g.required)
    if rule.requires is not None:
        present = {str(it.values.get(rule.requires.field)) for it in items}
        applicable = any(str(v) in present for v in rule.requires.when) if rule.requires.when else bool(items)
        gap = applicable and any(str(v) not in present for v in rule.requires.values)
        fail |= gap and not g.unreported  # an organisation that did not report might run it
        unknown |= (gap or not applicable) and bool(g.unreported)
    unknown |= silence_matters(rule) and bool(g.unreported)
    return ("not_met" if fail else "insufficient_evidence" if unknown
            else "not_applicable" if not applicable else "met")
