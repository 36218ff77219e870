"""A count made over a wider window than the standard's is at most what it says: it can show the
standard is not met, never that it is met. Property: whatever the narrower window truly holds (any
value up to the stated one), an outcome decided from the wider count is the true outcome."""

from __future__ import annotations

from conftest import minimal_return
from hypothesis import given
from hypothesis import strategies as st

from compliance.domain.model import SelfAssessment

POSTS = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 6), st.data()), min_size=1, max_size=5)
GROUPS = st.lists(st.tuples(st.integers(1, 400), st.data(), st.sampled_from([36, 36, 48])), min_size=1, max_size=4)


def _outcome(evaluator, rule_id: str, training: dict) -> str:
    doc = SelfAssessment.model_validate(minimal_return(training=training))
    return next(f.outcome.value for f in evaluator.evaluate(doc) if f.rule_id == rule_id)


@given(POSTS)
def test_learning_hours_over_a_wider_window_decide_only_what_is_certain(evaluator, posts):
    stated, truth = [], []
    for i, (hours, years, data) in enumerate(posts):
        stated.append({"post": f"post {i}", "learning_hours": hours, "window_years": years})
        true_hours = data.draw(st.integers(0, hours)) if years > 3 else hours  # the last 3 years hold at most it
        truth.append({"post": f"post {i}", "learning_hours": true_hours, "window_years": min(years, 3)})
    wide = _outcome(evaluator, "TRN-004", {"specialist_posts": stated})
    if wide in ("met", "not_met"):
        assert wide == _outcome(evaluator, "TRN-004", {"specialist_posts": truth})


@given(GROUPS)
def test_in_date_counts_over_a_longer_renewal_decide_only_what_is_certain(evaluator, groups):
    stated, truth = [], []
    for i, (staff, data, months) in enumerate(groups):
        in_date = data.draw(st.integers(0, staff))
        stated.append({"group": f"g{i}", "level": 1, "staff_in_post": staff, "in_date": in_date, "renewal_months": months})
        true_in = data.draw(st.integers(0, in_date)) if months > 36 else in_date
        truth.append({"group": f"g{i}", "level": 1, "staff_in_post": staff, "in_date": true_in, "renewal_months": 36})
    wide = _outcome(evaluator, "TRN-001", {"groups": stated})
    if wide in ("met", "not_met"):
        assert wide == _outcome(evaluator, "TRN-001", {"groups": truth})


def test_twenty_hours_over_five_years_is_short_of_twenty_four_in_three(evaluator):
    posts = [{"post": "named nurse", "learning_hours": 31, "window_years": 3},
             {"post": "named doctor", "learning_hours": 20, "window_years": 5}]
    assert _outcome(evaluator, "TRN-004", {"specialist_posts": posts}) == "not_met"
