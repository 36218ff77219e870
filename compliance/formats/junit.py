"""JUnit XML (the Jenkins/Ant junit-10.xsd shape) so CI tools show each requirement as a test.

One testsuite per organisation, one testcase per rule: not_met is a failure; insufficient_evidence
is a failure or, if asked, skipped; not_applicable and waived are skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from xml.etree import ElementTree as ET

from compliance.formats import Options
from compliance.domain.result import Finding, Report
from compliance.domain.outcomes import Outcome
from compliance.formats.escape import xml_text
from compliance.formats.common import RankingRow, as_list, evidence_text, in_ranking_order, ranking_rows, sources_text

INSUFFICIENT_CHOICES = ("failure", "skipped")


def _case(suite: ET.Element, org_id: str, f: Finding, insufficient: str) -> tuple[bool, bool]:
    case = ET.SubElement(suite, "testcase", name=f"{f.rule_id} {f.title}", classname=f"{org_id}.{f.area}", time="0")
    details = f"{f.message}\nEvidence: {evidence_text(f.evidence)}\nTo do: {f.remediation.strip()}\nSources: {sources_text(f.sources)}"
    fail = f.outcome == Outcome.not_met or (f.outcome == Outcome.insufficient_evidence and insufficient == "failure")
    if fail:
        el = ET.SubElement(case, "failure", message=f.message, type=f"{f.outcome.value}:{f.severity.value}")
        el.text = details
        return True, False
    if f.outcome == Outcome.waived:
        w = f.waiver
        reason = f"waived: {w.reason}" + (f" (expires {w.expires})" if w and w.expires else "") if w else "waived"
        ET.SubElement(case, "skipped", message=reason).text = f.message
        return False, True
    if f.outcome in (Outcome.not_applicable, Outcome.insufficient_evidence):
        label = "not applicable" if f.outcome == Outcome.not_applicable else "insufficient evidence"
        ET.SubElement(case, "skipped", message=f"{label}: {f.message}").text = details
        return False, True
    return False, False


def render_junit(reports: Report | Sequence[Report], insufficient: str = "failure",
                 timestamp: dt.datetime | None = None, invalid: Sequence[str] = ()) -> str:
    """`invalid` (reasons files could not be read) become one suite of errored tests, so CI goes red."""
    if insufficient not in INSUFFICIENT_CHOICES:
        raise ValueError(f"insufficient must be one of {INSUFFICIENT_CHOICES}")
    root = ET.Element("testsuites", name="safeguard")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for i, report in enumerate(as_list(reports)):
        org = report.organisation
        attrs = {"name": f"{org.id} {org.name}", "id": str(i), "package": org.id}
        if timestamp is not None:
            attrs["timestamp"] = timestamp.replace(microsecond=0, tzinfo=None).isoformat()
        suite = ET.SubElement(root, "testsuite", attrs)
        props = ET.SubElement(suite, "properties")
        for name, value in [("organisation.type", org.type), ("period", f"{org.period_start}/{org.period_end}"),
                            ("rules.version", report.rules.version), ("tool.version", report.tool.version),
                            ("profile", (report.profile or {}).get("name", ""))]:
            ET.SubElement(props, "property", name=name, value=str(value))
        failures = skipped = 0
        for f in report.findings:
            failed, skip = _case(suite, org.id, f, insufficient)
            failures += failed
            skipped += skip
        counts = {"tests": len(report.findings), "failures": failures, "skipped": skipped}
        # attribute order is insertion order: name first, then the counts, as CI tools print them
        for k, v in {**counts, "errors": 0, "time": "0"}.items():
            suite.set(k, str(v))
        for k in totals:
            totals[k] += counts[k]
    if invalid:
        suite = ET.SubElement(root, "testsuite", {"name": "not screened", "id": str(len(as_list(reports))),
                                                  "package": "not-screened"})
        ET.SubElement(suite, "properties")
        for reason in invalid:
            case = ET.SubElement(suite, "testcase", name=reason.split(":", 1)[0], classname="not-screened", time="0")
            ET.SubElement(case, "error", message=reason, type="invalid_input").text = reason
        for k, v in {"tests": len(invalid), "failures": 0, "skipped": 0, "errors": len(invalid), "time": "0"}.items():
            suite.set(k, str(v))
        totals["tests"] += len(invalid)
    for k in ("tests", "failures"):
        root.set(k, str(totals[k]))
    root.set("errors", str(len(invalid)))
    root.set("time", "0")
    _well_formed(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _well_formed(root: ET.Element) -> None:
    """ElementTree escapes markup but writes control characters raw, which no XML parser reads."""
    for el in root.iter():
        if el.text:
            el.text = xml_text(el.text)
        for k, v in el.attrib.items():
            el.set(k, xml_text(v))


def render_junit_screening(reports: Sequence[Report], ranking: Sequence[RankingRow | Mapping] | None = None,
                           insufficient: str = "failure", timestamp: dt.datetime | None = None,
                           invalid: Sequence[str] = ()) -> str:
    """One testsuite per organisation, in rank order when a ranking is given."""
    return render_junit(in_ranking_order(reports, ranking_rows(ranking, reports)), insufficient, timestamp, invalid)


def render_junit_assessment(report: Report, options: Options) -> str:
    return render_junit(report, insufficient=options.junit_insufficient, timestamp=options.timestamp)
