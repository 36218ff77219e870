"""The safeguarding lead's year (issue 28): missing data as a to-do in every format a person reads,
one label per outcome, the board paper and its level of assurance."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from conftest import ROOT, fixture_files
from hypothesis import given
from hypothesis import strategies as st

from compliance.app.assess import report_for
from compliance.catalogue.loading import BUNDLED_RULES
from compliance.domain.outcomes import OUTCOME_LABELS, STILL_TO_REPORT, Outcome, Severity
from compliance.domain.result import MissingInput, Report, Summary
from compliance.formats import Options, render
from compliance.formats.assurance import Assurance, assurance
from compliance.intake.returns import load_assessment

docx = pytest.importorskip("docx")
lxml_html = pytest.importorskip("lxml.html")


@pytest.fixture(scope="module")
def reports(evaluator) -> dict[str, Report]:
    out = {}
    for path in fixture_files():
        assessment, info = load_assessment(path)
        out[path.stem] = report_for(assessment, info, evaluator, [BUNDLED_RULES])
    return out


def _with_todo(report: Report) -> Report:
    """The report with two findings turned into to-dos whose `missing` says where to enter each value,
    as the evaluator gives them (built by hand here, so the renderers are tested on their own)."""
    findings = []
    turned = 0
    for f in report.findings:
        if f.outcome == Outcome.not_met and turned < 2 or f.outcome == Outcome.insufficient_evidence:
            turned += f.outcome == Outcome.not_met
            missing = [MissingInput(path=f"x.{f.rule_id}", label=f"Figure for {f.rule_id} to report",
                                    enter_at=f"Sheet {f.rule_id}!C{10 + len(findings)}")]
            f = f.model_copy(update={"outcome": Outcome.insufficient_evidence, "missing": missing})
        findings.append(f)
    return report.model_copy(update={"findings": findings, "summary": Summary.of(findings)})


def _docx_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    return "\n".join([p.text for p in d.paragraphs] +
                     [c.text for t in d.tables for r in t.rows for c in r.cells])


def _xlsx_text(data: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)


def _shown(page: str) -> str:
    """What an HTML page shows: its text without scripts and styles."""
    doc = lxml_html.fromstring(page)
    for el in doc.xpath("//script | //style"):
        el.drop_tree()
    return doc.text_content()


def _all_formats(report: Report) -> dict[str, str]:
    out = {}
    for fmt in ("text", "markdown", "html", "xlsx", "docx"):
        got = render("assessment", fmt, report, Options(width=200))
        if fmt == "html":  # what the page shows: no script or style
            got = _shown(got)
        out[fmt] = {"xlsx": _xlsx_text, "docx": _docx_text}.get(fmt, lambda t: t)(got)
    return out


@pytest.mark.parametrize("name", [p.stem for p in fixture_files()])
def test_missing_data_is_a_to_do_with_where_to_enter_it_in_every_format(reports, name):
    report = _with_todo(reports[name])
    todo = [f for f in report.findings if f.outcome == Outcome.insufficient_evidence]
    assert todo
    for fmt, text in _all_formats(report).items():
        flat = " ".join(text.split())
        assert STILL_TO_REPORT.lower() in flat.lower(), fmt
        for f in todo:
            m = f.missing[0]
            assert m.label in flat and m.enter_at in flat, (fmt, f.rule_id)
            # never the action written for a failure
            assert " ".join(f.remediation.split()) not in flat, (fmt, f.rule_id)


@pytest.mark.parametrize("name", [p.stem for p in fixture_files()])
def test_board_outputs_count_not_met_apart_from_not_evidenced(reports, name):
    report = _with_todo(reports[name])
    s = report.summary
    n_not_met, n_todo = s.outcomes[Outcome.not_met], s.outcomes[Outcome.insufficient_evidence]
    md = render("assessment", "markdown", report, Options())
    assert f"{n_not_met} not met" in md and f"{n_todo} not evidenced yet" in md
    text = render("assessment", "text", report, Options(quiet=True))
    assert f"{n_not_met} not met" in text and f"{n_todo} not evidenced yet" in text
    d = docx.Document(io.BytesIO(render("assessment", "docx", report, Options())))
    counts = dict(zip((c.text for c in d.tables[0].rows[0].cells), (c.text for c in d.tables[0].rows[1].cells)))
    assert counts[OUTCOME_LABELS[Outcome.not_met]] == str(n_not_met)
    assert counts[OUTCOME_LABELS[Outcome.insufficient_evidence]] == str(n_todo)


_CODES = re.compile(r"\b(insufficient_evidence|not_met|not_applicable|NO EVIDENCE|NOT MET|Not Met|No evidence|no evidence|unevidenced|without evidence)\b")


@pytest.mark.parametrize("name", [p.stem for p in fixture_files()])
def test_each_outcome_has_one_label_in_every_format_a_person_reads(reports, name):
    for fmt, text in _all_formats(_with_todo(reports[name])).items():
        assert not _CODES.search(text), (fmt, _CODES.search(text).group())


_PROGRAMMER = re.compile(r".{0,40}[_`{}].{0,30}")


@pytest.mark.parametrize("name", [p.stem for p in fixture_files()])
def test_nothing_she_reads_has_a_field_name_underscore_backtick_or_unfilled_brace(reports, name):
    """Every format a person reads (text, Markdown, the HTML page as shown, the xlsx report, the docx
    paper), every fixture, with to-dos and with actions carried from last year: no underscore (field
    names, codes like gp_practice), backtick or brace (an unfilled or half-filled '{placeholder}')."""
    import datetime as dt

    from compliance.domain.actions import planned_action

    report = _with_todo(reports[name])
    org = report.organisation
    failing = [f.rule_id for f in report.findings if f.outcome == Outcome.not_met][:1] or [report.findings[0].rule_id]
    report = report.model_copy(update={"actions": [planned_action(
        org.id, failing[0], "Agree a plan", status="in_progress", as_of=org.period_end, owner="Named nurse",
        due=dt.date(2020, 1, 1), progress="Half done", since="2024/25", change="Was not started in 2024/25, in progress now",
        carried=True)]})
    for fmt, text in _all_formats(report).items():
        found = _PROGRAMMER.search(text)
        assert not found, (fmt, found.group())
    book = render("assessment", "xlsx", report, Options())
    wb = openpyxl.load_workbook(io.BytesIO(book))
    assert all("_" not in ws.title for ws in wb.worksheets)


def test_the_workbook_she_fills_in_has_no_field_name_where_she_reads(ruleset, tmp_path, run_cli):
    """The template's questions, hints, headers, dropdowns and cover, for every fixture filled in (its
    figures, notes and suggested actions): column A holds the references the tool reads, and the hidden
    sheet its settings; everything else is for her."""
    for path in fixture_files():
        org_type = load_assessment(path)[0].organisation.type.value
        out = tmp_path / f"{path.stem}.xlsx"
        code, _o, err = run_cli("template", "--type", org_type, "--from", path, "--history", tmp_path / "none.sqlite",
                                "-o", out)
        assert code == 0, err
        wb = openpyxl.load_workbook(out)
        for ws in wb.worksheets:
            if ws.sheet_state == "hidden":
                continue
            for row in ws.iter_rows():
                for c in row:
                    reference = c.column == 1 and re.fullmatch(r"[a-z][a-z0-9_.]*", str(c.value))
                    if isinstance(c.value, str) and not reference:
                        found = _PROGRAMMER.search(c.value)
                        assert not found, (path.stem, ws.title, c.coordinate, found.group())


def test_the_board_paper_reads_back_in_the_order_boards_expect(reports):
    report = reports["northfield-acute"]
    data = render("assessment", "docx", report, Options())
    assert data == render("assessment", "docx", report, Options())  # the same bytes for the same input
    d = docx.Document(io.BytesIO(data))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Purpose", "Overall level of assurance", "Key risks", STILL_TO_REPORT,
                        "What changed since last year", "Action plan", "The board is asked to"]
    level, _why = assurance(report.findings)
    body = "\n".join(p.text for p in d.paragraphs)
    assert level.value in body and level.value.lower() in body
    risks = d.tables[1]
    serious = [f for f in report.findings if f.outcome == Outcome.not_met
               and f.severity in (Severity.critical, Severity.high)]
    assert len(risks.rows) - 1 == min(8, len(serious))
    assert all(any(f.title in r.cells[0].text for f in serious) for r in risks.rows[1:])
    words = len(body.split()) + sum(len(c.text.split()) for t in d.tables for r in t.rows for c in r.cells)
    assert 300 < words < 1600  # two to four pages of A4 at 11 pt


def test_the_readme_states_the_rule_the_board_paper_applies():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Level of assurance", 1)[1].split("\n\n", 2)[2]
    levels = [line.split(" | ")[0].lstrip("| ") for line in table.splitlines() if line.startswith("| ")][1:]
    assert levels == [a.value for a in (Assurance.none, Assurance.limited, Assurance.reasonable, Assurance.substantial)]


_RANK = {Assurance.substantial: 3, Assurance.reasonable: 2, Assurance.limited: 1, Assurance.none: 0}
_pairs = st.lists(st.tuples(st.sampled_from(list(Outcome)), st.sampled_from(list(Severity))), max_size=30)


@given(_pairs, st.sampled_from(list(Severity)))
def test_assurance_never_rises_when_a_requirement_fails_or_goes_unevidenced(reports, pairs, severity):
    template = reports["northfield-acute"].findings[0]

    def findings(ps):
        return [template.model_copy(update={"outcome": o, "severity": s}) for o, s in ps]

    base, _ = assurance(findings(pairs))
    worse, _ = assurance(findings(pairs + [(Outcome.not_met, severity)]))
    assert _RANK[worse] <= _RANK[base]
    unevidenced, _ = assurance(findings(pairs + [(Outcome.insufficient_evidence, severity)]))
    assert _RANK[worse] <= _RANK[unevidenced] <= _RANK[base]  # a to-do never counts as a failure
    if any(o == Outcome.not_met and s == Severity.critical for o, s in pairs):
        assert base in (Assurance.limited, Assurance.none)


# --- evidence notes ---------------------------------------------------------------------------------


def test_an_evidence_note_in_yaml_flows_into_the_finding_and_every_report(evaluator, tmp_path):
    from compliance.intake.documents import read_document
    from ruamel.yaml import YAML

    data = read_document(ROOT / "fixtures" / "organisations" / "northfield-acute.yaml").data
    data["evidence"] = {"training.budget_gbp": "Finance ledger 2025/26, cost centre 4410",
                        "training.groups[0]": "ESR extract 31/03/2026, checked by HR"}
    path = tmp_path / "r.yaml"
    with path.open("w") as fh:
        YAML(typ="safe").dump(data, fh)
    assessment, info = load_assessment(path)
    report = report_for(assessment, info, evaluator, [BUNDLED_RULES])
    noted = {(f.rule_id, e.note) for f in report.findings for e in f.evidence if e.note}
    assert ("TRN-006", "Finance ledger 2025/26, cost centre 4410") in noted
    group = assessment.training.groups[0]
    assert any(note == f"{group.group}: ESR extract 31/03/2026, checked by HR" for _r, note in noted)
    trn006 = next(f for f in report.findings if f.rule_id == "TRN-006")
    shown = next(e for e in trn006.evidence if e.note)
    for fmt in ("html", "markdown", "xlsx", "text"):
        got = render("assessment", fmt, report, Options(verbose=True, width=200))
        text = {"xlsx": _xlsx_text}.get(fmt, lambda t: t)(got)
        if fmt == "html":
            text = lxml_html.fromstring(text).text_content()
        flat = " ".join(text.split())
        if fmt != "markdown" or trn006.outcome == Outcome.not_met:  # Markdown shows the failing ones' evidence
            assert f"{shown.text} (note: Finance ledger 2025/26, cost centre 4410)" in flat, fmt


def test_a_version_1_return_without_notes_still_reads(evaluator):
    from conftest import minimal_return
    from compliance.domain.model import SelfAssessment

    model = SelfAssessment.model_validate(minimal_return())
    assert model.evidence is None


def test_next_years_template_carries_notes_and_moves_the_period_on(ruleset, tmp_path, run_cli):
    from compliance.intake.documents import read_document
    from ruamel.yaml import YAML

    data = read_document(ROOT / "fixtures" / "organisations" / "northfield-acute.yaml").data
    data["evidence"] = {"training.budget_gbp": "Finance ledger", "training.groups[1].in_date": "ESR extract"}
    last = tmp_path / "last.yaml"
    with last.open("w") as fh:
        YAML(typ="safe").dump(data, fh)
    out = tmp_path / "next.xlsx"
    code, _o, err = run_cli("template", "--type", "acute", "--from", last, "-o", out)
    assert code == 0, err
    assert "moved the period on by a year: 2025-04-01 to 2026-03-31 is now 2026-04-01 to 2027-03-31" in err
    model, _ = load_assessment(out)
    assert str(model.organisation.period.start) == "2026-04-01" and str(model.organisation.period.end) == "2027-03-31"
    assert model.evidence == {"training.budget_gbp": "Finance ledger", "training.groups[1]": "ESR extract"}
    same = tmp_path / "same.xlsx"
    assert run_cli("template", "--type", "acute", "--from", last, "--same-period", "-o", same)[0] == 0
    assert str(load_assessment(same)[0].organisation.period.start) == "2025-04-01"


# --- the lead's year, end to end ----------------------------------------------------------------------


def _row(ws, key: str) -> int:
    return next(c.row for c in ws["A"] if c.value == key)


def _col(ws, header_row: int, title: str) -> int:
    return [c.value for c in ws[header_row]].index(title) + 1


def test_a_safeguarding_leads_year_end_to_end(ruleset, run_cli, tmp_path):
    """template -> fill with her typical mistakes -> a numbered list of errors with sheet rows -> fix ->
    assess -> board paper and HTML -> record -> next year's template, period moved on, notes carried ->
    record -> the board paper says what changed."""
    from compliance.intake.documents import read_document
    from conftest import FIXTURES

    store = tmp_path / "history.sqlite"
    # last year's return, typed into a fresh template as she would (from the fixture's figures)
    assert read_document(FIXTURES / "northfield-acute.yaml").data["organisation"]["id"]
    filled = tmp_path / "return.xlsx"
    code, _o, err = run_cli("template", "--type", "acute", "--from", FIXTURES / "northfield-acute.yaml",
                            "--same-period", "-o", filled)
    assert code == 0, err
    wb = openpyxl.load_workbook(filled)
    training = wb["Training"]
    header = _row(training, "training.groups") + 2
    first = header + 1
    in_date, notes = _col(training, header, "Staff in date"), _col(training, header, "Notes")
    in_post = _col(training, header, "Staff in post")
    right = {"in_post": training.cell(first, in_post).value, "in_date": training.cell(first, in_date).value}
    training.cell(first, in_date, "95%")  # a percentage where a count goes
    training.cell(first, in_post, f"{right['in_post']:,}")  # thousands separator: fine
    training.cell(first, notes, "ESR extract 31/03/2026, checked by HR")
    ctx = wb["Context"]
    ctx.cell(_row(ctx, "context.cqc_safe_rating"), 3, "Requires Improvement")  # words, any case: fine
    ctx.cell(_row(ctx, "context.whistleblowing_concerns"), 3, "three")
    wb.save(filled)

    code, _o, err = run_cli("assess", filled, "--annotate", tmp_path / "marked.xlsx")
    assert err.startswith("wrote ") and "highlighted and commented" in err.splitlines()[0]
    lines = err.splitlines()[1:]
    flat = " ".join(err.split())
    assert code == 2 and "2 problems to fix in the workbook" in lines[0]
    assert lines[1].startswith("  1. Context row") and any(line.startswith("  2. Training row") for line in lines)
    assert f"Training row {first}, Staff in date: you typed '95%'; type the number of staff in date" in flat
    assert "Whistle-blowing concerns: you typed 'three'; type a whole number" in flat
    assert (tmp_path / "marked.xlsx").exists()

    wb = openpyxl.load_workbook(filled)  # she fixes both
    wb["Training"].cell(first, in_date, right["in_date"])
    wb["Context"].cell(_row(wb["Context"], "context.whistleblowing_concerns"), 3, 3)
    wb.save(filled)
    paper, page = tmp_path / "paper.docx", tmp_path / "report.html"
    for fmt, out in (("docx", paper), ("html", page)):
        code, _o, err = run_cli("assess", filled, "-f", fmt, "-o", out, "--fail-on", "none")
        assert code == 0, err
    assert "ESR extract 31/03/2026, checked by HR" in page.read_text()
    body = _docx_text(paper.read_bytes())
    assert "Overall level of assurance" in body and "No earlier period is recorded" in body
    code, _o, err = run_cli("assess", filled, "--record", "--history", store, "--fail-on", "none")
    assert code == 0 and f"in {store.resolve()}" in err

    # next year: the template from last year's workbook, the period moved on, her notes and her open
    # actions carried from the history store (recorded from last year's Action plan sheet)
    following = tmp_path / "next.xlsx"
    code, _o, err = run_cli("template", "--type", "acute", "--from", filled, "--history", store, "-o", following)
    assert code == 0 and "moved the period on by a year" in err
    assert re.search(r"carried \d+ open actions of RXN01 2025/26 from the history store", err), err
    wb = openpyxl.load_workbook(following)
    training = wb["Training"]
    assert training.cell(first, notes).value == "ESR extract 31/03/2026, checked by HR"
    training.cell(first, in_date, 0)  # this year, nobody in that group is in date
    plan = wb["Action plan"]  # last year's open actions come back; she owns one
    plan_header = _row(plan, "actions") + 2
    rule_col, owner_col = _col(plan, plan_header, "Requirement code"), _col(plan, plan_header, "Owner")
    status_col, due_col = _col(plan, plan_header, "Status"), _col(plan, plan_header, "Due date")
    action_col = _col(plan, plan_header, "Action")
    suggested = [plan.cell(r, rule_col).value for r in range(plan_header + 1, plan_header + 40)
                 if plan.cell(r, rule_col).value]
    assert "ALR-001" in suggested and plan.cell(plan_header + 1, status_col).value == "not started"
    assert len(suggested) == len(set(suggested))  # each action once: carried, not suggested again
    owned_rule, owned_action = plan.cell(plan_header + 1, rule_col).value, plan.cell(plan_header + 1, action_col).value
    plan.cell(plan_header + 1, owner_col, "Named nurse for safeguarding")
    plan.cell(plan_header + 1, status_col, "in progress")
    plan.cell(plan_header + 1, due_col, "2027-06-30")
    dropped = plan.cell(plan_header + 2, rule_col).value  # she deletes a row by mistake: the store keeps it
    for col in range(1, 8):
        plan.cell(plan_header + 2, col).value = None
    wb.save(following)
    paper2 = tmp_path / "paper-next.docx"
    code, _o, err = run_cli("assess", following, "--record", "--history", store, "-f", "docx", "-o", paper2,
                            "--fail-on", "none")
    assert code == 0, err
    body = _docx_text(paper2.read_bytes())
    assert "Compared with 2025/26" in body
    changed = body.split("What changed since last year", 1)[1].split("Action plan", 1)[0]
    assert "Level" in changed and "2025/26" in changed
    d = docx.Document(paper2)
    plan_table = next(t for t in d.tables if t.rows[0].cells[1].text == "Action")
    assert [c.text for c in plan_table.rows[0].cells] == ["Requirement", "Action", "Owner", "Due", "Status", "What changed"]
    owned = next(r for r in plan_table.rows[1:] if r.cells[2].text == "Named nurse for safeguarding")
    assert owned.cells[3].text == "2027-06-30" and owned.cells[4].text == "In progress"
    assert owned_rule in owned.cells[0].text and owned.cells[1].text.startswith(" ".join(owned_action.split()))
    assert owned.cells[5].text.startswith("Was not started in 2025/26, in progress now; due date moved from")
    carried = [r for r in plan_table.rows[1:] if r.cells[5].text.startswith("Carried over from 2025/26")]
    assert any(dropped in r.cells[0].text for r in carried)  # the row she deleted, carried by the store
    assert any(r.cells[5].text == "Unchanged since 2025/26" for r in plan_table.rows[1:])
    assert "not started" in body.split("Action plan", 1)[1]
    # the store lists her plan, with what changed, for the committee
    code, out, err = run_cli("history", "actions", "rxn01", "--history", store, "--as-of", "2027-04-01", "-f", "markdown")
    assert code == 0 and "Named nurse for safeguarding" in out and "Was not started in 2025/26" in out
    # nothing she reads has a field name, a code, an underscore, a backtick or an unfilled brace
    for text in (body, _docx_text(paper.read_bytes()), _shown(page.read_text()), out):
        assert not re.search(r"[`{}]|\w_\w", text), re.search(r".{30}([`{}]|\w_\w).{30}", text)


# --- the workbook asks only about the services the organisation runs ----------------------------------


def _keys(layout) -> set[str]:
    return {leaf.key for s in layout for leaf in s.leaves} | {t.key for s in layout for t in s.tables}


@pytest.mark.parametrize("org_type", [t.value for t in __import__("compliance.domain.model", fromlist=["OrgType"]).OrgType])
def test_the_workbook_asks_only_about_the_services_the_organisation_runs(ruleset, evaluator, org_type):
    """Every organisation type with each service alone: no question is asked that only rules limited
    to other services read, and a return listing that service gets no to-do for them."""
    from compliance.app.cases import BASE_RETURN, merge
    from compliance.app.template import ALWAYS, _asked, applies, layout_for, paths_read
    from compliance.domain.model import OrgType, SelfAssessment, ServiceKind

    kind_of = OrgType(org_type)
    everything = _keys(layout_for(ruleset, kind_of))
    for service in ServiceKind:
        runs = frozenset({service})
        layout = layout_for(ruleset, kind_of, None, runs)
        asked = _keys(layout)
        assert asked <= everything
        read = paths_read(ruleset, kind_of, runs)
        for s in layout:
            if s.name in ALWAYS:
                continue
            # a part's questions are asked together when a rule reads any of them (as the template does)
            parts = {".".join(leaf.path[:-1] if len(leaf.path) > 2 else leaf.path) for leaf in s.leaves}
            for key in parts | {t.key for t in s.tables}:
                assert _asked(key, read) or key == "services", (org_type, service.value, key)
        # what only rules for other services read is not asked
        left_out = [r for r in ruleset.rules if kind_of in r.applies_to.org_types and not applies(r, kind_of, runs)]
        for rule in left_out:
            for m in rule.measures.values():
                if m.path and not _asked(m.path.replace("[]", ""), read):
                    assert not any(k == m.path.replace("[]", "") or k.startswith(m.path.replace("[]", "") + ".")
                                   for k in asked), (org_type, service.value, rule.id, m.path)
        # and a return listing only that service gets no to-do from those rules
        data = merge(BASE_RETURN, {"services": [{"kind": service.value}]})
        data["organisation"] = {**data["organisation"], "type": org_type}
        findings = {f.rule_id: f for f in evaluator.evaluate(SelfAssessment.model_validate(data))}
        for rule in left_out:
            if rule.id in findings:
                assert findings[rule.id].outcome == Outcome.not_applicable and not findings[rule.id].missing, \
                    (org_type, service.value, rule.id)
    if any(r.applies_to.services and kind_of in r.applies_to.org_types for r in ruleset.rules):
        assert any(_keys(layout_for(ruleset, kind_of, None, frozenset({s}))) < everything for s in ServiceKind), org_type


def test_template_services_names_the_services_in_words_and_refuses_a_misspelt_one(ruleset, run_cli, tmp_path):
    out = tmp_path / "t.xlsx"
    code, _o, err = run_cli("template", "--type", "acute", "--services", "Maternity, emergency_department", "-o", out)
    assert code == 0, err
    wb = openpyxl.load_workbook(out)
    sheet = wb["Services"]
    header = _row(sheet, "services") + 2
    assert [sheet.cell(header + i, 1).value for i in (1, 2, 3)] == ["maternity", "emergency department", None]
    cover = " ".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert "Only the questions for the services it runs: emergency department, maternity." in cover
    code, _o, err = run_cli("template", "--type", "acute", "--services", "paedatrics", "-o", tmp_path / "u.xlsx")
    assert code == 2 and "did you mean 'paediatrics'" in err and not (tmp_path / "u.xlsx").exists()


def test_area_and_screening_reports_speak_the_organisation_reports_words(run_cli):
    """The area report (text, Markdown, HTML as shown) and the screening (text, Markdown, HTML, CSV)
    name outcomes with the one vocabulary (domain/outcomes.py), never NOT MET, FAIL or 'no evidence'."""
    from conftest import FIXTURES

    from compliance.domain.outcomes import OUTCOME_LABELS

    areas = ROOT / "fixtures" / "areas"
    words = re.compile(_CODES.pattern + r"|\bFAIL\b")
    for area, folder in (("NS1", areas / "northshire"), ("SV1", areas / "southvale")):
        for fmt in ("text", "markdown", "html"):
            code, out, err = run_cli("area", area, folder, "--format", fmt, "--fail-on", "none")
            assert code == 0, err
            shown = _shown(out) if fmt == "html" else out
            assert not words.search(shown), (area, fmt, words.search(shown).group())
            assert OUTCOME_LABELS[Outcome.not_met] in shown or OUTCOME_LABELS[Outcome.not_met].lower() in shown
    for fmt in ("text", "markdown", "html", "csv"):
        code, out, err = run_cli("screen", FIXTURES, "-f", fmt, "--fail-on", "none", "-j", "1")
        assert code == 0, err
        shown = _shown(out) if fmt == "html" else out
        assert not words.search(shown), (fmt, words.search(shown).group())
    assert "not evidenced yet" in run_cli("screen", FIXTURES, "--fail-on", "none", "-j", "1")[1]
