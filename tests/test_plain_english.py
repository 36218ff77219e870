"""Findings people read carry no identifiers: every bundled rule's messages, from its own cases and
from fixtures, are checked for measure names, paths, parameter identifiers, 'not reported%' and 0/1
coding of yes/no; lint rejects a rule whose message could render one."""

from __future__ import annotations

import json

from pathlib import Path

import pytest

from compliance.app.cases import run_cases
from compliance.catalogue.loading import load_rules
from compliance.catalogue.schema import Rule
from compliance.domain.labels import label_of
from compliance.domain.model import SelfAssessment
from compliance.evaluation.messages import identifier_problems, missing_sources, number, share, template_problems

_RULESET = load_rules()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "organisations"


@pytest.fixture(scope="module")
def results():
    return run_cases(_RULESET)


def test_every_outcome_of_every_rule_is_rendered_by_its_cases(results):
    seen = {(r.rule_id, r.actual.split("/")[0]) for r in results}
    for rule in _RULESET.rules:
        for outcome in ("met", "not_met", "insufficient_evidence"):
            assert (rule.id, outcome) in seen, f"{rule.id} has no case rendering {outcome}"


def test_no_case_message_shows_an_identifier(results):
    bad = {}
    for r in results:
        problems = identifier_problems(r.message, _RULESET.by_id[r.rule_id])
        if problems:
            bad[f"{r.rule_id} {r.case}"] = (problems, r.message)
    assert bad == {}


def test_no_rule_template_could_render_an_identifier():
    bad = {r.id: template_problems(r) for r in _RULESET.rules}
    assert {k: v for k, v in bad.items() if v} == {}


@pytest.mark.parametrize("text", [
    "Coverage: not reported% of 10 children.",
    "Written policy: 0 (1 = yes, 0 = no).",
    "Not reported: count(services[unscheduled=True, cp_is_live=False]).",
    "Thresholds: max_expired = 0.",
])
def test_the_check_catches_what_the_issue_found(text):
    assert identifier_problems(text)


def test_shares_never_round_up_across_a_standard():
    assert number(84.46) == "84.5" and number(90.0) == "90" and number(31400) == "31,400"
    assert share(262, 310) == "262 of 310 (84.5%)"
    # judged against a standard, a failing share is never shown at it, however close
    assert share(9997, 10000, 100) == "9,997 of 10,000 (99.97%)" and share(8996, 10000, 90) == "8,996 of 10,000 (89.96%)"


def _rule(**messages) -> Rule:
    base = _RULESET.by_id["TRN-001"]
    return base.model_copy(update={"messages": base.messages.model_copy(update=messages)})


def test_lint_rejects_a_message_that_prints_an_identifier():
    problems = template_problems(_rule(not_met="Coverage {coverage}% of in_date staff."))
    assert any("in_date" in p for _, p in problems)


def test_an_unreported_share_reads_as_not_reported_without_a_percent_sign():
    problems = template_problems(_rule(not_met="{coverage}% of {staff} staff are in date."))
    assert problems == []


def test_not_reported_names_the_item_and_the_field():
    doc = SelfAssessment.model_validate({
        "schema_version": "1",
        "organisation": {"id": "X1", "name": "X", "type": "acute", "local_authorities": ["LA1"],
                         "period": {"start": "2025-04-01", "end": "2026-03-31"}},
        "services": [{"kind": "maternity"}, {"kind": "emergency_department", "name": "Westmoor ED", "cp_is_live": True}],
        "training": {"groups": [{"group": "ED clinicians", "level": 1, "staff_in_post": 10}]},
    })
    alr = _RULESET.by_id["ALR-001"]
    from compliance.evaluation.measures import compute_results

    assert missing_sources(alr, compute_results(alr, doc), doc) == ["Maternity: whether CP-IS is live"]
    trn = _RULESET.by_id["TRN-001"]
    assert missing_sources(trn, compute_results(trn, doc), doc) == ["ED clinicians: staff in date"]


def test_labels_come_from_the_model():
    assert label_of("services[].cp_is_live") == "Whether CP-IS is live"
    assert label_of("training.groups.in_date") == "Staff in date"
    with pytest.raises(KeyError):
        label_of("training.nonsense")


def test_lint_reports_a_message_with_an_identifier(tmp_path):
    from compliance.app.lint import lint_paths

    src = next(p for p in (_RULESET.files[r] for r in ["TRN-006"]))
    text = open(src).read().replace("is in place for the period.", "is in place (min_budget_gbp).")
    rule_file = tmp_path / "TRN-006.yaml"
    rule_file.write_text(text)
    problems = [lp.problem for lp in lint_paths([rule_file]) if lp.invalid]
    assert any(p.path == "messages.met" and "min_budget_gbp" in p.message for p in problems)


def _visible_html(html: str) -> str:
    import lxml.html

    tree = lxml.html.fromstring(html)
    for bad in tree.xpath("//script|//style"):
        bad.getparent().remove(bad)
    return tree.text_content()


@pytest.fixture(scope="module")
def fixture_reports(evaluator):
    from compliance.app.assess import report_for
    from compliance.catalogue.loading import BUNDLED_RULES
    from compliance.intake.returns import load_assessment

    out = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        assessment, info = load_assessment(path)
        out.append((path.name, report_for(assessment, info, evaluator, [BUNDLED_RULES])))
    return out


@pytest.mark.parametrize("fmt", ["text", "html", "markdown", "csv"])
def test_reports_for_people_carry_no_identifiers(fixture_reports, fmt):
    import csv
    import io

    from compliance.formats import Options, render

    for name, report in fixture_reports:
        out = render("assessment", fmt, report, Options(verbose=True))
        text = _visible_html(out) if fmt == "html" else out
        if fmt == "csv":  # the code columns (area, outcome, severity) are keys for spreadsheets
            rows = list(csv.DictReader(io.StringIO(out)))
            text = "\n".join(r[c] for r in rows for c in ("title", "message", "evidence", "remediation"))
        problems = identifier_problems(text)
        for rule in _RULESET.rules:
            problems += [p for p in identifier_problems(text, rule) if p not in problems]
        assert problems == [], (name, fmt)


def test_an_expired_waiver_is_never_shown_as_waived(run_cli, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("name: Old waivers\ndisable:\n  ALR-001: {reason: Agreed last year, expires: 2020-01-01}\n")
    northfield = FIXTURES / "northfield-acute.yaml"
    for fmt in ("text", "html", "markdown", "csv", "junit", "xlsx"):
        out_file = tmp_path / f"report.{fmt}"
        run_cli("assess", northfield, "-f", fmt, "--profile", profile, "--fail-on", "none", "-o", out_file)
        if fmt == "xlsx":
            from openpyxl import load_workbook

            cells = load_workbook(out_file, read_only=True)
            body = "\n".join(str(c) for ws in cells.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
        else:
            body = out_file.read_text()
        body = _visible_html(body) if fmt == "html" else body
        assert "Waiver expired on 2020-01-01 (no longer applies): Agreed last year" in body, fmt
        assert "Waived: Agreed" not in body and "waived: Agreed" not in body, fmt
    _, out, _ = run_cli("assess", northfield, "-f", "json", "--profile", profile, "--fail-on", "none")
    alr = next(f for f in json.loads(out)["findings"] if f["rule_id"] == "ALR-001")
    assert alr["outcome"] == "not_met" and alr["waiver"]["expired"] is True


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_the_screening_page_carries_no_identifiers(run_cli, tmp_path, fmt):
    """The ranking's columns are the score's parts in words and organisation types are words; the
    part names (findings_points...) stay in JSON and CSV for tools."""
    out_file = tmp_path / f"screen.{fmt}"
    run_cli("screen", FIXTURES, "-f", fmt, "--fail-on", "none", "-j", "1", "-o", out_file)
    text = out_file.read_text()
    text = _visible_html(text) if fmt == "html" else text.replace("\\_", "_")
    assert identifier_problems(text) == [], fmt
