"""Measure kinds and filter operators are registered classes that each own their whole meaning, and
nothing outside the registry dispatches on their names (issue: evidence as data)."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from compliance.catalogue.kinds import EXTRAS, KINDS, Kind
from compliance.catalogue.operators import OPERATORS, Compare, Operator
from compliance.catalogue.schema import Measure

PACKAGE = Path(__file__).resolve().parent.parent / "compliance"
REGISTRY_FILES = {PACKAGE / "catalogue" / "operators.py", *(PACKAGE / "catalogue" / "kinds").glob("*.py")}


def _own(kind: object, hook: str) -> bool:
    """Whether the kind's class (or a kind family it belongs to) defines the hook, not the base."""
    return getattr(type(kind), hook) is not getattr(Kind, hook)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_has_every_hook(name):
    kind = KINDS[name]
    assert kind.name == name and len(kind.description) > 10
    assert _own(kind, "label"), f"{name}: no words"
    assert _own(kind, "derive" if kind.derived else "compute"), f"{name}: no arithmetic"
    for hook in ("engine_type", "unit", "names", "missing", "source", "lint", "check", "item_fields"):
        assert callable(getattr(kind, hook))
    assert kind.swap is None or kind.swap in KINDS, f"{name}: mutation partner {kind.swap} is not a kind"
    assert kind.required_extras <= kind.extras


def test_the_schema_is_the_registry():
    assert set(Measure.KINDS) == set(KINDS)
    assert set(KINDS) | set(EXTRAS) <= set(Measure.model_fields)
    assert {o.field for o in OPERATORS.values()} == set(Compare.model_fields)


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operator_has_every_hook(name):
    o = OPERATORS[name]
    assert o.name == name and len(o.description) > 10
    assert type(o).words is not Operator.words, f"{name}: no words"
    assert type(o).test is not Operator.test or type(o).matches is not Operator.matches, f"{name}: no matching"
    assert o.swap is None or o.swap in OPERATORS
    assert Compare.model_validate({name: 3 if o.takes_parameter else ("a.b[]" if o.reads_list else True)}).operator is o


# Names only the registry may dispatch on. The comparison operators (eq, gte...) are also the
# condition language's, so they are left out; the operator-only and kind names are not.
_COMPARISONS = {"eq", "ne", "lt", "lte", "gt", "gte"}
_NAMES = (set(KINDS) | {n for o in OPERATORS.values() for n in (o.name, o.field)}) - _COMPARISONS \
    - {"value", "count", "min", "max", "sum", "year", "total"}
_DISPATCHERS = {"kind", "op", "operator", "name"}


def _dispatches(node: ast.Compare) -> bool:
    sides = [node.left, *node.comparators]
    named = any((isinstance(s, ast.Attribute) and s.attr in _DISPATCHERS)
                or (isinstance(s, ast.Name) and s.id in _DISPATCHERS) for s in sides)
    consts = {c.value for s in sides for c in ast.walk(s) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return named and bool(consts & _NAMES)


def test_no_dispatch_on_kind_or_operator_names_outside_the_registry():
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path in REGISTRY_FILES:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare) and _dispatches(node):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr in ("in_", "not_in", "within_months", "older_than_months",
                                                                 "in_period", "recorded", "min_percent"):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert not found, "dispatch on a kind or operator outside the registry: " + ", ".join(found)


def test_the_scan_would_catch_a_dispatch():
    assert _dispatches(ast.parse('m.kind == "percent"').body[0].value)  # type: ignore[attr-defined]
    assert _dispatches(ast.parse('op in ("in_", "not_in")').body[0].value)  # type: ignore[attr-defined]
    assert not _dispatches(ast.parse('leaf.kind == "date"').body[0].value)  # type: ignore[attr-defined]


def test_a_measure_without_a_description_lints_and_assesses(tmp_path, run_cli):
    """GOV-005 with the description of its measure 'stale' removed passed the schema and then
    ended lint and assess with an internal error (words for 'older_than_months' were missing)."""
    from compliance.catalogue.files import BUNDLED_RULES

    rules = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES, rules)
    path = rules / "governance" / "GOV-005.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == "stale:")
    described = next(i for i in range(start + 1, start + 5) if lines[i].strip().startswith("description:"))
    del lines[described]
    path.write_text("".join(lines))
    code, out, err = run_cli("rules", "lint", str(rules))
    assert code in (0, 1), err
    code, out, err = run_cli("assess", str(PACKAGE.parent / "fixtures" / "organisations" / "northfield-acute.yaml"),
                             "--rules", str(rules), "--fail-on", "none", "--format", "json")
    assert code == 0, err
    import json

    f = next(f for f in json.loads(out)["findings"] if f["rule_id"] == "GOV-005")
    label = next(e["label"] for e in f["evidence"] if e["measure"] == "stale")
    assert "older_than" not in label and "_" not in label and "months before the period end" in label
