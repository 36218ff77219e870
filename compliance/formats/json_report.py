"""Rendering a report for people (text) and programs (JSON)."""

from __future__ import annotations



from compliance.domain.result import Report


def render_json(report: Report) -> str:
    return report.model_dump_json(indent=2) + "\n"
