"""The one display rule for shares: one decimal for people, and never on the wrong side of the
threshold the share is judged against (a property over all shares and thresholds)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, strategies as st

from compliance.domain.display import plural, share_number, share_text

shares = st.builds(lambda p, w: Fraction(100 * p, w), st.integers(0, 10**7), st.integers(1, 10**7))
thresholds = st.one_of(st.integers(0, 100), st.fractions(0, 100, max_denominator=1000))


@given(shares, thresholds)
def test_a_share_reads_on_the_same_side_of_its_threshold_as_its_exact_value(value, threshold):
    shown = Fraction(Decimal(share_number(value, threshold).replace(",", "")))
    assert (shown < threshold) == (value < threshold)


@given(shares)
def test_without_a_threshold_a_share_is_rounded_to_one_decimal(value):
    shown = Decimal(share_number(value).replace(",", ""))
    assert abs(Fraction(shown) - value) <= Fraction(1, 20)
    assert -shown.as_tuple().exponent <= 1


def test_the_examples_people_read():
    assert share_text(Fraction(200, 3)) == "66.7%"  # 2 of 3: rounded, not cut
    assert share_text(Fraction(8996 * 100, 10000), 90) == "89.96%"  # failing: never shown as 90%
    assert share_text(Fraction(9000 * 100, 10000), 90) == "90%"
    assert share_text(Fraction(100)) == "100%"
    assert plural(1, "working day") == "1 working day" and plural(2, "working day") == "2 working days"
    assert plural(1200, "episode") == "1,200 episodes"
