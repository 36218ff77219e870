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


@pytest.mark.parametrize("given", ["folder", "area folder", "file"])
def test_area_rules_are_linted_as_area_rules_however_they_are_named(run_cli, given):
    """`rules lint rules/area` and `rules lint rules/area/ARE-001.yaml` linted the bundled area rules
    as organisation rules too (139 false errors); each way of naming them now lints them once, as area rules."""
    path = {"folder": ROOT / "rules", "area folder": ROOT / "rules" / "area",
            "file": ROOT / "rules" / "area" / "ARE-001.yaml"}[given]
    code, out, err = run_cli("rules", "lint", path, "-f", "json")
    assert code == 0, out
    assert json.loads(out)["problems"] == []


def test_a_broken_area_rule_is_found_through_its_area_folder(run_cli, tmp_path):
    area = tmp_path / "area"
    area.mkdir()
    text = (ROOT / "rules" / "area" / "ARE-001.yaml").read_text()
    (area / "ARE-001.yaml").write_text(text[:text.index("\ncases:") + 1])
    for path in (area, area / "ARE-001.yaml", tmp_path):
        code, out, _ = run_cli("rules", "lint", path, "-f", "json")
        problems = json.loads(out)["problems"]
        assert code == 2 and [(p["field"], p["code"]) for p in problems] == [("cases", "missing-field")], problems
        assert problems[0]["line"] == 1 and problems[0]["column"] == 1
