"""Soundness of measures as ranges: hiding reported values never moves a measure's range off the
value the complete return gives. This is what lets a range decide: if the whole range fails, every
way of filling in what was not reported fails too.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conftest import minimal_return

from compliance.domain.model import SelfAssessment
from compliance.evaluation.measures import Range, compute_ranges

SERVICES = ["emergency_department", "paediatrics", "sexual_health", "camhs", "adult_acute"]


def _contains(r: Range, exact: Range) -> bool:
    if exact.text is not None:
        return r.text in (None, exact.text)
    v = exact.lo
    return (r.lo is None or r.lo <= v) and (r.hi is None or v <= r.hi)


@st.composite
def level_groups(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A complete list of staff groups, and the same list with some values left unreported."""
    full, hidden = [], []
    for i in range(draw(st.integers(0, 6))):
        staff = draw(st.integers(0, 300))
        item = {"group": f"G{i}", "level": draw(st.sampled_from([1, 2, 3])), "service": draw(st.sampled_from(SERVICES)),
                "staff_in_post": staff, "in_date": draw(st.integers(0, staff))}
        full.append(item)
        hide = draw(st.sets(st.sampled_from(["service", "in_date"])))  # level and headcount are required
        hidden.append({k: v for k, v in item.items() if k not in hide})
    return full, hidden


def _ranges(rule, groups: list[dict[str, Any]]) -> dict[str, Range]:
    doc = SelfAssessment.model_validate(minimal_return(training={"groups": groups}))
    return compute_ranges(rule, doc)


@given(lists=level_groups())
def test_hiding_values_keeps_every_training_measure_range_around_the_true_value(ruleset, lists):
    full, hidden = lists
    for rule_id in ("TRN-001", "TRN-003"):  # sums, counts with filters, per-service lowest share
        rule = ruleset.by_id[rule_id]
        exact, partial = _ranges(rule, full), _ranges(rule, hidden)
        for name, r in exact.items():
            if r.exact:
                assert _contains(partial[name], r), f"{rule_id} {name}: {partial[name]} lost {r}"
