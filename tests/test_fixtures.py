"""The fixture organisations give exactly their expected findings."""

from __future__ import annotations

import difflib

import pytest
from conftest import fixture_files

from compliance.inputs import load_assessment
from compliance.snapshot import expected_path, render_snapshot


def test_there_are_fixtures_of_several_types():
    types = set()
    for path in fixture_files():
        doc, _ = load_assessment(path)
        types.add(doc.organisation.type)
    assert len(types) >= 3


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.stem)
def test_fixture_findings_match_expected(evaluator, path):
    doc, _ = load_assessment(path)
    actual = render_snapshot(doc.organisation.id, evaluator.evaluate(doc))
    expected = expected_path(path).read_text()
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "expected", "actual"))
    assert actual == expected, f"findings of {path.name} changed:\n{diff}"
