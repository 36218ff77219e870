"""Schema version 2 (counts state their windows) and version 1 returns read as version 2."""

from __future__ import annotations

import pytest
from conftest import fixture_files, minimal_return
from pydantic import ValidationError

from compliance.domain.model import SelfAssessment
from compliance.domain.outcomes import Outcome


def _outcomes(findings):
    return {f.rule_id: (f.outcome, f.severity, f.message) for f in findings}


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.stem)
def test_a_migrated_return_gives_the_same_findings_as_the_version_1_file(path, run_cli, evaluator, tmp_path):
    from compliance.intake.returns import load_assessment

    out = tmp_path / "v2.yaml"
    before = path.read_bytes()
    code, _, _ = run_cli("migrate", path, "-o", out)
    assert code == 0 and path.read_bytes() == before  # the input is never touched
    text = out.read_text()
    assert 'schema_version: "2"' in text or "schema_version: '2'" in text or "schema_version: 2" in text
    assert "within_5_working_days" not in text and "_48h" not in text
    v1, v2 = load_assessment(path)[0], load_assessment(out)[0]
    assert _outcomes(evaluator.evaluate(v1)) == _outcomes(evaluator.evaluate(v2))


def test_migrate_prints_to_standard_output_without_o(run_cli):
    path = fixture_files()[0]
    code, out, _ = run_cli("migrate", path)
    assert code == 0 and "window_" in out


def test_a_version_2_count_must_state_its_window():
    data = minimal_return()
    data["schema_version"] = "2"
    data["was_not_brought"] = {"follow_up": {"was_not_brought": 10, "reviewed_in_time": 9}}
    with pytest.raises(ValidationError, match="window_working_days"):
        SelfAssessment.model_validate(data)


def test_version_1_field_names_are_not_accepted_in_version_2():
    data = minimal_return(was_not_brought={"follow_up": {"was_not_brought": 10, "reviewed_within_5_working_days": 9}})
    data["schema_version"] = "2"
    with pytest.raises(ValidationError, match="reviewed_within_5_working_days"):
        SelfAssessment.model_validate(data)


def _wnb003(evaluator, window: int, reviewed: int = 99):
    data = minimal_return()
    data["schema_version"] = "2"
    data["was_not_brought"] = {"follow_up": {"was_not_brought": 100, "reviewed_in_time": reviewed,
                                             "window_working_days": window, "discharged_without_review": 0}}
    return next(f for f in evaluator.evaluate(SelfAssessment.model_validate(data)) if f.rule_id == "WNB-003")


def test_a_count_made_with_a_wider_window_is_insufficient_evidence_saying_why(evaluator):
    f = _wnb003(evaluator, 7)
    assert f.outcome == Outcome.insufficient_evidence
    assert "review window of 7 working days, wider than the 5 working days" in f.message
    assert _wnb003(evaluator, 5).outcome == Outcome.met
    assert _wnb003(evaluator, 3).outcome == Outcome.met  # a narrower window can only undercount


def test_a_wider_window_does_not_hide_a_definite_failure(evaluator):
    data = minimal_return()
    data["schema_version"] = "2"
    data["was_not_brought"] = {"follow_up": {"was_not_brought": 100, "reviewed_in_time": 99,
                                             "window_working_days": 9, "discharged_without_review": 4}}
    f = next(f for f in evaluator.evaluate(SelfAssessment.model_validate(data)) if f.rule_id == "WNB-003")
    assert f.outcome == Outcome.not_met
