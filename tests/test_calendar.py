"""The one calendar: month windows agree with ages in months, working days skip bank holidays."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from compliance.domain import calendar as cal

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


def test_within_months_is_inclusive_and_clamps_short_months():
    end = dt.date(2026, 3, 31)
    assert cal.within_months(dt.date(2023, 3, 31), end, 36)
    assert not cal.within_months(dt.date(2023, 3, 30), end, 36)
    assert cal.add_months(end, -1) == dt.date(2026, 2, 28)
    assert cal.within_months(dt.date(2026, 2, 28), end, 1) and not cal.within_months(dt.date(2026, 2, 27), end, 1)


def test_age_in_months_counts_a_started_month():
    end = dt.date(2026, 3, 31)
    assert cal.months_elapsed(dt.date(2023, 3, 31), end) == 36
    assert cal.months_elapsed(dt.date(2023, 3, 1), end) == 37  # 36 months and 30 days
    assert cal.months_between(dt.date(2023, 3, 1), end) == 36
    assert cal.months_elapsed(dt.date(2026, 4, 2), end) == 0


@given(dates, dates, st.integers(0, 130))
def test_an_age_and_a_window_always_agree(d, end, n):
    assert (cal.months_elapsed(d, end) <= n) == cal.within_months(d, end, n)


@given(dates, dates)
def test_whole_months_completed(a, b):
    n = cal.months_between(a, b)
    if b >= a:
        assert cal.add_months(a, n) <= b < cal.add_months(a, n + 1)


def test_years_are_completed_years():
    assert cal.years_between(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 18
    assert cal.years_between(dt.date(2008, 3, 1), dt.date(2026, 2, 28)) == 17


def test_working_days_skip_england_and_wales_bank_holidays():
    good_friday = dt.date(2026, 4, 3)
    assert not cal.is_working_day(good_friday) and not cal.is_working_day(dt.date(2026, 4, 6))
    assert cal.add_working_days(dt.date(2026, 4, 2), 1) == dt.date(2026, 4, 7)
    assert cal.working_days_between(dt.date(2026, 4, 2), dt.date(2026, 4, 7)) == 1
    assert cal.add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)  # Boxing Day observed on the 28th
    assert dt.date(2025, 8, 25) in cal.bank_holidays(2025)


@given(dates, st.integers(-400, 400))
def test_working_days_between_inverts_add_working_days(d, n):
    assert cal.working_days_between(d, cal.add_working_days(d, n)) == n


@given(st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31)), st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31)),
       st.integers(1, 36))
def test_under_n_months_is_within_n_months_but_not_exactly_n(date, end, n):
    """A vacancy 'shorter than 3 months' excludes one that began exactly 3 months before the end."""
    from compliance.domain.calendar import add_months, under_months, within_months

    assert under_months(date, end, n) == (within_months(date, end, n) and date != add_months(end, -n))
