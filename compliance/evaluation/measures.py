"""Deriving a rule's measures from a self-assessment.

This is the only place Python looks inside the data, and it does so through the measure kinds of
`catalogue/kinds/` (one class per kind: sum, count, percent, ...). Each measure is a *range*: the
lowest and highest values it could have given what was reported (a reported value is a range of one
value). An unreported count is never read as 0; a part the model bounds by its whole (in date by
staff in post) is at most that whole; a list with some unreported items can still be decided by the
items that were reported (see the README, "Evidence semantics"). Values are exact integers and
fractions; rounding is only for display (`domain/display.py`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from compliance.catalogue.kinds import kind_of
from compliance.catalogue.kinds.base import filtered, get, label_or_name, list_path, split
from compliance.catalogue.operators import Context
from compliance.catalogue.schema import Measure, Rule
from compliance.domain.errors import Problem
from compliance.domain.model import SelfAssessment
from compliance.domain.ranges import UNDEFINED, UNKNOWN, MeasureResult, Number, Range, Value

__all__ = ["Range", "UNKNOWN", "UNDEFINED", "MeasureResult", "compute_results", "compute_ranges", "compute",
           "measure_type", "is_date", "window_problem", "describe_source", "service_count", "path_problems",
           "check_paths", "display_value", "describe_range", "Value"]


def compute_results(rule: Rule, doc: SelfAssessment, params: dict[str, Any] | None = None) -> dict[str, MeasureResult]:
    """Every measure of the rule worked out by its kind: its range and the items behind it."""
    params = rule.parameter_values() if params is None else params
    ctx = Context(doc, params)
    out: dict[str, MeasureResult] = {}
    for name, m in rule.measures.items():
        if m.derived_from:
            continue
        kind = m.spec
        result = kind.compute(m, rule, ctx)
        if m.window and not kind.listy:  # a list's items are judged each by its own window (kinds/base.windowed)
            breach = _window_breach(m, ctx)
            if breach is not None:
                r = result.range
                if breach.max and kind.counts_in_time and r.text is None and r.hi is not None:
                    capped = Range(0, r.hi)  # counted in time with a wider window: at most this many
                else:
                    capped = Range() if kind.engine_type(rule, m) == "text" else UNKNOWN
                result = MeasureResult(capped, result.sure, result.maybe, listed=result.listed, detail=result.detail)
        out[name] = result
    if len(out) == len(rule.measures):
        return out
    ranges = {n: r.range for n, r in out.items()}
    for name, m in rule.measures.items():
        if m.derived_from:
            ranges[name] = m.spec.derive(m, rule, ranges)
            out[name] = MeasureResult(ranges[name])
    return {name: out[name] for name in rule.measures}


def compute_ranges(rule: Rule, doc: SelfAssessment, params: dict[str, Any] | None = None) -> dict[str, Range]:
    """Every measure of the rule as the range of values the return allows (see Range)."""
    return {n: r.range for n, r in compute_results(rule, doc, params).items()}


def compute(rule: Rule, doc: SelfAssessment, params: dict[str, Any] | None = None) -> dict[str, Value]:
    """Every measure's reported value, `None` where the return leaves it open."""
    return {n: display_value(rule, n, r) for n, r in compute_ranges(rule, doc, params).items()}


def measure_type(rule: Rule, name: str) -> str:
    """How the engine sees a measure: 'text' (known or not), 'int' or 'frac' (a range of numbers)."""
    m = rule.measures[name]
    return kind_of(m).engine_type(rule, m)


def is_date(rule: Rule, name: str) -> bool:
    """A measure whose value is a date: a day number to the engine, a date to people."""
    return rule.measures[name].is_date


def display_value(rule: Rule, name: str, r: Range) -> Value:
    """A measure's exact value as data: a number (a share unrounded), a date as ISO text; None where
    the return does not give it exactly. How it reads is `domain/display.py`'s job."""
    v = r.value()
    if isinstance(v, int) and is_date(rule, name):
        return dt.date.fromordinal(v).isoformat()
    return v


def describe_range(r: Range, percent: bool = False, threshold: Number | None = None) -> str:
    """A range in words for a message: "at least 2", "between 1 and 3", "not reported"."""
    from compliance.domain.display import share_number

    def f(v: Number) -> str:
        if percent:
            return share_number(v, threshold)
        from fractions import Fraction

        return f"{float(v):g}" if isinstance(v, Fraction) and v.denominator != 1 else f"{int(v):,}"

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


@dataclass(frozen=True)
class _Breach:
    max: bool
    label: str
    stated: Any
    parameter: str
    want: Any
    item: Any = None


def _window_breach(m: Measure, ctx: Context) -> _Breach | None:
    """The first window the return states that differs from the rule's, or None.

    A count of things done "in time" made with a wider window (`max`) is at least the count the
    standard asks for, so it is an upper bound: it can show the standard is not met, never that it
    is. A different definition (`eq`: an age limit, "N episodes in M days") leaves it unknown.
    """
    for w in m.window or []:
        want = ctx.params[w.parameter]
        if w.path is not None:
            stated, label = [(get(ctx.doc, split(w.path)[0]), None)], w.path
        else:
            split_ = filtered(ctx.doc, m, ctx)
            items = [] if split_ is None else [i for _, i in split_[0] + split_[1]]
            stated = [(getattr(i, str(w.field)), i) for i in items]
            label = ".".join(split(m.path)[0]) + f"[].{w.field}"  # type: ignore[arg-type]
        for v, item in stated:
            if v is None or (v <= want if w.max else v == want):
                continue
            return _Breach(bool(w.max), label, v, w.parameter, want, item)
    return None


def window_problem(rule: Rule, name: str, doc: SelfAssessment, params: dict[str, Any]) -> str | None:
    """Why a reported count cannot show the rule's standard is met, in words, or None if it can."""
    from compliance.domain.display import plural
    from compliance.domain.labels import item_name, lower_first

    m = rule.measures[name]
    b = _window_breach(m, Context(doc, params))
    if b is None:
        return None
    p = rule.parameters.get(b.parameter)
    unit = (p.unit or "").strip() if p is not None else ""

    def amount(v: Any) -> str:
        n = int(v) if isinstance(v, float) and v == int(v) else v
        if unit.endswith("s") and isinstance(n, int):
            return plural(n, unit[:-1], unit)
        return f"{n} {unit}".strip()

    what, window = label_or_name(m.path), lower_first(label_or_name(b.label))  # type: ignore[arg-type]
    if b.item is not None:  # the count the item states with that window, e.g. its learning hours
        counts = [c for c, fields in getattr(type(b.item), "windows", {}).items() if b.label.rsplit(".", 1)[-1] in fields]
        if counts:
            what = label_or_name(f"{list_path(m.path)}[].{counts[0]}")  # type: ignore[arg-type]
    where = f" ({item_name(b.item)})" if b.item is not None else ""
    if b.max:
        return (f"{what}{where} was counted with {_article(window)} {window} of {amount(b.stated)}, wider than the "
                f"{amount(b.want)} the standard allows, so it cannot show the standard is met")
    return (f"{what}{where} was counted with {_article(window)} {window} of {amount(b.stated)}, not the {amount(b.want)} "
            f"the standard uses, so it cannot show the standard is met")


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeio" else "a"


def describe_source(m: Measure) -> str:
    """Where a measure comes from, as a reader would look for it in the return."""
    return kind_of(m).source(m)


def service_count(rule: Rule, doc: SelfAssessment) -> int | None:
    """How many of the rule's scoping services the organisation runs; None if services not reported."""
    if rule.applies_to.services is None:
        return None
    if doc.services is None:
        return None
    wanted = set(rule.applies_to.services)
    return sum(1 for s in doc.services if s.kind in wanted)


def check_paths(rule: Rule) -> list[str]:
    """Problems with measure paths: each must name fields of the input model."""
    return [p for name, m in rule.measures.items() for p in kind_of(m).lint(name, m)]


def path_problems(rule: Rule) -> list[Problem]:
    """`check_paths` as problems placed by the rule's line map. `rules lint` and every Evaluator
    call this one function, so a rule that lint passes never fails on a missing field while an
    organisation is assessed."""
    out = []
    for text in check_paths(rule):
        name = text.split("'")[1] if text.startswith("measure '") else ""
        loc = ("measures", name) if name else ("measures",)
        out.append(Problem(text, ".".join(loc), rule.lines.line_of(loc)))
    return out
