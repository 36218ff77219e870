"""One CSV row per finding, for spreadsheets and for joining across organisations."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from compliance.formats import Options
from compliance.domain.result import Report
from compliance.formats.escape import csv_row
from compliance.formats.common import RankingRow, as_list, evidence_text, in_ranking_order, ranking_rows, sources_text, waiver_label

COLUMNS = ["organisation_id", "organisation_name", "organisation_type", "rule_id", "title", "area", "outcome",
           "severity", "key_question", "message", "evidence", "remediation", "sources", "waiver"]


def render_csv(reports: Report | Sequence[Report], options: Options | None = None) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for report in as_list(reports):
        org = report.organisation
        for f in report.findings:
            w.writerow(csv_row({
                "organisation_id": org.id, "organisation_name": org.name, "organisation_type": org.type,
                "rule_id": f.rule_id, "title": f.title, "area": f.area, "outcome": f.outcome.value,
                "severity": f.severity.value, "key_question": f.key_question.value, "message": f.message,
                "evidence": evidence_text(f.evidence), "remediation": f.remediation.strip(),
                "sources": sources_text(f.sources), "waiver": waiver_label(f.waiver) if f.waiver else "",
            }))
    return buf.getvalue()


def render_csv_screening(reports: Sequence[Report], ranking: Sequence[RankingRow | Mapping] | None = None) -> str:
    """Every organisation's findings, in rank order when a ranking is given."""
    return render_csv(in_ranking_order(reports, ranking_rows(ranking, reports)))
