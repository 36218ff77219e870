"""Every problem `rules lint` finds in a rule file has a file:line:col, whichever key is missing or
empty: a missing `cases:` (or any other required key) is placed at the top of the file, an empty
one at its own key's line (not the line after it, where the parser puts an empty value)."""

from __future__ import annotations

import json
import re

import pytest

from compliance.catalogue.schema import Rule
from tests.conftest import ROOT

SOURCE = ROOT / "rules" / "training" / "TRN-001.yaml"
TEXT = SOURCE.read_text()
TOP_KEYS = re.findall(r"^([a-z_]+):", TEXT, re.M)
REQUIRED = [k for k in TOP_KEYS if Rule.model_fields[k].is_required()]


def _blocks(text: str) -> dict[str, tuple[int, str]]:
    """Each top-level key's (first line number, text of its whole block)."""
    out: dict[str, tuple[int, str]] = {}
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if re.match(r"[a-z_]+:", line)] + [len(lines)]
    for a, b in zip(starts, starts[1:]):
        out[lines[a].split(":")[0]] = (a + 1, "".join(lines[a:b]))
    return out


def _lint(run_cli, tmp_path, text: str) -> list[dict]:
    folder = tmp_path / "training"
    folder.mkdir(exist_ok=True)
    (folder / "TRN-001.yaml").write_text(text)
    code, out, err = run_cli("rules", "lint", folder / "TRN-001.yaml", "-f", "json")
    assert code == 2 and "Traceback" not in err, err
    return json.loads(out)["problems"]


def test_the_rule_has_required_keys_to_take_away():
    assert "cases" in REQUIRED and len(REQUIRED) >= 10


@pytest.mark.parametrize("key", REQUIRED)
def test_a_missing_required_key_is_placed(run_cli, tmp_path, key):
    line, block = _blocks(TEXT)[key]
    problems = _lint(run_cli, tmp_path, TEXT.replace(block, ""))
    assert any(p["field"] == key and p["code"] == "missing-field" for p in problems), problems
    for p in problems:
        assert p["file"].endswith("TRN-001.yaml") and p["line"] >= 1 and p["column"] >= 1, p


@pytest.mark.parametrize("key", REQUIRED)
def test_an_empty_required_key_is_placed_at_its_own_line(run_cli, tmp_path, key):
    line, block = _blocks(TEXT)[key]
    problems = _lint(run_cli, tmp_path, TEXT.replace(block, f"{key}:\n"))
    mine = [p for p in problems if p["field"] == key]
    assert mine and all(p["line"] == line and p["column"] >= 1 for p in mine), (line, problems)
