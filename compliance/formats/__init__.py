"""Reports people read (HTML, Markdown) and reports CI tools read (JUnit XML, CSV).

Every renderer takes one Report or a list of them (one per organisation), plus plain data (training
charts, a ranking), so `safeguard assess` and a screening of many organisations share them. Each is
a pure function of its inputs: the same input and rules give the same bytes, unless a timestamp is
passed in explicitly.
"""

from __future__ import annotations

import datetime as dt

from compliance.domain.result import Report
from compliance.domain.model import SelfAssessment
from compliance.formats.common import training_chart

FORMATS = ("html", "markdown", "junit", "csv")


def render_assessment(fmt: str, report: Report, assessment: SelfAssessment, *,
                      junit_insufficient: str = "failure", timestamp: dt.datetime | None = None) -> str:
    """The `safeguard assess --format html|markdown|junit|csv` entry point for one organisation."""
    if fmt == "html":
        from compliance.formats.html import render_html

        return render_html(report, charts={report.organisation.id: training_chart(assessment, report)},
                           timestamp=timestamp)
    if fmt == "markdown":
        from compliance.formats.markdown import render_markdown

        return render_markdown(report, timestamp=timestamp)
    if fmt == "junit":
        from compliance.formats.junit import render_junit

        return render_junit(report, insufficient=junit_insufficient, timestamp=timestamp)
    if fmt == "csv":
        from compliance.formats.csv_report import render_csv

        return render_csv(report)
    raise ValueError(f"unknown format {fmt!r}")
