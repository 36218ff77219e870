"""Hiding reported values never moves a measure off the truth, and never changes a decided outcome.

For random complete returns and random sets of hidden values: every range of every rule still holds
the complete return's value; every outcome the partial return decides (met or not met) is the
complete return's; and a part hidden under a whole that is still reported (in date under staff in
post) leaves every measure bounded, so a definite "no" can still decide.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st
from pydantic import ValidationError
from strategies import self_assessment

from compliance.domain.model import Record, SelfAssessment
from compliance.domain.ranges import Range
from compliance.evaluation.measures import compute_ranges

COMPUTED: Any = {"services": {"__all__": {"unscheduled", "child_facing"}}}
PARTS = {f for cls in Record.__subclasses__() for f in cls.bounds} | {
    f for cls in Record.__subclasses__() for sub in cls.__subclasses__() for f in sub.bounds}
FIXED = {"schema_version", "organisation"}


def _leaves(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        return [p for k, v in data.items() if not (not path and k in FIXED) for p in _leaves(v, path + (k,))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _leaves(v, path + (i,))]
    return [path]


def _without(data: Any, hide: set[tuple], path: tuple = ()) -> Any:
    if isinstance(data, dict):
        return {k: _without(v, hide, path + (k,)) for k, v in data.items() if path + (k,) not in hide}
    if isinstance(data, list):
        return [_without(v, hide, path + (i,)) for i, v in enumerate(data)]
    return data


def _contains(r: Range, exact: Range) -> bool:
    if exact.text is not None:
        return r.text in (None, exact.text)
    v = exact.lo
    return (r.lo is None or r.lo <= v) and (r.hi is None or v <= r.hi)


def _hidden(data: dict, draw: Any, only_parts: bool) -> tuple[SelfAssessment, SelfAssessment] | None:
    full = SelfAssessment.model_validate(data)
    plain = full.model_dump(mode="json", exclude_none=True, exclude=COMPUTED)
    leaves = [p for p in _leaves(plain) if not only_parts or p[-1] in PARTS]
    if not leaves:
        return None
    hide = draw.draw(st.sets(st.sampled_from(leaves), min_size=1))
    try:
        return full, SelfAssessment.model_validate(_without(plain, hide))
    except ValidationError:  # a required field or a count's window hidden: not a return anyone could give
        event("hiding made the return invalid")
        return None


@given(self_assessment(), st.data())
def test_hidden_values_keep_ranges_around_the_truth_and_decided_outcomes(evaluator, ruleset, data, draw):
    pair = _hidden(data, draw, only_parts=False)
    if pair is None:
        return
    full, partial = pair
    for rule in ruleset.rules:
        params = evaluator.params[rule.id]
        exact, hidden = compute_ranges(rule, full, params), compute_ranges(rule, partial, params)
        for name, r in exact.items():
            if r.exact:
                assert _contains(hidden[name], r), f"{rule.id} {name}: {hidden[name]} lost {r}"
    truth = {f.rule_id: f.outcome.value for f in evaluator.evaluate(full)}
    for f in evaluator.evaluate(partial):
        if f.outcome.value in ("met", "not_met"):
            assert f.outcome.value == truth[f.rule_id], f.rule_id


@given(self_assessment(), st.data())
def test_a_part_hidden_under_its_reported_whole_stays_bounded(evaluator, ruleset, data, draw):
    pair = _hidden(data, draw, only_parts=True)
    if pair is None:
        return
    full, partial = pair
    for rule in ruleset.rules:
        params = evaluator.params[rule.id]
        exact, hidden = compute_ranges(rule, full, params), compute_ranges(rule, partial, params)
        for name, r in exact.items():
            if r.exact and r.text is None:
                assert hidden[name].hi is not None, f"{rule.id} {name}: unbounded, though every hidden part has its whole"


def test_a_level_3_group_with_one_line_unreported_still_fails(evaluator):
    """500 of 1,000 in date plus a group of 10 whose in-date count is unreported is at most 51%:
    not met, whatever the missing line says (it was 'no evidence')."""
    from conftest import minimal_return

    groups = [{"group": "Paediatric nurses", "level": 3, "service": "paediatrics", "staff_in_post": 1000, "in_date": 500},
              {"group": "Paediatric locums", "level": 3, "service": "paediatrics", "staff_in_post": 10}]
    doc = SelfAssessment.model_validate(minimal_return(training={"groups": groups}))
    f = next(f for f in evaluator.evaluate(doc) if f.rule_id == "TRN-003")
    assert f.outcome.value == "not_met" and f.severity.value == "critical", f.message
    coverage = next(e for e in f.evidence if e.high is not None and e.unit == "percent")
    assert coverage.high < 52 and not coverage.reported
