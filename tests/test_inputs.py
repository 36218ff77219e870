"""Bad input gets one clear paragraph naming file, line, field and expectation, and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES

GOOD = (FIXTURES / "elm-tree-gp.yaml").read_text()


def write(tmp_path: Path, text: str, name: str = "return.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("text,expected", [
    ("organisation: [unclosed\n", ["invalid YAML", "line"]),
    (GOOD.replace("staff_in_post: 12,", "staff_in_post: twelve,"), ["line 22", "training.groups[0].staff_in_post", "expected a whole number", "'twelve'"]),
    (GOOD.replace("in_date: 12}", "in_date: 13}"), ["line 22", "training.groups[0]", "'in_date' (13) cannot exceed 'staff_in_post' (12)"]),
    (GOOD.replace("staff_in_post: 12,", "staf_in_post: 12,"), ["unknown field 'staf_in_post'", "expected one of", "staff_in_post"]),
    (GOOD.replace("type: gp_practice", "type: surgery"), ["line 8", "organisation.type", "'gp_practice'", "'surgery'"]),
    (GOOD.replace("level: 2,", "level: 7,"), ["training.groups[1].level", "less than or equal to 3"]),
    (GOOD.replace("exists: false", "exists: no"), ["was_not_brought.policy.exists", "expected true or false"]),
    (GOOD.replace("end: 2026-03-31", "end: 2024-03-31"), ["organisation.period", "must end after it starts"]),
    (GOOD.replace('schema_version: "1"', 'schema_version: "7"'), ["schema_version '7' is not supported"]),
    (GOOD.replace("  name: Elm Tree Surgery\n", ""), ["organisation.name", "a value is required"]),
    ("", ["expected a mapping", "empty file"]),
    ("- a\n- b\n", ["expected a mapping", "list"]),
    ("a: 1\n---\nb: 2\n", ["single document"]),
    ("a: 1\na: 2\n", ["duplicate key", "line"]),
    ("a: !!python/object/apply:os.system [echo pwned]\n", ["tag", "not allowed"]),
    ("a: !custom 1\n", ["tag '!custom' is not allowed"]),
])
def test_bad_yaml_inputs_exit_2_with_a_located_message(tmp_path, run_cli, text, expected):
    path = write(tmp_path, text)
    code, out, err = run_cli("assess", path)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith(f"error: {path}: invalid input: ")
    assert len(err.strip().splitlines()) == 1, "one paragraph"
    for fragment in expected:
        assert fragment in err


def test_missing_file(run_cli, tmp_path):
    code, _, err = run_cli("assess", tmp_path / "nope.yaml")
    assert code == 2 and "no such file" in err


def test_a_folder_is_not_a_return(run_cli, tmp_path):
    code, _, err = run_cli("assess", tmp_path)
    assert code == 2 and "not a regular file" in err


def test_billion_laughs_fails_fast(tmp_path, run_cli):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i-1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    path = write(tmp_path, "\n".join(lines) + "\n")
    code, _, err = run_cli("assess", path)
    assert code == 2 and "expands to more than" in err


def test_oversized_file_is_refused_before_parsing(tmp_path, run_cli):
    path = write(tmp_path, "# " + "x" * (3 * 1024 * 1024) + "\n")
    code, _, err = run_cli("assess", path)
    assert code == 2 and "at most" in err and "bytes" in err


def test_not_utf8(tmp_path, run_cli):
    path = tmp_path / "r.yaml"
    path.write_bytes(b"a: \xff\xfe\n")
    code, _, err = run_cli("assess", path)
    assert code == 2 and "not UTF-8" in err


def _json_return() -> dict:
    from compliance.intake.documents import read_document

    return read_document(FIXTURES / "elm-tree-gp.yaml").data


def test_json_input_is_accepted_and_errors_carry_lines(tmp_path, run_cli):
    data = _json_return()
    good = write(tmp_path, json.dumps(data, indent=2, default=str), "r.json")
    assert run_cli("assess", good, "--fail-on", "none")[0] == 0
    data["training"]["groups"][0]["staff_in_post"] = -1
    bad = write(tmp_path, json.dumps(data, indent=2, default=str), "bad.json")
    code, _, err = run_cli("assess", bad)
    assert code == 2 and "training.groups[0].staff_in_post" in err and "line " in err


@pytest.mark.parametrize("text,fragment", [
    ('{"a": 1, "a": 2}', "duplicate key 'a'"),
    ('{"a": NaN}', "NaN is not a number"),
    ('{"a": ', "invalid JSON"),
])
def test_bad_json(tmp_path, run_cli, text, fragment):
    code, _, err = run_cli("assess", write(tmp_path, text, "r.json"))
    assert code == 2 and fragment in err


def test_the_input_file_is_never_modified(tmp_path, run_cli):
    path = write(tmp_path, GOOD)
    before = path.read_bytes()
    run_cli("assess", path, "--format", "json", "-o", tmp_path / "out.json")
    assert path.read_bytes() == before


def test_schema_has_no_field_for_names_of_children():
    from compliance.domain.model import json_schema

    text = json.dumps(json_schema()).lower()
    for word in ("child_name", "first_name", "surname", "date_of_birth", "nhs_number"):
        assert word not in text
