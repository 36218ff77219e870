"""`safeguard rules list|show|test|lint` and local rule folders."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURES, ROOT

from compliance.catalogue.loading import load_rule_file

TRN001 = ROOT / "rules" / "training" / "TRN-001.yaml"


@pytest.mark.slow
def test_bundled_catalogue_lints_clean_and_its_cases_pass(run_cli, ruleset):
    code, out, _ = run_cli("rules", "lint")
    assert code == 0 and out.strip().endswith("0 problems")
    code, out, _ = run_cli("rules", "test")
    from compliance.catalogue.loading import load_area_rules

    cases = sum(len(r.cases) for r in ruleset.rules) + sum(len(r.cases) for r in load_area_rules())
    assert code == 0 and out.strip().splitlines()[-1] == f"48 rule files in rules: {cases} passed, 0 failed"


def test_list_filters_and_json(run_cli, ruleset):
    code, out, _ = run_cli("rules", "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows if r["scope"] == "organisation"] == [r.id for r in ruleset.rules]
    code, out, _ = run_cli("rules", "list", "--area", "training")
    assert out.splitlines() and all(" training " in line for line in out.splitlines())
    code, out, _ = run_cli("rules", "list", "--severity", "medium")
    assert all(" medium " in line for line in out.splitlines())
    assert all(len(line) <= 80 for line in run_cli("rules", "list")[1].splitlines())


def test_show_is_a_rule_page(run_cli):
    code, out, _ = run_cli("rules", "show", "trn-001")
    assert code == 0
    for heading in ("Requirement", "Why", "Applies to", "Parameters", "Data it reads", "Sources",
                    "What to do", "Line of enquiry", "Example: met", "Example: not met"):
        assert heading in out
    assert "threshold = 90%" in out and "training.groups[level=1].in_date" in out


def test_show_unknown_id_suggests_close_ones(run_cli):
    code, _, err = run_cli("rules", "show", "TRN-01")
    assert code == 2 and "TRN-001" in err


def _local_rules(tmp_path, edit=None):
    folder = tmp_path / "local" / "training"
    folder.mkdir(parents=True)
    text = TRN001.read_text()
    if edit:
        text = text.replace(*edit)
    (folder / "TRN-001.yaml").write_text(text)
    return tmp_path / "local"


def test_rules_test_reports_a_failing_case_with_expected_and_actual(run_cli, tmp_path):
    local = _local_rules(tmp_path, ("in_date: 190, renewal_months: 36}]}}\n    expect: met", "in_date: 190, renewal_months: 36}]}}\n    expect: not_met"))
    code, out, _ = run_cli("rules", "test", local)
    assert code == 1
    assert "FAIL TRN-001" in out and "case 'trn001_met' expects not_met, the rule gives met" in out
    cases = len(load_rule_file(TRN001).cases)
    assert out.strip().splitlines()[-1] == f"1 rule file in {local}: {cases - 1} passed, 1 failed"


def test_lint_reports_every_problem_with_file_and_line(run_cli, tmp_path):
    folder = tmp_path / "local" / "training"
    folder.mkdir(parents=True)
    text = TRN001.read_text()
    (folder / "TRN-001.yaml").write_text(text.replace("training.groups[].in_date", "training.groups[].indate"))
    cases_cut = text[: text.index("  - name: trn001_not_met")]
    (folder / "TRN-002.yaml").write_text(cases_cut.replace("id: TRN-001", "id: TRN-002"))
    (folder / "TRN-003.yaml").write_text(text.replace("id: TRN-001", "id: TRN-003").replace("severity: high", "severity: huge"))
    code, out, _ = run_cli("rules", "lint", tmp_path / "local")
    assert code == 2  # invalid rules (a path into nothing, a severity that does not exist)
    measure_line = next(i for i, x in enumerate(text.splitlines(), 1) if "training.groups[].in_date" in x)
    assert f"TRN-001.yaml:{measure_line}:3: error: measures.in_date: measure 'in_date': 'indate' is not a field of " \
           "training.groups[]; did you mean 'in_date'? (fields: group, in_date, level," in out
    assert "StaffGroup" not in out  # never a class name
    assert "TRN-002.yaml:" in out and "no case expecting not_met" in out
    # With no failing case, nothing pins the threshold from below.
    line = cases_cut.splitlines().index(next(x for x in cases_cut.splitlines() if x.startswith("  threshold:"))) + 1
    assert f"TRN-002.yaml:{line}:" in out and "parameters.threshold.default: no case notices the mutant" in out
    assert "TRN-003.yaml:11:11: error: severity: 'huge' is not one of the choices here" in out
    assert "parameters.renewal_months.default: no case notices" in out  # its window case was cut too
    assert out.strip().endswith("6 problems")


def test_lint_exits_1_for_valid_but_weakly_tested_rules(run_cli, tmp_path):
    folder = tmp_path / "local" / "training"
    folder.mkdir(parents=True)
    text = TRN001.read_text()
    start = text.index("  - name: trn001_not_met_just_below_threshold")
    end = text.index("\n  - name:", start + 1) if "\n  - name:" in text[start + 1:] else len(text)
    (folder / "TRN-001.yaml").write_text(text[:start] + text[end + 1:])
    code, out, _ = run_cli("rules", "lint", tmp_path / "local")
    assert code == 1 and "parameter threshold default 90 -> 89" in out and out.strip().endswith("1 problem")
    code, out, _ = run_cli("rules", "test", "--mutate", tmp_path / "local")
    assert code == 1 and "parameters.threshold.default: parameter threshold default 90 -> 89 survives" in out
    assert out.strip().splitlines()[-1].endswith(": 4/5 mutants killed (80.0%), 1 survived")


def test_lint_checks_area_rules_too(run_cli, tmp_path):
    area = tmp_path / "local" / "area"
    area.mkdir(parents=True)
    text = (ROOT / "rules" / "area" / "ARE-004.yaml").read_text()
    (area / "ARE-004.yaml").write_text(text.replace("lte: [last_assurance_return_months, max_months]",
                                                    "lte: [last_assurance_return_months, 12]"))
    code, out, _ = run_cli("rules", "lint", tmp_path / "local")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if x.strip().startswith("max_months"))
    assert code == 1 and f"ARE-004.yaml:{line}:" in out and "parameter 'max_months' is never read" in out
    (area / "ARE-004.yaml").write_text(text.replace("check:", "chek:"))
    code, out, _ = run_cli("rules", "lint", tmp_path / "local")
    assert code == 2 and "ARE-004.yaml" in out and "chek" in out
    # a case whose input is not a valid return is the author's to fix: a failing case, never a crash
    (area / "ARE-004.yaml").write_text(text + "  - name: are004_bad_input\n    organisations: [{organisation: {id: I1, type: icb}, "
                                       "governance: {providers: [{sc32_in_contract: true}]}}]\n    expect: met\n")
    code, out, _ = run_cli("rules", "test", tmp_path / "local")
    assert code == 1 and "are004_bad_input" in out and "governance.providers.0.provider: Field required" in out


def test_local_rules_add_to_and_override_the_bundled_catalogue(run_cli, tmp_path, ruleset):
    local = _local_rules(tmp_path, ("default: 90,", "default: 99,"))
    other = tmp_path / "local" / "training" / "TRN-901.yaml"
    shutil.copy(local / "training" / "TRN-001.yaml", other)
    other.write_text(other.read_text().replace("id: TRN-001", "id: TRN-901"))
    code, out, _ = run_cli("assess", FIXTURES / "elm-tree-gp.yaml", "--rules", local, "--format", "json", "--fail-on", "none")
    data = json.loads(out)
    ids = [f["rule_id"] for f in data["findings"]]
    assert code == 0 and len(ids) == len(ruleset.rules) + 1 and "TRN-901" in ids
    trn = next(f for f in data["findings"] if f["rule_id"] == "TRN-001")
    assert trn["parameters"]["threshold"] == 99
    code, out, _ = run_cli("assess", FIXTURES / "elm-tree-gp.yaml", "--rules", local, "--no-bundled", "--format", "json", "--fail-on", "none")
    assert sorted(f["rule_id"] for f in json.loads(out)["findings"]) == ["TRN-001", "TRN-901"]
    assert run_cli("assess", FIXTURES / "elm-tree-gp.yaml", "--no-bundled")[0] == 2


def test_a_local_rule_overriding_a_bundled_id_is_announced_and_recorded(run_cli, tmp_path):
    local = _local_rules(tmp_path, ("default: 90,", "default: 99,"))
    mine = local / "training" / "TRN-001.yaml"
    code, out, err = run_cli("assess", FIXTURES / "elm-tree-gp.yaml", "--rules", local, "--format", "json", "--fail-on", "none")
    assert code == 0 and f"local rule TRN-001 ({mine}) overrides the bundled rule" in err
    [override] = json.loads(out)["rules"]["overrides"]
    assert override["rule_id"] == "TRN-001" and override["file"] == str(mine) and override["bundled"]
    assert override["replaces"].endswith("training/TRN-001.yaml") and override["replaces"] != str(mine)
    code, out, _ = run_cli("assess", FIXTURES / "elm-tree-gp.yaml", "--rules", local, "--fail-on", "none")
    assert "Local rule TRN-001" in out.splitlines()[2]  # the report header
    code, out, err = run_cli("assess", FIXTURES / "elm-tree-gp.yaml", "--format", "json", "--fail-on", "none")
    assert json.loads(out)["rules"]["overrides"] == [] and "overrides" not in err
    code, _, err = run_cli("rules", "list", "--rules", local)
    assert code == 0 and "overrides the bundled rule" in err


def test_show_and_test_take_rule_folders_like_lint(run_cli, tmp_path):
    local = _local_rules(tmp_path, ("default: 90,", "default: 99,"))
    code, out, err = run_cli("rules", "show", "TRN-001", local)
    assert code == 0 and "threshold = 99%" in out and "Overrides the bundled rule of the same id" in out
    assert "overrides the bundled rule" in err
    code, _, err = run_cli("rules", "show", "TRN-002", local)
    assert code == 2 and f"no rule with this id in {local}" in err
    # A local rule that depends on a bundled one is shown and tested with it.
    dependent = tmp_path / "dependent" / "training"
    dependent.mkdir(parents=True)
    text = TRN001.read_text().replace("id: TRN-001", "id: TRN-901").replace(
        "key_question: safe\n", "key_question: safe\ndepends_on: [ALR-001]\n")
    text += ("  - name: trn901_out_of_scope_with_alr001\n    org_type: gp_practice\n"
             "    input: {services: [{kind: general_practice}]}\n    expect: not_applicable\n")
    (dependent / "TRN-901.yaml").write_text(text)
    code, out, _ = run_cli("rules", "show", "TRN-901", dependent.parent)
    assert code == 0 and "ALR-001 (" in out
    code, out, _ = run_cli("rules", "test", dependent.parent)
    cases = len(load_rule_file(dependent / "TRN-901.yaml").cases)
    assert code == 0 and out.strip().splitlines() == [f"PASS TRN-901  {cases}/{cases} cases",
                                                     f"1 rule file in {dependent.parent}: {cases} passed, 0 failed"]
