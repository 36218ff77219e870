"""Which unreported measures could still change a rule's outcome: the to-dos worth asking for.

The engine decides the outcome; this only words what is left to do. A to-do must be for an input
whose value could matter, given the organisation and the values it did report: an acute trust is
never asked about primary-care guardian access (GOV-008 asks it only of ICBs), an ICB never for the
services it runs where INF-005 judges an ICB on both services whatever it runs. The rule's gate and
condition are walked with three-valued logic over the reported ranges (the same bounds the engine
matches on); a part already decided by reported values cuts off everything under it, and the
measures read by the undecided comparisons that remain are the live ones. Where a comparison is not
understood here it is left undecided, so a to-do is never dropped by doubt.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from typing import Any

from compliance.catalogue.schema import Arith, Condition, Rule, Text
from compliance.domain.ranges import MeasureResult, Range

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FLIP = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte", "eq": "eq", "ne": "ne"}


def live_measures(rule: Rule, results: dict[str, MeasureResult], params: dict[str, Any],
                  org_type: str | None) -> set[str]:
    """The rule's measures (and those they are derived from) whose values could still change its
    outcome. A gate (`applies_when`) still open keeps its own measures live, and the condition's
    (the rule might apply); a gate decided false leaves nothing live."""
    walk = _Walk(rule, results, params, org_type)
    live: set[str] = set()
    gate = True if rule.applies_when is None else walk.truth(rule.applies_when, live)
    if gate is not False:
        walk.truth(rule.condition, live)
    out: set[str] = set()
    stack = list(live)
    while stack:
        name = stack.pop()
        if name in out or name not in rule.measures:
            continue
        out.add(name)
        stack.extend(rule.measures[name].derived_from)
    return out


class _Walk:
    def __init__(self, rule: Rule, results: dict[str, MeasureResult], params: dict[str, Any], org_type: str | None):
        self.rule, self.results, self.params, self.org_type = rule, results, params, org_type

    def truth(self, cond: Condition, live: set[str]) -> bool | None:
        """True, False or None (undecided); the measures of undecided comparisons not cut off by a
        decided `all`/`any` go into `live`."""
        op = cond.op
        if op == "not":
            inner = self.truth(cond.not_, live)  # type: ignore[arg-type]
            return None if inner is None else not inner
        if op in ("all", "any"):
            decisive = op == "any"  # any: one true part decides; all: one false part decides
            found: set[str] = set()
            undecided = False
            for part in getattr(cond, op):
                mine: set[str] = set()
                t = self.truth(part, mine)
                if t is decisive:
                    return t  # decided: nothing under it can change it
                if t is None:
                    undecided = True
                    found |= mine
            if undecided:
                live |= found
                return None
            return not decisive
        left, right = getattr(cond, op)
        t = self._compare(op, left, right)
        if t is None:
            live.update(self._names(left) | self._names(right))
        return t

    def _names(self, o: Any) -> set[str]:
        if isinstance(o, Arith):
            return {n for x in getattr(o, o.op) for n in self._names(x)}
        if isinstance(o, str) and not isinstance(o, bool) and o in self.rule.measures:
            return {o}
        return set()

    def _range(self, o: Any) -> Range | None:
        """What an operand can be: a constant as an exact range, a measure's range; None when not
        understood here (arithmetic over measures)."""
        if isinstance(o, bool):
            return Range(int(o), int(o))
        if isinstance(o, (int, float)):
            return Range(Fraction(o), Fraction(o))
        if isinstance(o, Text):
            return Range(text=o.text)
        if isinstance(o, str):
            if o == "org_type":
                return Range(text=self.org_type) if self.org_type is not None else Range()
            if o in self.rule.measures:
                return self.results[o].range if o in self.results else Range()
            p = self.params.get(o)
            if isinstance(p, bool):
                return Range(int(p), int(p))
            if isinstance(p, (int, float)):
                return Range(Fraction(p), Fraction(p))
            if isinstance(p, dt.date):
                return Range(text=p.isoformat())
            if isinstance(p, str):
                return Range(text=p)
        if isinstance(o, Arith):
            a, b = (self._range(x) for x in getattr(o, o.op))
            if a is None or b is None or not (a.exact and b.exact) or a.text is not None or b.text is not None:
                return None
            x, y = Fraction(a.lo or 0), Fraction(b.lo or 0)
            if o.op == "div":
                return None if y == 0 else Range(x / y, x / y)
            v = {"add": x + y, "sub": x - y, "mul": x * y}[o.op]
            return Range(v, v)
        return None

    def _compare(self, op: str, left: str, right: Any) -> bool | None:
        a, b = self._range(left), self._range(right)
        if a is None or b is None:
            return None
        if a.text is not None or b.text is not None:
            if a.text is None or b.text is None:
                return None
            if op in ("eq", "ne"):
                return (a.text == b.text) == (op == "eq")
            if not (_ISO.match(a.text) and _ISO.match(b.text)):
                return None
            x, y = (a.text, b.text) if op in ("gt", "gte") else (b.text, a.text)  # ISO dates order as text
            return x > y if op in ("gt", "lt") else x >= y
        if a.lo is None or b.lo is None:
            return None  # a value that is neither reported nor bounded (a text or date left open)
        if op in ("lt", "lte"):  # a < b is b > a
            a, b, op = b, a, _FLIP[op]
        a_lo, b_lo = Fraction(a.lo), Fraction(b.lo)  # type: ignore[arg-type]
        a_hi = None if a.hi is None else Fraction(a.hi)
        b_hi = None if b.hi is None else Fraction(b.hi)
        if op in ("gt", "gte"):
            strict = op == "gt"
            if b_hi is not None and (a_lo > b_hi if strict else a_lo >= b_hi):
                return True
            if a_hi is not None and (a_hi <= b_lo if strict else a_hi < b_lo):
                return False
            return None
        if a.exact and b.exact:  # eq / ne
            same = a_lo == b_lo
        elif (a_hi is not None and a_hi < b_lo) or (b_hi is not None and b_hi < a_lo):
            same = False
        else:
            return None
        return same == (op == "eq")
