"""Area rules and silence (issue 26): an organisation expected to report that says nothing never
makes an area pass, and never changes an outcome the others already decide; messages say what a
person reads, never a model path; providers are missing only when no return names them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.app.area import area_report, load_returns
from compliance.app.cases import area_case_returns, merge
from compliance.catalogue.area_schema import AreaRule
from compliance.catalogue.loading import load_area_rules
from compliance.domain.model import OrgType, SelfAssessment
from compliance.domain.outcomes import Outcome
from compliance.evaluation.area import AreaEvaluator
from conftest import ROOT

AREAS = ROOT / "fixtures" / "areas"


@pytest.fixture(scope="module")
def rules() -> list[AreaRule]:
    return load_area_rules()


@pytest.fixture(scope="module")
def evaluator(rules) -> AreaEvaluator:
    return AreaEvaluator(rules)


# Who is expected to report what, from the catalogue (../shared/domain/requirements.md, ARE), written
# here rather than read from the rules, so a rule that stops expecting an organisation is caught.
EXPECTED: dict[str, tuple[str, set[OrgType]]] = {
    "ARE-001": ("risk_assessment.exploitation_tools", {OrgType.acute, OrgType.community}),
    "ARE-002": ("services", {OrgType.acute, OrgType.community, OrgType.ambulance}),
    "ARE-003": ("governance.providers", {OrgType.icb}),
    "ARE-004": ("governance.providers", {OrgType.icb}),
    "ARE-005": ("governance.partnership_meetings", {OrgType.acute, OrgType.community, OrgType.mental_health,
                                                    OrgType.ambulance, OrgType.icb}),
    "ARE-006": ("services", {OrgType.acute, OrgType.community}),
    "ARE-007": ("governance.roles", set(OrgType)),
    "ARE-008": ("missing.episodes", {OrgType.community, OrgType.icb, OrgType.acute}),
}


def test_every_area_rule_is_in_the_table_of_who_reports_what(rules):
    assert {r.id for r in rules} == set(EXPECTED)


def _reads(rule: AreaRule, org_type: OrgType) -> list[list[str]]:
    """The path an organisation of this type is expected to report for the rule, if any."""
    path, types = EXPECTED[rule.id]
    return [path.split(".")] if org_type in types else []


def _silenced(doc: SelfAssessment, paths: list[list[str]]) -> SelfAssessment:
    """The return with each path left unreported (None), as a return that says nothing of it."""
    def drop(obj: Any, parts: list[str]) -> Any:
        child = getattr(obj, parts[0], None)
        if child is None:
            return obj
        return obj.model_copy(update={parts[0]: None if len(parts) == 1 else drop(child, parts[1:])})

    for parts in paths:
        doc = drop(doc, parts)
    return doc


def _areas(rules: list[AreaRule]) -> list[list[SelfAssessment]]:
    areas = [area_case_returns(case) for rule in rules for case in rule.cases]
    areas += [[d for _, d in load_returns([AREAS / f])] for f in ("northshire", "southvale")]
    return areas


def _check_silence(rules: list[AreaRule], evaluator: AreaEvaluator, docs: list[SelfAssessment]) -> int:
    """Silence each organisation in turn (every list the area rules expect of its type); every rule
    that expected it keeps its outcome or becomes unevidenced, never met nor anything else."""
    full = {rid: v.outcome for rid, (v, _) in evaluator.evaluate(docs).items()}
    checked = 0
    for i, doc in enumerate(docs):
        expecting = {r.id: _reads(r, doc.organisation.type) for r in rules}
        paths = [p for ps in expecting.values() for p in ps]
        if not paths:
            continue
        quiet = docs[:i] + [_silenced(doc, paths)] + docs[i + 1:]
        after = {rid: v.outcome for rid, (v, _) in evaluator.evaluate(quiet).items()}
        for rid, ps in expecting.items():
            if ps:
                checked += 1
                assert after[rid] in (full[rid], Outcome.insufficient_evidence), (
                    rid, doc.organisation.id, full[rid], after[rid], [d.organisation.id for d in docs])
    return checked


def test_silencing_any_expected_organisation_never_passes_an_area_or_changes_a_decided_outcome(rules, evaluator):
    checked = sum(_check_silence(rules, evaluator, docs) for docs in _areas(rules))
    assert checked > 200  # every rule's cases and both fixture areas, organisation by organisation


@settings(max_examples=25)
@given(st.data())
def test_silence_property_holds_in_areas_mixed_from_every_rules_cases(data):
    if not _SHARED:  # built once: hypothesis calls this many times
        rules = load_area_rules()
        _SHARED.update(rules=rules, evaluator=AreaEvaluator(rules), pool=[d for ds in _areas(rules) for d in ds])
    rules, evaluator, pool = _SHARED["rules"], _SHARED["evaluator"], _SHARED["pool"]
    docs = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5,
                              unique_by=lambda d: d.organisation.id))
    expected = sum(1 for d in docs for r in rules if _reads(r, d.organisation.type))
    assert _check_silence(rules, evaluator, docs) == expected  # every expected organisation silenced, each rule checked


_SHARED: dict[str, Any] = {}


def test_a_silent_partner_decides_nothing_once_the_others_decide(evaluator):
    """One partner's silence matters only when it could change the outcome."""
    ed = {"organisation": {"id": "A1", "type": "acute"}, "services": [{"kind": "emergency_department"}]}
    receivers = {"organisation": {"id": "C1", "type": "community"},
                 "services": [{"kind": "health_visiting"}, {"kind": "school_nursing"}]}
    silent = {"organisation": {"id": "C2", "type": "community"}}
    docs = _docs([ed, receivers, silent])
    v, _ = evaluator.evaluate(docs)["ARE-006"]
    assert v.outcome == Outcome.met and "C2" not in v.by_org
    v, _ = evaluator.evaluate(_docs([receivers, silent]))["ARE-006"]  # C2 might run an ED
    assert v.outcome == Outcome.insufficient_evidence
    assert evaluator.evaluate(_docs([receivers]))["ARE-006"][0].outcome == Outcome.not_applicable


def _docs(fragments: list[dict]) -> list[SelfAssessment]:
    class Case:
        organisations = fragments
    return area_case_returns(Case())


# --- words ------------------------------------------------------------------------------------------

IDENTIFIER = re.compile(r"\[\]|\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_]+\b")


def test_area_messages_never_show_model_paths_or_field_identifiers(rules, evaluator):
    seen = 0
    for docs in _areas(rules):
        report = area_report("LA1" if docs[0].organisation.local_authorities == ["LA1"]
                             else docs[0].organisation.local_authorities[0],
                             [(ROOT, d) for d in docs], evaluator)
        for f in report.findings:
            seen += 1
            assert not IDENTIFIER.search(f.message), (f.rule_id, f.message)
            assert not re.search(r"\. [a-z]", f.message), (f.rule_id, f.message)  # sentences start with a capital
    assert seen > 400


def test_no_area_message_writes_in_a_number_that_is_a_parameter(rules):
    for rule in rules:
        for name, p in rule.parameters.items():
            if isinstance(p.default, (int, float)) and not isinstance(p.default, bool):
                for text in rule.messages.model_dump().values():
                    assert not re.search(rf"(?<![\d.]){p.default:g}(?![\d.])", text), (rule.id, name, text)


def test_area_messages_say_the_parameter_in_force(rules):
    icb = {"organisation": {"id": "I1", "type": "icb"},
           "governance": {"providers": [{"provider": "A1", "last_assurance_return": "2025-01-15"}]}}
    for months, outcome in ((12, Outcome.not_met), (18, Outcome.met)):
        ev = AreaEvaluator(rules, {"ARE-004": {"max_months": months}})
        f = next(f for f in area_report("LA1", [(ROOT, d) for d in _docs([icb])], ev).findings
                 if f.rule_id == "ARE-004")
        assert f.outcome == outcome and f"last {months} months" in f.message, f.message


# --- the catalogue's shared standards ----------------------------------------------------------------


@pytest.mark.parametrize(("area_rule", "org_rule", "names"), [
    ("ARE-005", "GOV-006", ["attendance_threshold"]),
    ("ARE-008", "MIS-001", ["cutover"]),
    ("ARE-007", "GOV-002", ["max_vacancy_months", "trust_posts", "ambulance_posts", "practice_posts", "maternity_posts"]),
])
def test_area_rules_share_their_organisation_rules_standards(rules, ruleset, area_rule, org_rule, names):
    """An organisation cannot pass the organisation rule and fail the area's on the same facts."""
    area = next(r for r in rules if r.id == area_rule)
    org = ruleset.by_id[org_rule]
    for n in names:
        assert area.parameters[n].default == org.parameters[n].default, (area_rule, n)


def test_are008_passes_a_2015_16_area_where_every_provider_passes_mis001(rules, evaluator):
    """The cut-over date: 'absent' in a period before it is not a failure, in either rule."""
    from compliance.evaluation.evaluator import Evaluator
    from compliance.catalogue.loading import load_rules

    period = {"start": "2015-04-01", "end": "2016-03-31"}
    episodes = {"missing_no_apparent_risk": 0, "missing_low": 3, "missing_medium": 1, "missing_high": 0,
                "missing_ungraded": 0, "absent": 4}
    docs = _docs([{"organisation": {"id": t[0].upper() + "1", "type": t, "period": period},
                   "missing": {"episodes": episodes}} for t in ("community", "acute", "icb")])
    org_ev = Evaluator(load_rules())
    for d in docs:
        assert next(f for f in org_ev.evaluate(d) if f.rule_id == "MIS-001").outcome == Outcome.met
    assert evaluator.evaluate(docs)["ARE-008"][0].outcome == Outcome.met


# --- providers missing from the returns --------------------------------------------------------------


def test_a_listed_provider_is_missing_only_when_no_return_names_it(evaluator):
    base = {"schema_version": "2", "organisation": {"period": {"start": "2025-04-01", "end": "2026-03-31"}}}

    def doc(org_id: str, org_type: str, areas: list[str], **rest: Any) -> SelfAssessment:
        data = merge(base, {"organisation": {"id": org_id, "name": org_id, "type": org_type,
                                             "local_authorities": areas}, **rest})
        return SelfAssessment.model_validate(data)

    icb = doc("I1", "icb", ["LA1", "LA2"], governance={"providers": [
        {"provider": "A1", "last_assurance_return": "2025-10-01"},
        {"provider": "B2", "last_assurance_return": "2025-10-01"},
        {"provider": "C3", "last_assurance_return": "2025-10-01"}]})
    returns = [(ROOT, icb), (ROOT, doc("A1", "acute", ["LA1"])), (ROOT, doc("B2", "community", ["LA2"]))]
    assert area_report("LA1", returns, evaluator).missing_providers == ["C3"]
    assert area_report("LA2", returns, evaluator).missing_providers == ["C3"]


# --- one standard: the area rule and the organisation rule agree on the same facts --------------------

_ORG: dict[str, Any] = {}


def _org_outcome(rule_id: str, doc: SelfAssessment) -> Outcome:
    if not _ORG:
        from compliance.catalogue.loading import load_rules
        from compliance.evaluation.evaluator import Evaluator

        _ORG["e"] = Evaluator(load_rules())
        _ORG["a"] = AreaEvaluator(load_area_rules())
    return next(f for f in _ORG["e"].evaluate(doc) if f.rule_id == rule_id).outcome


_DAYS = st.integers(min_value=0, max_value=200)


@settings(max_examples=30)
@given(days=_DAYS, cover=st.sampled_from([True, False, None]))
def test_are007_judges_a_vacancy_as_gov002_does(days, cover):
    """A trust whose named doctor post fell vacant `days` before the period end: ARE-007 fails it
    exactly when GOV-002 does (the area's other posts all filled)."""
    end = dt.date(2026, 3, 31)
    doctor = {"role": "named_doctor", "filled": False, "vacant_since": (end - dt.timedelta(days=days)).isoformat()}
    if cover is not None:
        doctor["interim_cover"] = cover
    full = {"filled": True, "role_description": True, "protected_time": True}
    trust = {"organisation": {"id": "A1", "type": "acute"}, "services": [{"kind": "paediatrics"}],
             "governance": {"roles": [doctor, {"role": "named_nurse", **full}]}}
    icb = {"organisation": {"id": "I1", "type": "icb"}, "governance": {"roles": [
        {"role": r, **full} for r in ("designated_doctor", "designated_nurse", "designated_doctor_lac",
                                      "designated_nurse_lac")]}}
    docs = _docs([trust, icb])
    org = _org_outcome("GOV-002", docs[0])
    area = _ORG["a"].evaluate(docs)["ARE-007"][0].outcome
    assert (org, area) in ((Outcome.met, Outcome.met), (Outcome.not_met, Outcome.not_met)), (days, cover, org, area)


_COUNT = st.one_of(st.none(), st.integers(min_value=0, max_value=3))


@settings(max_examples=40)
@given(start=st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2018, 12, 31)),
       ungraded=_COUNT, absent=_COUNT, low=st.integers(min_value=0, max_value=3))
def test_are008_never_fails_where_mis001_passes_nor_passes_where_it_fails(start, ungraded, absent, low):
    """One standard for the cut-over and grading: over any period around MIS-001's cut-over, an
    organisation's missing episodes fail the area only if MIS-001 fails them, and pass it only if
    MIS-001 does not fail them."""
    end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
    episodes = {"missing_no_apparent_risk": 0, "missing_low": low, "missing_medium": 0, "missing_high": 0}
    episodes |= {k: v for k, v in (("missing_ungraded", ungraded), ("absent", absent)) if v is not None}
    docs = _docs([{"organisation": {"id": "C1", "type": "community",
                                    "period": {"start": start.isoformat(), "end": end.isoformat()}},
                   "missing": {"episodes": episodes}}])
    org = _org_outcome("MIS-001", docs[0])
    area = _ORG["a"].evaluate(docs)["ARE-008"][0].outcome
    if area == Outcome.not_met:
        assert org == Outcome.not_met, (start, episodes, org)
    if org == Outcome.not_met:
        assert area == Outcome.not_met, (start, episodes, area)
    if area == Outcome.met:
        assert org in (Outcome.met, Outcome.not_applicable), (start, episodes, org)
