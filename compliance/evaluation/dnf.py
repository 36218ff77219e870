"""Disjunctive normal form over the compiler's literals, pruned as it is built.

Three-valued conditions multiply out: the *unknown* branch of `all: [any: [a, b], any: [c, d]]`
is a product of products. Built naively, INF-005 (two services, each "not run or seen in time")
compiled to more than a million engine rules. Most of those alternatives are contradictions
("x is missing and x >= 90") or repeat a smaller alternative, so they are dropped at every step;
what is left is small enough for durable-rules.

A literal is `(atom, holds)`. An atom is either `("ex", name)` (the measure is reported) or
`("cmp", left, op, operand_json, measures_read)`, a comparison whose negation is the same atom
with `holds` false; it contradicts `("ex", m)` false for any measure it reads.

The work is bounded before it is done, not after: a product's size (terms times terms) is counted
before it is formed, and every comparison the pruning makes is counted as it is made, against one
budget per condition (`counting`). A rule of many `any`s was refused only after its full expansion
(40 s for six three-way `any`s); it is now refused when the budget is spent, after the same amount
of work however many more `any`s it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Literal = tuple[tuple[Any, ...], bool]
Term = frozenset[Literal]
Dnf = list[Term]  # [] never holds; [frozenset()] always holds

MAX_TERMS = 4096
# Units of work (a pair formed in a product, a containment test in the pruning) for one condition.
# The bundled catalogue's largest needs about 1/100 of it; spending it all takes a fraction of a second.
MAX_WORK = 400_000


class TooComplex(Exception):
    pass


class Work:
    """The work done so far on one condition, refused (TooComplex) as soon as it would pass `limit`."""

    def __init__(self, limit: int = MAX_WORK):
        self.limit, self.done = limit, 0

    def charge(self, units: int) -> None:
        self.done += units
        if self.done > self.limit:
            raise TooComplex


_work: ContextVar[Work | None] = ContextVar("dnf_work", default=None)


@contextmanager
def counting(limit: int = MAX_WORK) -> Iterator[Work]:
    """Everything built inside shares one budget of `limit` units (the work done is in `.done`)."""
    work = Work(limit)
    token = _work.set(work)
    try:
        yield work
    finally:
        _work.reset(token)


def _charge(units: int) -> None:
    work = _work.get()
    if work is not None:
        work.charge(units)


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
        _charge(len(kept) + 1)
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
        _charge(len(out) * len(p))  # counted before the product is formed
        out = minimise(a | b for a in out for b in p if _consistent(a | b))
        if not out:
            return out
    return out
