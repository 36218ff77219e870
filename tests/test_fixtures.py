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
    return {path.name: (expected, actual) for path, expected, actual in compare_fixtures(evaluator, FIXTURES)}


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.stem)
def test_fixture_findings_match_expected(comparisons, path):
    expected, actual = comparisons[path.name]
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "expected", "actual"))
    assert actual == expected, f"findings of {path.name} changed (safeguard snapshot update):\n{diff}"


def test_snapshot_check_and_update(run_cli, tmp_path):
    import shutil

    orgs = tmp_path / "organisations"
    shutil.copytree(FIXTURES, orgs)
    shutil.copytree(FIXTURES.parent / "expected", tmp_path / "expected")
    assert run_cli("snapshot", "check", "--fixtures", orgs)[0] == 0
    target = tmp_path / "expected" / "elm-tree-gp.yaml"
    target.write_text(target.read_text().replace("TRN-001: {outcome: met", "TRN-001: {outcome: not_met", 1))
    code, out, _ = run_cli("snapshot", "check", "--fixtures", orgs)
    assert code == 1 and "-  TRN-001: {outcome: not_met" in out and "+  TRN-001: {outcome: met" in out
    code, out, _ = run_cli("snapshot", "update", "--fixtures", orgs)
    assert code == 0 and out.strip() == f"updated {target}"
    assert run_cli("snapshot", "check", "--fixtures", orgs)[0] == 0


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
    target = tmp_path / "expected" / "elm-tree-gp.yaml"
    assert code == 0 and target.read_text() == (FIXTURES.parent / "expected" / "elm-tree-gp.yaml").read_text()
    assert run_cli("snapshot", "check", "--fixtures", orgs)[0] == 0


def test_snapshot_check_of_a_missing_folder_exits_2(run_cli, tmp_path):
    code, _, err = run_cli("snapshot", "check", "--fixtures", tmp_path / "nowhere")
    assert code == 2 and "no such file or folder" in err
