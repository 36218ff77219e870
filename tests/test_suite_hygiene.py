"""The suite itself: collection leaves the user's files alone, and every test can fail."""

from __future__ import annotations

import ast
import os
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# Read while this module is imported, i.e. during collection, before any fixture has run.
_CACHE_WHILE_COLLECTING = os.environ.get("SAFEGUARD_CACHE_DIR")
# Calls that load or evaluate rules, and so write the rule cache: never at a test module's import.
_LOADERS = {"load_rules", "load_area_rules", "run_cases", "Evaluator", "make_evaluator", "compile_rules"}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(), str(p))) for p in sorted(TESTS.rglob("*.py"))]


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def test_the_rule_cache_is_redirected_before_collection():
    from compliance.catalogue import cache

    assert _CACHE_WHILE_COLLECTING, "conftest's pytest_configure did not redirect the cache"
    os.environ.pop("SAFEGUARD_CACHE_DIR")
    try:
        users = cache.cache_dir()
    finally:
        os.environ["SAFEGUARD_CACHE_DIR"] = _CACHE_WHILE_COLLECTING
    assert users is not None and not Path(_CACHE_WHILE_COLLECTING).is_relative_to(users.parent)


def test_no_test_module_loads_rules_while_it_is_collected():
    """Module-level code and decorators run at collection: rules are loaded in fixtures instead."""
    found = []
    for path, module in _modules():
        run_at_import: list[ast.AST] = []
        for node in module.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                run_at_import += node.decorator_list
            else:
                run_at_import.append(node)
        found += [f"{path.name}:{c.lineno}" for n in run_at_import for c in ast.walk(n)
                  if isinstance(c, ast.Call) and _name(c) in _LOADERS]
    assert found == []


def test_every_test_asserts_something_that_can_fail():
    """An assert, or pytest.raises / fail / warns; and no assert that holds whatever happens
    (`assert x if c else True`, `assert "literal"`)."""
    silent, vacuous = [], []
    for path, module in _modules():
        for node in ast.walk(module):
            if isinstance(node, ast.Assert) and (isinstance(node.test, ast.Constant) or (
                    isinstance(node.test, ast.IfExp) and any(isinstance(b, ast.Constant) and b.value
                                                              for b in (node.test.body, node.test.orelse)))):
                vacuous.append(f"{path.name}:{node.lineno}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                checks = any(isinstance(n, ast.Assert) or (isinstance(n, ast.Call) and _name(n) in
                                                           ("raises", "fail", "warns", "skip"))
                             for n in ast.walk(node))
                if not checks:
                    silent.append(f"{path.name}:{node.lineno} {node.name}")
    assert silent == [] and vacuous == []
