"""HTML, Markdown, JUnit and CSV reports: every fixture, a screening of them all, and the CLI."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from conftest import ROOT, fixture_files

from compliance.app.assess import report_for
from compliance.intake.returns import load_assessment
from compliance.app.assess import training_coverage
from compliance.formats.csv_report import COLUMNS, render_csv, render_csv_screening
from compliance.formats.html import render_html, render_html_screening
from compliance.formats.junit import render_junit, render_junit_screening
from compliance.formats.markdown import render_markdown, render_markdown_screening
from compliance.catalogue.loading import BUNDLED_RULES
from compliance.domain.outcomes import Outcome, Severity

lxml_html = pytest.importorskip("lxml.html")
etree = pytest.importorskip("lxml.etree")
XSD = ROOT / "tests" / "data" / "junit-10.xsd"
FIXTURE_IDS = [p.stem for p in fixture_files()]


@pytest.fixture(scope="module")
def assessed(evaluator):
    """(assessment, report) per fixture file, in file order."""
    out = {}
    for path in fixture_files():
        assessment, info = load_assessment(path)
        out[path.stem] = (assessment, report_for(assessment, info, evaluator, [BUNDLED_RULES]))
    return out


def _expected_status(findings) -> str:
    """RAG as documented: red if a high/critical finding fails, amber if anything else fails, else green."""
    failing = [f for f in findings if f.outcome in (Outcome.not_met, Outcome.insufficient_evidence)]
    if any(f.severity in (Severity.critical, Severity.high) for f in failing):
        return "red"
    return "amber" if failing else "green"


def _ranking(reports):
    """A simple ranking as a screening would give it: critical counts most, then high."""
    rows = [{"id": r.organisation.id, "name": r.organisation.name,
             "score": 10 * r.summary.failing_by_severity[Severity.critical] + 3 * r.summary.failing_by_severity[Severity.high],
             "parts": {"critical": r.summary.failing_by_severity[Severity.critical],
                       "high": r.summary.failing_by_severity[Severity.high]}} for r in reports]
    return sorted(rows, key=lambda r: (-r["score"], r["id"]))


# --- HTML ------------------------------------------------------------------------------------------


def _check_html_org(doc, report, assessment) -> None:
    org = report.organisation
    from compliance.formats.common import anchor

    a = anchor(org.id)
    section = doc.get_element_by_id(a)
    counts = {td.get("data-outcome"): int(td.text) for td in section.get_element_by_id(f"{a}-counts").iter("td")}
    assert counts == {**{o.value: report.summary.outcomes[o] for o in Outcome}, "total": len(report.findings)}
    for table, key in ((f"{a}-areas", "area"), (f"{a}-kq", "key_question")):
        rows = section.get_element_by_id(table).xpath("./tbody/tr")
        groups = {}
        for f in report.findings:
            groups.setdefault(getattr(f, key) if key == "area" else f.key_question.value, []).append(f)
        assert {r.get("data-key"): r.get("data-status") for r in rows} == \
            {k: _expected_status(v) for k, v in groups.items()}
        for r in rows:  # the status is written as a word, not only as a colour
            assert r.get("data-status").capitalize() in r.text_content()
    finding_rows = section.get_element_by_id(f"{a}-findings").xpath("./tbody/tr")
    assert [r.get("data-rule") for r in finding_rows] == [f.rule_id for f in report.findings]
    assert Counter(r.get("data-outcome") for r in finding_rows) == Counter(f.outcome.value for f in report.findings)
    for r, f in zip(finding_rows, report.findings):
        text = r.text_content()
        assert f.message.split()[0] in text and f.sources[0].document[:30] in text
        if f.outcome == Outcome.not_met:
            assert f.remediation.strip() in " ".join(text.split()) or f.remediation.split()[0] in text
        elif f.outcome == Outcome.insufficient_evidence:  # a to-do, never the action for a failure
            assert "Still to report" in text and "What to do" not in text
    groups = assessment.training.groups if assessment.training and assessment.training.groups else []
    if groups:
        svg_rows = section.xpath(".//figure[@class='chart']//*[local-name()='g'][@class='row']")
        assert len(svg_rows) == len(groups)
        data_rows = section.get_element_by_id(f"{a}-coverage").xpath("./tbody/tr")
        assert sorted(r.xpath("./th")[0].text for r in data_rows) == sorted(g.group for g in groups)


def _assert_offline(html: str) -> None:
    doc = lxml_html.fromstring(html)
    assert not doc.xpath("//script[@src] | //link | //img | //iframe | //*[@srcset]")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert doc.xpath("//meta[@http-equiv='Content-Security-Policy']")[0].get("content").startswith("default-src 'none'")


@pytest.mark.parametrize("name", FIXTURE_IDS)
def test_html_report_shows_counts_status_chart_and_every_finding(assessed, name):
    assessment, report = assessed[name]
    html = render_html(report)
    _assert_offline(html)
    doc = lxml_html.fromstring(html)
    assert report.organisation.name in doc.findtext(".//title")
    assert report.rules.version in html and report.tool.version in html
    _check_html_org(doc, report, assessment)
    assert "@media print" in html


def test_html_escapes_what_it_is_given(assessed):
    assessment, report = assessed[FIXTURE_IDS[0]]
    org = report.organisation.model_copy(update={"name": "<script>alert(1)</script> & Co"})
    html = render_html(report.model_copy(update={"organisation": org}))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_training_chart_threshold_comes_from_the_level_rule_in_force(assessed, ruleset):
    assessment, report = assessed["northfield-acute"]
    assert report.training == training_coverage(assessment, report.findings, ruleset)
    by_level = {b.level: b for b in report.training}
    trn001 = next(f for f in report.findings if f.rule_id == "TRN-001")
    assert by_level[1].threshold == trn001.parameters["threshold"] and by_level[1].rule_id == "TRN-001"
    changed = report.model_copy(update={"findings": [
        f.model_copy(update={"parameters": {"threshold": 99}}) if f.rule_id == "TRN-001" else f for f in report.findings]})
    bar = next(b for b in training_coverage(assessment, changed.findings, ruleset) if b.level == 1)
    assert bar.threshold == 99 and bar.below


# --- Markdown ---------------------------------------------------------------------------------------


def _markdown_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(text)


def _md_section(text: str, heading: str) -> str:
    return text.split(heading, 1)[1].split("\n#", 1)[0]


@pytest.mark.parametrize("name", FIXTURE_IDS)
def test_markdown_board_paper(assessed, name):
    _, report = assessed[name]
    text = render_markdown(report)
    doc = lxml_html.fromstring(_markdown_html(text))
    tables = doc.xpath("//table")
    assert len(tables) >= 3  # counts, by area, by key question (+ key risks)
    counts = {tr.xpath("./td")[0].text: int(tr.xpath("./td")[1].text) for tr in tables[0].xpath(".//tbody/tr")}
    assert counts == {"Met": report.summary.outcomes[Outcome.met], "Not met": report.summary.outcomes[Outcome.not_met],
                      "Not evidenced yet": report.summary.outcomes[Outcome.insufficient_evidence],
                      "Not applicable": report.summary.outcomes[Outcome.not_applicable],
                      "Waived": report.summary.outcomes[Outcome.waived]}
    failing = [f for f in report.findings if f.outcome == Outcome.not_met]  # unevidenced ones are to-dos
    risks = _md_section(text, "## Key risks")
    risk_rows = [line for line in risks.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(risk_rows) == len(failing)
    severities = [row.split(" | ")[1] for row in risk_rows]
    assert [Severity(s).rank for s in severities] == sorted((Severity(s).rank for s in severities), reverse=True)
    actions = [line for line in _md_section(text, "## Actions").splitlines() if line[:1].isdigit()]
    assert len(actions) == len(failing)
    assert f"{len(failing)} of " in text.split("\n")[4]  # the headline sentence
    unevidenced = [f for f in report.findings if f.outcome == Outcome.insufficient_evidence]
    if unevidenced:
        todo = _md_section(text, "## Still to report")
        assert all(f.rule_id in todo for f in unevidenced) and "enter it at" in todo
        assert not any(f.remediation.split(",")[0] in todo for f in unevidenced)


# --- JUnit ------------------------------------------------------------------------------------------


def _validate(xml: str):
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    doc = etree.fromstring(xml.encode())
    schema.assertValid(doc)
    return doc


@pytest.mark.parametrize("insufficient", ["failure", "skipped"])
@pytest.mark.parametrize("name", FIXTURE_IDS)
def test_junit_validates_and_counts(assessed, name, insufficient):
    _, report = assessed[name]
    doc = _validate(render_junit(report, insufficient=insufficient))
    cases = doc.findall("./testsuite/testcase")
    assert len(cases) == len(report.findings)
    n = report.summary.outcomes
    failures = n[Outcome.not_met] + (n[Outcome.insufficient_evidence] if insufficient == "failure" else 0)
    skipped = n[Outcome.not_applicable] + n[Outcome.waived] + (n[Outcome.insufficient_evidence] if insufficient == "skipped" else 0)
    assert len(doc.findall(".//failure")) == failures == int(doc.find("testsuite").get("failures"))
    assert len(doc.findall(".//skipped")) == skipped == int(doc.find("testsuite").get("skipped"))
    by_name = {c.get("name").split()[0]: c for c in cases}
    for f in report.findings:
        case = by_name[f.rule_id]
        assert case.get("classname") == f"{report.organisation.id}.{f.area}"
        if f.outcome == Outcome.not_met:
            assert case.find("failure").get("message") == f.message and "Evidence:" in case.find("failure").text


def test_junit_waived_is_skipped_with_its_reason(tmp_path, run_cli):
    profile = tmp_path / "p.yaml"
    profile.write_text("name: Waivers\ndisable:\n  TRN-001: {reason: Agreed with the ICB, expires: 2999-01-01}\n")
    out = tmp_path / "r.xml"
    code, _, err = run_cli("assess", ROOT / "fixtures/organisations/northfield-acute.yaml", "-f", "junit",
                           "--profile", profile, "-o", out, "--fail-on", "none")
    assert code == 0, err
    doc = _validate(out.read_text())
    case = next(c for c in doc.iter("testcase") if c.get("name").startswith("TRN-001"))
    assert "Agreed with the ICB" in case.find("skipped").get("message")
    assert doc.find(".//property[@name='profile']").get("value") == "Waivers"


# --- CSV --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_IDS)
def test_csv_one_row_per_finding(assessed, name):
    _, report = assessed[name]
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert list(rows[0].keys()) == COLUMNS
    assert [(r["rule_id"], r["outcome"], r["severity"]) for r in rows] == \
        [(f.rule_id, f.outcome.value, f.severity.value) for f in report.findings]
    assert all(r["organisation_id"] == report.organisation.id for r in rows)
    for r, f in zip(rows, report.findings):
        assert all(e.label in r["evidence"] for e in f.evidence) and f.sources[0].document in r["sources"]


# --- determinism ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "markdown", "junit", "csv"])
def test_same_input_same_bytes(tmp_path, run_cli, fmt):
    outs = []
    for i in range(2):
        out = tmp_path / f"{i}.{fmt}"
        code, _, err = run_cli("assess", fixture_files()[0], "-f", fmt, "-o", out, "--fail-on", "none")
        assert code == 0, err
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 500
    assert b"generated" not in outs[0].lower().replace(b'name="generator"', b"")


@pytest.mark.parametrize("fmt", ["html", "markdown", "junit"])
def test_timestamp_only_when_asked(run_cli, fmt):
    import datetime as dt

    today = dt.date.today().isoformat().encode()
    _, plain, _ = run_cli("assess", fixture_files()[0], "-f", fmt, "--fail-on", "none")
    _, stamped, _ = run_cli("assess", fixture_files()[0], "-f", fmt, "--fail-on", "none", "--timestamp")
    assert today not in plain.encode() and today in stamped.encode()


def test_exit_code_is_the_same_whatever_the_format(run_cli):
    path = ROOT / "fixtures/organisations/northfield-acute.yaml"
    codes = {fmt: run_cli("assess", path, "-f", fmt)[0] for fmt in ["text", "html", "markdown", "junit", "csv"]}
    assert set(codes.values()) == {1}


# --- a screening of every fixture -------------------------------------------------------------------


def test_screening_renderers(assessed):
    from compliance.formats.common import anchor

    reports = [r for _, r in assessed.values()]
    ranking = _ranking(reports)
    order = [r["id"] for r in ranking]

    html = render_html_screening(reports, ranking)
    _assert_offline(html)
    doc = lxml_html.fromstring(html)
    rows = doc.get_element_by_id("ranking").xpath("./tbody/tr")
    assert [r.get("data-org") for r in rows] == order
    for row, rank in zip(rows, ranking):
        cells = [td.text_content().strip() for td in row.xpath("./td")]
        assert cells[0] == str(order.index(rank["id"]) + 1) and cells[2] == str(rank["score"])
        assert cells[3:] == [str(rank["parts"]["critical"]), str(rank["parts"]["high"])]
        assert row.xpath(".//a")[0].get("href") == f"#{anchor(rank['id'])}"
    assert [s.get("id") for s in doc.xpath("//section[@class='org']")] == [anchor(i) for i in order]
    for assessment, report in assessed.values():
        _check_html_org(doc, report, assessment)

    md = render_markdown_screening(reports, ranking)
    tables = lxml_html.fromstring(_markdown_html(md)).xpath("//table")
    assert [tr.xpath("./td")[1].text for tr in tables[0].xpath(".//tbody/tr")] == \
        [f"{r['name']} ({r['id']})" for r in ranking]
    assert md.count("## Safeguarding children: ") == len(reports)
    assert md.count("### Key risks") == len(reports)

    junit = _validate(render_junit_screening(reports, ranking))
    assert [s.get("package") for s in junit.findall("testsuite")] == order
    assert int(junit.get("tests")) == sum(len(r.findings) for r in reports)

    rows = list(csv.DictReader(io.StringIO(render_csv_screening(reports, ranking))))
    assert len(rows) == sum(len(r.findings) for r in reports)
    assert list(dict.fromkeys(r["organisation_id"] for r in rows)) == order


def test_screening_without_a_ranking_lists_every_organisation(assessed):
    reports = [r for _, r in assessed.values()]
    doc = lxml_html.fromstring(render_html(reports))
    assert not doc.xpath("//table[@id='ranking']")
    assert len(doc.xpath("//nav//li")) == len(reports) == len(doc.xpath("//section[@class='org']"))


def test_templates_ship_as_package_data():
    cfg = (ROOT / "setup.cfg").read_text()
    assert "templates/*.j2" in cfg and "compliance.formats" in cfg
    assert (ROOT / "compliance" / "formats" / "templates" / "report.html.j2").is_file()


# --- safeguard screen --format html|markdown|junit --------------------------------------------------


def _cli(*args: object) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from compliance.cli.main import cli

    result = CliRunner().invoke(cli, list(map(str, args)), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    """The fixtures plus one unreadable return, screened once per format through the CLI."""
    import json
    import shutil

    run_cli = _cli
    folder = tmp_path_factory.mktemp("screen")
    for path in fixture_files():
        shutil.copy(path, folder / path.name)
    (folder / "broken.json").write_text("{")
    code, out, _ = run_cli("screen", folder, "-f", "json", "-j", "1", "--fail-on", "none")
    order = [o["id"] for o in json.loads(out)["organisations"]]
    outputs = {}
    for fmt, jobs in (("html", "2"), ("markdown", "1"), ("junit", "1")):
        code, out, err = run_cli("screen", folder, "-f", fmt, "-j", jobs, "--fail-on", "none")
        assert code == 2 and "broken.json" in err  # the bad file still fails the run
        outputs[fmt] = out
    return folder, order, outputs


def test_screen_html_ranks_links_and_details_every_organisation(screened, run_cli):
    from compliance.formats.common import anchor

    folder, order, outputs = screened
    html = outputs["html"]
    _assert_offline(html)
    doc = lxml_html.fromstring(html)
    rows = doc.get_element_by_id("ranking").xpath("./tbody/tr")
    assert [r.get("data-org") for r in rows] == order and len(order) == len(fixture_files())
    assert [s.get("id") for s in doc.xpath("//section[@class='org']")] == [anchor(i) for i in order]
    assert len(doc.xpath("//section[@class='org']//figure//svg")) >= 1  # charts came back from the workers
    (not_screened,) = doc.xpath("//section[@class='invalid']//li")
    assert "broken.json: invalid input" in not_screened.text_content()
    again = run_cli("screen", folder, "-f", "html", "-j", "1", "--fail-on", "none")[1]
    assert again == html  # deterministic, and the same with one worker as with two
    top = lxml_html.fromstring(run_cli("screen", folder, "-f", "html", "-j", "1", "--top", "1", "--fail-on", "none")[1])
    assert [s.get("id") for s in top.xpath("//section[@class='org']")] == [anchor(order[0])]
    one = lxml_html.fromstring(run_cli("screen", folder, "-f", "html", "-j", "1", "--details", "1", "--fail-on", "none")[1])
    assert [s.get("id") for s in one.xpath("//section[@class='org']")] == [anchor(order[0])]
    assert one.xpath("//h1")[0].text_content().endswith(f": {len(order)} organisations")
    rows = one.get_element_by_id("ranking").xpath("./tbody/tr")
    assert [r.get("data-org") for r in rows] == order  # the ranking still lists everyone
    assert [bool(r.xpath(".//a")) for r in rows] == [True] + [False] * (len(order) - 1)


def test_screen_markdown_and_junit(screened):
    _, order, outputs = screened
    md = outputs["markdown"]
    assert "## Not screened (1)" in md and "broken.json: invalid input" in md
    ranking = lxml_html.fromstring(_markdown_html(md)).xpath("//table")[0]
    names = [tr.xpath("./td")[1].text for tr in ranking.xpath(".//tbody/tr")]
    assert [n.rsplit("(", 1)[1].rstrip(")") for n in names] == order
    assert md.count("## Safeguarding children: ") == len(order)

    top_md = _cli("screen", screened[0], "-f", "markdown", "-j", "1", "--details", "1", "--fail-on", "none")[1]
    assert top_md.count("## Safeguarding children: ") == 1 and "the others are in the table only" in top_md
    assert top_md.startswith(f"# Safeguarding children screening: {len(order)} organisations")

    junit = _validate(outputs["junit"])
    suites = junit.findall("testsuite")
    assert [s.get("package") for s in suites] == order + ["not-screened"]
    assert junit.get("errors") == "1" and suites[-1].find("testcase/error").get("type") == "invalid_input"
    assert int(junit.get("tests")) == sum(int(s.get("tests")) for s in suites)
