"""`depends_on`: a rule is not applicable wherever a prerequisite is, decided inside the engine."""

from __future__ import annotations

import random
import sys

import pytest

from conftest import ROOT, minimal_return

sys.path.insert(0, str(ROOT / "benchmarks"))
import baseline  # noqa: E402

from compliance.evaluation.compiler import MAX_RULES_PER_RULESET, CompileError, compile_rules  # noqa: E402
from compliance.domain.errors import RuleError  # noqa: E402
from compliance.evaluation.evaluator import Evaluator  # noqa: E402
from compliance.domain.model import SelfAssessment  # noqa: E402
from compliance.catalogue.schema import Rule  # noqa: E402
from compliance.catalogue.loading import RuleSet, load_rules  # noqa: E402

TRN001 = (ROOT / "rules" / "training" / "TRN-001.yaml").read_text()
GROUPS = "{training: {groups: [{group: all staff, level: 1, staff_in_post: 200, in_date: %d, renewal_months: 36}]}}"
CASES = f"""cases:
  - name: met
    input: {GROUPS % 190}
    expect: met
  - name: at_threshold
    input: {GROUPS % 180}
    expect: met
  - name: not_met
    input: {GROUPS % 100}
    expect: not_met
  - name: just_below_threshold
    input: {GROUPS % 179}
    expect: not_met
  - name: not_reported
    input: {{}}
    expect: insufficient_evidence
  - name: counted_with_a_longer_renewal_interval
    input: {(GROUPS % 190).replace("renewal_months: 36", "renewal_months: 37")}
    expect: insufficient_evidence
  - name: out_of_scope
    org_type: gp_practice
    input: {GROUPS % 190}
    expect: not_applicable
"""


def rule_text(rid: str, depends_on: list[str] | None = None, org_types: list[str] | None = None,
              cases: str = CASES) -> str:
    text = TRN001.replace("id: TRN-001", f"id: {rid}")
    extra = ""
    if org_types:
        extra += f"applies_to: {{org_types: [{', '.join(org_types)}]}}\n"
    if depends_on is not None:
        extra += f"depends_on: [{', '.join(depends_on)}]\n"
    text = text.replace("key_question: safe\n", "key_question: safe\n" + extra)
    return text[: text.index("cases:")] + cases


def write_rules(folder, rules: dict[str, str]):
    area = folder / "training"
    area.mkdir(parents=True, exist_ok=True)
    for rid, text in rules.items():
        (area / f"{rid}.yaml").write_text(text)
    return folder


@pytest.fixture
def chain(tmp_path):
    """TRN-101 (acute only) <- TRN-102 <- TRN-103: a prerequisite and a chain through it."""
    return write_rules(tmp_path / "chain", {
        "TRN-101": rule_text("TRN-101", org_types=["acute"]),
        "TRN-102": rule_text("TRN-102", depends_on=["TRN-101"]),
        "TRN-103": rule_text("TRN-103", depends_on=["TRN-102"]),
    })


def doc(org_type: str, in_date: int | None = 190) -> SelfAssessment:
    group = {"group": "all staff", "level": 1, "staff_in_post": 200}
    if in_date is not None:
        group["in_date"] = in_date
    data = minimal_return(training={"groups": [group]})
    data["organisation"]["type"] = org_type
    return SelfAssessment.model_validate(data)


def outcomes(findings) -> dict[str, tuple[str, str]]:
    return {f.rule_id: (f.outcome.value, f.message) for f in findings}


def test_dependent_is_not_applicable_when_its_prerequisite_is(chain):
    got = outcomes(Evaluator(load_rules([chain])).evaluate(doc("gp_practice")))
    assert got["TRN-101"][0] == "not_applicable"
    assert got["TRN-102"] == ("not_applicable", "Depends on TRN-101, which is not applicable to this organisation.")
    # The chain carries on: TRN-102 was made not applicable by the engine, so TRN-103 is too.
    assert got["TRN-103"] == ("not_applicable", "Depends on TRN-102, which is not applicable to this organisation.")


@pytest.mark.parametrize("in_date,expected", [(190, "met"), (100, "not_met"), (None, "insufficient_evidence")])
def test_dependent_evaluates_normally_otherwise(chain, in_date, expected):
    got = outcomes(Evaluator(load_rules([chain])).evaluate(doc("acute", in_date)))
    assert {rid: o for rid, (o, _) in got.items()} == {"TRN-101": expected, "TRN-102": expected, "TRN-103": expected}


def test_the_engine_agrees_with_the_python_oracle(chain):
    rs = load_rules([chain])
    ev = Evaluator(rs)
    for org_type in ("acute", "gp_practice", "community"):
        for in_date in (190, 100, None):
            d = doc(org_type, in_date)
            engine = {f.rule_id: (f.outcome.value, f.severity.value) for f in ev.evaluate(d)}
            assert engine == baseline.evaluate(rs.rules, ev.params, d)


@pytest.mark.parametrize("seed", range(6))
def test_results_do_not_depend_on_the_order_of_facts(chain, seed):
    ev = Evaluator(load_rules([chain]))
    expected = [ev.evaluate(doc(t, n)) for t in ("acute", "gp_practice") for n in (190, None)]
    original = ev.engine.run

    def shuffled(facts_per_chunk):
        facts_per_chunk = [list(f) for f in facts_per_chunk]
        for facts in facts_per_chunk:
            random.Random(seed).shuffle(facts)
        return original(facts_per_chunk)

    ev.engine.run = shuffled
    # Dependants first, prerequisites last: the outcome fact arrives after the fact it joins with.
    if seed == 0:
        ev.engine.run = lambda facts: original([list(reversed(f)) for f in facts])
    assert [ev.evaluate(doc(t, n)) for t in ("acute", "gp_practice") for n in (190, None)] == expected


def test_outcome_facts_do_not_leak_between_evaluations(chain):
    ev = Evaluator(load_rules([chain]))
    fresh = {t: outcomes(Evaluator(load_rules([chain])).evaluate(doc(t))) for t in ("acute", "gp_practice")}
    for t in ("gp_practice", "acute", "gp_practice", "acute"):
        assert outcomes(ev.evaluate(doc(t))) == fresh[t]


def test_compiled_joins_are_positive_single_key_and_anchored(chain):
    ev = Evaluator(load_rules([chain]))
    (chunk,) = ev.engine.chunks
    assert chunk.announced.keys() == {"TRN-101", "TRN-102"}
    joined = 0
    for name, spec in chunk.definition.items():
        first, *rest = spec["all"]
        assert list(first) == ["m"]
        anchor = first["m"]["$and"][0] if "$and" in first["m"] else first["m"]
        assert anchor == {"t": chunk.branches[name].rule_id}
        for pattern in spec["all"]:
            (alias, cond), = pattern.items()
            assert not alias.endswith("$not")
            parts = cond["$and"] if "$and" in cond else [cond]
            assert all(len(p) == 1 for p in parts)
        joined += bool(rest)
    assert joined == sum(1 for b in chunk.branches.values() if b.rule_id != "TRN-101")


def _copies(n: int) -> list[Rule]:
    base = Rule.model_validate(__import__("ruamel.yaml", fromlist=["YAML"]).YAML(typ="safe").load(TRN001))
    return [base.model_copy(update={"id": f"TRN-{i:03d}"}) for i in range(100, 100 + n)]


def test_a_prerequisite_is_compiled_into_its_dependants_ruleset():
    rules = _copies(MAX_RULES_PER_RULESET + 5)
    first, last = rules[0], rules[-1]
    rules[-1] = last.model_copy(update={"depends_on": [first.id]})
    params = {r.id: r.parameter_values() for r in rules}
    chunks = compile_rules(rules, params)
    assert len(chunks) == 2
    assert any({first.id, last.id} <= set(c.rule_ids) for c in chunks)
    assert sorted(rid for c in chunks for rid in c.rule_ids) == sorted(r.id for r in rules)
    ev = Evaluator(RuleSet(rules, {}, ""))
    got = outcomes(ev.evaluate(doc("acute", 100)))
    assert got[last.id][0] == got[first.id][0] == "not_met"


def test_too_many_linked_rules_is_a_compile_error():
    rules = _copies(MAX_RULES_PER_RULESET + 1)
    rules = [rules[0]] + [r.model_copy(update={"depends_on": [rules[0].id]}) for r in rules[1:]]
    with pytest.raises(CompileError, match="linked by depends_on"):
        compile_rules(rules, {r.id: r.parameter_values() for r in rules})


def test_cycles_and_unknown_prerequisites_are_rule_errors(tmp_path, run_cli):
    cyclic = write_rules(tmp_path / "cyclic", {
        "TRN-101": rule_text("TRN-101", depends_on=["TRN-102"]),
        "TRN-102": rule_text("TRN-102", depends_on=["TRN-101"]),
    })
    with pytest.raises(RuleError) as e:
        load_rules([cyclic])
    line = rule_text("TRN-101", depends_on=["TRN-102"]).splitlines().index("depends_on: [TRN-102]") + 1
    assert "TRN-101 -> TRN-102 -> TRN-101" in e.value.problems[0].message and e.value.problems[0].line == line
    unknown = write_rules(tmp_path / "unknown", {"TRN-111": rule_text("TRN-111", depends_on=["XYZ-999"])})
    fixture = ROOT / "fixtures" / "organisations" / "elm-tree-gp.yaml"
    code, _, err = run_cli("assess", fixture, "--rules", unknown, "--no-bundled")
    assert code == 2 and "TRN-111.yaml" in err and "XYZ-999" in err and f"line {line}" in err
    code, out, _ = run_cli("rules", "lint", cyclic, unknown)
    assert code == 2
    assert f"TRN-101.yaml:{line}:" in out and "depends on itself through TRN-101 -> TRN-102 -> TRN-101" in out
    assert f"TRN-111.yaml:{line}:1: error: depends_on: depends on XYZ-999, which is not among the rules in force" in out


def test_a_rule_cannot_depend_on_itself(tmp_path, run_cli):
    folder = write_rules(tmp_path / "self", {"TRN-101": rule_text("TRN-101", depends_on=["TRN-101"])})
    code, out, _ = run_cli("rules", "lint", folder)
    assert code == 2 and "depends_on must list other rules" in out


def test_a_local_rule_may_depend_on_a_bundled_one(tmp_path, run_cli):
    # Out of scope where ALR-001 is: a GP practice that runs no unscheduled care.
    cases = CASES.replace(f"org_type: gp_practice\n    input: {GROUPS % 190}",
                          "org_type: gp_practice\n    input: {services: [{kind: general_practice}]}")
    local = write_rules(tmp_path / "local", {"TRN-901": rule_text("TRN-901", depends_on=["ALR-001"], cases=cases)})
    code, out, _ = run_cli("rules", "lint", local)
    assert code == 0, out
    fixture = ROOT / "fixtures" / "organisations" / "elm-tree-gp.yaml"  # runs no urgent care: ALR-001 n/a
    code, out, err = run_cli("assess", fixture, "--rules", local, "--format", "json", "--fail-on", "none")
    assert code == 0, err
    import json

    finding = next(f for f in json.loads(out)["findings"] if f["rule_id"] == "TRN-901")
    assert finding["outcome"] == "not_applicable" and "ALR-001" in finding["message"]
    code, _, err = run_cli("assess", fixture, "--rules", local, "--no-bundled")
    assert code == 2 and "ALR-001" in err


def test_rule_author_tools_know_about_dependencies(chain, tmp_path, run_cli):
    code, out, _ = run_cli("rules", "test", chain)
    assert code == 0 and out.strip().splitlines()[-1].endswith(": 21 passed, 0 failed")
    code, out, _ = run_cli("rules", "lint", chain)
    assert code == 0, out
    code, out, _ = run_cli("rules", "show", "TRN-102", "--rules", chain, "--no-bundled")
    assert code == 0 and "Depends on" in out
    assert "TRN-101 (Level 1 safeguarding training is in date)" in " ".join(out.split())
    # A dependent rule must show that it can be made not applicable.
    no_na = CASES[: CASES.index("  - name: out_of_scope")]
    lone = write_rules(tmp_path / "lone", {"TRN-101": rule_text("TRN-101", org_types=["acute"], cases=CASES),
                                           "TRN-102": rule_text("TRN-102", depends_on=["TRN-101"], cases=no_na)})
    code, out, _ = run_cli("rules", "lint", lone)
    assert code == 1 and "TRN-102.yaml" in out and "no case expecting not_applicable" in out
