"""Deriving a rule's measures from a self-assessment.

This is the only place Python looks inside the data: generic aggregates (sum, count, percent,
months since...) named and configured by rule files. Each measure is a *range*: the lowest and
highest values it could have given what was reported (a reported value is a range of one value).
An unreported count is never read as 0; but a list with some unreported items can still be decided
by the items that were reported (see the README, "Evidence semantics"). Values are exact integers
and fractions; rounding is only for display.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable


from compliance.domain.paths import model_at
from compliance.domain import calendar
from compliance.domain.errors import Problem, RuleError
from compliance.domain.model import SelfAssessment
from compliance.intake.documents import read_document
from compliance.catalogue.schema import Compare, Measure, Rule

Value = int | float | str | None

_MISSING = object()


@lru_cache(maxsize=4096)
def _split(path: str) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """'a.b[].c' -> (('a','b'), ('c',)); a path without [] -> (parts, None)."""
    if "[]" in path:
        head, tail = path.split("[]", 1)
        return tuple(head.split(".")), tuple(p for p in tail.split(".") if p)
    return tuple(path.split(".")), None


def _get(obj: Any, parts: Iterable[str]) -> Any:
    for part in parts:
        if obj is None:
            return None
        obj = getattr(obj, part, _MISSING)
        if obj is _MISSING:
            raise KeyError(part)
    return obj


def _scalar(v: Any) -> Any:
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, bool):
        return int(v)
    return v


def _value(v: Any) -> Any:
    """A measure's final value: dates become ISO text (use months_since to compare them)."""
    v = _scalar(v)
    return v.isoformat() if isinstance(v, dt.date) else v


_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le,
            "gt": operator.gt, "gte": operator.ge}


def _matches(item: Any, where: dict[str, Any], doc: SelfAssessment, params: dict[str, Any]) -> bool | None:
    """Whether a list item passes the filter; None when only an unreported value could decide it.

    A part of the filter that is definitely false excludes the item even when another part needs an
    unreported value: a definite "no" always decides.
    """
    unknown = False
    for field, want in where.items():
        have = _scalar(getattr(item, field))
        if isinstance(want, Compare):
            op = next(iter(want.model_fields_set))
            arg = getattr(want, op)
            if isinstance(arg, str) and op not in ("eq", "ne", "in_", "not_in"):
                arg = params[arg]
            if op == "recorded":
                ok = have == 1
            elif op in ("in_", "not_in"):
                ref = _list_values(doc, arg)
                if ref is None or have is None:
                    unknown = True
                    continue
                ok = (have in ref) == (op == "in_")
            elif have is None:
                unknown = True
                continue
            elif op == "in_period":
                ok = calendar.in_period(have, doc.organisation.period.start, doc.organisation.period.end)
            elif op == "within_months":
                ok = calendar.within_months(have, doc.organisation.period.end, arg)
            elif op == "older_than_months":
                ok = not calendar.within_months(have, doc.organisation.period.end, arg)
            else:
                ok = _COMPARE[op](have, _scalar(arg))
        elif have is None:
            unknown = True  # deciding needs a value that was not reported: never read as "no"
            continue
        elif isinstance(want, list):
            ok = have in [_scalar(w) for w in want]
        else:
            ok = have == _scalar(want)
        if not ok:
            return False
    return None if unknown else True


def _list_values(doc: SelfAssessment, path: str) -> list[Any] | None:
    head, tail = _split(path)
    items = _get(doc, head)
    if items is None:
        return None
    if tail is None:
        return [_scalar(v) for v in items]
    return [_scalar(_get(i, tail)) for i in items]


# --- ranges ---------------------------------------------------------------------------------------

Number = int | Fraction


@dataclass(frozen=True)
class Range:
    """What the return tells about a measure: every value it could have lies in [lo, hi].

    `hi` None means no upper bound is known; a reported value has lo == hi. Every numeric measure
    is a count, a sum of counts, hours or money, a share or an age, so never below 0: an
    unreported one is [0, unbounded), never "0". A text measure (a code, a date) is either known (`text`) or not. Counts, sums, hours
    and shares are never negative, so an unreported one is [0, unbounded), not "0".
    """

    lo: Number | None = None
    hi: Number | None = None
    text: str | None = None

    @property
    def exact(self) -> bool:
        return self.text is not None or (self.lo is not None and self.lo == self.hi)

    def value(self) -> Value:
        """The reported value, or None when the return leaves it open (for evidence and messages)."""
        if self.text is not None:
            return self.text
        if not self.exact:
            return None
        v = self.lo
        if isinstance(v, Fraction):
            return v.numerator if v.denominator == 1 else float(v)
        return v


UNKNOWN = Range(0, None)
UNDEFINED = Range(0, None)  # e.g. a share of nothing: no value, and so nothing decided by it


def _num(v: Any) -> Number | None:
    """A reported number as an exact one (floats by their decimal text, so 12.3 is 123/10)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, dt.date):
        return v.toordinal()  # a date is compared as its day number
    if isinstance(v, float):
        f = Fraction(repr(v))
        return f.numerator if f.denominator == 1 else f
    raise TypeError(f"not a number: {v!r}")


def _exact(v: Number) -> Range:
    return Range(v, v)


_TEXT_TYPES = (str, Enum)


@lru_cache(maxsize=4096)
def _leaf_type(path: str) -> str:
    """'text', 'flag', 'int' or 'frac' for the field a path ends at (from the input model)."""
    head, tail = _split(path)
    parts = head + (tail or ())
    model, err = model_at(SelfAssessment, parts[:-1])
    if err or model is None or parts[-1] not in model.model_fields:
        return "int"
    ann = model.model_fields[parts[-1]].annotation
    found: list[Any] = []
    stack = [ann]
    while stack:
        a = stack.pop()
        if isinstance(a, type):
            found.append(a)
        stack.extend(getattr(a, "__args__", ()) or ())
        origin = getattr(a, "__origin__", None)
        if origin is not None and isinstance(origin, type) and origin is not list:
            found.append(origin)
    found = [t for t in found if t is not type(None)]
    if any(issubclass(t, bool) for t in found):
        return "flag"
    if any(issubclass(t, dt.date) for t in found):
        return "date"
    if any(issubclass(t, _TEXT_TYPES) for t in found):
        return "text"
    if any(issubclass(t, float) for t in found):
        return "frac"
    return "int"


def measure_type(rule: Rule, name: str) -> str:
    """How the engine sees a measure: 'text' (known or not), 'int' or 'frac' (a range of numbers)."""
    m = rule.measures[name]
    kind = m.kind
    if kind in ("count", "distinct", "absent", "months_since", "year", "each"):
        return "int"
    if kind in ("percent", "min_percent"):
        return "frac"
    if kind == "total":
        return "frac" if any(measure_type(rule, n) == "frac" for n in m.total) else "int"  # type: ignore[union-attr]
    t = _leaf_type(m.path)  # type: ignore[arg-type]
    return "int" if t in ("flag", "date") else t


def is_date(rule: Rule, name: str) -> bool:
    """A measure whose value is a date: a day number to the engine, a date to people."""
    m = rule.measures[name]
    return m.kind in ("value", "min", "max") and _leaf_type(m.path) == "date"  # type: ignore[arg-type]


def _filtered(doc: SelfAssessment, m: Measure, params: dict[str, Any]) -> tuple[list[Any], list[Any]] | None:
    """(items surely in the filter, items that may be in it), or None when the list is not reported."""
    head, _ = _split(m.path)  # type: ignore[arg-type]
    items = _get(doc, head)
    if items is None:
        return None
    if not m.where:
        return list(items), []
    sure, maybe = [], []
    for item in items:
        ok = _matches(item, m.where, doc, params)
        if ok is None:
            maybe.append(item)
        elif ok:
            sure.append(item)
    return sure, maybe


def compute_ranges(rule: Rule, doc: SelfAssessment, params: dict[str, Any] | None = None) -> dict[str, Range]:
    """Every measure of the rule as the range of values the return allows (see Range)."""
    params = rule.parameter_values() if params is None else params
    out: dict[str, Range] = {}
    for name, m in rule.measures.items():
        if not m.derived_from:
            breach = _window_breach(m, doc, params) if m.window else None
            r = _range(rule, name, m, doc, params)
            if breach is None:
                out[name] = r
            elif breach.max and m.kind in ("value", "sum") and r.text is None and r.hi is not None:
                out[name] = Range(0, r.hi)  # counted in time with a wider window: at most this many
            else:
                out[name] = Range() if measure_type(rule, name) == "text" else UNKNOWN
    for name, m in rule.measures.items():
        if m.kind == "percent":
            num, den = m.percent  # type: ignore[misc]
            rest = _rest(rule, num, den)
            if rest is not None:
                out[name] = _share(out[num], _sum_ranges([out[n] for n in rest]))
            else:
                out[name] = _percent(out[num], out[den])
        elif m.kind == "total":
            parts = [out[n] for n in m.total]  # type: ignore[union-attr]
            lo = None if any(p.lo is None for p in parts) else sum(p.lo for p in parts)  # type: ignore[misc]
            hi = None if any(p.hi is None for p in parts) else sum(p.hi for p in parts)  # type: ignore[misc]
            out[name] = Range(lo, hi)
    return out


def compute(rule: Rule, doc: SelfAssessment, params: dict[str, Any] | None = None) -> dict[str, Value]:
    """Every measure's reported value, `None` where the return leaves it open (display and evidence)."""
    return display_values(rule, compute_ranges(rule, doc, params))


class Values(dict):
    """Display values of a rule's measures, carrying the ranges they came from (for messages)."""

    ranges: dict[str, Range]


def shown(v: Number) -> int | float:
    """A share for people: one decimal, cut towards zero, so a share just below a threshold is never
    shown at it (94,996 of 100,000 is 94.9%, not 95%). Outcomes never read this."""
    if isinstance(v, Fraction) and v.denominator != 1:
        return math.floor(v * 10) / 10
    return int(v)


def display_value(rule: Rule, name: str, r: Range) -> Value:
    """A measure's reported value for people: a share to one decimal (see `shown`), a date as ISO
    text; None where the return does not give it exactly."""
    v = r.value()
    if r.text is None and r.exact and rule.measures[name].kind in ("percent", "min_percent"):
        return shown(r.lo)  # type: ignore[arg-type]
    if isinstance(v, int) and is_date(rule, name):
        return dt.date.fromordinal(v).isoformat()
    return v


def display_values(rule: Rule, ranges: dict[str, Range]) -> Values:
    """Every measure's `display_value`, carrying the ranges they came from (for messages)."""
    out = Values((name, display_value(rule, name, r)) for name, r in ranges.items())
    out.ranges = ranges
    return out


def describe_range(r: Range, percent: bool = False) -> str:
    """A range in words for a message: "at least 2", "between 1 and 3", "not reported"."""
    def f(v: Number) -> str:
        x = shown(v) if percent else (float(v) if isinstance(v, Fraction) and v.denominator != 1 else v)
        return f"{x:g}" if isinstance(x, float) else str(x)

    if r.text is not None:
        return r.text
    if r.exact:
        return f(r.lo)  # type: ignore[arg-type]
    if r.hi is None:
        return "not reported" if not r.lo else f"at least {f(r.lo)}"
    if not r.lo:
        return f"at most {f(r.hi)}"
    # A count known to be at least some items: the upper bound only says how many more could be
    # (CP-IS "not live in at least 1 of 2 services"); a share keeps both ends.
    return f"between {f(r.lo)} and {f(r.hi)}" if percent else f"at least {f(r.lo)}"


def _rest(rule: Rule, num: str, den: str) -> list[str] | None:
    """When the whole is a total of the part's own measures and others: those others."""
    d = rule.measures[den]
    if d.kind != "total":
        return None
    n = rule.measures[num]
    parts = set(n.total) if n.kind == "total" else {num}  # type: ignore[arg-type]
    if not parts <= set(d.total) or parts == set(d.total):  # type: ignore[arg-type]
        return None
    return [x for x in d.total if x not in parts]  # type: ignore[union-attr]


def _sum_ranges(parts: list[Range]) -> Range:
    lo = sum(p.lo or 0 for p in parts)
    hi = None if any(p.hi is None for p in parts) else sum(p.hi for p in parts)  # type: ignore[misc]
    return Range(lo, hi)


# Larger than any count a return can hold (a list of 100 items of at most 10,000,000 each), so a
# share whose part is unbounded is still shown to be below 100% when the rest is at least 1.
_NO_COUNT_REACHES = 10**10


def _share(part: Range, rest: Range) -> Range:
    """100 x part / (part + rest): it rises with the part and falls with the rest, so the bounds
    come from the extreme values of each (the correlation a plain division of ranges would lose)."""
    a, b, c, d = part.lo or 0, part.hi, rest.lo or 0, rest.hi
    if b == 0 and d == 0:
        return UNDEFINED  # nothing at all: no share
    lo: Number = 0 if d is None or a == 0 else Fraction(100 * a, a + d)
    big = _NO_COUNT_REACHES if b is None else b
    hi = Fraction(100 * big, big + c) if big + c > 0 else Fraction(100)
    return Range(lo, hi)


def _percent(num: Range, den: Range) -> Range:
    """100 x num / den over the ranges of both; no value when the whole is known to be 0."""
    if num.text is not None or den.text is not None:
        return UNDEFINED
    if den.hi == 0:
        return UNDEFINED
    a, b, c, d = num.lo, num.hi, den.lo, den.hi
    lo: Number | None
    if a is None:
        lo = None
    elif d is None:
        lo = 0 if a >= 0 else None
    else:
        lo = Fraction(100 * a, d) if d > 0 else None
    hi = Fraction(100 * b, c) if b is not None and c is not None and c > 0 else None
    return Range(lo, hi)


def _range(rule: Rule, name: str, m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> Range:
    kind = m.kind
    if kind in ("value", "year", "months_since"):
        v = _get(doc, _split(m.path)[0])  # type: ignore[arg-type]
        if kind == "year" and v is not None:
            v = v.year
        elif kind == "months_since" and v is not None:
            v = calendar.months_elapsed(v, doc.organisation.period.end)
        if measure_type(rule, name) == "text":
            return Range(text=_value(v)) if v is not None else Range()
        if v is None:
            return Range(0, 1) if _leaf_type(m.path) == "flag" and kind == "value" else UNKNOWN  # type: ignore[arg-type]
        return _exact(_num(_scalar(v)))  # type: ignore[arg-type]
    if kind == "each":
        return _each_range(m, doc, params)
    split = _filtered(doc, m, params)
    if kind == "min_percent":
        return UNDEFINED if split is None else _min_percent(m, *split)
    if split is None:
        if kind == "absent":
            return Range(0, len(m.values))  # type: ignore[arg-type]
        if measure_type(rule, name) == "text" or kind in ("min", "max"):
            return UNDEFINED if measure_type(rule, name) != "text" else Range()
        return UNKNOWN
    sure, maybe = split
    if kind == "count":
        return Range(len(sure), len(sure) + len(maybe))
    _, tail = _split(m.path)  # type: ignore[arg-type]
    sure_v = [_scalar(_get(i, tail or ())) for i in sure]
    maybe_v = [_scalar(_get(i, tail or ())) for i in maybe]
    unknown_n = sum(v is None for v in sure_v + maybe_v)
    if kind == "absent":
        wanted = {_scalar(v) for v in m.values}  # type: ignore[union-attr]
        surely = {v for v in sure_v if v is not None}
        possibly = surely | {v for v in maybe_v if v is not None}
        return Range(max(0, len(wanted - possibly) - unknown_n), len(wanted - surely))
    if kind == "distinct":
        known = {v for v in sure_v if v is not None}
        lo = len(known) or (1 if any(v is None for v in sure_v) else 0)
        return Range(lo, len(known | {v for v in maybe_v if v is not None}) + unknown_n)
    if measure_type(rule, name) == "text":  # min or max of dates or codes: known only when all are
        if maybe or unknown_n or not sure_v:
            return Range()
        return Range(text=_value(min(sure_v) if kind == "min" else max(sure_v)))
    sure_n = [_num(v) for v in sure_v]
    maybe_n = [_num(v) for v in maybe_v]
    known_sure = [v for v in sure_n if v is not None]
    known_all = known_sure + [v for v in maybe_n if v is not None]
    if kind == "sum":
        lo = sum(known_sure)
        return Range(lo, None if unknown_n else lo + sum(v for v in maybe_n if v is not None))
    if not sure:
        return UNDEFINED  # the minimum or maximum of possibly nothing
    if kind == "min":
        lo = min(known_all + ([0] if unknown_n else []))
        return Range(lo, min(known_sure) if known_sure else None)
    lo = max(known_sure) if known_sure else 0
    return Range(lo, None if unknown_n else max(known_all))


def _listed(entry: Any, params: dict[str, Any]) -> list[Any]:
    if entry is None:
        return []
    return [_scalar(v) for v in (params[entry] if isinstance(entry, str) else entry)]


def required_values(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """(values surely required, values that may be): the latter when the services are not reported."""
    req = m.required
    assert req is not None
    sure = _listed(req.always, params) + _listed(req.org_types.get(doc.organisation.type), params)
    maybe: list[Any] = []
    if req.services:
        if doc.services is None:
            maybe = [v for e in req.services.values() for v in _listed(e, params)]
        else:
            run = {s.kind for s in doc.services}
            sure += [v for kind, e in req.services.items() if kind in run for v in _listed(e, params)]
    sure = list(dict.fromkeys(sure))
    return sure, [v for v in dict.fromkeys(maybe) if v not in sure]


def _passes(item: Any, m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> bool | None:
    """An item passes when one alternative of `passes` surely holds, fails when none can."""
    results = [_matches(item, alt, doc, params) for alt in m.passes]  # type: ignore[union-attr]
    if True in results:
        return True
    return None if None in results else False


def each_verdicts(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> list[tuple[Any, bool, bool | None, Any]] | None:
    """Per required value: (value, surely required, passes (None: not known), its item or None)."""
    items = _get(doc, _split(m.path)[0])  # type: ignore[arg-type]
    if items is None:
        return None
    sure, maybe = required_values(m, doc, params)
    unkeyed = any(getattr(i, m.key) is None for i in items)  # type: ignore[arg-type]
    out = []
    for value, surely in [(v, True) for v in sure] + [(v, False) for v in maybe]:
        mine = [i for i in items if _scalar(getattr(i, m.key)) == value]  # type: ignore[arg-type]
        verdicts = [_passes(i, m, doc, params) for i in mine]
        if True in verdicts:
            out.append((value, surely, True, mine[verdicts.index(True)]))
        elif None in verdicts or unkeyed:
            out.append((value, surely, None, mine[0] if mine else None))
        else:
            out.append((value, surely, False, mine[0] if mine else None))
    return out


def _each_range(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> Range:
    """How many required values fail: surely required and surely failing, up to all not surely passing."""
    verdicts = each_verdicts(m, doc, params)
    if verdicts is None:
        sure, maybe = required_values(m, doc, params)
        return Range(0, len(sure) + len(maybe))
    lo = sum(1 for _, surely, ok, _ in verdicts if surely and ok is False)
    return Range(lo, sum(1 for _, _, ok, _ in verdicts if ok is not True))


def _label(m: Measure, value: Any) -> str:
    return (m.labels or {}).get(str(value)) or str(value).replace("_", " ")


def _said(v: Any) -> str:
    v = _scalar(v)
    if v is None:
        return "not reported"
    if isinstance(v, int) and not isinstance(v, bool) and v in (0, 1):
        return "yes" if v else "no"
    if isinstance(v, dt.date):
        return f"{v.day} {v:%B %Y}"
    from compliance.domain.labels import value_label

    return value_label(v)


def _why(item: Any, m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> str:
    """The tests an item fails, in words (the fields' labels), from the alternative its first field selects."""
    from compliance.domain.labels import label_of, lower_first

    if item is None:
        return "not listed"
    list_path = ".".join(_split(m.path)[0])  # type: ignore[arg-type]
    alts = m.passes or []
    first = [alt for alt in alts if _matches(item, dict(list(alt.items())[:1]), doc, params)]
    alt = (first or alts)[0]
    out = []
    for field, want in list(alt.items()):
        if _matches(item, {field: want}, doc, params) is True:
            continue
        have = getattr(item, field)
        label = lower_first(label_of(f"{list_path}[].{field}"))
        if field == "filled" and _scalar(have) == 0:
            out.append("vacant")
        elif isinstance(want, Compare) and want.op in ("within_months", "older_than_months") and have is not None:
            n = getattr(want, want.op)
            n = params.get(n, n) if isinstance(n, str) else n
            out.append(f"{label} {_said(have)}, more than {n} months before the period end"
                       if want.op == "within_months" else f"{label} {_said(have)}, within {n} months")
        elif isinstance(want, Compare) and want.op == "recorded":  # not said is not recorded
            thing = re.fullmatch(r"whether (.+) is recorded", label)
            out.append(f"no {thing.group(1)} recorded" if thing else f"{label}: no")
        elif have is None:
            out.append(f"{label}: not reported")
        elif want is True and _scalar(have) == 0:
            out.append(f"{label}: no")
        else:
            out.append(f"{label}: {_said(have)}")
    return "; ".join(out) or "does not pass"


def describe_each(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> str:
    """The required values that fail, each with why, then those the return leaves open."""
    verdicts = each_verdicts(m, doc, params)
    if verdicts is None:
        return "none listed (the list was not reported)"
    failing = [f"{_label(m, v)} ({_why(item, m, doc, params)})" for v, surely, ok, item in verdicts if surely and ok is False]
    open_ = [_label(m, v) for v, surely, ok, _ in verdicts if ok is None or (ok is False and not surely)]
    text = "; ".join(failing) if failing else "none"
    if open_:
        text += f" (not known for {', '.join(open_)})"
    return text


def _min_percent(m: Measure, sure: list[Any], maybe: list[Any]) -> Range:
    """The lowest share over the list's items, or over groups of them (`by`: parts and wholes added
    up per value of that field). A group whose whole is 0 has no share. An item that may belong to a
    group (its filter or its `by` field unreported) can move that group's share only between its
    own share and the group's, since a pooled share is a weighted average of the two: so a group
    that fails with every item that could join it still fails.
    """
    part, whole = m.fields  # type: ignore[misc]
    items = sure + maybe
    pw = [(_num(_get(i, (part,))), _num(_get(i, (whole,)))) for i in items]
    cap: Number | None = 100 if items and getattr(type(items[0]), "bounds", {}).get(part) == whole else None

    def key(n: int, item: Any) -> Any:
        return ("item", n) if m.by is None else _scalar(_get(item, (m.by,)))

    groups: dict[Any, list[int]] = {}
    joiners: dict[Any, list[int]] = {}  # key (None: any group) -> items that may join it
    for n, item in enumerate(items):
        k = key(n, item)
        (groups if n < len(sure) and k is not None else joiners).setdefault(k, []).append(n)

    def share(n: int) -> tuple[Number, Number | None] | None:
        p, w = pw[n]
        if w == 0:
            return None
        if p is not None and w is not None:
            s = Fraction(100 * p) / w
            return s, s
        return 0, cap

    lows: list[Number] = []
    highs: list[Number | None] = []
    for k, members in groups.items():
        parts = [pw[n][0] for n in members]
        wholes = [pw[n][1] for n in members]
        w_lo = sum(w for w in wholes if w is not None)
        w_hi = None if None in wholes else w_lo
        if w_hi == 0:
            continue  # a share of nothing is not a share
        p_lo = sum(p for p in parts if p is not None)
        p_hi = None if None in parts else p_lo
        lo: Number = Fraction(100 * p_lo) / w_hi if w_hi else 0
        hi: Number | None = Fraction(100 * p_hi) / w_lo if p_hi is not None and w_lo else cap
        for j in joiners.get(k, []) + (joiners.get(None, []) if m.by is not None else []):
            js = share(j)
            if js is not None:
                lo = min(lo, js[0])
                hi = None if hi is None or js[1] is None else max(hi, js[1])
        lows.append(lo)
        if w_lo:
            highs.append(hi)
    lows += [s[0] for js in joiners.values() for j in js for s in [share(j)] if s is not None]
    if not highs:
        return UNDEFINED
    known_highs = [h for h in highs if h is not None]
    return Range(min(lows), min(known_highs) if known_highs else None)


@dataclass(frozen=True)
class _Breach:
    max: bool
    label: str
    stated: Any
    parameter: str
    want: Any
    item: Any = None


def _window_breach(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> _Breach | None:
    """The first window the return states that differs from the rule's, or None.

    A count of things done "in time" made with a wider window (`max`) is at least the count the
    standard asks for, so it is an upper bound: it can show the standard is not met, never that it
    is. A different definition (`eq`: an age limit, "N episodes in M days") leaves it unknown.
    """
    for w in m.window or []:
        want = params[w.parameter]
        if w.path is not None:
            stated, label = [(_get(doc, _split(w.path)[0]), None)], w.path
        else:
            split = _filtered(doc, m, params)
            items = [] if split is None else split[0] + split[1]
            stated = [(getattr(i, w.field), i) for i in items]
            label = ".".join(_split(m.path)[0]) + f"[].{w.field}"  # type: ignore[arg-type]
        for v, item in stated:
            if v is None or (v <= want if w.max else v == want):
                continue
            return _Breach(bool(w.max), label, v, w.parameter, want, item)
    return None


def window_problem(rule: Rule, name: str, doc: SelfAssessment, params: dict[str, Any]) -> str | None:
    """Why a reported count cannot show the rule's standard is met, in words, or None if it can."""
    from compliance.domain.labels import item_name, label_of, lower_first

    m = rule.measures[name]
    b = _window_breach(m, doc, params)
    if b is None:
        return None
    p = rule.parameters.get(b.parameter)
    unit = (p.unit or "").strip() if p is not None else ""

    def amount(v: Any) -> str:
        return f"{_fmt_number(v)} {unit}".strip()

    try:
        what = label_of(m.path)  # type: ignore[arg-type]
        window = lower_first(label_of(b.label))
    except KeyError:  # a path outside the model: lint reports it
        what, window = "A count", "its window"
    where = f" ({item_name(b.item)})" if b.item is not None else ""
    if b.max:
        return (f"{what}{where} was counted with a {window} of {amount(b.stated)}, wider than the "
                f"{amount(b.want)} the standard allows, so it cannot show the standard is met")
    return (f"{what}{where} was counted with a {window} of {amount(b.stated)}, not the {amount(b.want)} "
            f"the standard uses, so it cannot show the standard is met")


def _fmt_number(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v == int(v) else str(v)


def describe_source(m: Measure) -> str:
    """Where a measure comes from, as a reader would look for it in the return."""
    if m.kind == "percent":
        return f"{m.percent[0]} / {m.percent[1]}"  # type: ignore[index]
    if m.kind == "total":
        return " + ".join(m.total)  # type: ignore[arg-type]
    if m.kind == "each":
        return f"each required {m.key} of {m.path}"
    text = m.path or ""
    if m.where:
        conds = []
        for k, v in m.where.items():
            if isinstance(v, Compare):
                op = next(iter(v.model_fields_set))
                conds.append(f"{k} {op.rstrip('_')} {getattr(v, op)}")
            else:
                conds.append(f"{k}={'|'.join(map(str, v)) if isinstance(v, list) else v}")
        text = text.replace("[]", f"[{', '.join(conds)}]", 1)
    if m.fields:
        text += f" {m.fields[0]}/{m.fields[1]}"
    return f"{m.kind}({text})" + (f" of {', '.join(map(str, m.values))}" if m.values else "")


def service_count(rule: Rule, doc: SelfAssessment) -> int | None:
    """How many of the rule's scoping services the organisation runs; None if services not reported."""
    if rule.applies_to.services is None:
        return None
    if doc.services is None:
        return None
    wanted = set(rule.applies_to.services)
    return sum(1 for s in doc.services if s.kind in wanted)


def path_problems(rule: Rule, file: Path | None) -> list[Problem]:
    """`check_paths` as located problems. `rules lint` and every Evaluator call this one function,
    so a rule that lint passes never fails on a missing field while an organisation is assessed."""
    texts = check_paths(rule)
    if not texts:
        return []
    doc = None
    if file is not None:
        try:
            doc = read_document(file, RuleError, max_bytes=256 * 1024)
        except RuleError:
            doc = None
    out = []
    for text in texts:
        name = text.split("'")[1] if text.startswith("measure '") else ""
        loc = ("measures", name) if name else ("measures",)
        out.append(Problem(text, ".".join(loc), doc.line_of(loc) if doc else None))
    return out


def check_paths(rule: Rule) -> list[str]:
    """Problems with measure paths: each must name fields of the input model."""
    problems = []
    for name, m in rule.measures.items():
        paths = [m.path] if m.path else []
        if m.where:
            paths += [getattr(v, op) for v in m.where.values() if isinstance(v, Compare)
                      for op in v.model_fields_set if op in ("in_", "not_in")]
        for path in paths:
            err = _check_path(path)
            if err:
                problems.append(f"measure '{name}': {err}")
        item_fields = [("where", f) for f in (m.where or {})] + [("passes", f) for alt in (m.passes or []) for f in alt]
        item_fields += [("key", m.key)] if m.key else []
        if item_fields and m.path:
            item_model = _item_model(m.path)
            for label, field in item_fields:
                if item_model is not None and field not in item_model.model_fields and field not in item_model.model_computed_fields:
                    problems.append(f"measure '{name}': '{label}' field '{field}' is not a field of the list items")
    return problems


def _walk(path_parts: Iterable[str]) -> tuple[Any, str | None]:
    return model_at(SelfAssessment, path_parts)


def _check_path(path: str) -> str | None:
    head, tail = _split(path)
    model, err = _walk(head)
    if err:
        return f"{path}: {err}"
    if tail:
        if model is None:
            return f"{path}: '{head[-1]}' is not a list of records"
        model, err = model_at(model, tail)
        if err:
            return f"{path}: {err}"
    return None


def _item_model(path: str) -> Any:
    head, _ = _split(path)
    model, _ = _walk(head)
    return model


def matching_items(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> list[Any] | None:
    """The list items a list measure surely counts (after its filter), so a message can name them;
    None for a measure that is not over a list or whose list was not reported. Items that only an
    unreported value could put in the filter are left out: a message names what is known."""
    if m.path is None or "[]" not in m.path:
        return None
    split = _filtered(doc, m, params)
    return None if split is None else split[0]


def possible_items(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> list[Any]:
    """The list items only an unreported value could put in the measure's filter."""
    split = _filtered(doc, m, params) if m.path is not None and "[]" in m.path else None
    return [] if split is None else split[1]


def absent_values(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> list[Any] | None:
    """The values of an `absent` measure surely missing from the list (no item, sure or possible,
    holds them), or None when the list was not reported."""
    split = _filtered(doc, m, params)
    if split is None:
        return None
    _, tail = _split(m.path)  # type: ignore[arg-type]
    present = {_scalar(_get(i, tail or ())) for i in split[0] + split[1]}
    if None in present:
        return []  # an item with an unreported value could be any of them
    return [v for v in m.values or [] if _scalar(v) not in present]


def missing_fields(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> list[str]:
    """What a reader must fill in for an unknown measure, in words: the label of each missing field
    and, for a list, which item lacks it ('Maternity: whether CP-IS is live')."""
    from compliance.domain.labels import item_name, label_of, lower_first

    if m.path is None:
        return []
    head, tail = _split(m.path)
    if tail is None:
        return [label_of(m.path)]
    list_path = ".".join(head)
    items = _get(doc, head)
    if items is None:
        return [label_of(list_path)]
    if m.kind == "each":
        return _each_gaps(m, doc, params, list_path)
    out: list[str] = []
    for want in (m.where or {}).values():
        if isinstance(want, Compare) and want.model_fields_set & {"in_", "not_in"}:
            ref = want.in_ or want.not_in
            if _list_values(doc, ref) is None:  # type: ignore[arg-type]
                out.append(label_of(".".join(_split(ref)[0])))  # type: ignore[arg-type]
    needed = list(tail) if tail else list(m.fields or ())
    for item in items:
        gaps = [f for f in (m.where or {}) if _scalar(getattr(item, f)) is None]
        if not gaps and _matches(item, m.where or {}, doc, params) is False:
            continue
        if not gaps:
            gaps = [f for f in needed if _get(item, (f,)) is None]
        out += [f"{item_name(item)}: {lower_first(label_of(f'{list_path}[].{f}'))}" for f in gaps]
    if not out:
        out.append(f"{label_of(list_path)} (no entry of the kind this requirement reads)")
    return list(dict.fromkeys(out))


def _each_gaps(m: Measure, doc: SelfAssessment, params: dict[str, Any], list_path: str) -> list[str]:
    """For an `each` measure left open: the services (when which items are required depends on
    them), and per required item the fields its tests need that were not reported."""
    from compliance.domain.labels import label_of, lower_first

    verdicts = each_verdicts(m, doc, params) or []
    out: list[str] = []
    if any(not surely for _, surely, ok, _ in verdicts if ok is not True):
        out.append(label_of("services"))
    for value, surely, ok, item in verdicts:
        if ok is not None or not surely:
            continue
        if item is None:
            out.append(f"{label_of(list_path)}: {lower_first(label_of(f'{list_path}[].{m.key}'))}")
            continue
        alts = m.passes or []
        first = [alt for alt in alts if _matches(item, dict(list(alt.items())[:1]), doc, params)]
        fields = [f for f in (first or alts)[0] if getattr(item, f) is None] or [
            f for alt in alts for f in alt if getattr(item, f) is None]
        out += [f"{_label(m, value)[:1].upper()}{_label(m, value)[1:]}: {lower_first(label_of(f'{list_path}[].{f}'))}"
                for f in dict.fromkeys(fields)]
    return list(dict.fromkeys(out)) or [label_of(list_path)]
