"""The filter operators of the rule language, each a registered class that owns its whole meaning.

A `where` filter or a `passes` test compares one field of a list item: `{level: 3}` (equal),
`{kind: [a, b]}` (one of), or an operator mapping such as `{completed: {within_months: 36}}`. Each
operator here says what it accepts (its argument's type, and whether that may name a parameter),
how an item is matched (three-valued: an unreported value leaves it open, never "no"), how it reads
in words, how a failing item is described, and which operator a mutation swaps it for. `Compare`,
the schema of the operator mapping, is generated from this registry, so the schema, evaluation,
words and mutation testing cannot drift apart: a test walks the registry for every hook.
"""

from __future__ import annotations

import datetime as dt
import operator as op_
import re
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Literal, Optional

from pydantic import Field, create_model

from compliance.catalogue.language import Name, Number, OneKey, Path_, Scalar
from compliance.domain import calendar
from compliance.domain.ranges import scalar


class Context:
    """What matching needs besides the item: the period and the return's other lists (for `in`)."""

    def __init__(self, doc: Any, params: dict[str, Any]):
        self.doc = doc
        self.params = params

    def list_values(self, path: str) -> list[Any] | None:
        from compliance.domain.paths import get, split

        head, tail = split(path)
        items = get(self.doc, head)
        if items is None:
            return None
        if tail is None:
            return [scalar(v) for v in items]
        return [scalar(get(i, tail)) for i in items]


def said(v: Any) -> str:
    """A reported field value in words, for a failing item's reason."""
    from compliance.domain.labels import value_label

    v = scalar(v)
    if v is None:
        return "not reported"
    if isinstance(v, int) and not isinstance(v, bool) and v in (0, 1):
        return "yes" if v else "no"
    if isinstance(v, dt.date):
        return f"{v.day} {v:%B %Y}"
    return value_label(v)


def _number_words(v: Any) -> str:
    from compliance.domain.labels import value_label

    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
        return f"{int(v):,}"
    if isinstance(v, float):
        return f"{v:g}"
    return value_label(v) if isinstance(v, str) else str(v)


class Operator:
    """One filter operator: `name` is its YAML key, `field` its attribute on `Compare`. The class
    attributes are its data; the registry holds one instance of each."""

    name: ClassVar[str]
    argument: ClassVar[Any]  # the argument's type, as pydantic validates it
    description: ClassVar[str]
    takes_parameter: ClassVar[bool]  # a text argument names one of the rule's parameters
    swap: ClassVar[str | None]  # the operator a mutation puts in its place (None: mutated through its parameter)
    needs_value: ClassVar[bool] = True  # False: an unreported value decides (recorded: not said is not recorded)
    reads_list: ClassVar[bool] = False  # the argument is the path of another list of the return

    REGISTRY: ClassVar[dict[str, Operator]] = {}

    @property
    def field(self) -> str:
        return f"{self.name}_" if self.name in ("in",) else self.name

    def resolve(self, arg: Any, params: dict[str, Any]) -> Any:
        return params[arg] if self.takes_parameter and isinstance(arg, str) else arg

    def parameter(self, arg: Any) -> str | None:
        """The parameter the argument names, if it names one."""
        return arg if self.takes_parameter and isinstance(arg, str) else None

    def test(self, have: Any, arg: Any, ctx: Context) -> bool | None:
        raise NotImplementedError

    def matches(self, have: Any, arg: Any, ctx: Context) -> bool | None:
        """True, False, or None when only an unreported value could decide."""
        if have is None and self.needs_value:
            return None
        return self.test(have, self.resolve(arg, ctx.params), ctx)

    def words(self, label: str, arg: Any, params: dict[str, Any]) -> str:
        raise NotImplementedError

    def why(self, label: str, have: Any, arg: Any, params: dict[str, Any]) -> str:
        """Why an item fails this test, in words."""
        return f"{label}: {said(have)}"

    def source(self, field: str, arg: Any) -> str:
        return f"{field} {self.name} {arg}"


def register(cls: type[Operator]) -> type[Operator]:
    Operator.REGISTRY[cls.name] = cls()
    return cls


_SIGNS = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}
_FUNCS: dict[str, Callable[[Any, Any], bool]] = {"eq": op_.eq, "ne": op_.ne, "lt": op_.lt, "lte": op_.le,
                                                  "gt": op_.gt, "gte": op_.ge}


class _Comparison(Operator):
    def test(self, have: Any, arg: Any, ctx: Context) -> bool | None:
        return _FUNCS[self.name](have, scalar(arg))

    def words(self, label: str, arg: Any, params: dict[str, Any]) -> str:
        return f"{label} {_SIGNS[self.name]} {_number_words(self.resolve(arg, params))}"


for _name, _arg, _swap, _param, _desc in (
        ("eq", Scalar, "ne", False, "Equal to this value."),
        ("ne", Scalar, "eq", False, "Not equal to this value."),
        ("lt", Number | Name, "lte", True, "Less than this number or parameter."),
        ("lte", Number | Name, "lt", True, "At most this number or parameter."),
        ("gt", Number | Name, "gte", True, "More than this number or parameter."),
        ("gte", Number | Name, "gt", True, "At least this number or parameter.")):
    register(type(f"Op_{_name}", (_Comparison,), dict(name=_name, argument=_arg, swap=_swap, takes_parameter=_param,
                                                      description=_desc)))


class _Membership(Operator):
    reads_list = True

    def matches(self, have: Any, arg: Any, ctx: Context) -> bool | None:
        ref = ctx.list_values(arg)
        if ref is None or have is None:
            return None
        return (have in ref) == (self.name == "in")

    def words(self, label: str, arg: Any, params: dict[str, Any]) -> str:
        from compliance.domain.labels import list_label, lower_first

        return f"{label} {'in' if self.name == 'in' else 'not in'} {lower_first(list_label(arg))}"


register(type("Op_in", (_Membership,), dict(name="in", argument=Path_, takes_parameter=False, swap="not_in",
                                             description="One of the values of this other list of the return.")))
register(type("Op_not_in", (_Membership,), dict(name="not_in", argument=Path_, takes_parameter=False, swap="in",
                                                 description="None of the values of this other list of the return.")))


class _Months(Operator):
    """A date's age against N months before the period end. Each operator is its calendar test and
    two phrases: what passing means, and why a date fails ('{n}' is N months in words)."""

    argument = Number | Name
    takes_parameter = True
    holds: ClassVar[Any]  # (date, period end, n) -> bool, as a staticmethod
    passing: ClassVar[str]
    failing: ClassVar[str]

    def test(self, have: Any, arg: Any, ctx: Context) -> bool | None:
        return type(self).holds(have, ctx.doc.organisation.period.end, arg)

    def _n(self, arg: Any, params: dict[str, Any]) -> str:
        n = self.resolve(arg, params)
        return f"{_number_words(n)} {'month' if n == 1 else 'months'}"

    def words(self, label: str, arg: Any, params: dict[str, Any]) -> str:
        return f"{label} {self.passing.format(n=self._n(arg, params))}"

    def why(self, label: str, have: Any, arg: Any, params: dict[str, Any]) -> str:
        if have is None:
            return f"{label}: not reported"
        return f"{label} {said(have)}, {self.failing.format(n=self._n(arg, params))}"


@register
class WithinMonths(_Months):
    name = "within_months"
    swap = "older_than_months"
    description = "The date is within this many months of the period end (inclusive; see compliance/domain/calendar.py)."
    holds = staticmethod(calendar.within_months)
    passing = "within {n} of the period end"
    failing = "more than {n} before the period end"


@register
class OlderThanMonths(_Months):
    name = "older_than_months"
    swap = "within_months"
    description = "The date is not within this many months of the period end: strictly older."
    holds = staticmethod(lambda date, end, n: not calendar.within_months(date, end, n))
    passing = "more than {n} before the period end"
    failing = "within {n}"


@register
class UnderMonths(_Months):
    name = "under_months"
    swap = "within_months"
    description = ("The date is less than this many months before the period end: strictly, so a date exactly that "
                   "many months before has been that long (a vacancy since then is not shorter).")
    holds = staticmethod(calendar.under_months)
    passing = "less than {n} before the period end"
    failing = "{n} or more before the period end"


@register
class InPeriod(Operator):
    name = "in_period"
    argument = Literal[True]
    takes_parameter = False
    swap = None
    description = "The date falls within the assessment period."

    def test(self, have: Any, arg: Any, ctx: Context) -> bool | None:
        period = ctx.doc.organisation.period
        return calendar.in_period(have, period.start, period.end)

    def words(self, label: str, arg: Any, params: dict[str, Any]) -> str:
        return f"{label} in the period"

    def why(self, label: str, have: Any, arg: Any, params: dict[str, Any]) -> str:
        return f"{label}: not reported" if have is None else f"{label} {said(have)}, outside the period"

    def source(self, field: str, arg: Any) -> str:
        return f"{field} in period"


@register
class Recorded(Operator):
    name = "recorded"
    argument = Literal[True]
    takes_parameter = False
    swap = None
    needs_value = False
    description = ("The flag is reported true. For a requirement that something be recorded (interim cover), "
                   "a flag not reported means it is not recorded: the one test where silence reads as no.")

    def test(self, have: Any, arg: Any, ctx: Context) -> bool | None:
        return scalar(have) == 1

    def words(self, label: str, arg: Any, params: dict[str, Any]) -> str:
        thing = re.fullmatch(r"whether (.+) is recorded", label)
        return f"{thing.group(1)} recorded" if thing else f"{label}: yes"

    def why(self, label: str, have: Any, arg: Any, params: dict[str, Any]) -> str:
        thing = re.fullmatch(r"whether (.+) is recorded", label)
        return f"no {thing.group(1)} recorded" if thing else f"{label}: no"

    def source(self, field: str, arg: Any) -> str:
        return f"{field} recorded"


OPERATORS: dict[str, Operator] = Operator.REGISTRY


class _CompareBase(OneKey):
    ONE_KEY = "a comparison has exactly one operator"

    @property
    def operator(self) -> Operator:
        return OPERATORS[self.op.rstrip("_") if self.op == "in_" else self.op]


def _compare_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for o in OPERATORS.values():
        alias = {"alias": o.name} if o.field != o.name else {}
        fields[o.field] = (Optional[o.argument], Field(None, description=o.description, **alias))  # type: ignore[call-overload]
    return fields


if TYPE_CHECKING:
    Compare = _CompareBase
else:
    Compare = create_model("Compare", __base__=_CompareBase, __module__=__name__, **_compare_fields())
    Compare.__doc__ = """A comparison inside a `where` filter or a `passes` test: exactly one operator (see the registry)."""


def plain_matches(have: Any, want: Any) -> bool | None:
    """The shorthand forms: a value (equal), a list (one of). None when `have` is unreported."""
    if have is None:
        return None
    if isinstance(want, list):
        return have in [scalar(w) for w in want]
    return have == scalar(want)


def field_matches(have: Any, want: Any, ctx: Context) -> bool | None:
    """One field of an item against one test of a filter (three-valued)."""
    if isinstance(want, _CompareBase):
        return want.operator.matches(have, want.arg, ctx)
    return plain_matches(have, want)


def range_matches(lo: Any, hi: Any, want: Any, ctx: Context) -> bool | None:
    """A test of a value known only to lie in [lo, hi] (a count made over a wider window than the
    standard's is at most what it says): decided when both ends agree, for the ordered tests."""
    if lo == hi:
        return field_matches(lo, want, ctx)
    if isinstance(want, _CompareBase) and want.op in _FUNCS:
        at_lo, at_hi = want.operator.matches(lo, want.arg, ctx), want.operator.matches(hi, want.arg, ctx)
        if want.op in ("eq", "ne"):
            inside = lo <= scalar(want.arg) <= hi
            return (None if inside else want.op == "ne") if at_lo is not None else None
        return at_lo if at_lo == at_hi else None
    wanted = want if isinstance(want, list) else [want]
    return None if any(isinstance(w, (int, float)) and lo <= w <= hi for w in wanted) else False


def item_matches(item: Any, where: dict[str, Any], ctx: Context,
                 upper: frozenset[str] = frozenset()) -> bool | None:
    """Whether a list item passes a filter; None when only an unreported value could decide it.

    A part of the filter that is definitely false excludes the item even when another part needs an
    unreported value: a definite "no" always decides. A field in `upper` is an upper bound (counted
    with a wider window than the standard's): its true value lies between 0 and what it says.
    """
    unknown = False
    for field, want in where.items():
        have = scalar(getattr(item, field))
        ok = range_matches(0, have, want, ctx) if field in upper and have is not None else field_matches(have, want, ctx)
        if ok is None:
            unknown = True
        elif not ok:
            return False
    return None if unknown else True


def referenced_lists(want: Any) -> list[str]:
    """The other lists of the return a test reads (`in`, `not_in`), as paths."""
    return [want.arg] if isinstance(want, _CompareBase) and want.operator.reads_list else []


def test_parameters(want: Any) -> list[str]:
    """The parameter a test names, if any."""
    if isinstance(want, _CompareBase):
        p = want.operator.parameter(want.arg)
        return [p] if p else []
    return []


def test_words(label: str, want: Any, params: dict[str, Any]) -> str:
    """A filter's test in words: 'level 3', 'service: ED or UTC', 'completed within 36 months ...'."""
    from compliance.domain.labels import value_label

    if isinstance(want, _CompareBase):
        return want.operator.words(label, want.arg, params)
    if isinstance(want, bool):
        return f"{label}: {'yes' if want else 'no'}" if label.startswith("whether") else label if want else f"not {label}"
    if isinstance(want, list):
        names = [value_label(w) if isinstance(w, str) else _number_words(w) for w in want]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        return f"{label}: {joined}"
    return f"{label} {value_label(want) if isinstance(want, str) else _number_words(want)}"


def test_why(label: str, have: Any, want: Any, params: dict[str, Any]) -> str:
    """Why an item's field fails its test, in words."""
    if isinstance(want, _CompareBase):
        return want.operator.why(label, have, want.arg, params)
    if have is None:
        return f"{label}: not reported"
    if want is True and scalar(have) == 0:
        return f"{label}: no"
    return f"{label}: {said(have)}"


def test_source(field: str, want: Any) -> str:
    if isinstance(want, _CompareBase):
        return want.operator.source(field, want.arg)
    return f"{field}={'|'.join(map(str, want)) if isinstance(want, list) else want}"


__all__ = ["OPERATORS", "Operator", "Compare", "Context", "item_matches", "field_matches", "test_words",
           "test_why", "test_source", "test_parameters", "referenced_lists", "said"]
