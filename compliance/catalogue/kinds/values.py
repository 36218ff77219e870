"""Measures of one reported value: the value itself, the year of a date, a date's age in months."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

from compliance.catalogue.kinds.base import Measure, Rule, unit_at, Kind, bounded_part, get, label_or_name, leaf_type, register, split
from compliance.catalogue.operators import Context
from compliance.domain.labels import distinct_label
from compliance.domain.ranges import UNKNOWN, Loc, MeasureResult, Range, exact, num, scalar



class _Single(Kind):
    listy = False

    def read(self, v: Any, ctx: Context) -> Any:
        return v

    def compute(self, m: Measure, rule: Rule, ctx: Context) -> MeasureResult:
        head, _ = split(m.path)  # type: ignore[arg-type]
        v = get(ctx.doc, head)
        if v is not None:
            v = self.read(v, ctx)
        if self.engine_type(rule, m) == "text":
            return MeasureResult(Range(text=_text(v)) if v is not None else Range())
        if v is not None:
            return MeasureResult(exact(num(scalar(v))))  # type: ignore[arg-type]
        return MeasureResult(self.unreported(m, ctx))

    def unreported(self, m: Measure, ctx: Context) -> Range:
        return UNKNOWN

    def missing(self, m: Measure, result: MeasureResult, ctx: Context) -> list[tuple[Loc, str]]:
        return [(split(m.path)[0], distinct_label(m.path))]  # type: ignore[arg-type]

    def names(self, m: Measure, result: MeasureResult, ctx: Context) -> str:
        return "not reported"  # a single value names no items


def _text(v: Any) -> Any:
    import datetime as dt

    v = scalar(v)
    return v.isoformat() if isinstance(v, dt.date) else v


@register
class Value(_Single):
    name = "value"
    description = "A single reported value (booleans become 1/0)."
    counts_in_time = True
    extras = frozenset({"on_or_after"})

    def compute(self, m: Measure, rule: Rule, ctx: Context) -> MeasureResult:
        result = super().compute(m, rule, ctx)
        if m.on_or_after is None:
            return result
        cut, period = ctx.params[m.on_or_after], ctx.doc.organisation.period
        if period.end < cut:
            return MeasureResult(exact(0))  # nothing in the period falls on or after the date
        if period.start >= cut or result.range == exact(0):
            return result
        return MeasureResult(Range(0, result.range.hi))  # the period contains the date: any part of it

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.catalogue.operators import said
        from compliance.domain.labels import lower_first

        text = label_or_name(m.path)  # type: ignore[arg-type]
        if m.on_or_after is None:
            return text
        return f"{text}, on or after {said(params.get(m.on_or_after))}" if params.get(m.on_or_after) else lower_first(text)

    def unreported(self, m: Measure, ctx: Context) -> Range:
        if leaf_type(m.path) == "flag":  # type: ignore[arg-type]
            return Range(0, 1)
        # A part of a whole the return does give (reviewed in time, of all reviewed) is at most that whole.
        head, _ = split(m.path)  # type: ignore[arg-type]
        cap = bounded_part(get(ctx.doc, head[:-1]), head[-1])
        return UNKNOWN if cap is None else Range(0, cap)

    def engine_type(self, rule: Rule, m: Measure) -> str:
        t = leaf_type(m.path)  # type: ignore[arg-type]
        return "int" if t in ("flag", "date") else t

    def is_date(self, m: Measure) -> bool:
        return leaf_type(m.path) == "date"  # type: ignore[arg-type]

    def unit(self, m: Measure) -> str | None:
        return unit_at(m.path)  # type: ignore[arg-type]



@register
class Year(_Single):
    name = "year"
    description = "The calendar year of a date (for cut-over dates)."

    def read(self, v: Any, ctx: Context) -> Any:
        return v.year

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.domain.labels import lower_first

        return f"Year of {lower_first(label_or_name(m.path))}"  # type: ignore[arg-type]


@register
class MonthsSince(_Single):
    name = "months_since"
    description = "Age of a date at the period end in months: `age <= N` exactly when the date is within N months."

    def read(self, v: Any, ctx: Context) -> Any:
        from compliance.domain import calendar

        return calendar.months_elapsed(v, ctx.doc.organisation.period.end)

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.domain.labels import lower_first

        return f"Months from {lower_first(label_or_name(m.path))} to the period end"  # type: ignore[arg-type]


@register
class InForce(Kind):
    """Why a kind and not a condition on the period's dates: comparing the period with a date in the
    rule would more than double the engine rules a check compiles to (the engine has a cap per rule);
    worked out here once, it is one more bounded value, and a period that spans the date is simply
    either version, so the engine's three-valued matching decides it exactly when both versions agree."""

    name = "in_force"
    description = ("Which version of a requirement changed on a date parameter judges the period: 1 from the date "
                   "on, 0 before it, either for a period spanning it.")

    def check(self, m: Measure) -> None:
        if m.where is not None or m.window is not None:
            raise PydanticCustomError("measure_where", "'in_force' reads a date parameter: no 'where' or 'window'")

    def path(self, m: Measure) -> str | None:
        return None

    def compute(self, m: Measure, rule: Rule, ctx: Context) -> MeasureResult:
        cut = _date(ctx.params[m.in_force])
        period = ctx.doc.organisation.period
        if period.end < cut:
            return MeasureResult(exact(0))
        if period.start >= cut:
            return MeasureResult(exact(1))
        return MeasureResult(Range(0, 1))

    def unit(self, m: Measure) -> str | None:
        return "flag"

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.catalogue.operators import said

        return f"The requirement as in force from {said(params.get(m.in_force))}"

    def missing(self, m: Measure, result: MeasureResult, ctx: Context) -> list[tuple[Loc, str]]:
        return []  # nothing to enter: the period decides it

    def value_words(self, m: Measure, r: Range) -> str | None:
        return None if r.exact else "either (the period spans the date)"

    def why_open(self, rule: Rule, m: Measure, ctx: Context) -> str | None:
        """Why the value is open, for the message: the period spans the date."""
        from compliance.catalogue.operators import said

        period = ctx.doc.organisation.period
        return (f"the period ({said(period.start)} to {said(period.end)}) spans {said(_date(ctx.params[m.in_force]))}, "
                "when the requirement changed, so only an answer both versions agree on decides it")

    def source(self, m: Measure) -> str:
        return f"in_force({m.in_force})"

    def lint(self, name: str, m: Measure) -> list[str]:
        return []


def _date(v: Any) -> Any:
    import datetime as dt

    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
