"""Mutation testing of rules: which mutants are made, and that the bundled cases kill every one."""

from __future__ import annotations

import pytest

from conftest import ROOT

from compliance.app.mutate import mutate_rule, mutate_rules, mutations, step_of
from compliance.catalogue.loading import RuleSet, load_rule_file
from compliance.catalogue.schema import Rule

TRN001 = load_rule_file(ROOT / "rules" / "training" / "TRN-001.yaml").model_dump(
    mode="json", by_alias=True, exclude_unset=True)
# These tests count TRN-001's threshold and condition mutants: leave its renewal window out of them.
TRN001["parameters"].pop("renewal_months")
TRN001["measures"]["in_date"].pop("window")
TRN001["cases"] = [c for c in TRN001["cases"] if "renewal_months" not in c["name"]]


def rule_with(**changes) -> Rule:
    data = {**TRN001, **changes}
    return Rule.model_validate(data)


def described(rule: Rule) -> list[tuple[str, str]]:
    return [(m.where, m.description) for m, _ in mutations(rule)]


@pytest.mark.slow
def test_the_bundled_catalogue_kills_every_mutant(ruleset):
    """The suite's guarantee: no comparison, threshold or quantifier of a bundled rule can change
    without some case of that rule failing."""
    from compliance.catalogue.loading import BUNDLED_RULES, load_area_rules

    scores = mutate_rules(ruleset, area_folders=[BUNDLED_RULES])
    assert len(scores) == len(ruleset.rules) + len(load_area_rules()) > len(ruleset.rules)
    assert sum(s.total for s in scores) > 5 * len(ruleset.rules)
    assert any(s.rule_id.startswith("ARE-") and s.total for s in scores)  # area rules are mutated too
    problems = {s.rule_id: [f"{r.line}: {r.mutation.description}" for r in s.survivors] + s.broken
                for s in scores if not s.ok}
    assert problems == {}


def test_comparisons_thresholds_and_quantifiers_are_mutated():
    rule = rule_with(
        parameters={"threshold": {"default": 90, "min": 0, "max": 100, "unit": "%", "description": "share"},
                    "cap": {"default": 100, "min": 0, "max": 100, "description": "at its maximum"}},
        condition={"all": [{"gte": ["coverage", "threshold"]}, {"any": [{"lt": ["staff", "cap"]}]},
                           {"ne": ["in_date", 0]}]},
    )
    assert described(rule) == [
        ("parameters.threshold.default", "parameter threshold default 90 -> 91"),
        ("parameters.threshold.default", "parameter threshold default 90 -> 89"),
        ("parameters.cap.default", "parameter cap default 100 -> 99"),  # 101 is out of its range
        ("condition", "all -> any"),
        ("condition.all[0]", "gte -> gt"),
        ("condition.all[1].any[0]", "lt -> lte"),  # an `any` of one part has no `all` twin
        ("condition.all[2]", "ne -> eq"),
    ]


def test_filters_are_mutated_only_in_measures_the_logic_reads():
    measures = {**TRN001["measures"],
                "senior": {"count": "training.groups[]", "where": {"level": {"gte": 3}}},
                "shown": {"count": "training.groups[]", "where": {"level": {"lt": 3}}}}
    rule = rule_with(measures=measures, condition={"all": [{"gte": ["coverage", "threshold"]}, {"gt": ["senior", 0]}]},
                     messages={"met": "{shown} shown only here", "not_met": "below"})
    where = [w for w, _ in described(rule)]
    assert "measures.senior.where.level" in where and not any(w.startswith("measures.shown") for w in where)


def test_the_step_of_a_parameter_is_the_smallest_one_its_default_is_written_in():
    assert step_of(90) == 1 and step_of(24.0) == 1
    assert float(step_of(2.5)) == pytest.approx(0.1) and float(step_of(1.25)) == pytest.approx(0.01)
    rule = rule_with(parameters={"threshold": {"default": 92.5, "min": 0, "max": 100, "description": "share"}})
    assert [d for _, d in described(rule)][:2] == ["parameter threshold default 92.5 -> 92.6",
                                                   "parameter threshold default 92.5 -> 92.4"]


def test_date_and_list_parameters_are_mutated_by_a_day_and_by_one_code(ruleset):
    mis = [d for w, d in described(ruleset.by_id["MIS-001"]) if w == "parameters.cutover.default"]
    assert mis == ["parameter cutover default 2017-01-01 -> 2017-01-02",
                   "parameter cutover default 2017-01-01 -> 2016-12-31"]
    gov = [d for w, d in described(ruleset.by_id["GOV-002"]) if w == "parameters.trust_posts.default"]
    assert gov == ["parameter trust_posts default without named_doctor",
                   "parameter trust_posts default without named_nurse"]


def test_a_survivor_names_its_mutation_and_line(tmp_path):
    text = (ROOT / "rules" / "training" / "TRN-001.yaml").read_text()
    path = tmp_path / "TRN-001.yaml"
    path.write_text(text)
    weak = [c for c in TRN001["cases"] if c["name"] != "trn001_not_met_just_below_threshold"]
    rule = rule_with(cases=weak).located(load_rule_file(path).lines)  # the places of the file it was read from
    score = mutate_rule(RuleSet([rule], {rule.id: path}, ""), rule)
    assert [(r.mutation.description, r.line) for r in score.survivors] == [
        ("parameter threshold default 90 -> 89", text.splitlines().index(
            next(x for x in text.splitlines() if x.startswith("  threshold:"))) + 1)]
    assert score.killed == 2 and score.total == 3 and not score.ok


def test_a_rule_whose_own_cases_fail_is_reported_not_mutated(tmp_path):
    cases = [dict(c, expect="not_met") if c["name"] == "trn001_met" else c for c in TRN001["cases"]]
    rule = rule_with(cases=cases)
    score = mutate_rule(RuleSet([rule], {rule.id: tmp_path / "TRN-001.yaml"}, ""), rule)
    assert score.broken == ["trn001_met"] and score.results == [] and not score.ok
