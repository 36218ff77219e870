"""Area rules: joined across organisations in the engine, independent of the order returns are read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from baseline import area_outcome  # noqa: E402
from compliance.app.area import area_report, load_returns  # noqa: E402
from compliance.app.cases import area_case_returns, run_area_cases  # noqa: E402
from compliance.catalogue.loading import load_area_rules  # noqa: E402
from compliance.domain.outcomes import Outcome  # noqa: E402
from compliance.evaluation.area import AreaEvaluator  # noqa: E402

AREAS = ROOT / "fixtures" / "areas"
EXPECTED = ROOT / "fixtures" / "expected" / "areas"


@pytest.fixture(scope="module")
def area_rules():
    return load_area_rules()


@pytest.fixture(scope="module")
def area_evaluator(area_rules):
    return AreaEvaluator(area_rules)


def test_the_catalogue_has_area_rules_with_every_outcome_covered(area_rules):
    assert len(area_rules) >= 8
    for rule in area_rules:
        expected = {c.expect for c in rule.cases}
        # A rule requiring entries of every type of organisation (ARE-007's posts) applies to any area.
        wanted = {Outcome.met, Outcome.not_met, Outcome.insufficient_evidence}
        wanted |= set() if rule.always_applies else {Outcome.not_applicable}
        assert wanted <= expected, rule.id


def test_every_area_case_passes(area_rules):
    failed = [r for r in run_area_cases(area_rules) if not r.passed]
    assert not failed, failed


def test_engine_agrees_with_the_plain_python_oracle_on_every_case(area_rules, area_evaluator):
    for rule in area_rules:
        for case in rule.cases:
            docs = area_case_returns(case)
            verdict, _ = area_evaluator.evaluate(docs)[rule.id]
            assert verdict.outcome.value == area_outcome(rule, docs, area_evaluator.params[rule.id]), (rule.id, case.name)


def _all_case_returns(area_rules):
    docs = []
    for rule in area_rules:
        for case in rule.cases:
            docs += area_case_returns(case)
    return docs


_EVALUATOR: list[AreaEvaluator] = []


@pytest.fixture(autouse=True, scope="module")
def _shared_evaluator(area_evaluator):
    _EVALUATOR[:] = [area_evaluator]


@settings(max_examples=15)
@given(st.data())
def test_permuting_the_returns_never_changes_an_areas_findings(data):
    area_evaluator = _EVALUATOR[0]
    returns = [d for _, d in load_returns([AREAS / "northshire", AREAS / "southvale"])]
    pool = returns + _all_case_returns(area_evaluator.rules)[:12]
    docs = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6, unique_by=id))
    shuffled = data.draw(st.permutations(docs))

    def outcome_of(ds):
        return {rid: (v.outcome, v.failing, v.unknown, v.by_org)
                for rid, (v, _) in area_evaluator.evaluate(list(ds)).items()}

    assert outcome_of(docs) == outcome_of(shuffled)


def _snapshot(report) -> str:
    lines = [f"# Expected area findings for {report.local_authority}; regenerate with the test's helper and review the diff."]
    for f in sorted(report.findings, key=lambda f: f.rule_id):
        shares = ", ".join(f"{k}={v.value}" for k, v in sorted(f.shares.items()))
        lines.append(f"{f.rule_id}: {f.outcome.value} [{shares}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("folder", "la"), [("northshire", "NS1"), ("southvale", "SV1")])
def test_fixture_areas_match_their_expected_findings(area_evaluator, folder, la):
    report = area_report(la, load_returns([AREAS / folder]), area_evaluator)
    assert _snapshot(report) == (EXPECTED / f"{la}.txt").read_text()


def test_split_providers_fail_the_area_although_each_passes_rsk001_alone(evaluator, area_evaluator):
    returns = load_returns([AREAS / "northshire"])
    for _, doc in returns:
        rsk = next(f for f in evaluator.evaluate(doc) if f.rule_id == "RSK-001")
        assert rsk.outcome in (Outcome.met, Outcome.not_applicable), doc.organisation.id
    report = area_report("NS1", returns, area_evaluator)
    are001 = next(f for f in report.findings if f.rule_id == "ARE-001")
    assert are001.outcome == Outcome.not_met
    assert "Spotting the Signs" in are001.message and "Northshire CSE screening form" in are001.message
    assert are001.shares == {"ZZA10": Outcome.not_met, "ZZC10": Outcome.not_met}
    clean = area_report("SV1", load_returns([AREAS / "southvale"]), area_evaluator)
    assert all(f.outcome == Outcome.met for f in clean.findings)


def test_a_provider_the_icb_does_not_list_is_a_finding_and_a_listed_provider_missing_is_reported(
        tmp_path, area_evaluator):
    for p in (AREAS / "northshire").glob("*.yaml"):
        if "ZZC10" not in p.name:
            (tmp_path / p.name).write_text(p.read_text())
    extra = (AREAS / "northshire" / "ZZC10.yaml").read_text().replace("ZZC10", "ZZC99")
    (tmp_path / "ZZC99.yaml").write_text(extra)
    report = area_report("NS1", load_returns([tmp_path]), area_evaluator)
    are003 = next(f for f in report.findings if f.rule_id == "ARE-003")
    assert are003.outcome == Outcome.not_met and "ZZC99" in are003.message
    assert report.missing_providers == ["ZZC10"]


def test_area_cli_formats_and_exit_codes(run_cli, tmp_path):
    code, out, _ = run_cli("area", "NS1", AREAS / "northshire")
    assert code == 1 and "ARE-001" in out and "Accountability" in out
    code, out, _ = run_cli("area", "SV1", AREAS / "southvale", "--format", "json")
    assert code == 0 and json.loads(out)["local_authority"] == "SV1"
    code, out, _ = run_cli("area", "NS1", AREAS / "northshire", "--format", "markdown", "--fail-on", "none")
    assert code == 0 and out.startswith("# Area NS1") and "| ZZA10" not in out
    code, _, err = run_cli("area", "XX999", AREAS / "northshire")
    assert code == 2 and "NS1" in err


def test_area_html_escapes_names(tmp_path, run_cli):
    src = (AREAS / "northshire" / "ZZA10.yaml").read_text().replace(
        "name: Northshire Hospitals NHS Trust", 'name: "<script>x</script> Trust"')
    for p in (AREAS / "northshire").glob("*.yaml"):
        (tmp_path / p.name).write_text(src if p.name == "ZZA10.yaml" else p.read_text())
    code, out, _ = run_cli("area", "NS1", tmp_path, "--format", "html")
    assert "<script>x" not in out and "&lt;script&gt;x&lt;/script&gt;" in out


def write_expected() -> None:  # pragma: no cover - run by hand after a deliberate change
    ev = AreaEvaluator(load_area_rules())
    EXPECTED.mkdir(parents=True, exist_ok=True)
    for folder, la in (("northshire", "NS1"), ("southvale", "SV1")):
        (EXPECTED / f"{la}.txt").write_text(_snapshot(area_report(la, load_returns([AREAS / folder]), ev)))


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    write_expected()


def test_screen_by_area_ranks_the_split_area_above_the_clean_one_and_says_why(run_cli):
    code, out, _ = run_cli("screen", AREAS, "--by", "area", "-j", "1", "--format", "json", "--fail-on", "none")
    assert code == 0
    ranking = {a["local_authority"]: a for a in json.loads(out)["area_ranking"]}
    assert ranking["NS1"]["rank"] < ranking["SV1"]["rank"]
    assert ranking["NS1"]["area_points"] > 0 == ranking["SV1"]["area_points"]
    assert ranking["NS1"]["components"][0]["key"] == "ARE-001"
    code, out, _ = run_cli("screen", AREAS, "--by", "area", "-j", "1", "--fail-on", "none")
    assert "Areas ranked by need" in out and "ARE-001 not met" in out


def test_generated_cohorts_form_areas_the_area_rules_can_judge(area_evaluator, tmp_path):
    """`fixtures generate` cohorts: each area belongs to one ICB, which lists most of the providers
    serving it, so the join rules (ARE-003, ARE-004) decide instead of lacking evidence."""
    from compliance.app.generate import generate, write_cohort

    cohort = generate(300, seed=4)
    icbs = [o for o in cohort if o["organisation"]["type"] == "icb"]
    owners: dict[str, list[str]] = {}
    for icb in icbs:
        for la in icb["organisation"]["local_authorities"]:
            owners.setdefault(la, []).append(icb["organisation"]["id"])
    served = {la for o in cohort for la in o["organisation"]["local_authorities"]}
    assert icbs and len(served) == round(300 / 43) and set(owners) == served
    assert all(len(ids) == 1 for ids in owners.values())  # one ICB per area
    for icb in [i for i in icbs if i.get("governance")]:  # an ICB may leave its governance section out
        area = set(icb["organisation"]["local_authorities"])
        serving = {o["organisation"]["id"] for o in cohort
                   if o["organisation"]["type"] != "icb" and area & set(o["organisation"]["local_authorities"])}
        listed = {p["provider"] for p in icb["governance"].get("providers") or []}
        assert listed <= serving and len(listed) > 0.8 * len(serving)

    write_cohort(tmp_path, 300, seed=4)
    returns = load_returns([tmp_path])
    with_list = {la for icb in icbs if icb.get("governance") for la in icb["organisation"]["local_authorities"]}
    outcomes = {la: {f.rule_id: f.outcome for f in area_report(la, returns, area_evaluator).findings}
                for la in sorted(served)}
    for la, by_rule in outcomes.items():  # without the ICB's list there is no evidence, with it a decision
        assert (by_rule["ARE-003"] == Outcome.insufficient_evidence) == (la not in with_list), la
    assert with_list and any(o["ARE-003"] == Outcome.not_met or o["ARE-004"] == Outcome.not_met for o in outcomes.values())
