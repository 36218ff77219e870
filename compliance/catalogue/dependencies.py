"""Rule prerequisites (`depends_on`): which ids must be present, in which order, and together.

The engine decides what a dependency means (see compiler.py); this module only answers the
structural questions every consumer needs: are the prerequisites known and acyclic, which rules must
share an engine session, and which rules a single rule needs alongside it to be evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from compliance.domain.errors import Problem

from compliance.catalogue.schema import Rule


def dependency_problems(rules: Iterable[Rule], known: Iterable[str] = ()) -> dict[str, list[str]]:
    """Unknown prerequisites and cycles, by rule id; `known` adds ids defined elsewhere."""
    by_id = {r.id: r for r in rules}
    ids = set(by_id) | set(known)
    problems: dict[str, list[str]] = {}
    for r in by_id.values():
        for p in r.depends_on:
            if p not in ids:
                problems.setdefault(r.id, []).append(f"depends on {p}, which is not among the rules in force")
    for cycle in _cycles(by_id):
        first = min(cycle)
        problems.setdefault(first, []).append("depends on itself through " + " -> ".join(cycle + [cycle[0]]))
    return problems


def dependency_errors(rules: Iterable[Rule], files: dict[str, Path], known: Iterable[str] = ()
                      ) -> list[tuple[Path, Problem]]:
    """`dependency_problems`, each placed at its file's `depends_on` line: the one check every
    consumer (loading a rule set, lint) goes through."""
    by_id = {r.id: r for r in rules}
    out = []
    for rid, texts in sorted(dependency_problems(by_id.values(), known).items()):
        line = by_id[rid].lines.line_of(("depends_on",)) if rid in by_id else None
        out += [(files.get(rid, Path(rid)), Problem(t, "depends_on", line)) for t in texts]
    return out


def _cycles(by_id: dict[str, Rule]) -> list[list[str]]:
    """One representative of every dependency cycle, each rotated to start at its smallest id."""
    found: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}  # 1 on the current path, 2 finished

    def visit(rid: str, path: list[str]) -> None:
        state[rid] = 1
        path.append(rid)
        for p in by_id[rid].depends_on:
            if p not in by_id:
                continue
            if state.get(p) == 1:
                cycle = path[path.index(p):]
                k = cycle.index(min(cycle))
                found.add(tuple(cycle[k:] + cycle[:k]))
            elif p not in state:
                visit(p, path)
        path.pop()
        state[rid] = 2

    for rid in sorted(by_id):
        if rid not in state:
            visit(rid, [])
    return [list(c) for c in sorted(found)]


def groups(rules: list[Rule]) -> list[list[Rule]]:
    """Rules linked by dependencies (in either direction), each group in the given order.

    A prerequisite's outcome reaches its dependants as a fact inside one engine session, so a whole
    group must be compiled into the same ruleset.
    """
    parent = {r.id: r.id for r in rules}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in rules:
        for p in r.depends_on:
            if p in parent:
                parent[root(r.id)] = root(p)
    out: dict[str, list[Rule]] = {}
    for r in rules:
        out.setdefault(root(r.id), []).append(r)
    return list(out.values())


def with_prerequisites(rule: Rule, by_id: dict[str, Rule]) -> list[Rule]:
    """The rule and every rule it depends on, directly or not (unknown ids are left out)."""
    seen: dict[str, Rule] = {}
    todo = [rule]
    while todo:
        r = todo.pop()
        if r.id in seen:
            continue
        seen[r.id] = r
        todo += [by_id[p] for p in r.depends_on if p in by_id]
    return list(seen.values())
