"""Every format renders from findings alone: built by hand here (no return, no rules), every share a
person reads in any format is one the findings carry, so no renderer re-derives or re-rounds one."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from fractions import Fraction

import pytest

from compliance.domain.display import share_text
from compliance.domain.outcomes import KeyQuestion, Outcome, Severity, Source
from compliance.domain.result import (Evidence, Finding, InputInfo, MissingInput, OrganisationRef, Report, RulesInfo,
                                      Summary, ThresholdResult, ToolInfo, TrainingCoverage)
from compliance.formats import Options, names, render

SHARE = re.compile(r"\d[\d,]*(?:\.\d+)?%")


def _finding(rule_id: str, outcome: Outcome, message: str, evidence: list[Evidence], **kw) -> Finding:
    return Finding(rule_id=rule_id, title=f"Requirement {rule_id} in words", area="training", outcome=outcome,
                   severity=Severity.high, key_question=KeyQuestion.safe, message=message, evidence=evidence,
                   parameters={"threshold": 90}, remediation="Book the staff furthest behind onto training.",
                   line_of_enquiry="How is coverage tracked?", sources=[Source(document="A national document",
                   year=2019, confidence="verified")], **kw)


@pytest.fixture(scope="module")
def report() -> Report:
    share = Fraction(899_600, 10_000)
    text = share_text(share, 90)
    failing = _finding(
        "TRN-001", Outcome.not_met, f"8,996 of 10,000 staff needing level 1 ({text}) are in date; the standard is 90%.",
        [Evidence(measure="in_date", label="Staff in date", text="8,996", value=8996, source="s", used=True),
         Evidence(measure="coverage", label="Share in date", text=text, value=float(share), source="s", used=True,
                  unit="percent", low=float(share), high=float(share))],
        threshold=ThresholdResult(measure="coverage", parameter="threshold", actual=float(share), required=90))
    todo = _finding(
        "TRN-002", Outcome.insufficient_evidence, "Not reported: ED clinicians: staff in date.",
        [Evidence(measure="coverage", label="Share in date", text="at most 51.5%", value=None, source="s", used=True,
                  unit="percent", low=0, high=51.5, reported=False)],
        missing=[MissingInput(path="training.groups[1].in_date", label="ED clinicians: staff in date",
                              enter_at="Training!F15")])
    findings = [failing, todo]
    return Report(
        tool=ToolInfo(version="0"), rules=RulesInfo(version="abc", sha256="abc", count=2, folders=[]),
        input=InputInfo(path="x.yaml", sha256="0"),
        organisation=OrganisationRef(id="RX1", name="A trust", type="acute", local_authorities=["E09000001"],
                                     period_start=dt.date(2025, 4, 1), period_end=dt.date(2026, 3, 31)),
        summary=Summary.of(findings), findings=findings,
        training=[TrainingCoverage(group="All staff", level=1, staff_in_post=10_000, in_date=8996, percent=float(share),
                                   percent_text=text, threshold=90, rule_id="TRN-001", below=True)])


def _readable(fmt: str, out: str | bytes) -> str:
    if fmt == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(out))  # type: ignore[arg-type]
        return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    if fmt == "docx":
        from docx import Document

        doc = Document(io.BytesIO(out))  # type: ignore[arg-type]
        return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    text = out if isinstance(out, str) else out.decode()
    if fmt == "html":
        text = re.sub(r"<style.*?</style>|<script.*?</script>", "", text, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
    return text


@pytest.mark.parametrize("fmt", [f for f in names("assessment") if f != "json"])
def test_every_share_a_person_reads_is_one_the_findings_carry(report, fmt):
    out = render("assessment", fmt, report, Options(verbose=True))
    text = _readable(fmt, out)
    carried = {m for f in report.findings for m in SHARE.findall(f.message)}
    carried |= {m for f in report.findings for e in f.evidence for m in SHARE.findall(e.text)}
    carried |= {b.percent_text for b in report.training if b.percent_text} | {"90%", "0%", "25%", "50%", "75%", "100%"}
    read = set(SHARE.findall(text))
    assert read <= carried, f"{fmt} shows shares no finding carries: {read - carried}"
    assert "90.0%" not in text and "90% (8996" not in text  # the failing share never reads as its threshold


def test_json_is_the_findings_themselves(report):
    data = json.loads(render("assessment", "json", report))
    assert data["findings"][0]["evidence"][1]["text"] == "89.96%"
    assert data["findings"][1]["missing"][0]["enter_at"] == "Training!F15"


def test_the_chart_and_the_finding_agree_for_8996_of_10000(tmp_path, run_cli):
    """Assessed end to end: the finding and the HTML chart read 89.96%, below 90%."""
    from conftest import minimal_return

    data = minimal_return(training={"groups": [
        {"group": "All staff", "level": 1, "staff_in_post": 10_000, "in_date": 8996}]})
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data, default=str))
    code, out, err = run_cli("assess", str(path), "--format", "html", "--fail-on", "none")
    assert code == 0, err
    code, js, err = run_cli("assess", str(path), "--format", "json", "--fail-on", "none")
    finding = next(f for f in json.loads(js)["findings"] if f["rule_id"] == "TRN-001")
    assert finding["outcome"] == "not_met" and "89.96%" in finding["message"]
    chart = json.loads(js)["training"][0]
    assert chart["percent_text"] == "89.96%" and chart["below"] is True
    page = _readable("html", out)
    assert "89.96%" in page and "below 90%" in page
