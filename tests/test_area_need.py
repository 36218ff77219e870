"""Areas ranked by need, in shared/domain/screening.md's order: critical failures with evidence, then
evidenced failures, then deterioration, context, exposure, and silence last; means and maxima of
the organisations' scores, never their sum, and a silent partner counted once."""

from __future__ import annotations

from compliance.cohort.area_score import rank_areas, score_area
from compliance.cohort.score import OrgScore
from compliance.cohort.weights import load_weights
from compliance.domain.area_result import AreaFinding, AreaMember, AreaReport
from compliance.domain.outcomes import Outcome, Severity

W = load_weights()


def _org(oid: str, evidence: float = 0.0, silence: float = 0.0, critical: int = 0, context: float = 0.0,
         deterioration: float = 0.0) -> OrgScore:
    return OrgScore.model_construct(
        id=oid, name=oid, type="community", local_authorities=["X"], file=f"{oid}.json",
        score=evidence + silence + context + deterioration, findings_points=evidence + silence, exposure_multiplier=1.0,
        children=None, context_points=context, data_quality_points=0.0, components=[], failing_by_severity={},
        outcomes={}, lines_of_enquiry=[], evidence_points=evidence, silence_points=silence, critical_failures=critical,
        deterioration_points=deterioration)


def _finding(rid: str, outcome: Outcome, severity: Severity) -> AreaFinding:
    return AreaFinding.model_construct(rule_id=rid, title=f"title of {rid}", outcome=outcome, severity=severity,
                                       failures=[], unknown=[], shares={})


def _area(la: str, orgs: list[OrgScore], findings: list[AreaFinding]):
    report = AreaReport.model_construct(local_authority=la, findings=findings, missing_providers=[],
                                        organisations=[AreaMember.model_construct(id=o.id, name=o.name, type=o.type,
                                                                                  file=o.file) for o in orgs])
    return score_area(report, {o.id: o for o in orgs}, W)


def test_a_well_run_area_with_one_silent_partner_ranks_below_evidenced_failures():
    # WELL: five organisations meeting everything but one community trust that returned nothing, so
    # its own critical and high requirements lack evidence and so do the area rules it takes part in.
    silent = _org("SILENT", silence=8 * W.severity.critical * W.insufficient_evidence + 20 * W.severity.high)
    well = _area("WELL", [silent] + [_org(f"W{i}") for i in range(4)],
                 [_finding("ARE-001", Outcome.insufficient_evidence, Severity.critical),
                  _finding("ARE-003", Outcome.insufficient_evidence, Severity.high),
                  _finding("ARE-004", Outcome.met, Severity.high)])
    # FAIL: several evidenced failures (JTAI-type: referrals late, reviews overdue, training short)
    fail = _area("FAIL", [_org(f"F{i}", evidence=W.severity.high * 1.3) for i in range(3)] + [_org(f"G{i}") for i in range(3)],
                 [_finding("ARE-002", Outcome.not_met, Severity.high),
                  _finding("ARE-005", Outcome.not_met, Severity.medium)])
    ranked = rank_areas([well, fail])
    assert [a.local_authority for a in ranked] == ["FAIL", "WELL"]
    assert well.critical == 0 and well.score == 0  # silence is not evidence of failure...
    assert well.silence > fail.silence  # ...but it is shown, and decides among areas otherwise alike
    # silence counted once: the area's own no-evidence findings or the members' silence, not both
    member_silence = silent.silence_points / 5
    area_silence = (W.severity.critical + W.severity.high) * W.insufficient_evidence
    assert well.silence == round(max(member_silence, area_silence), 2)


def test_critical_evidence_first_then_evidenced_need_then_the_rest():
    crit = _area("CRIT", [_org("C1", evidence=W.severity.critical, critical=1), _org("C2")], [])
    many = _area("MANY", [_org(f"M{i}", evidence=3 * W.severity.high) for i in range(5)],
                 [_finding("ARE-002", Outcome.not_met, Severity.high)])
    worse = _area("WORSE", [_org("D1", deterioration=10)], [])
    context = _area("CTX", [_org("X1", context=12)], [])
    quiet = _area("QUIET", [_org("Q1", silence=30)], [])
    clean = _area("CLEAN", [_org("K1")], [])
    ranked = [a.local_authority for a in rank_areas([clean, quiet, context, worse, many, crit])]
    assert ranked == ["CRIT", "MANY", "WORSE", "CTX", "QUIET", "CLEAN"]


def test_more_organisations_do_not_make_an_area_needier():
    small = _area("SMALL", [_org(f"S{i}", evidence=15) for i in range(2)], [])
    large = _area("LARGE", [_org(f"L{i}", evidence=15) for i in range(40)], [])
    assert small.score == large.score and small.organisations_points == large.organisations_points


def test_area_matrix_reads_in_id_order_failures_first_and_folds_the_rest():
    from compliance.formats.area import matrix_view, render_html, render_text

    findings = [AreaFinding.model_construct(rule_id=rid, title=f"title of {rid}", outcome=Outcome.not_met,
                                            severity=Severity.high, message="m", failures=[], unknown=[], shares=shares,
                                            line_of_enquiry="ask")
                for rid, shares in (("ARE-002", {"B": Outcome.not_met, "A": Outcome.met}),
                                    ("ARE-001", {"C": Outcome.insufficient_evidence, "A": Outcome.met}))]
    members = [AreaMember.model_construct(id=i, name=f"Org {i}", type="community", file=f"{i}.json") for i in "ABC"]
    report = AreaReport.model_construct(local_authority="X1", findings=findings, organisations=members, missing_providers=[])
    columns, failing, fine = matrix_view(report)
    assert [f.rule_id for f in columns] == ["ARE-001", "ARE-002"]
    assert [m.id for m, _ in failing] == ["B", "C"] and [m.id for m in fine] == ["A"]
    text = render_text(report)
    assert "ARE-001: title of ARE-001" in text and "1 organisation(s) with nothing failing: A" in text
    assert text.index("B Org B") < text.index("C Org C")
    page = render_html(report)
    assert "<details><summary>1 organisation(s) with nothing failing</summary>Org A (A)</details>" in page
    assert "title of ARE-002" in page
