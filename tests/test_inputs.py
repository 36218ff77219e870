"""Bad input gets one clear paragraph naming file, line, field and expectation, and exit code 2."""

from __future__ import annotations

import json
import re
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


# --- the fast YAML path gives what the round-trip loader gives -----------------------------------

def _round_trip(text: str):
    from compliance.intake import documents as D

    return D._plain(D._yaml().load(text), D.Document(Path("x.yaml"), text, None), D.InputError, ())


def _same(a, b) -> bool:
    """Equal, and in the same key order at every level (the order of measures is the order shown)."""
    return json.dumps(a, default=repr) == json.dumps(b, default=repr)


@pytest.mark.slow
def test_every_bundled_yaml_file_loads_the_same_through_the_fast_path():
    from compliance.intake.documents import _SLOW, _plain_fast

    root = Path(__file__).resolve().parent.parent
    files = sorted(root.glob("rules/**/*.yaml")) + sorted(root.glob("fixtures/**/*.y*ml"))
    fast = 0
    for f in files:
        text = f.read_text()
        got = _plain_fast(text)
        if got is not _SLOW:
            fast += 1
            assert _same(got, _round_trip(text)), f
    assert fast > 50  # the fast path is the one taken


@pytest.mark.parametrize("text", [
    "a: &x {p: 1}\nb: {<<: *x, r: 2}\n",  # merge keys: another key order
    "a: 2024-01-05T10:00:00Z\n",  # a date-time
    "a: !!binary aGVsbG8=\n", "a: !!set {x, y}\n",  # other core tags
    "1: x\n", "? [1, 2]\n: 3\n",  # keys that are not text
    "a: 1\na: 2\n",  # a duplicate key
    "a: [1\n",  # broken
])
def test_anything_but_plain_data_goes_the_round_trip_way(text):
    from compliance.intake.documents import _SLOW, _plain_fast

    assert _plain_fast(text) is _SLOW


def test_generated_documents_load_the_same_both_ways():
    import io

    from hypothesis import given, settings, strategies as st
    from ruamel.yaml import YAML

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False, width=32),
                        st.dates(), st.text(max_size=12),
                        st.sampled_from(["yes", "no", "on", "010", "0o17", "0x1F", "1_000", "12:30", "1e3", ".5", "~", "null", "True"]))
    docs = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)),
                        max_leaves=20)

    @settings(max_examples=150, deadline=None)
    @given(docs, st.sampled_from([None, True, False]))
    def check(data, flow):
        y = YAML(typ="rt")
        y.default_flow_style = flow
        out = io.StringIO()
        y.dump({"doc": data}, out)
        text = out.getvalue()
        from compliance.intake.documents import _SLOW, _plain_fast

        got = _plain_fast(text)
        if got is not _SLOW:
            assert _same(got, _round_trip(text)), text

    check()


# --- the JSON bounds' quick check -----------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from compliance.domain.errors import InputError  # noqa: E402
from compliance.intake import documents  # noqa: E402

_SMALL = documents.Limits(max_nodes=60, max_depth=4, max_digits=6)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**9, 10**9) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet='ab"\\\n[]{}1e', max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet='k"\\[]', max_size=3), inner, max_size=4),
    max_leaves=30)


def _walk_refuses(text: str, limits: documents.Limits) -> bool:
    try:
        documents._walk_json(text, documents.Budget("f.json", InputError, limits))
    except InputError:
        return True
    return False


@pytest.mark.slow
@given(_JSON, st.sampled_from(["", "NaN", "1e999", "[[[[[[", "]]", '"', "1234567", "Infinity"]), st.integers(0, 400))
@settings(max_examples=400)
def test_the_quick_json_check_never_passes_what_the_token_walk_refuses(value, insert, at):
    """The quick check may send any document to the walk, but one it passes must be one the walk
    passes: else a bound would go unchecked."""
    text = json.dumps(value)
    text = text[:at] + insert + text[at:]
    for limits in (_SMALL, documents.DEFAULT_LIMITS):
        if documents._surely_within(text, limits):
            assert not _walk_refuses(text, limits), text


def test_generated_json_returns_take_the_quick_check(tmp_path):
    from compliance.app.generate import write_cohort

    paths = write_cohort(tmp_path, 20, seed=3)
    assert len(paths) == 20
    for path in paths:
        assert documents._surely_within(path.read_text(), documents.DEFAULT_LIMITS), path


@pytest.mark.slow
def test_unprintable_characters_are_exactly_those_yaml_does_not_accept():
    """YAML 1.2's printable set is tab, newline, carriage return, printable ASCII, NEL and the rest
    of Unicode but surrogates, U+FFFE and U+FFFF; the reader refuses every other character."""
    printable = re.compile("[\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    for code in range(0x110000):
        c = chr(code)
        assert bool(documents._UNPRINTABLE.match(c)) != bool(printable.match(c)), hex(code)
