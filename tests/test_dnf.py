"""The compiler's pruned DNF keeps three-valued logic exact while staying small.

Conditions are generated at random and their compiled (true, false, unknown) patterns are matched
in Python against random facts, then compared with Kleene logic evaluated directly (an unreported
count is a range from 0 upwards, so "x >= 0" holds and "x < 0" fails even when x is unreported).
"""

from __future__ import annotations

import operator

from hypothesis import given
from hypothesis import strategies as st
from test_engine_traps import make_rule, two_services_rule

from compliance.evaluation import dnf
from compliance.evaluation.compiler import MAX_ENGINE_RULES_PER_RULE, _Compiler, fact_fields, split_pattern
from compliance.evaluation.measures import UNKNOWN, Range

NAMES = ("a", "b", "c")
CMP = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le, "gt": operator.gt,
       "gte": operator.ge}
ENGINE = {"$eq": operator.eq, "$neq": operator.ne, "$lt": operator.lt, "$lte": operator.le, "$gt": operator.gt,
          "$gte": operator.ge}

leaves = st.builds(lambda op, n, v: {op: [n, v]}, st.sampled_from(sorted(CMP)), st.sampled_from(NAMES),
                   st.integers(0, 3))
conditions = st.recursive(
    leaves,
    lambda kids: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, kids),
    ),
    max_leaves=8,
)
facts = st.fixed_dictionaries({n: st.one_of(st.none(), st.integers(0, 3)) for n in NAMES})


def kleene(cond: dict, fact: dict) -> bool | None:
    (op, arg), = cond.items()
    if op == "not":
        v = kleene(arg, fact)
        return None if v is None else not v
    if op in ("all", "any"):
        vals = [kleene(x, fact) for x in arg]
        decisive = op == "any"  # any: one true decides; all: one false decides
        if decisive in vals:
            return decisive
        return None if None in vals else not decisive
    name, value = arg
    if fact[name] is None:  # an unreported count is somewhere in [0, unbounded): only "x >= 0" is decided
        return True if (op == "gte" and value <= 0) else False if (op == "lt" and value <= 0) else None
    return CMP[op](fact[name], value)


def operand(value, fact: dict):
    """A compiled right-hand side: a number, another field ($m), or a product with one ($mul)."""
    if isinstance(value, dict):
        (op, arg), = value.items()
        if op == "$m":
            return fact.get(arg)
        left, right = operand(arg["$l"], fact), operand(arg["$r"], fact)
        return None if left is None or right is None else left * right
    return value


def matches(pattern: dict | None, fact: dict) -> bool:
    if pattern is None:
        return False
    (op, arg), = pattern.items()
    if op == "$and":
        return all(matches(p, fact) for p in arg)
    if op == "$or":
        return any(matches(p, fact) for p in arg)
    (name, value), = arg.items()
    present = fact.get(name) is not None
    if op in ("$ex", "$nex"):
        return present == (op == "$ex")
    other = operand(value, fact)
    return present and other is not None and ENGINE[op](fact[name], other)


def compiler_for(cond: dict) -> _Compiler:
    rule = make_rule(measures={n: {"value": f"training.board.{n}"} for n in NAMES}, parameters={},
                     condition=cond, messages={"met": "met", "not_met": "not met"})
    return _Compiler(rule, {})


@given(conditions, facts)
def test_compiled_branches_agree_with_kleene_logic_and_exclude_each_other(cond, fact):
    c = compiler_for(cond)
    yes, no, unknown = c.tri(c.rule.condition)
    ranges = {n: UNKNOWN if v is None else Range(v, v) for n, v in fact.items()}
    engine_fact = {**fact_fields(c.fields_read([p for p in (yes, no, unknown) if p]), ranges), "t": "TST-001"}
    hits = [matches(p, engine_fact) for p in (yes, no, unknown)]
    assert hits.count(True) == 1
    assert hits.index(True) == {True: 0, False: 1, None: 2}[kleene(cond, fact)]


def test_contradictions_and_supersets_are_dropped():
    x_missing = dnf.literal(("ex", "x"), False)
    x_big = dnf.literal(("cmp", "x", "gt", "5", ("x",)))
    assert dnf.all_of([x_missing, x_big]) == []
    assert dnf.all_of([x_big, dnf.literal(("cmp", "x", "gt", "5", ("x",)), False)]) == []
    y = dnf.literal(("ex", "y"))
    assert dnf.any_of([x_big, dnf.all_of([x_big, y])]) == x_big


def test_two_services_each_not_run_or_seen_in_time_stays_within_budget():
    """The shape of INF-005: unpruned, it multiplied out to more than a million alternatives."""
    rule = two_services_rule()
    pieces = [q for p in _Compiler(rule, {}).tri(rule.condition) for q in split_pattern(p)]
    assert len(pieces) <= MAX_ENGINE_RULES_PER_RULE


# --- bounded work: a condition too large is refused after the same work however large it is --------------


def _many_anys(n: int):
    """`all` of n three-way `any`s over the same three measures: the unknown branch multiplies out."""
    return {"all": [{"any": [{"gte": ["staff", 10 * i + 1]}, {"gte": ["in_date", 10 * i + 2]},
                             {"lte": ["coverage", i + 3]}]} for i in range(n)]}


def _expansion_counted(rule, monkeypatch) -> tuple[bool, int]:
    """Whether the condition compiled, and the pairs of terms the DNF actually formed (counted apart
    from the budget: each pair is one call of the consistency test) plus the terms it pruned."""
    from compliance.evaluation.compiler import CompileError

    formed = [0]
    consistent, minimise = dnf._consistent, dnf.minimise

    def counted_consistent(term):
        formed[0] += 1
        return consistent(term)

    def counted_minimise(terms):
        terms = list(terms)
        formed[0] += len(terms)
        return minimise(terms)

    monkeypatch.setattr(dnf, "_consistent", counted_consistent)
    monkeypatch.setattr(dnf, "minimise", counted_minimise)
    try:
        _Compiler(rule, rule.parameter_values()).tri(rule.condition)
    except CompileError as e:
        assert "engine rules" in str(e)
        return False, formed[0]
    return True, formed[0]


def test_refusing_a_condition_of_many_anys_takes_work_that_does_not_grow_with_them(monkeypatch):
    """Six three-way `any`s took 40 s to refuse (the cap was checked after the full expansion);
    the work is now counted before each product is formed, so refusal costs at most one budget."""
    from test_engine_traps import make_rule

    work = {}
    for n in (2, 3, 4, 6, 10, 20):
        compiled, work[n] = _expansion_counted(make_rule(condition=_many_anys(n)), monkeypatch)
        if n >= 4:
            assert not compiled, n
            assert work[n] <= dnf.MAX_WORK, (n, work[n])
    # Past the first refusal, reading the condition (each small `any` on its own) is all that grows:
    # work per `any` falls, where the expansion multiplied it.
    assert work[20] / 20 <= work[6] / 6 <= work[4] / 4 * 1.5, work


def test_the_bundled_catalogue_compiles_well_within_the_budget():
    """The budget is far above what real rules need (a tenth of it at most), so it refuses only the
    conditions that could never become engine rules anyway."""
    from compliance.catalogue.loading import load_rules

    for rule in load_rules().rules:
        with dnf.counting() as work:
            c = _Compiler(rule, rule.parameter_values())
            for cond in (rule.applies_when, rule.condition, rule.escalate.when if rule.escalate else None):
                if cond is not None:
                    c._tri(cond)
        assert work.done <= dnf.MAX_WORK // 10, (rule.id, work.done)
