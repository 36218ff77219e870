"""JUnit XML (the Jenkins/Ant junit-10.xsd shape) so CI tools show each requirement as a test.

One testsuite per organisation, one testcase per rule: not_met is a failure; insufficient_evidence
is a failure or, if asked, skipped; not_applicable and waived are skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from xml.etree import ElementTree as ET

from compliance.formats import Options
from compliance.domain.result import Finding, Report
from compliance.domain.outcomes import Outcome
from compliance.formats.escape import xml_text
from compliance.formats.common import RankingRow, as_list, evidence_text, in_ranking_order, ranking_rows, sources_text, waiver_label

INSUFFICIENT_CHOICES = ("failure", "skipped")


def _case(suite: ET.Element, org_id: str, f: Finding, insufficient: str) -> tuple[bool, bool]:
    case = ET.SubElement(suite, "testcase", name=f"{f.rule_id} {f.title}", classname=f"{org_id}.{f.area}", time="0")
    details = f"{f.message}\nEvidence: {evidence_text(f.evidence)}\nTo do: {f.remediation.strip()}\nSources: {sources_text(f.sources)}"
    if f.waiver is not None:  # an expired waiver is said so, in the one wording every format uses
        details += f"\n{waiver_label(f.waiver)}"
    fail = f.outcome == Outcome.not_met or (f.outcome == Outcome.insufficient_evidence and insufficient == "failure")
    if fail:
        el = ET.SubElement(case, "failure", message=f.message, type=f"{f.outcome.value}:{f.severity.value}")
        el.text = details
        return True, False
    if f.outcome == Outcome.waived:
        reason = waiver_label(f.waiver) if f.waiver else "Waived"
        ET.SubElement(case, "skipped", message=reason).text = f.message
        return False, True
    if f.outcome in (Outcome.not_applicable, Outcome.insufficient_evidence):
        label = "not applicable" if f.outcome == Outcome.not_applicable else "insufficient evidence"
        ET.SubElement(case, "skipped", message=f"{label}: {f.message}").text = details
        return False, True
    return False, False


def _suite(report: Report, i: int, insufficient: str, timestamp: dt.datetime | None) -> tuple[ET.Element, dict[str, int]]:
    org = report.organisation
    attrs = {"name": f"{org.id} {org.name}", "id": str(i), "package": org.id}
    if timestamp is not None:
        attrs["timestamp"] = timestamp.replace(microsecond=0, tzinfo=None).isoformat()
    suite = ET.Element("testsuite", attrs)
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
    return suite, counts


def _not_screened(invalid: Sequence[str], i: int) -> ET.Element:
    suite = ET.Element("testsuite", {"name": "not screened", "id": str(i), "package": "not-screened"})
    ET.SubElement(suite, "properties")
    for reason in invalid:
        case = ET.SubElement(suite, "testcase", name=reason.split(":", 1)[0], classname="not-screened", time="0")
        ET.SubElement(case, "error", message=reason, type="invalid_input").text = reason
    for k, v in {"tests": len(invalid), "failures": 0, "skipped": 0, "errors": len(invalid), "time": "0"}.items():
        suite.set(k, str(v))
    return suite


def _check(insufficient: str) -> None:
    if insufficient not in INSUFFICIENT_CHOICES:
        raise ValueError(f"insufficient must be one of {INSUFFICIENT_CHOICES}")


def render_junit(reports: Report | Sequence[Report], insufficient: str = "failure",
                 timestamp: dt.datetime | None = None, invalid: Sequence[str] = ()) -> str:
    """`invalid` (reasons files could not be read) become one suite of errored tests, so CI goes red."""
    _check(insufficient)
    root = ET.Element("testsuites", name="safeguard")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for i, report in enumerate(as_list(reports)):
        suite, counts = _suite(report, i, insufficient, timestamp)
        root.append(suite)
        for k in totals:
            totals[k] += counts[k]
    if invalid:
        root.append(_not_screened(invalid, len(as_list(reports))))
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


def stream_junit(reports: Iterable[Report], insufficient: str = "failure", timestamp: dt.datetime | None = None,
                 invalid: Sequence[str] = ()) -> Iterator[str]:
    """The same bytes as `render_junit`, in pieces, holding one organisation's suite at a time.

    A national screening's JUnit file has every organisation (38 KB each): held as one tree and one
    string it took ~0.5 MB of memory per organisation. The suites are written to a spool file as
    they are made, so the totals the root element carries are known before it is written.
    """
    _check(insufficient)
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    n = 0
    written = 0  # characters: a text file's tell() is an opaque cookie, not a count, once text is not ASCII
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for i, report in enumerate(reports):
            suite, counts = _suite(report, i, insufficient, timestamp)
            for k in totals:
                totals[k] += counts[k]
            written += spool.write(_piece(suite, "\n  "))
            n += 1
        if invalid:
            written += spool.write(_piece(_not_screened(invalid, n), "\n  "))
            totals["tests"] += len(invalid)
        if not n and not invalid:
            yield render_junit([], insufficient, timestamp, invalid)
            return
        attrs = {"name": "safeguard", "tests": str(totals["tests"]), "failures": str(totals["failures"]),
                 "errors": str(len(invalid)), "time": "0"}
        head = ET.tostring(ET.Element("testsuites", attrs), encoding="unicode")
        yield '<?xml version="1.0" encoding="UTF-8"?>\n' + head[:-len(" />")] + ">\n  "
        spool.seek(0)
        # every piece ends with the indent of the next; the last one's is the closing tag's line break
        left = written - len("\n  ")
        while left > 0:
            chunk = spool.read(min(1 << 20, left))
            left -= len(chunk)
            yield chunk
        yield "\n</testsuites>\n"


def _piece(suite: ET.Element, tail: str) -> str:
    """One suite as `ET.indent` lays it out under the root (level 1), followed by `tail`."""
    _well_formed(suite)
    ET.indent(suite, level=1)
    return ET.tostring(suite, encoding="unicode") + tail


def render_junit_screening(reports: Sequence[Report], ranking: Sequence[RankingRow | Mapping] | None = None,
                           insufficient: str = "failure", timestamp: dt.datetime | None = None,
                           invalid: Sequence[str] = ()) -> str:
    """One testsuite per organisation, in rank order when a ranking is given."""
    return render_junit(in_ranking_order(reports, ranking_rows(ranking, reports)), insufficient, timestamp, invalid)


def render_junit_assessment(report: Report, options: Options) -> str:
    return render_junit(report, insufficient=options.junit_insufficient, timestamp=options.timestamp)
