"""What a return leaves out can only widen what is known, never contradict it.

For every bundled organisation, leave out any set of values its return reports (any field, in any
section, list items included). Then, for every rule:
* each measure's range still holds the value the complete return gives (ranges are sound), and
* a decided outcome (met or not_met) is the outcome of the complete return: a partial return is
  never judged met when the complete one is not (silence is never compliance), and a definite "no"
  found in the partial return is still a "no" once everything is known.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import ROOT

from compliance.domain.model import SelfAssessment
from compliance.evaluation.measures import Range, compute_ranges
from compliance.intake.returns import load_assessment

FIXTURES = sorted((ROOT / "fixtures" / "organisations").glob("*.yaml"))
Loc = tuple[Any, ...]


def _leaves(node: Any, loc: Loc = ()) -> list[Loc]:
    """Every reported value below the sections (not the organisation's identity or period)."""
    if isinstance(node, dict):
        return [x for k, v in node.items() if not (loc == () and k in ("organisation", "schema_version"))
                for x in _leaves(v, loc + (k,))]
    if isinstance(node, list):
        return [x for i, v in enumerate(node) for x in _leaves(v, loc + (i,))]
    return [loc]


def _without(data: dict[str, Any], locs: list[Loc]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    for loc in sorted(locs, reverse=True):  # later list positions first, so earlier ones keep their place
        node = out
        for k in loc[:-1]:
            node = node[k]
        if isinstance(node, dict):
            node.pop(loc[-1], None)
    return out


def _contains(r: Range, exact: Range) -> bool:
    if exact.text is not None:
        return r.text in (None, exact.text)
    return (r.lo is None or r.lo <= exact.lo) and (r.hi is None or exact.lo <= r.hi)


def _valid(data: dict[str, Any]) -> SelfAssessment | None:
    try:
        return SelfAssessment.model_validate(data)
    except ValidationError:
        return None


_COMPLETE: dict[Path, tuple[dict[str, Any], SelfAssessment, dict[str, str], list[Loc]]] = {}


def complete(path: Path, evaluator) -> tuple[dict[str, Any], SelfAssessment, dict[str, str], list[Loc]]:
    """The fixture's return as data, validated, its outcomes, and the values that may be left out
    (a required field, such as a list item's name, may not: no one could send that return)."""
    if path not in _COMPLETE:
        doc, _ = load_assessment(path)
        data = doc.model_dump(mode="json", exclude_none=True, exclude_computed_fields=True)
        optional = [loc for loc in _leaves(data) if _valid(_without(data, [loc])) is not None]
        _COMPLETE[path] = (data, doc, {f.rule_id: f.outcome.value for f in evaluator.evaluate(doc)}, optional)
    return _COMPLETE[path]


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_leaving_values_out_never_contradicts_the_complete_return(ruleset, evaluator, path, data):
    full_data, full_doc, full_outcomes, optional = complete(path, evaluator)
    dropped = data.draw(st.lists(st.sampled_from(optional), min_size=1, max_size=12, unique=True), label="left out")
    partial = _valid(_without(full_data, dropped))
    assume(partial is not None)  # two values that may each be left out, but not both
    for rule in ruleset.rules:
        exact, ranges = compute_ranges(rule, full_doc), compute_ranges(rule, partial)
        for name, r in exact.items():
            if r.exact:
                assert _contains(ranges[name], r), f"{rule.id} {name}: {ranges[name]} lost {r} (left out {dropped})"
    for finding in evaluator.evaluate(partial):
        if finding.outcome.value in ("met", "not_met"):
            assert finding.outcome.value == full_outcomes[finding.rule_id], (
                f"{finding.rule_id}: {finding.outcome.value} with {dropped} left out, "
                f"{full_outcomes[finding.rule_id]} when complete ({finding.message})")
