"""The fixture organisations give exactly their expected findings."""

from __future__ import annotations

import difflib

import pytest
from conftest import FIXTURES, fixture_files

from compliance.intake.returns import load_assessment
from compliance.app.snapshot import compare_fixtures


def test_there_are_fixtures_of_several_types():
    types = set()
    for path in fixture_files():
        doc, _ = load_assessment(path)
        types.add(doc.organisation.type)
    assert len(types) >= 3


@pytest.fixture(scope="module")
def comparisons(evaluator):
    return {(s.fixture.name, s.kind): s for s in compare_fixtures(evaluator, FIXTURES)}


@pytest.mark.parametrize("kind", ["outcomes", "wording"])
@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.stem)
def test_fixture_findings_match_expected(comparisons, path, kind):
    s = comparisons[(path.name, kind)]
    diff = "".join(difflib.unified_diff(s.expected.splitlines(True), s.actual.splitlines(True), "expected", "actual"))
    assert s.actual == s.expected, f"{kind} of {path.name} changed (safeguard snapshot update):\n{diff}"


def test_outcome_snapshots_carry_no_wording_and_wording_snapshots_no_outcomes(comparisons):
    for (name, kind), s in comparisons.items():
        findings = [line for line in s.actual.splitlines() if line.startswith("  ")]
        assert findings, name
        if kind == "outcomes":
            assert all(line.endswith("}") and "message" not in line for line in findings), name
        else:
            assert not any("outcome:" in line or "severity:" in line for line in findings), name


def _copied(tmp_path):
    import shutil

    orgs = tmp_path / "organisations"
    shutil.copytree(FIXTURES, orgs)
    shutil.copytree(FIXTURES.parent / "expected", tmp_path / "expected")
    return orgs


def test_snapshot_check_and_update(run_cli, tmp_path):
    orgs = _copied(tmp_path)
    assert run_cli("snapshot", "check", "--fixtures", orgs)[0] == 0
    target = tmp_path / "expected" / "elm-tree-gp.yaml"
    target.write_text(target.read_text().replace("TRN-001: {outcome: met", "TRN-001: {outcome: not_met", 1))
    code, out, _ = run_cli("snapshot", "check", "--fixtures", orgs)
    assert code == 1 and "-  TRN-001: {outcome: not_met" in out and "+  TRN-001: {outcome: met" in out
    assert "Wording changes" not in out and "(outcomes in 1, wording in 0)" in out
    code, out, _ = run_cli("snapshot", "update", "--fixtures", orgs)
    assert code == 0 and out.strip() == f"updated {target}"
    assert run_cli("snapshot", "check", "--fixtures", orgs)[0] == 0


def test_a_wording_change_is_reported_apart_and_after_the_outcome_changes(run_cli, tmp_path):
    orgs = _copied(tmp_path)
    expected = tmp_path / "expected"
    wording = expected / "wording" / "northfield-acute.yaml"
    wording.write_text(wording.read_text().replace('TRN-001: "2,730 of', 'TRN-001: "2,731 of', 1))
    code, out, _ = run_cli("snapshot", "check", "--fixtures", orgs)
    assert code == 1 and "Outcome or severity changes" not in out
    assert out.startswith("Wording changes: 1 fixture(s)\n") and '-  TRN-001: "2,731 of' in out
    assert "(outcomes in 0, wording in 1)" in out
    outcomes = expected / "elm-tree-gp.yaml"
    outcomes.write_text(outcomes.read_text().replace("TRN-001: {outcome: met", "TRN-001: {outcome: not_met", 1))
    code, out, _ = run_cli("snapshot", "check", "--fixtures", orgs)
    assert code == 1 and out.index("Outcome or severity changes: 1") < out.index("Wording changes: 1")
    assert out.index("TRN-001: {outcome: not_met") < out.index("Wording changes") < out.index('TRN-001: "2,731 of')
    assert "2 fixture(s) differ from their expected findings (outcomes in 1, wording in 1)" in out
    code, out, _ = run_cli("snapshot", "update", "--fixtures", orgs)
    assert code == 0 and sorted(out.split()) == sorted(["updated", str(outcomes), "updated", str(wording)])


def test_a_fixture_without_expected_findings_is_a_difference(run_cli, tmp_path):
    import shutil

    orgs = tmp_path / "organisations"
    orgs.mkdir()
    shutil.copy(FIXTURES / "elm-tree-gp.yaml", orgs)
    code, out, _ = run_cli("snapshot", "check", "--fixtures", orgs)
    # Said as what it is, with what to do, not as a diff against nothing.
    assert code == 1 and "no snapshot yet: run `safeguard snapshot update`" in out and "+organisation" not in out
    assert out.strip().endswith("1 fixture(s) have no snapshot yet")
    code, out, _ = run_cli("snapshot", "update", "--fixtures", orgs)
    for target in (tmp_path / "expected" / "elm-tree-gp.yaml", tmp_path / "expected" / "wording" / "elm-tree-gp.yaml"):
        assert code == 0 and target.read_text() == (FIXTURES.parent / target.relative_to(tmp_path)).read_text()
    assert run_cli("snapshot", "check", "--fixtures", orgs)[0] == 0


def test_snapshot_check_of_a_missing_folder_exits_2(run_cli, tmp_path):
    code, _, err = run_cli("snapshot", "check", "--fixtures", tmp_path / "nowhere")
    assert code == 2 and "no such file or folder" in err
