"""One regression test per durable-rules trap in ../shared/durable-rules-notes.md.

Each test shows the engine layer keeps the trap out of reach of rule files and inputs. Tests that
would crash the interpreter if the guard failed run in a subprocess.
"""

from __future__ import annotations

from fractions import Fraction

import inspect
import json
import random
import subprocess
import sys
import textwrap
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import ROOT, fixture_files, minimal_return

from compliance.evaluation.compiler import EMITTED_OPERATORS, MAX_RULES_PER_RULESET, compile_rules, fact_fields
from compliance.evaluation.measures import Range
from compliance.evaluation.engine import Engine, _encode, normalise
from compliance.domain.errors import EngineError
from compliance.evaluation.evaluator import Evaluator
from compliance.intake.returns import load_assessment
from compliance.domain.model import SelfAssessment
from compliance.catalogue.schema import Rule
from compliance.catalogue.loading import RuleSet


def make_rule(rule_id: str = "TST-001", **overrides) -> Rule:
    data = {
        "id": rule_id, "title": "Test rule", "area": "training", "requirement": "A test requirement.",
        "rationale": "For engine tests.", "severity": "high", "key_question": "safe",
        "sources": [{"document": "Test", "year": 2020, "confidence": "verified"}],
        "parameters": {"threshold": {"default": 90, "min": 0, "max": 100, "description": "share"}},
        "measures": {
            "staff": {"sum": "training.groups[].staff_in_post"},
            "in_date": {"sum": "training.groups[].in_date"},
            "coverage": {"percent": ["in_date", "staff"]},
        },
        "condition": {"gte": ["coverage", "threshold"]},
        "messages": {"met": "ok {coverage}", "not_met": "low {coverage}"},
        "remediation": "Train more staff.", "line_of_enquiry": "Why is training low?",
        "cases": [{"name": "x_met", "expect": "met"}],
    }
    data.update(overrides)
    return Rule.model_validate(data)


def ruleset_of(*rules: Rule) -> RuleSet:
    return RuleSet(list(rules), {r.id: ROOT / "rules" for r in rules}, "0" * 64)


def training(staff: int, in_date: int | None) -> SelfAssessment:
    group = {"group": "g", "level": 1, "staff_in_post": staff}
    if in_date is not None:
        group["in_date"] = in_date
    return SelfAssessment.model_validate(minimal_return(training={"groups": [group]}))


def raw_host():
    """The library's own Host, without its background timer thread: for showing a raw trap."""
    from durable.engine import Host

    class H(Host):
        def _run(self):
            pass

    return H()


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


# --- background threads -----------------------------------------------------------------------------

def test_no_host_is_built_no_threads_start_and_actions_run_synchronously(monkeypatch):
    from durable import engine as durable_engine

    def refuse(*args, **kwargs):
        raise AssertionError("a durable Host starts timer threads; the engine must never build one")

    monkeypatch.setattr(durable_engine.Host, "__init__", refuse)
    before = threading.active_count()
    ev = Evaluator(ruleset_of(make_rule()))
    assert threading.active_count() == before
    (finding,) = ev.evaluate(training(100, 95))
    assert finding.outcome.value == "met"  # fired inside the call, not later on a timer thread
    assert threading.active_count() == before


# --- sid and fact-id hashing, session isolation -----------------------------------------------------

def test_evaluating_others_first_never_changes_an_organisation_s_findings(evaluator):
    docs = [load_assessment(p)[0] for p in fixture_files()]
    alone = [evaluator.evaluate(d) for d in docs]
    for _ in range(3):
        order = list(range(len(docs)))
        random.Random(_).shuffle(order)
        for i in order:
            assert evaluator.evaluate(docs[i]) == alone[i]


def test_identical_facts_of_two_evaluations_do_not_merge_or_collide():
    ev = Evaluator(ruleset_of(make_rule("TST-001"), make_rule("TST-002")))
    doc = training(100, 95)
    first = ev.evaluate(doc)
    assert ev.evaluate(doc) == first  # asserting the same content again raises nothing
    assert [f.outcome.value for f in first] == ["met", "met"]


def test_more_evaluations_than_the_live_session_limit():
    ev = Evaluator(ruleset_of(make_rule()))
    docs = [training(100, 95), training(100, 50)]
    for i in range(1500):  # the library allows 1,024 live sessions per ruleset
        assert ev.evaluate(docs[i % 2])[0].outcome.value == ("met" if i % 2 == 0 else "not_met")


# --- delete_state crash when no action ran ----------------------------------------------------------

def test_raw_library_crashes_on_delete_state_without_an_action():
    """Documents the trap itself, so the guard below is known to matter."""
    result = run_python("""
        from durable.engine import Host
        class H(Host):
            def _run(self): pass
        h = H()
        h.register_rulesets({"r": {"x": {"all": [{"m": {"t": "never"}}], "run": lambda c: None}}})
        try:
            h.assert_fact("r", {"sid": "0", "id": 1, "t": "other"})
        except Exception:
            pass
        h.delete_state("r", "0")
        print("survived")
    """)
    assert result.returncode != 0 and "survived" not in result.stdout


def test_engine_survives_evaluations_where_no_rule_fires():
    result = run_python("""
        from compliance.evaluation.compiler import Branch, CompiledChunk
        from compliance.evaluation.engine import Engine
        from compliance.domain.outcomes import Outcome, Severity
        branch = Branch("R", Outcome.met, "condition", Severity.high)
        chunk = CompiledChunk({"R#0": {"all": [{"m": {"t": "R"}}]}}, {"R#0": branch}, ["R"])
        engine = Engine([chunk])
        for _ in range(3):
            assert engine.run([[]]) == []
        print("survived")
    """)
    assert result.returncode == 0, result.stderr
    assert "survived" in result.stdout


# --- negation and fact order ------------------------------------------------------------------------

def _conditions(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from _conditions(v)
    elif isinstance(node, list):
        for v in node:
            yield from _conditions(v)


def test_compiled_catalogue_has_no_negated_patterns_and_one_key_objects(ruleset, evaluator):
    for chunk in evaluator.engine.chunks:
        for name, spec in chunk.definition.items():
            for pattern in spec["all"]:
                assert not any(alias.endswith("$not") for alias in pattern), name
            for key, value in _conditions(spec["all"]):
                if key.startswith("$"):
                    assert key in EMITTED_OPERATORS, f"{name}: unknown operator {key}"
                if isinstance(value, dict) and set(value) != {"$l", "$r"}:
                    assert len(value) == 1, f"{name}: multi-key condition object {value}"
            first = spec["all"][0]["m"]
            anchor = first["$and"][0] if "$and" in first else first
            assert anchor == {"t": chunk.branches[name].rule_id}, f"{name} is not anchored on its rule id"
            # The engine never refreshes the session-state fact (it has no `t`): no pattern may match it.
            for pattern in spec["all"]:
                (test,) = pattern.values()
                assert "t" in (test["$and"][0] if "$and" in test else test), f"{name}: a pattern without a `t` test"


def test_fact_order_does_not_change_outcomes(ruleset):
    ev = Evaluator(ruleset)
    for path in fixture_files():
        doc = load_assessment(path)[0]
        expected = ev.evaluate(doc)
        chunks = ev.engine.chunks
        for seed in range(3):
            original = ev.engine.run
            def shuffled(facts, _orig=original, _seed=seed):
                facts = [list(f) for f in facts]
                for f in facts:
                    random.Random(_seed).shuffle(f)
                return _orig(facts)
            ev.engine.run = shuffled
            try:
                assert ev.evaluate(doc) == expected
            finally:
                ev.engine.run = original
        assert chunks == ev.engine.chunks


# --- unknown operators and multi-key conditions in rule files ----------------------------------------

@pytest.mark.parametrize("condition,fragment", [
    ({"contains": ["coverage", 1]}, "contains"),
    ({"gte": ["coverage", 90], "lte": ["coverage", 100]}, "exactly one of"),
    ({"$gte": {"coverage": 90}}, "$gte"),
])
def test_rule_files_cannot_use_unknown_operators_or_multi_key_conditions(condition, fragment):
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as e:
        make_rule(condition=condition)
    assert fragment in str(e.value)


# --- unparsable numbers and wide facts --------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [(1e-05, 0), (0.123456, 0.1235), (1e11 + 0.5, 1e11 + 0.5), (True, 1), (90.0, 90)])
def test_normalise_makes_numbers_the_engine_can_parse(value, expected):
    out = normalise({"t": "X", "v": value})["v"]
    assert out == expected and "e" not in repr(out)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1e16, 2**53, "x" * 500, [1], {"a": 1}])
def test_normalise_refuses_values_the_engine_would_drop(value):
    with pytest.raises(EngineError):
        normalise({"t": "X", "v": value})


_FACT_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**52, 2**52),
                         st.floats(-1e11, 1e11, allow_nan=False, allow_infinity=False), st.text(max_size=200))


@pytest.mark.slow
@given(st.lists(st.dictionaries(st.text(min_size=1, max_size=20), _FACT_VALUES, max_size=12), max_size=5))
@settings(max_examples=300)
def test_engine_text_of_normalised_facts_is_what_json_dumps_writes(facts):
    """durable-rules was written against json.dumps(x, ensure_ascii=False); the faster encoder must
    write the same text (without the spaces, which the engine skips) for every fact normalise lets
    through: non-ASCII text, floats, big ints."""
    clean = [normalise(f) for f in facts]
    assert _encode(clean) == json.dumps(clean, ensure_ascii=False, separators=(",", ":"))
    for f in clean:
        assert _encode(f) == json.dumps(f, ensure_ascii=False, separators=(",", ":"))


def test_normalise_refuses_wide_facts():
    with pytest.raises(EngineError):
        normalise({f"p{i}": i for i in range(300)})


def test_tiny_float_early_in_a_batch_does_not_drop_later_facts():
    rule_a = make_rule("TST-001", measures={"staff": {"sum": "training.groups[].staff_in_post"},
                                              "in_date": {"sum": "training.groups[].in_date"},
                                              "low": {"percent": ["in_date", "staff"]}},
                       condition={"gte": ["low", 0]}, parameters={},
                       messages={"met": "fine", "not_met": "not fine"})
    ev = Evaluator(ruleset_of(rule_a, make_rule("TST-002"), make_rule("TST-003")))
    # 1 in 10 million: 0.00001% would print as 1e-05 without normalisation.
    doc = training(10_000_000, 1)
    findings = ev.evaluate(doc)
    outcomes = {f.rule_id: f.outcome.value for f in findings}
    assert outcomes == {"TST-001": "met", "TST-002": "not_met", "TST-003": "not_met"}


# --- silence, exceptions, rule counts -------------------------------------------------------------

def test_a_rule_whose_branches_do_not_cover_a_fact_is_an_error_not_silence():
    rule = make_rule()
    chunks = compile_rules([rule], {rule.id: rule.parameter_values()})
    for name, branch in list(chunks[0].branches.items()):
        if branch.outcome.value == "not_met":
            del chunks[0].definition[name]
    engine = Engine(chunks)

    def fact(share: int) -> dict:
        ranges = {"coverage": Range(Fraction(share), Fraction(share))}
        return {"t": rule.id, "org_type": "acute", **fact_fields(chunks[0].fields[rule.id], ranges)}

    with pytest.raises(EngineError, match="matched no engine rule"):
        engine.run([[fact(10)]])
    assert engine.run([[fact(95)]])  # still usable afterwards


def test_each_rule_yields_exactly_one_outcome_or_the_evaluation_fails(monkeypatch):
    ev = Evaluator(ruleset_of(make_rule()))
    original = ev.engine.run
    from dataclasses import replace

    from compliance.domain.outcomes import Outcome

    def twice(facts):
        fired = original(facts)
        return fired + [replace(b, outcome=Outcome.not_met) for b in fired]  # a second, different outcome

    monkeypatch.setattr(ev.engine, "run", twice)
    with pytest.raises(EngineError, match="exactly one"):
        ev.evaluate(training(100, 95))
    monkeypatch.setattr(ev.engine, "run", lambda facts: original(facts) * 2)
    assert ev.evaluate(training(100, 95))[0].outcome.value == "met"  # the same branch twice is one outcome


def test_actions_take_exactly_one_parameter():
    ev = Evaluator(ruleset_of(make_rule()))
    action = ev.engine._action(None)
    assert len(inspect.signature(action).parameters) == 1


def test_compiled_definitions_are_not_consumed_by_registration():
    rule = make_rule()
    chunks = compile_rules([rule], {rule.id: rule.parameter_values()})
    Engine(chunks)
    Engine(chunks)  # a second registration from the same compiled data still works
    assert all("run" not in spec for spec in chunks[0].definition.values())


def test_large_catalogues_are_split_below_the_registration_limit():
    result = run_python(f"""
        import sys; sys.path.insert(0, "tests")
        from test_engine_traps import make_rule, ruleset_of, training
        from compliance.evaluation.evaluator import Evaluator
        rules = [make_rule(f"TST-{{i:03d}}") for i in range(1, 201)]
        ev = Evaluator(ruleset_of(*rules))
        assert all(len(c.rule_ids) <= {MAX_RULES_PER_RULESET} for c in ev.engine.chunks)
        assert len(ev.engine.chunks) == 5
        assert {{f.outcome.value for f in ev.evaluate(training(100, 95))}} == {{"met"}}
        print("ok")
    """)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr


def test_numbers_written_as_text_reach_the_engine_as_numbers_or_not_at_all():
    """The engine compares what it is given: a count written "5" is read as the number 5 (the
    policy of compliance/domain/text_numbers.py), never passed on as text; a doubtful one is refused."""
    from pydantic import ValidationError

    doc = SelfAssessment.model_validate(minimal_return(training={"groups": [{"group": "g", "level": 1, "staff_in_post": "5"}]}))
    assert doc.training.groups[0].staff_in_post == 5 and type(doc.training.groups[0].staff_in_post) is int
    for doubtful in ("5.0", "1e1", "0x5", "five"):
        with pytest.raises(ValidationError):
            SelfAssessment.model_validate(minimal_return(training={"groups": [{"group": "g", "level": 1, "staff_in_post": doubtful}]}))


# --- overlapping $or alternatives (found while writing MIS-001; not in the library notes) ---------

def test_raw_library_fires_once_per_true_alternative_of_an_or():
    fired = []
    h = raw_host()
    h.register_rulesets({"or_trap": {"r": {"all": [{"m": {"$and": [{"t": "X"}, {"$or": [{"$gt": {"a": 0}}, {"$gt": {"b": 0}}]}]}}],
                                           "run": lambda c: fired.append(1)}}})
    h.assert_fact("or_trap", {"sid": "0", "id": 1, "t": "X", "a": 1, "b": 1})
    h.delete_state("or_trap", "0")
    assert len(fired) == 2  # the trap: one firing per satisfied alternative


@pytest.mark.parametrize("values,expected", [((5, 5, 1), "met"), ((5, 0, 0), "met"), ((0, 0, 1), "met"), ((0, 0, 0), "not_met")])
def test_overlapping_any_conditions_yield_exactly_one_outcome(values, expected):
    level1 = {"level": 1}
    rule = make_rule(
        measures={"a": {"sum": "training.groups[].staff_in_post", "where": level1},
                  "b": {"sum": "training.groups[].in_date", "where": level1},
                  "c": {"count": "training.groups[]", "where": {"level": 2}}},
        parameters={},
        condition={"any": [{"gt": ["a", 0]}, {"gt": ["b", 0]}, {"gt": ["c", 0]}]},
        applies_when={"not": {"all": [{"lt": ["a", 0]}, {"lt": ["b", 0]}]}},
        messages={"met": "some", "not_met": "none at all"},
    )
    a, b, c = values
    groups = [{"group": "g", "level": 1, "staff_in_post": a, "in_date": b}]
    groups += [{"group": "h", "level": 2, "staff_in_post": 1, "in_date": 0}] * c
    doc = SelfAssessment.model_validate(minimal_return(training={"groups": groups}))
    (finding,) = Evaluator(ruleset_of(rule)).evaluate(doc)  # EngineError if two alternatives fired
    assert finding.outcome.value == expected


# --- the 64-node stack of the fact walk (error 303; found with INF-005, not in the library notes) ----

def _repeated_or(n: int) -> list[dict]:
    """n engine rules sharing one `$or`: each gets its own join node under the shared alternative."""
    return [{"$and": [{"t": "X"}, {"$or": [{"$eq": {"k": 1}}, {"$eq": {"k": 2}}]}, {"$eq": {"v": i}}]}
            for i in range(n)]


@pytest.mark.parametrize("n", [40, 70])
def test_stack_bound_predicts_the_raw_library_s_error_303(n):
    from compliance.evaluation.alpha import STACK_LIMIT, stack_bound

    h = raw_host()
    name = f"stack_trap_{n}"
    h.register_rulesets({name: {f"r{i}": {"all": [{"m": p}], "run": lambda c: None}
                                for i, p in enumerate(_repeated_or(n))}})
    fact = {"sid": "0", "id": 1, "t": "X", "k": 1, "v": 0}
    predicted_ok = stack_bound(_repeated_or(n)) <= STACK_LIMIT
    if predicted_ok:
        h.assert_fact(name, fact)
    else:
        with pytest.raises(Exception, match="303"):
            h.assert_fact(name, fact)
    assert predicted_ok == (n == 40)


def two_services_rule(**overrides) -> Rule:
    """The shape of INF-005's first draft: per service, "not run (unless an ICB) or seen in time"."""
    per_service = [
        {"any": [{"all": [{"ne": ["org_type", {"text": "icb"}]}, {"eq": [run, 0]}]},
                 {"gte": [seen, {"div": [{"mul": [total, 90]}, 100]}]}]}
        for run, seen, total in (("a", "b", "c"), ("d", "e", "f"))
    ]
    return make_rule(**{"measures": {n: {"value": f"training.board.{n}"} for n in "abcdef"}, "parameters": {},
                        "condition": {"all": per_service}, "messages": {"met": "met", "not_met": "not met"},
                        **overrides})


def test_a_rule_too_wide_for_the_walk_is_a_rule_error_not_a_run_time_failure():
    from compliance.evaluation.compiler import CompileError

    rule = two_services_rule(
        applies_to={"org_types": ["mental_health", "community", "icb"]},
        applies_when={"any": [{"eq": ["org_type", {"text": "icb"}]}, {"gt": ["a", 0]}, {"gt": ["d", 0]}]})
    with pytest.raises(CompileError, match="network walk"):
        compile_rules([rule], {rule.id: {}})


# --- integer division (found by the screening benchmark on INF-003; not in the library notes) ------

def test_raw_library_divides_integers_as_integers():
    fired = []
    h = raw_host()
    share = {"$div": {"$l": {"$mul": {"$l": {"$m": "b"}, "$r": 95}}, "$r": 100}}
    h.register_rulesets({"int_div": {"r": {"all": [{"m": {"$and": [{"t": "X"}, {"$gte": {"a": share}}]}}],
                                           "run": lambda c: fired.append(1)}}})
    h.assert_fact("int_div", {"sid": "0", "id": 1, "t": "X", "a": 34, "b": 36})
    assert fired  # the trap: 34 >= 36 * 95 / 100 = 34.2 "holds" because 3420 / 100 gives 34


@pytest.mark.parametrize("divisor", [100, "hundred"])
@pytest.mark.parametrize("decided,expected", [(34, "not_met"), (35, "met")])
def test_divisions_in_conditions_are_exact(divisor, decided, expected):
    rule = make_rule(
        measures={"concerns": {"sum": "training.groups[].staff_in_post"}, "decided": {"sum": "training.groups[].in_date"},
                  "hundred": {"count": "training.groups[]", "where": {"level": 3}}},
        parameters={"threshold": {"default": 95, "min": 0, "max": 100, "description": "share"}},
        condition={"gte": ["decided", {"div": [{"mul": ["concerns", "threshold"]}, divisor]}]},
        messages={"met": "met {decided}", "not_met": "short {decided}"})
    groups = [{"group": "g", "level": 1, "staff_in_post": 36, "in_date": decided}]
    groups += [{"group": f"h{i}", "level": 3, "staff_in_post": 0, "in_date": 0} for i in range(100)]
    doc = SelfAssessment.model_validate(minimal_return(training={"groups": groups}))
    (finding,) = Evaluator(ruleset_of(rule)).evaluate(doc)
    assert finding.outcome.value == expected  # 36 x 95% = 34.2, so 34 falls short


# --- a false join comparison at the end of an $and (jruizgit/rules#381) ------------------------------

def test_every_join_of_the_area_rules_ends_with_a_comparison_that_is_always_true():
    """durable-rules skips the end marker after a false last term of a join's `$and` and reads on
    through memory (a segfault, depending on the heap; seen under gdb in `reduceExpressionSequence`).
    The engine layer ends every joining `$and` with the JOIN_KEY comparison, which no fact fails."""
    from compliance.catalogue.loading import load_area_rules
    from compliance.evaluation.area import AreaEvaluator
    from compliance.evaluation.engine import JOIN_KEY, guard_joins

    joined = 0
    for chunk in AreaEvaluator(load_area_rules()).engine.chunks:
        for name, spec in chunk.definition.items():
            guarded, joins = guard_joins(spec)
            aliases = [next(iter(p)) for p in spec["all"]]
            for before, after in zip(spec["all"], guarded["all"]):
                alias = next(iter(before))
                if before == after:
                    continue
                joined += 1
                terms = after[alias]["$and"]
                assert terms[-1] == {JOIN_KEY: {aliases[0] if alias != aliases[0] else aliases[1]: JOIN_KEY}}, name
                assert JOIN_KEY not in str(terms[:-1])
            assert joins == (guarded != spec)
    assert joined >= 2  # the `same` and the `listed_by` joins are guarded


def test_facts_of_a_joining_ruleset_carry_the_join_key_and_joins_still_decide():
    from compliance.evaluation.compiler import Branch, CompiledChunk
    from compliance.domain.outcomes import Outcome, Severity

    definition = {
        "r/same": {"all": [{"a": {"$and": [{"t": "x"}, {"$ex": {"f": 1}}]}},
                           {"b": {"$and": [{"t": "x"}, {"$ex": {"f": 1}}, {"$neq": {"f": {"a": "f"}}}]}}]},
        "r/item": {"all": [{"m": {"t": "x"}}]},
    }
    branches = {"r/same": Branch("r", Outcome.not_met, "conflict", Severity.high),
                "r/item": Branch("r", Outcome.met, "item_true", Severity.high)}
    engine = Engine([CompiledChunk(definition, branches, ["r"], {}, {})])
    assert engine._joins == [True]
    # Two equal values and one that differs: the join fires for each ordered pair that differs.
    fired = engine.run([[{"t": "x", "f": "A"}, {"t": "x", "f": "A"}, {"t": "x", "f": "B"}]])
    assert sum(b.gate == "conflict" for b in fired) == 4
    fired = engine.run([[{"t": "x", "f": "A"}, {"t": "x", "f": "A"}]])
    assert sum(b.gate == "conflict" for b in fired) == 0


def test_a_join_nested_under_or_is_refused():
    from compliance.evaluation.engine import guard_joins

    spec = {"all": [{"a": {"t": "x"}},
                    {"b": {"$and": [{"t": "x"}, {"$or": [{"f": {"a": "f"}}, {"g": 1}]}]}}]}
    with pytest.raises(EngineError, match="nested"):
        guard_joins(spec)
