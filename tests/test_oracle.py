"""The engine agrees with a plain-Python interpretation of the same rules (benchmarks/baseline.py)."""

from __future__ import annotations

import sys

from conftest import ROOT, fixture_files

from compliance.app.cases import case_input
from compliance.evaluation.evaluator import Evaluator
from compliance.intake.returns import load_assessment
from compliance.domain.model import SelfAssessment
from compliance.catalogue.loading import RuleSet

sys.path.insert(0, str(ROOT / "benchmarks"))
import baseline  # noqa: E402


def test_engine_matches_the_python_oracle_on_fixtures(ruleset, evaluator):
    for path in fixture_files():
        doc = load_assessment(path)[0]
        engine = {f.rule_id: (f.outcome.value, f.severity.value) for f in evaluator.evaluate(doc)}
        assert engine == baseline.evaluate(ruleset.rules, evaluator.params, doc), path.name


def test_engine_matches_the_python_oracle_on_every_rule_case(ruleset):
    from compliance.catalogue.dependencies import with_prerequisites

    for rule in ruleset.rules:
        needed = with_prerequisites(rule, ruleset.by_id)
        single = RuleSet(needed, {r.id: ruleset.files[r.id] for r in needed}, "")
        for case in rule.cases:
            ev = Evaluator(single, {rule.id: dict(case.parameters)})
            doc = SelfAssessment.model_validate(case_input(rule, case))
            f = next(f for f in ev.evaluate(doc) if f.rule_id == rule.id)
            oracle = baseline.evaluate(needed, ev.params, doc)[rule.id]
            assert (f.outcome.value, f.severity.value) == oracle, case.name


def test_a_rule_too_complex_for_the_engine_is_a_rule_error(tmp_path, run_cli):
    folder = tmp_path / "training"
    folder.mkdir()
    text = (ROOT / "rules/training/TRN-001.yaml").read_text()
    many = "\n".join(f"    - any: [{{gt: [staff, {i}]}}, {{lt: [in_date, {i}]}}, {{gt: [coverage, {i}]}}]" for i in range(12))
    text = text.replace("condition:\n  gte: [coverage, threshold]", "condition:\n  all:\n    - gte: [coverage, threshold]\n" + many)
    (folder / "TRN-001.yaml").write_text(text)
    code, out, err = run_cli("assess", ROOT / "fixtures/organisations/elm-tree-gp.yaml", "--rules", tmp_path, "--no-bundled")
    line = text.splitlines().index("condition:") + 1
    assert code == 2 and "TRN-001.yaml" in err and f"line {line}, condition" in err and "engine rules" in err
    code, out, _ = run_cli("rules", "lint", tmp_path)
    assert code == 2 and f"TRN-001.yaml:{line}:1: error: condition: its conditions compile" in out
