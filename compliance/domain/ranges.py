"""What a return tells about a number: the range of values it could have.

Every measure of a rule is such a range, worked out from the return by its kind
(`catalogue/kinds/`); the compiler compares bounds, and findings carry them as data. Values are
exact integers and fractions; rounding is only for display (`domain/display.py`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Any

Number = int | Fraction
Value = int | float | str | None


@dataclass(frozen=True)
class Range:
    """What the return tells about a measure: every value it could have lies in [lo, hi].

    `hi` None means no upper bound is known; a reported value has lo == hi. Every numeric measure
    is a count, a sum of counts, hours or money, a share or an age, so never below 0: an unreported
    one is [0, unbounded), never "0". A text measure (a code, a date) is either known (`text`) or not.
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


def exact(v: Number) -> Range:
    return Range(v, v)


def sum_ranges(parts: list[Range]) -> Range:
    lo = sum(p.lo or 0 for p in parts)
    hi = None if any(p.hi is None for p in parts) else sum(p.hi for p in parts)  # type: ignore[misc]
    return Range(lo, hi)


def scalar(v: Any) -> Any:
    """A reported value as the engine compares it: a code's text, a flag as 1/0."""
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, bool):
        return int(v)
    return v


def num(v: Any) -> Number | None:
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


Loc = tuple[str | int, ...]


@dataclass(slots=True)
class MeasureResult:
    """One measure worked out from one return: its range, and what lies behind it as data.

    `sure` and `maybe` are the list items the measure surely counts and those only an unreported
    value could put in it (with their positions in the list), so words can name them without
    filtering again; `missing` are the inputs still missing, as locations in the return
    (('training', 'groups', 2, 'in_date')), so a report can say where to enter each.
    """

    range: Range
    sure: tuple[tuple[int, Any], ...] = ()
    maybe: tuple[tuple[int, Any], ...] = ()
    missing: tuple[Loc, ...] = ()
    listed: bool = True  # False: the list the measure reads was not reported at all
    detail: Any = field(default=None, compare=False)  # kind-specific facts for words (e.g. each's verdicts)

    # Built for every measure of every organisation screened: not frozen (a frozen dataclass's
    # __init__ costs several times as much); nothing changes one after it is made.
