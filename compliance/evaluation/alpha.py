"""A model of durable-rules' alpha network, to bound the stack its fact walk needs.

durable-rules walks the alpha network of each asserted fact depth-first with a fixed stack of 64
nodes (`MAX_STACK_SIZE` in events.c) and fails the whole assertion with error 303 when it runs out.
The stack fills up when a node has many children that can hold at once. The usual cause is an
`$or` repeated in many engine rules: each occurrence gets its own join ("forward") node, every one
of them hanging off the same shared alternative and always pushed. INF-005 hit this with 64 engine
rules behind one organisation-type test. The compiler rebuilds the network as the library does
(rete.c: `$and` chains, `$or` joins, shared leaf nodes) and refuses a rule whose worst case does
not fit, so the error cannot happen at run time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

STACK_LIMIT = 64  # durable-rules' MAX_STACK_SIZE


class _Node:
    __slots__ = ("children", "joins", "prop", "op", "value")

    def __init__(self, prop: str = "", op: str = "", value: Any = None):
        self.prop, self.op, self.value = prop, op, value
        self.children: dict[tuple[str, str, str], _Node] = {}  # shared leaves (findAlpha)
        self.joins: list[_Node] = []  # $or join nodes, one per occurrence (createForwardAlpha)

    def leaf(self, prop: str, op: str, value: Any) -> _Node:
        key = (prop, op, repr(value))  # compiled patterns are built in a fixed order, so repr is stable
        if key not in self.children:
            self.children[key] = _Node(prop, op, value)
        return self.children[key]


def _build(pattern: dict[str, Any], parent: _Node) -> _Node:
    (op, arg), = pattern.items()
    if op == "$and":
        for part in arg:
            parent = _build(part, parent)
        return parent
    if op == "$or":
        join = _Node()
        for alt in arg:
            _build(alt, parent).joins.append(join)
        return join
    if op.startswith("$"):
        (prop, value), = arg.items()
        return parent.leaf(prop, op, value)
    return parent.leaf(op, "$eq", arg)  # {"t": "X"}: a bare equality


def _width(node: _Node) -> int:
    """How many children one fact can push at once: every join, and per property either its `$nex`
    tests (absent) or its other tests (present), of which at most one constant `$eq` can hold."""
    absent: dict[str, int] = defaultdict(int)
    present: dict[str, int] = defaultdict(int)
    eq_const: set[str] = set()
    for c in node.children.values():
        if c.op == "$nex":
            absent[c.prop] += 1
        elif c.op == "$eq" and not isinstance(c.value, dict):
            eq_const.add(c.prop)
        else:
            present[c.prop] += 1
    props = set(absent) | set(present) | eq_const
    return len(node.joins) + sum(max(absent[p], present[p] + (p in eq_const)) for p in props)


def stack_bound(patterns: list[dict[str, Any]]) -> int:
    """Worst-case stack depth of the walk for facts that reach these patterns (all built from one root)."""
    root = _Node()
    for p in patterns:
        _build(p, root)
    memo: dict[int, int] = {}

    def peak(node: _Node) -> int:
        # Popping `node` pushes up to `width` children; the worst child is then processed with the
        # others still waiting below it.
        if id(node) not in memo:
            kids = list(node.children.values()) + node.joins
            width = _width(node)
            memo[id(node)] = max([width] + [width - 1 + peak(k) for k in kids])
        return memo[id(node)]

    return 1 + max((peak(k) for k in root.children.values()), default=0)
