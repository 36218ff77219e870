"""The one calendar every rule, measure and record extract counts dates with.

Requirements are written in calendar words ("reviewed within 36 months of the period end",
"notified within 1 working day"), and two rules that count a month differently give two answers
for the same return (a review 36 months and 30 days old passed one rule while another failed at
exactly 24 months). So the counting is defined once, here:

* **Months are calendar months, counted back from the later date.** `add_months` keeps the day of
  the month, or takes the last day of a shorter month (31 March minus one month is 28 or 29
  February).
* **"Within N months" is inclusive:** a date is within N months of an end date when it falls on or
  after the day N calendar months before the end (`within_months`). A review on 31 March 2023 is
  within 36 months of 31 March 2026; one on 30 March 2023 is not.
* **An age in months** (`months_elapsed`) is the smallest N for which the date is within N months,
  so "age <= N" and "within N months" always agree: 36 months and one day is an age of 37.
  `months_between` is the other count, whole months completed (36 months and 30 days is 36); it is
  for display and for callers that want completed months, never for a "within" test.
* **Years** are calendar years counted the same way (`add_years`, `years_between`: completed years,
  as an age is counted; 29 February moves to 28 February in a year without it).
* **Working days** are Monday to Friday except the bank holidays of England and Wales, taken from
  the `holidays` package (which follows the published UK lists, including substitute days) rather
  than a hand-written list. "Within N working days of an event" (`within_working_days`) is on or
  before the end of the Nth working day after the event's day, counting from the next working day
  when the event falls on a weekend or holiday: a Friday concern referred on the Sunday is late for
  "the same working day", a Saturday concern referred on the Monday is in time.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from functools import lru_cache

__all__ = [
    "add_months", "add_years", "add_working_days", "in_period", "is_working_day", "months_between",
    "months_elapsed", "within_months", "working_days_between", "years_between", "bank_holidays",
    "within_working_days",
]


def add_months(date: dt.date, n: int) -> dt.date:
    """`date` moved by n calendar months (n may be negative); the day is kept or clamped to the month end."""
    index = date.year * 12 + (date.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    last = _calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(date.day, last))


def add_years(date: dt.date, n: int) -> dt.date:
    """`date` moved by n calendar years; 29 February becomes 28 February in a common year."""
    return add_months(date, 12 * n)


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole calendar months completed from a to b (negative when b is before a).

    The largest n with add_months(a, n) <= b: 31 January to 28 February is one month, 15 January to
    14 February is none.
    """
    if b < a:
        return -months_between(b, a)
    n = (b.year - a.year) * 12 + b.month - a.month
    while n > 0 and add_months(a, n) > b:
        n -= 1
    return n


def within_months(date: dt.date, end: dt.date, n: int | float) -> bool:
    """Whether `date` is within n months of `end`: on or after the day n calendar months before it.

    Inclusive, and the same in every rule: exactly n months before the end is within. A date after
    `end` is within any window (it is not older than the end). A fractional n is rounded down to
    whole months, as a window is always a whole number of months.
    """
    return date >= add_months(end, -int(n))


def under_months(date: dt.date, end: dt.date, n: int | float) -> bool:
    """Whether `date` is less than n months before `end`: strictly, so a date exactly n calendar
    months before the end has been n months and is not under (a vacancy since then has lasted n)."""
    return date > add_months(end, -int(n))


def months_elapsed(date: dt.date, end: dt.date) -> int:
    """The age of `date` at `end` in months: the smallest n >= 0 with within_months(date, end, n).

    A date exactly 36 months before the end is 36; one day earlier is 37; a date on or after the end is 0.
    """
    if date >= end:
        return 0
    n = max(months_between(date, end), 0)
    while not within_months(date, end, n):
        n += 1
    return n


def years_between(a: dt.date, b: dt.date) -> int:
    """Whole calendar years completed from a to b (an age in years)."""
    return months_between(a, b) // 12 if b >= a else -(months_between(b, a) // 12)


def in_period(date: dt.date, start: dt.date, end: dt.date) -> bool:
    """Whether `date` falls in the period, both ends included."""
    return start <= date <= end


@lru_cache(maxsize=256)
def _holidays_of(year: int) -> frozenset[dt.date]:
    import holidays  # ~50 ms of imports, paid only by a command that counts working days

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holidays(year: int) -> list[dt.date]:
    """The bank holidays of England and Wales in a year (substitute days included), in order."""
    return sorted(_holidays_of(year))


def is_working_day(date: dt.date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    return date.weekday() < 5 and date not in _holidays_of(date.year)


def add_working_days(date: dt.date, n: int) -> dt.date:
    """The date n working days after `date` (before it for negative n); `date` itself is day 0.

    add_working_days(Friday, 1) is the next Monday, or Tuesday when that Monday is a bank holiday.
    """
    step = 1 if n >= 0 else -1
    left = abs(n)
    day = date
    while left:
        day += dt.timedelta(days=step)
        if is_working_day(day):
            left -= 1
    return day


def within_working_days(event: dt.date, done: dt.date, n: int) -> bool:
    """Whether `done` is on or before the end of the Nth working day after the event's day, counting
    from the next working day when the event falls on a day off (n = 0: the same working day)."""
    start = event if is_working_day(event) else add_working_days(event, 1)
    return done <= add_working_days(start, n)


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after a, up to and including b; when b is before a, minus the working days from
    b up to the day before a.

    The inverse of add_working_days: working_days_between(d, add_working_days(d, n)) == n. So
    "notified within 1 working day" is working_days_between(event, notified) <= 1.
    """
    if b < a:
        one = dt.timedelta(days=1)
        return -working_days_between(b - one, a - one)
    days = (b - a).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    day = a + dt.timedelta(days=weeks * 7)
    for _ in range(rest):
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    for year in range(a.year, b.year + 1):
        count -= sum(1 for h in _holidays_of(year) if a < h <= b and h.weekday() < 5)
    return count
