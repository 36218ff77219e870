"""Compiling rules into durable-rules rulesets (durable-rules' own data form).

Each rule becomes a handful of single-pattern engine rules that partition every possible fact:
one per way the rule can be out of scope or short of evidence, one for `met`, and one (or two,
with an escalated severity) for `not_met`. The partition is built, not hoped for:

* a gate (organisation type, services, `applies_when`) or the condition contributes its own
  negation, computed here by De Morgan, so the engine never needs `$not` patterns, whose result
  depends on the order facts arrive in (see ../shared/durable-rules-notes.md);
* a branch that reads a measure first requires it present (`$ex`); "some measure missing" is its
  own branch (`$nex`), so a missing value can never fall through to `met` or `not_met`;
* durable-rules fires an action once for *each* alternative of an `$or` that holds (found while
  writing MIS-001; not in the library's notes). The branches of a rule are built to exclude each
  other, so a second firing can only repeat the same branch; the evaluator requires exactly one
  distinct outcome per rule. (Making alternatives disjoint instead grew MIS-001 to 23,197 rules.)
* three-valued conditions multiply out, so the branches are built in disjunctive normal form with
  contradictions and redundant alternatives pruned at each step (`dnf.py`);
* durable-rules walks a fact through its network with a 64-node stack (error 303 past it); the
  worst case of each rule is bounded at compile time (`alpha.py`);
* durable-rules refuses some large patterns (error 113), so nested $and/$or are flattened and an
  oversized pattern is split into one engine rule per alternative of its largest $or;
* durable-rules divides integers as integers, so 34 >= 36 * 95 / 100 held (3420 / 100 = 34): a
  division is always made floating-point (found by the screening benchmark on INF-003);
* every pattern is anchored on the fact's `t` (the rule id), so no pattern can match the
  session-state object the engine re-asserts after actions;
* every emitted condition object has exactly one key, and every operator comes from the closed
  table below: durable-rules silently ignores all keys but the first and treats an unknown
  operator as a property name.

The engine layer checks at run time that each rule produced exactly one outcome.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


from compliance.evaluation import dnf
from compliance.evaluation.alpha import STACK_LIMIT, stack_bound
from compliance.domain.model import OrgType
from compliance.catalogue.schema import Arith, Condition, Measure, Rule, Text, condition_names
from compliance.evaluation.measures import Range, measure_type
from compliance.domain.errors import EngineError
from compliance.domain.outcomes import Outcome, Severity

MAX_RULES_PER_RULESET = 40  # far below the 512 conditions under one node that hang registration
# durable-rules refuses (error 113) a pattern with more than about 40 conditions under alternatives;
# larger patterns are split into one engine rule per alternative of their largest $or, which is
# exact: the pieces together match exactly the facts the whole matched.
MAX_CONDITIONS_PER_PATTERN = 20
MAX_ENGINE_RULES_PER_RULE = 64
_TOO_COMPLEX = (f"its conditions compile to more than {MAX_ENGINE_RULES_PER_RULE} engine rules; combine "
                "values into a measure (e.g. `total`) or use fewer alternatives")

_OPS = {"eq": "$eq", "ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
_NEGATED = {"eq": "ne", "ne": "eq", "lt": "gte", "gte": "lt", "gt": "lte", "lte": "gt"}
_ARITH = {"add": "$add", "sub": "$sub", "mul": "$mul", "div": "$div"}
_FOLD = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
         "div": lambda a, b: a / b}
# Every operator the compiler may emit; a test checks compiled rulesets use nothing else.
EMITTED_OPERATORS = frozenset(_OPS.values()) | frozenset(_ARITH.values()) | {"$and", "$or", "$ex", "$nex", "$m", "$l", "$r"}


@dataclass(frozen=True)
class Branch:
    """What it means when an engine rule fires."""

    rule_id: str
    outcome: Outcome
    gate: str  # org_type | services | applies_when | condition | escalate | depends_on
    severity: Severity
    prerequisite: str | None = None  # gate depends_on: the prerequisite that is not applicable


# An open bound (nothing known above or below) is this sentinel; every value the engine compares,
# and every product it forms, is kept below it, where durable-rules' integers are exact.
BIG = 2**52

OUTCOME_FACT = "@outcome"
OUTCOME_FACT_IDS = 10_000  # outcome facts get ids above every positional fact id of a chunk


@dataclass
class CompiledChunk:
    definition: dict[str, dict[str, Any]]  # engine rule name -> {"all": [...]}, without actions
    branches: dict[str, Branch]
    rule_ids: list[str]
    # Rules whose outcome some rule of the chunk depends on -> the id of their outcome fact.
    announced: dict[str, int] = field(default_factory=dict)
    # Per rule, the fact fields its patterns read: field -> (measure, slot, scale); see fact_fields.
    fields: dict[str, dict[str, tuple[str, str, int]]] = field(default_factory=dict)


class CompileError(ValueError):
    def __init__(self, rule_id: str, message: str):
        super().__init__(message)
        self.rule_id = rule_id


def compile_rules(rules: list[Rule], params: dict[str, dict[str, Any]]) -> list[CompiledChunk]:
    """Rules packed into rulesets of at most MAX_RULES_PER_RULESET, prerequisites with dependants."""
    from compliance.catalogue.dependencies import groups

    packed: list[list[Rule]] = []
    for group in groups(rules):
        if len(group) > MAX_RULES_PER_RULESET:
            raise CompileError(group[0].id, (
                f"{len(group)} rules are linked by depends_on; at most {MAX_RULES_PER_RULESET} can share an "
                "engine session"))
        if not packed or len(packed[-1]) + len(group) > MAX_RULES_PER_RULESET:
            packed.append([])
        packed[-1] += group
    return [_compile_chunk(part, params) for part in packed]


def compile_cached(rules: list[Rule], params: dict[str, dict[str, Any]], content_key: str | None = None) -> list[CompiledChunk]:
    """`compile_rules`, kept in the one cache (compiling the catalogue costs ~10x reading it back).

    The key covers everything the result depends on: the rules' content (`content_key` stands for it
    when they were loaded from files; dumping every rule to hash it would build the rule model's
    serializer, ~20 ms of start-up), the parameters in force and the code (the cache's own key), so
    a changed rule, profile or compiler is never served an old compilation. Errors are never cached.
    """
    from compliance.catalogue import cache

    if content_key is not None:  # the rules are what the files hashed into this key say (RuleSet.content_key)
        content = f"{content_key}\0{','.join(sorted(r.id for r in rules))}"
    else:
        content = "\0".join(rule.model_dump_json() for rule in sorted(rules, key=lambda r: r.id))
    name = cache.key("compiled", content, json.dumps(params, sort_keys=True, default=str))
    cached = cache.get(name)
    if isinstance(cached, list) and all(isinstance(c, CompiledChunk) for c in cached):
        return cached
    chunks = compile_rules(rules, params)
    cache.put(name, chunks)
    return chunks


def _compile_chunk(part: list[Rule], params: dict[str, dict[str, Any]]) -> CompiledChunk:
    definition: dict[str, dict[str, Any]] = {}
    branches: dict[str, Branch] = {}
    fields: dict[str, dict[str, tuple[str, str, int]]] = {}
    for rule in part:
        budget = [MAX_ENGINE_RULES_PER_RULE]
        compiler = _Compiler(rule, params[rule.id])
        try:
            pieces = [(f"{rule.id}#{i}.{j}", piece, branch)
                      for i, (pattern, branch) in enumerate(compile_rule(rule, params[rule.id], compiler))
                      for j, piece in enumerate(split_pattern(pattern, budget=budget))]
        except _TooLarge:
            raise CompileError(rule.id, _TOO_COMPLEX) from None
        depth = stack_bound([piece for _, piece, _ in pieces])
        if depth > STACK_LIMIT:
            raise CompileError(rule.id, (
                f"a fact could need {depth} steps of durable-rules' network walk, over its limit of "
                f"{STACK_LIMIT} (error 303 at run time); use fewer alternatives in `any` or fewer "
                "organisation types, or combine values into a measure"))
        # Every branch of a dependent rule waits for each prerequisite's outcome to be applicable.
        applicable = [{f"p{k}": _outcome_fact(p, applicable=True)} for k, p in enumerate(rule.depends_on)]
        for name, piece, branch in pieces:
            definition[name] = {"all": [{"m": piece}, *applicable]}
            branches[name] = branch
        fields[rule.id] = compiler.fields_read([piece for _, piece, _ in pieces])
        for name, patterns, branch in depends_on_branches(rule):
            definition[name] = {"all": patterns}
            branches[name] = branch
    announced = sorted({p for r in part for p in r.depends_on})
    return CompiledChunk(definition, branches, [r.id for r in part],
                         {rid: OUTCOME_FACT_IDS + k for k, rid in enumerate(announced)}, fields)


_SLOTS = ("_LN", "_LD", "_UN", "_UD", "_L", "_U")  # upper case: no measure name can end so


def fact_fields(spec: dict[str, tuple[str, str, int]], ranges: dict[str, Range]) -> dict[str, Any]:
    """The engine's view of a rule's measures: exact values and the bounds of each range.

    `m` is the value when it is known exactly (absent otherwise); `m_L`/`m_U` bound an integer
    measure (no measure read as a range is below 0, and an open upper bound is BIG); a share or other fraction N/D is carried as `m_LN`/`m_LD`
    and `m_UN`/`m_UD`, the numerators multiplied by the rule's scale so that every comparison with a
    threshold is between integers (N x q >= D x p). Nothing is rounded.
    """
    out: dict[str, Any] = {}
    for name, (measure, slot, scale) in spec.items():
        r = ranges[measure]
        if slot == "":
            v = r.value()
            if isinstance(v, float):
                raise EngineError(f"measure {measure!r} is fractional and cannot be compared as an exact value")
            out[name] = v
            continue
        bound = r.lo if slot[1] == "L" else r.hi
        if slot in ("_L", "_U"):
            n = (0 if slot == "_L" else BIG) if bound is None else bound
            if isinstance(n, Fraction):  # an integer measure is always whole; keep the bound safe
                n = math.ceil(n) if slot == "_L" else math.floor(n)
        elif bound is None:
            n = (0 if slot == "_LN" else BIG) if slot[2] == "N" else 1
        else:  # an int or a Fraction: both have numerator and denominator
            n = bound.numerator * scale if slot[2] == "N" else bound.denominator
        if abs(n) > BIG:
            raise EngineError(f"measure {measure!r} ({n}) is too large to compare exactly")
        out[name] = n
    return out


def _outcome_fact(rule_id: str, applicable: bool) -> dict[str, Any]:
    """Pattern for the fact a rule's action asserts with its outcome (see engine.Engine)."""
    return _and([{"t": OUTCOME_FACT}, {"rule": rule_id}, {"na": 0 if applicable else 1}])


def depends_on_branches(rule: Rule) -> list[tuple[str, list[dict[str, Any]], Branch]]:
    """Not applicable because a prerequisite is: joins on outcome facts, positive patterns only.

    The branches partition by the first prerequisite (in `depends_on` order) that is not
    applicable, so exactly one fires however many are; the rule's own fact comes first, the
    trigger pattern, and each outcome fact is an ordinary positive pattern (no `$not`, whose result
    depends on the order facts arrive in).
    """
    out = []
    for k, p in enumerate(rule.depends_on):
        patterns = [{"m": {"t": rule.id}}]
        patterns += [{f"p{j}": _outcome_fact(q, applicable=True)} for j, q in enumerate(rule.depends_on[:k])]
        patterns.append({f"p{k}": _outcome_fact(p, applicable=False)})
        out.append((f"{rule.id}#depends_on.{k}", patterns,
                    Branch(rule.id, Outcome.not_applicable, "depends_on", rule.severity, prerequisite=p)))
    return out


def compile_rule(rule: Rule, params: dict[str, Any], c: _Compiler | None = None) -> list[tuple[dict[str, Any], Branch]]:
    """The rule's branches as (durable pattern, meaning) pairs; exactly one matches any fact.

    Conditions use three-valued logic: each compiles to exclusive patterns for *true*, *false* and
    *unknown* (a value it needs was not reported). `all` is false as soon as one part is definitely
    false, so an explicit "no policy" fails the rule even when the policy's review date is absent.
    """
    c = _Compiler(rule, params) if c is None else c
    out: list[tuple[dict[str, Any], Branch]] = []
    prefix: list[dict[str, Any]] = [{"t": rule.id}]

    def branch(outcome: Outcome, gate: str, severity: Severity | None = None) -> Branch:
        return Branch(rule.id, outcome, gate, severity or rule.severity)

    def add(parts: list[Pattern], b: Branch) -> None:
        if all(p is not None for p in parts):
            out.append((_and(prefix + [p for p in parts if p is not None]), b))

    if set(rule.applies_to.org_types) != set(OrgType):
        types = [t.value for t in rule.applies_to.org_types]
        add([_and([{"$neq": {"org_type": t}} for t in types])], branch(Outcome.not_applicable, "org_type"))
        prefix.append(_or([{"$eq": {"org_type": t}} for t in types]))  # exclusive: one org_type per fact
    if rule.applies_to.services is not None:
        add([{"$nex": {"svc_count": 1}}], branch(Outcome.insufficient_evidence, "services"))
        add([{"$lte": {"svc_count": 0}}], branch(Outcome.not_applicable, "services"))
        prefix.append({"$gt": {"svc_count": 0}})
    if rule.applies_when is not None:
        yes, no, unknown = c.tri(rule.applies_when)
        add([unknown], branch(Outcome.insufficient_evidence, "applies_when"))
        add([no], branch(Outcome.not_applicable, "applies_when"))
        if yes is None:
            return out
        prefix.append(yes)

    yes, no, unknown = c.tri(rule.condition)
    add([unknown], branch(Outcome.insufficient_evidence, "condition"))
    add([yes], branch(Outcome.met, "condition"))
    if rule.escalate is None:
        add([no], branch(Outcome.not_met, "condition"))
    else:
        e_yes, e_no, e_unknown = c.tri(rule.escalate.when)
        add([no, e_yes], branch(Outcome.not_met, "escalate", rule.escalate.severity))
        add([no, _any([e_no, e_unknown])], branch(Outcome.not_met, "condition"))
    return out


Pattern = dict[str, Any] | None  # None: a pattern that can never match


def conditions_in(pattern: dict[str, Any]) -> int:
    (op, arg), = pattern.items()
    return sum(conditions_in(p) for p in arg) if op in ("$and", "$or") else 1


class _TooLarge(Exception):
    pass


def split_pattern(pattern: dict[str, Any], limit: int | None = None,
                  budget: list[int] | None = None) -> list[dict[str, Any]]:
    """Split a too-large pattern on its largest $or into one pattern per alternative.

    `budget` counts the pieces still allowed; splitting stops (raising _TooLarge) as soon as it is
    spent, because a badly nested condition could otherwise expand exponentially.
    """
    limit = MAX_CONDITIONS_PER_PATTERN if limit is None else limit
    budget = [MAX_ENGINE_RULES_PER_RULE] if budget is None else budget
    if conditions_in(pattern) <= limit or not ("$or" in pattern or "$and" in pattern):
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooLarge
        return [pattern]
    if "$or" in pattern:
        return [q for alt in pattern["$or"] for q in split_pattern(alt, limit, budget)]
    parts = pattern["$and"]
    ors = [i for i, p in enumerate(parts) if "$or" in p]
    if not ors:
        return split_pattern(pattern, 10**9, budget)  # a flat conjunction registers at any size seen (40 tested)
    k = max(ors, key=lambda i: conditions_in(parts[i]))
    rest = parts[:k] + parts[k + 1:]
    return [q for alt in parts[k]["$or"] for q in split_pattern(_and(rest + [alt]), limit, budget)]


def _flat(op: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Nested $and in $and (or $or in $or) flattened: durable-rules refuses to register some
    logically equal nested forms (error 113), and flat ones are smaller anyway."""
    out: list[dict[str, Any]] = []
    for p in parts:
        out += p[op] if set(p) == {op} else [p]
    return out[0] if len(out) == 1 else {op: out}


def _and(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return _flat("$and", parts)


def _or(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return _flat("$or", parts)


def _any(parts: list[Pattern]) -> Pattern:
    """At least one of the patterns (None ones never hold)."""
    kept = [p for p in parts if p is not None]
    return _or(kept) if kept else None


def _literal(atom: tuple[Any, ...], holds: bool) -> dict[str, Any]:
    if atom[0] == "ex":
        return {"$ex" if holds else "$nex": {atom[1]: 1}}
    _, left, op, operand, _ = atom
    return {_OPS[op if holds else _NEGATED[op]]: {left: json.loads(operand)}}


def _pattern(d: dnf.Dnf) -> Pattern:
    """A DNF as a durable-rules pattern, literals and terms in a fixed order (stable rulesets).

    Presence tests come first in each term, as the compiler always emitted them, so a term is
    decided on a missing value before any comparison reads it.
    """
    terms = sorted(sorted(term, key=lambda lit: (lit[0][0] != "ex", repr(lit))) for term in d)
    if not terms:
        return None
    if terms == [[]]:
        return {"$ex": {"t": 1}}  # always holds: every fact carries its rule id
    return _or([_and([_literal(a, h) for a, h in term]) for term in terms])


def _negate(d: dnf.Dnf) -> dnf.Dnf:
    """The DNF of "not d" (De Morgan); used on the small yes/no forms of one comparison."""
    return dnf.all_of([dnf.any_of([dnf.literal(a, not h) for a, h in term]) for term in d])


# For each comparison, when it is surely true and surely false in terms of the bounds of its two
# sides: ("ge"|"gt", side of the left, side of the right, holds). A constant has one side.
_BOUNDS = {
    "gte": ([("ge", "L", "U", True)], [("ge", "U", "L", False)]),
    "gt": ([("gt", "L", "U", True)], [("gt", "U", "L", False)]),
    "lte": ([("gt", "U", "L", False)], [("gt", "L", "U", True)]),
    "lt": ([("ge", "U", "L", False)], [("ge", "L", "U", True)]),
}


class _Compiler:
    def __init__(self, rule: Rule, params: dict[str, Any]):
        self.rule = rule
        self.params = params
        # Area rules compile item fields the same way; they carry exact values, not ranges.
        self.types = {n: measure_type(rule, n) if isinstance(m, Measure) else "exact" for n, m in rule.measures.items()}
        self.scales = self._scales()

    def measures_in(self, cond: Condition) -> list[str]:
        return [n for n in condition_names(cond) if n in self.rule.measures]

    def fields_read(self, patterns: list[dict[str, Any]]) -> dict[str, tuple[str, str, int]]:
        """Every fact field the patterns test, with the measure and bound it carries."""
        names: set[str] = set()

        def walk(x: Any) -> None:
            if isinstance(x, dict):
                for k, v in x.items():
                    if k == "$m" and isinstance(v, str):
                        names.add(v)
                    elif not k.startswith("$"):
                        names.add(k)
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)

        for p in patterns:
            walk(p)
        out = {}
        for f in sorted(names):
            slot = next((s for s in _SLOTS if f.endswith(s) and f[: -len(s)] in self.rule.measures), None)
            if slot is not None:
                m = f[: -len(slot)]
                out[f] = (m, slot, self.scales.get(m, 1))
            elif f in self.rule.measures:
                out[f] = (f, "", 1)
        return out

    def _scales(self) -> dict[str, int]:
        """Per fractional measure, the least common multiple of the denominators of the numbers it
        is compared with, so each comparison is one between integers."""
        scales: dict[str, int] = {}

        def walk(c: Condition | None) -> None:
            if c is None:
                return
            if c.op in ("all", "any"):
                for x in getattr(c, c.op):
                    walk(x)
            elif c.op == "not":
                walk(c.not_)
            else:
                left, right = getattr(c, c.op)
                k = self.constant(right)
                if self.types.get(left) == "frac" and k is not None:
                    scales[left] = math.lcm(scales.get(left, 1), k.denominator)

        escalate = getattr(self.rule, "escalate", None)
        for cond in (getattr(self.rule, "applies_when", None), getattr(self.rule, "condition", None),
                     escalate.when if escalate else None):
            walk(cond)
        return scales

    def constant(self, o: Any) -> Fraction | None:
        """The exact value of an operand that reads no measure (numbers, parameters, arithmetic)."""
        if isinstance(o, bool):
            return Fraction(int(o))
        if isinstance(o, dt.date):
            return Fraction(o.toordinal())
        if isinstance(o, (int, float)):
            return Fraction(repr(o)) if isinstance(o, float) else Fraction(o)
        if isinstance(o, Text):
            return None
        if isinstance(o, str):
            if o in self.rule.measures or o not in self.params:
                return None
            return self.constant(self.params[o])
        if isinstance(o, Arith):
            a, b = (self.constant(x) for x in getattr(o, o.op))
            if a is None or b is None:
                return None
            if o.op == "div":
                if b == 0:
                    raise CompileError(self.rule.id, "division by zero in a condition")
                return a / b
            return {"add": a + b, "sub": a - b, "mul": a * b}[o.op]
        return None

    def tri(self, cond: Condition) -> tuple[Pattern, Pattern, Pattern]:
        """(true, false, unknown) patterns of a condition; exactly one matches any fact."""
        try:
            with dnf.counting():  # refused when its budget is spent, before any expansion outgrows it
                return tuple(_pattern(d) for d in self._tri(cond))  # type: ignore[return-value]
        except dnf.TooComplex:
            raise CompileError(self.rule.id, _TOO_COMPLEX) from None

    def _tri(self, cond: Condition) -> tuple[dnf.Dnf, dnf.Dnf, dnf.Dnf]:
        op = cond.op
        if op == "not":
            yes, no, unknown = self._tri(cond.not_)  # type: ignore[arg-type]
            return no, yes, unknown
        if op in ("all", "any"):
            kids = [self._tri(x) for x in getattr(cond, op)]
            if op == "any":  # any is the dual of all: swap the roles of true and false
                kids = [(n, y, u) for y, n, u in kids]
            # all: true if every part is true; false if some part is false; else unknown.
            yes = dnf.all_of(y for y, _, _ in kids)
            no = dnf.any_of(n for _, n, _ in kids)
            unknown = dnf.all_of([dnf.any_of([y, u]) for y, _, u in kids] + [dnf.any_of(u for _, _, u in kids)])
            return (no, yes, unknown) if op == "any" else (yes, no, unknown)
        left, right = getattr(cond, op)
        kind = self.types.get(left)
        k = self.constant(right)
        if kind in ("int", "frac") and k is not None:
            return self._ranged(op, left, kind, k, None)
        if kind == "int" and isinstance(right, str) and self.types.get(right) == "int":
            return self._ranged(op, left, kind, None, right)
        names = tuple(self.measures_in(cond))
        fractional = [n for n in names if self.types[n] == "frac"]
        if fractional:
            raise CompileError(self.rule.id, (
                f"'{fractional[0]}' is a share or a fractional value: compare it with a number or a "
                "parameter, not with other measures or arithmetic over them"))
        present = dnf.all_of(dnf.literal(("ex", n)) for n in names)
        atom = ("cmp", left, op, json.dumps(self.operand(right), sort_keys=True), names)
        return (dnf.all_of([present, dnf.literal(atom)]), dnf.all_of([present, dnf.literal(atom, False)]),
                dnf.any_of(dnf.literal(("ex", n), False) for n in names))

    def _ranged(self, op: str, left: str, kind: str, k: Fraction | None, other: str | None) -> tuple[dnf.Dnf, dnf.Dnf, dnf.Dnf]:
        """A comparison decided on bounds: true when every value the left side could have passes,
        false when none does, otherwise unknown (see the README, "Evidence semantics")."""
        def test(how: str, side: str, other_side: str, holds: bool) -> dnf.Dnf:
            atom = self._bound_atom(how, left, side, kind, k, other, other_side)
            if atom is None:  # always true: no measure is below 0
                return [frozenset()] if holds else []
            return dnf.literal(atom, holds)

        def forms(spec: list[tuple[str, str, str, bool]]) -> dnf.Dnf:
            return dnf.all_of(test(*t) for t in spec)

        if op in ("eq", "ne"):
            yes = dnf.all_of([forms(_BOUNDS["gte"][0]), forms(_BOUNDS["lte"][0])])
            no = dnf.any_of([forms(_BOUNDS["gte"][1]), forms(_BOUNDS["lte"][1])])
            if op == "ne":
                yes, no = no, yes
        else:
            yes, no = forms(_BOUNDS[op][0]), forms(_BOUNDS[op][1])
        unknown = dnf.all_of([_negate(yes), _negate(no)])
        return yes, no, unknown

    def _bound_atom(self, how: str, left: str, side: str, kind: str, k: Fraction | None,
                    other: str | None, other_side: str) -> tuple[Any, ...] | None:
        """The atom "bound `side` of `left` >= (how=ge) or > (how=gt) the other operand"; None when
        that always holds (every measure read as a range is a count, sum, share or age: never below 0)."""
        if other is not None:  # two integer measures: compare their bounds directly
            return ("cmp", f"{left}_{side}", "gte" if how == "ge" else "gt",
                    json.dumps({"$m": f"{other}_{other_side}"}), ())
        assert k is not None
        if kind == "int":  # X >= k is X >= ceil(k), X > k is X >= floor(k) + 1 for a whole X
            bound = math.ceil(k) if how == "ge" else math.floor(k) + 1
            if bound <= 0:
                return None
            if abs(bound) >= BIG:
                raise CompileError(self.rule.id, f"the number {k} is out of range")
            return ("cmp", f"{left}_{side}", "gte", json.dumps(bound), ())
        scale = self.scales.get(left, 1)
        p = k * scale
        assert p.denominator == 1
        if p < 0 or (p == 0 and how == "ge"):
            return None
        if abs(p.numerator) * 10**7 >= BIG:
            raise CompileError(self.rule.id, f"the number {k} is out of range for exact comparison")
        rhs = {"$mul": {"$l": {"$m": f"{left}_{side}D"}, "$r": p.numerator}}
        return ("cmp", f"{left}_{side}N", "gte" if how == "ge" else "gt", json.dumps(rhs, sort_keys=True), ())

    def operand(self, o: Any) -> Any:
        if isinstance(o, bool):
            return int(o)
        if isinstance(o, (int, float)):
            return o
        if isinstance(o, Text):
            return o.text
        if isinstance(o, str):
            if o in self.rule.measures:
                return {"$m": o}
            value = self.params[o]
            return int(value) if isinstance(value, bool) else value
        if isinstance(o, Arith):
            a, b = (self.operand(x) for x in getattr(o, o.op))
            if not isinstance(a, dict) and not isinstance(b, dict):
                if o.op == "div" and b == 0:
                    raise CompileError(self.rule.id, "division by zero in a condition")
                return _FOLD[o.op](a, b)
            if o.op == "div":  # durable-rules divides two integers as integers (3420 / 100 = 34)
                if isinstance(b, dict):
                    a = {"$mul": {"$l": a, "$r": 1.0}}
                else:
                    b = float(b)
            return {_ARITH[o.op]: {"$l": a, "$r": b}}
        raise CompileError(self.rule.id, f"unsupported operand {o!r}")
