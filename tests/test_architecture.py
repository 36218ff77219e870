"""The package's folders are the pipeline, and imports only go down it (README, "Architecture")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "compliance"
# Upstream first: a module may import its own folder and folders before it, never after.
LAYERS = ["domain", "intake", "catalogue", "evaluation", "cohort", "history", "app", "formats", "cli"]


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every compliance module a file imports, at the top or inside a function."""
    me = _module(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names = [mod] + [f"{mod}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out |= {n for n in names if n.startswith("compliance")}
    return out


MODULES = {_module(p): p for p in PACKAGE.rglob("*.py")}


def _graph() -> dict[str, set[str]]:
    return {m: {t for t in _imports(p) if t in MODULES and t != m} for m, p in MODULES.items()}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else None


def test_every_module_is_in_a_layer():
    stray = [m for m in MODULES if m.count(".") >= 1 and _layer(m) not in LAYERS
             and m not in ("compliance.__main__",) and not m.startswith("compliance.bundled_rules")]
    assert not stray, f"modules outside the pipeline folders {LAYERS}: {stray}"


def test_imports_only_go_down_the_pipeline():
    upward = []
    for m, targets in _graph().items():
        mine = _layer(m)
        for t in targets:
            theirs = _layer(t)
            if mine in LAYERS and theirs in LAYERS and LAYERS.index(theirs) > LAYERS.index(mine):
                upward.append(f"{m} -> {t}")
    assert not upward, "upward imports: " + ", ".join(sorted(upward))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                found.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t, stack + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return found


def test_the_cycle_check_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    found = cycles(_graph())
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


@pytest.mark.parametrize("layer", LAYERS)
def test_only_the_engine_layer_imports_durable_rules(layer):
    offenders = [m for m, p in MODULES.items() if _layer(m) == layer and m != "compliance.evaluation.engine"
                 and "durable" in p.read_text() and any(
                     isinstance(n, (ast.Import, ast.ImportFrom)) and "durable" in ast.unparse(n)
                     for n in ast.walk(ast.parse(p.read_text())))]
    assert not offenders
