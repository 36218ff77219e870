"""Disjunctive normal form over the compiler's literals, pruned as it is built.

Three-valued conditions multiply out: the *unknown* branch of `all: [any: [a, b], any: [c, d]]`
is a product of products. Built naively, INF-005 (two services, each "not run or seen in time")
compiled to more than a million engine rules. Most of those alternatives are contradictions
("x is missing and x >= 90") or repeat a smaller alternative, so they are dropped at every step;
what is left is small enough for durable-rules.

A literal is `(atom, holds)`. An atom is either `("ex", name)` (the measure is reported) or
`("cmp", left, op, operand_json, measures_read)`, a comparison whose negation is the same atom
with `holds` false; it contradicts `("ex", m)` false for any measure it reads.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable

Literal = tuple[tuple[Any, ...], bool]
Term = frozenset[Literal]
Dnf = list[Term]  # [] never holds; [frozenset()] always holds

MAX_TERMS = 4096


class TooComplex(Exception):
    pass


def literal(atom: tuple[Any, ...], holds: bool = True) -> Dnf:
    return [frozenset({(atom, holds)})]


def _needs(atom: tuple[Any, ...]) -> tuple[str, ...]:
    return atom[4] if atom[0] == "cmp" else (atom[1],)


def _consistent(term: Term) -> bool:
    seen: dict[tuple[Any, ...], bool] = {}
    missing: set[str] = set()
    needed: set[str] = set()
    for atom, holds in term:
        if seen.setdefault(atom, holds) != holds:
            return False
        if atom[0] == "ex" and not holds:
            missing.add(atom[1])
        elif atom[0] == "cmp":
            needed.update(_needs(atom))
    return not (missing & needed)


def minimise(terms: Iterable[Term]) -> Dnf:
    """Drop repeats and every term that contains a smaller one (it adds no facts)."""
    kept: list[Term] = []
    for t in sorted(set(terms), key=len):
        if not any(k <= t for k in kept):
            kept.append(t)
    if len(kept) > MAX_TERMS:
        raise TooComplex
    return kept


def any_of(parts: Iterable[Dnf]) -> Dnf:
    return minimise(t for p in parts for t in p)


def all_of(parts: Iterable[Dnf]) -> Dnf:
    out: Dnf = [frozenset()]
    for p in parts:
        out = minimise(a | b for a in out for b in p if _consistent(a | b))
        if not out:
            return out
    return out
