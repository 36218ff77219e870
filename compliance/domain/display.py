"""How a value reads to a person: one rule for shares and counts, used by every message and format.

A share is rounded to one decimal (2 of 3 is 66.7%), except that a share that fails its threshold is
never shown at or above it: more decimals are shown until it reads below (8,996 of 10,000 against
90% is 89.96%, not 90.0%). Outcomes never read these texts; they are decided on exact values.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

Exact = int | Fraction

_MAX_PLACES = 6


def _rounded(value: Fraction, places: int) -> Decimal:
    q = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(q, rounding=ROUND_HALF_UP)


def share_number(value: Exact | float, threshold: Exact | float | None = None) -> str:
    """A percentage's number, without the '%': one decimal, trailing '.0' dropped; when `threshold`
    is given, as many decimals as it takes to read on the same side of it as the exact value."""
    exact = Fraction(value) if not isinstance(value, float) else Fraction(repr(value))
    limit = None if threshold is None else Fraction(threshold) if not isinstance(threshold, float) else Fraction(repr(threshold))
    places = 1
    shown = _rounded(exact, places)
    def misleads(shown: Decimal) -> bool:  # reads on the wrong side of the threshold
        return limit is not None and (exact < limit) != (Fraction(shown) < limit)

    while misleads(shown) and places < _MAX_PLACES:
        places += 1
        shown = _rounded(exact, places)
    if limit is not None and exact < limit and Fraction(shown) >= limit:
        # Past six places a share this close to its threshold is cut, never rounded up to it.
        shown = Decimal(int(exact * 10**_MAX_PLACES)).scaleb(-_MAX_PLACES)
    text = f"{shown:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def share_text(value: Exact | float, threshold: Exact | float | None = None) -> str:
    """'89.96%': `share_number` with its sign."""
    return f"{share_number(value, threshold)}%"


def count_text(value: int) -> str:
    """A count with thousands separators: 31400 -> '31,400'."""
    return f"{value:,}"


def plural(n: int | Fraction, singular: str, plural_form: str | None = None) -> str:
    """'1 working day', '2 working days', '1 episode': a count with its noun agreeing."""
    word = singular if n == 1 else (plural_form or f"{singular}s")
    shown = count_text(int(n)) if isinstance(n, int) or (isinstance(n, Fraction) and n.denominator == 1) else str(float(n))
    return f"{shown} {word}"


__all__ = ["share_number", "share_text", "count_text", "plural"]
