"""GOV-008's cut-over (30 January 2024, the Freedom to Speak Up guidance for ICBs): a period is
judged by the version in force; a period spanning the date by both, decided only where they agree."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings, strategies as st

from compliance.catalogue.loading import RuleSet, load_rules
from compliance.domain.model import SelfAssessment
from compliance.evaluation.evaluator import Evaluator

CUT = dt.date(2024, 1, 30)
FLAG = st.sampled_from([True, False, None])


@pytest.fixture(scope="module")
def gov008() -> Evaluator:
    rules = load_rules()
    rule = rules.by_id["GOV-008"]
    return Evaluator(RuleSet([rule], {rule.id: rules.files[rule.id]}, ""))


def _version(org_type: str, later: bool, policy: bool | None, guardian: bool | None, primary: bool | None) -> str:
    """One version of the requirement, three-valued: ICBs need a guardian and primary-care access
    only under the later one; trusts a guardian under both; practices a policy only."""
    needed = [policy]
    if org_type == "icb" and later:
        needed += [guardian, primary]
    elif org_type not in ("icb", "gp_practice"):
        needed += [guardian]
    if False in needed:
        return "not_met"
    return "met" if None not in needed else "insufficient_evidence"


def _expected(org_type: str, start: dt.date, end: dt.date, *answers: bool | None) -> str:
    if end < CUT:
        return _version(org_type, False, *answers)
    if start >= CUT:
        return _version(org_type, True, *answers)
    old, new = _version(org_type, False, *answers), _version(org_type, True, *answers)
    return old if old == new else "insufficient_evidence"


@settings(max_examples=150, deadline=None)
@given(org_type=st.sampled_from(["icb", "acute", "community", "gp_practice"]),
       start=st.dates(dt.date(2022, 7, 1), dt.date(2025, 1, 1)), days=st.integers(1, 730),
       policy=FLAG, guardian=FLAG, primary=FLAG)
@example(org_type="icb", start=dt.date(2023, 1, 30), days=364, policy=True, guardian=False, primary=False)  # ends the day before
@example(org_type="icb", start=dt.date(2024, 1, 30), days=365, policy=True, guardian=False, primary=True)  # starts on the day
@example(org_type="icb", start=dt.date(2023, 1, 31), days=364, policy=True, guardian=False, primary=True)  # ends on the day
@example(org_type="icb", start=dt.date(2023, 4, 1), days=365, policy=False, guardian=None, primary=None)  # a definite no
def test_gov008_judges_each_period_by_the_version_in_force(gov008, org_type, start, days, policy, guardian, primary):
    end = start + dt.timedelta(days=days)
    speak_up = {k: v for k, v in (("policy_in_date", policy), ("guardian_in_post", guardian),
                                   ("primary_care_guardian_access", primary)) if v is not None}
    doc = SelfAssessment.model_validate({
        "schema_version": "2",
        "organisation": {"id": "QX1", "name": "T", "type": org_type, "local_authorities": ["LA1"],
                         "period": {"start": start.isoformat(), "end": end.isoformat()}},
        **({"governance": {"speak_up": speak_up}} if speak_up else {})})
    f = next(f for f in gov008.evaluate(doc) if f.rule_id == "GOV-008")
    assert f.outcome.value == _expected(org_type, start, end, policy, guardian, primary)
    spans = start < CUT <= end
    if f.outcome.value == "insufficient_evidence":
        # the cut-over is said only for an ICB whose period spans it, and always when the versions differ
        said = "spans 30 January 2024" in f.message
        assert not said or (spans and org_type == "icb")
        if spans and _version(org_type, False, policy, guardian, primary) != _version(org_type, True, policy, guardian, primary):
            assert said
        assert all(m.path.startswith("governance.speak_up.") for m in f.missing)
