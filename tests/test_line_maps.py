"""A rule's line map is kept from its one reading: every place named later (a lint problem, a compile
error, a failing case, a surviving mutant, a broken prerequisite) comes from it, never from reading
the file again, and it names the same places as the round-trip parser did."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from compliance.catalogue.files import AREA_FOLDER, rule_files
from compliance.domain.errors import RuleError
from compliance.intake.documents import line_map

RULES = ROOT / "rules"
TRN001 = RULES / "training" / "TRN-001.yaml"


def _round_trip_places(text: str) -> dict[tuple, tuple[tuple[int, int], tuple[int, int]]]:
    """Every location of the round-trip tree with its (key, value) position, 1-based: the reference
    (the inside of an alias is its anchor's, so it is walked once)."""
    out: dict[tuple, tuple[tuple[int, int], tuple[int, int]]] = {}
    seen: set[int] = set()

    def walk(node, loc: tuple) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, CommentedMap):
            for k in node:
                key = node.lc.key(k)
                value = node.lc.value(k) if not isinstance(node[k], (CommentedMap, CommentedSeq)) else key
                out[(*loc, k)] = ((key[0] + 1, key[1] + 1), (value[0] + 1, value[1] + 1))
                walk(node[k], (*loc, k))
        elif isinstance(node, CommentedSeq):
            for i, item in enumerate(node):
                at = node.lc.item(i)
                out[(*loc, i)] = ((at[0] + 1, at[1] + 1), (at[0] + 1, at[1] + 1))
                walk(item, (*loc, i))

    walk(YAML(typ="rt").load(text), ())
    return out


def _differences(text: str) -> list:
    """Where the line map and the round-trip parser disagree (nothing, when they agree)."""
    lines = line_map(text)
    reference = _round_trip_places(text)
    out: list = [("places", len(lines), len(reference))] if len(lines) != len(reference) else []
    for loc, (key, value) in reference.items():
        found = (lines.position(loc), lines.position(loc, value=True), lines.line_of((*loc, "no such key")))
        if found != (key, value, key[0]):  # the last: a missing part falls back to the deepest present
            out.append((loc, found, (key, value, key[0])))
    return out


@pytest.mark.parametrize("path", rule_files(RULES) + sorted((RULES / AREA_FOLDER).glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_rule_files_places_equal_the_round_trip_parsers(path: Path):
    assert _differences(path.read_text()) == []


_keys = st.text(alphabet="abcxyz_", min_size=1, max_size=6)
_scalars = st.one_of(st.integers(-5, 10**6), st.text(alphabet="ab c:#-'", max_size=8), st.booleans(), st.none())
_docs = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(_keys, inner, max_size=4)), max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(doc=st.dictionaries(_keys, _docs, min_size=1, max_size=5), flow=st.booleans())
def test_places_equal_the_round_trip_parsers_for_any_document(doc, flow):
    import io

    y = YAML(typ="safe", pure=True)
    y.default_flow_style = flow
    buf = io.StringIO()
    y.dump(doc, buf)
    try:
        YAML(typ="rt").load(buf.getvalue())
    except Exception:  # noqa: BLE001 - the dumper wrote something no YAML parser takes (`[: a]`)
        assume(False)
    assert _differences(buf.getvalue()) == []


def test_a_map_is_bounded_and_a_broken_text_has_an_empty_one():
    aliases = "a: &x [1, 2, 3]\n" + "".join(f"k{i}: *x\n" for i in range(50))
    assert len(line_map(aliases)) == 1 + 3 + 50  # an alias's places are its anchor's, not walked again
    assert len(line_map("a: [1, 2\n")) == 0
    assert len(line_map("\n".join(f"k{i}: {i}" for i in range(100)), limit=10)) == 10


# --- nothing reads a rule file after loading it ----------------------------------------------------


def _copy(tmp_path: Path, edit: tuple[str, str] | None = None) -> Path:
    folder = tmp_path / "rules" / "training"
    folder.mkdir(parents=True)
    text = TRN001.read_text()
    if edit:
        assert edit[0] in text
        text = text.replace(*edit)
    (folder / "TRN-001.yaml").write_text(text)
    return tmp_path / "rules"


def test_a_broken_measure_path_is_placed_after_the_file_is_gone(tmp_path):
    from compliance.catalogue.loading import load_rules
    from compliance.evaluation.evaluator import Evaluator

    folder = _copy(tmp_path, ('"training.groups[].staff_in_post"', '"training.groups[].staff_on_post"'))
    ruleset = load_rules([folder])
    shutil.rmtree(folder)
    with pytest.raises(RuleError) as e:
        Evaluator(ruleset)
    assert e.value.problems[0].line == 29  # measures.staff, as the file read at loading had it


def test_failing_cases_and_surviving_mutants_are_placed_after_the_file_is_gone(tmp_path):
    from compliance.app.cases import run_cases
    from compliance.app.checks import mutate_run, test_run
    from compliance.app.mutate import mutate_rule
    from compliance.catalogue.loading import load_rules

    # a case that now fails, and no case at the threshold (so a mutant survives)
    folder = _copy(tmp_path, ("in_date: 150, renewal_months: 36}]}}\n    expect: not_met",
                              "in_date: 150, renewal_months: 36}]}}\n    expect: met"))
    ruleset = load_rules([folder])
    rule = ruleset.by_id["TRN-001"]
    shutil.rmtree(folder)
    run = test_run(run_cases(ruleset, {"TRN-001"}), {"TRN-001": (rule, ruleset.files["TRN-001"])}, ["TRN-001"], "t")
    issue = next(i for c in run.checks for i in c.issues)
    assert (issue.path, issue.line, issue.column) == ("cases[2]", 50, 5)
    score = mutate_rule(ruleset, rule)
    assert score.broken == ["trn001_not_met"]
    issue = next(i for c in mutate_run([score], "t").checks for i in c.issues)
    assert (issue.code, issue.path, issue.line) == ("failing-case", "cases[2]", 50)


def test_no_module_that_reports_on_rules_reads_a_rule_file():
    """Structural: lint, mutation, checks, dependencies and evaluation take places from line maps."""
    package = ROOT / "compliance"
    modules = [package / "app" / n for n in ("lint.py", "mutate.py", "checks.py", "cases.py", "coverage.py")]
    modules += [package / "catalogue" / "dependencies.py", package / "catalogue" / "explain.py"]
    modules += sorted((package / "evaluation").glob("*.py"))
    readers = {"read_document", "read_text", "read_bytes", "parse_document"}
    found = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                if name in readers and not (path.name == "explain.py" and _reads_own_data(node)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not found


def _reads_own_data(call: ast.Call) -> bool:
    """explain.py reads its own clause list (package data, not a rule file)."""
    return "framework_clauses" in ast.unparse(call)
