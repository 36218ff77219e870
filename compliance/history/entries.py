"""What one recorded run keeps of a report: enough to compare periods, small enough for 6,600 a screening.

Findings keep the values their condition read and their thresholds (not messages or sources, which
the rules give again), and a fingerprint that changes exactly when what an inspector would compare
changes: outcome, severity, key values or thresholds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from typing import Any

from pydantic import Field, field_validator

from compliance.domain.base import Strict
from compliance.domain.outcomes import Outcome, Severity
from compliance.domain.actions import finding_key
from compliance.domain.result import FAILING, Finding, PlannedAction, Report

Value = int | float | str | None


# A threshold as stored: a number, a cut-over date as ISO text, or a list of codes.
StoredParameter = int | float | str | list[str]


class ThresholdEntry(Strict):
    """The value a finding was judged on against its threshold: what a trend line shows."""

    measure: str
    actual: int | float | None
    required: int | float
    unit: str | None = None


class FindingEntry(Strict):
    rule_id: str
    finding_key: str = Field(default="", description="The finding's stable fingerprint (organisation and requirement), "
                                                     "which actions are filed under.")
    title: str = ""
    area: str = ""
    outcome: Outcome
    severity: Severity
    values: dict[str, Value] = Field(default_factory=dict, description="The evidence the condition read (null: not reported).")
    parameters: dict[str, StoredParameter] = Field(default_factory=dict, description="Thresholds in force (numbers, cut-over dates as text, lists of codes).")

    @field_validator("parameters", mode="before")
    @classmethod
    def _dates_as_text(cls, value: Any) -> Any:
        """A cut-over date is stored as its ISO text (the store is JSON)."""
        if isinstance(value, dict):
            return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in value.items()}
        return value
    threshold: ThresholdEntry | None = None
    fingerprint: str

    @property
    def failing(self) -> bool:
        return self.outcome in FAILING


class ActionEntry(Strict):
    """One action of a run's action plan as recorded, filed under its finding's stable key."""

    finding_key: str
    rule_id: str
    action: str
    owner: str | None = None
    due: dt.date | None = None
    status: str = Field(description="not_started, in_progress, done, overdue or closed.")
    progress: str | None = None
    since: str | None = Field(default=None, description="The period it was first recorded in.")
    change: str | None = Field(default=None, description="What changed since the period before, in words.")

    @property
    def open(self) -> bool:
        from compliance.domain.actions import OPEN

        return self.status in OPEN


class RunEntry(Strict):
    """One organisation's assessment as recorded: a run."""

    run_id: str
    recorded_at: str = Field(description="UTC, ISO 8601; when this run was first recorded.")
    tool_version: str
    rules_sha256: str
    profile_sha256: str | None
    input_sha256: str
    input_path: str
    org_id: str
    org_name: str
    org_type: str
    period_start: dt.date
    period_end: dt.date
    findings: list[FindingEntry]
    actions: list[ActionEntry] = Field(default_factory=list, description="The action plan as recorded with this run.")

    @property
    def period(self) -> str:
        return period_label(self.period_start, self.period_end)


def period_label(start: dt.date, end: dt.date) -> str:
    """Financial years as people say them ("2024/25"); any other span as its dates."""
    if (start.month, start.day, end.month, end.day) == (4, 1, 3, 31) and end.year == start.year + 1:
        return f"{start.year}/{str(end.year)[-2:]}"
    return f"{start.isoformat()}..{end.isoformat()}"


def fingerprint(org_id: str, rule_id: str, outcome: str, severity: str, values: dict, parameters: dict) -> str:
    text = json.dumps([org_id, rule_id, outcome, severity, values, parameters], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_key(input_sha256: str, rules_sha256: str, profile_sha256: str | None) -> str:
    """The same input, rules and profile give the same run id, so recording twice is idempotent."""
    return hashlib.sha256(f"{input_sha256}|{rules_sha256}|{profile_sha256 or ''}".encode()).hexdigest()[:16]


def finding_entry(org_id: str, f: Finding, unit: str | None = None) -> FindingEntry:
    values = {e.measure: e.value for e in f.evidence if e.used}
    t = f.threshold
    threshold = None if t is None else ThresholdEntry(measure=t.measure, actual=t.actual, required=t.required, unit=unit)
    return FindingEntry(rule_id=f.rule_id, finding_key=finding_key(org_id, f.rule_id), title=f.title, area=f.area, outcome=f.outcome, severity=f.severity,
                        values=values, parameters=dict[str, Any](f.parameters), threshold=threshold,
                        fingerprint=fingerprint(org_id, f.rule_id, f.outcome.value, f.severity.value, values, f.parameters))


def run_entry(report: Report, units: dict[str, str | None] | None = None, recorded_at: str | None = None) -> RunEntry:
    """`units`: each rule's threshold unit ("%"), so a trend can say "fell from 88% to 71%"."""
    org = report.organisation
    profile_sha = (report.profile or {}).get("sha256")
    return RunEntry(
        run_id=run_key(report.input.sha256, report.rules.sha256, profile_sha),
        recorded_at=recorded_at or now_utc(), tool_version=report.tool.version, rules_sha256=report.rules.sha256,
        profile_sha256=profile_sha, input_sha256=report.input.sha256, input_path=report.input.path,
        org_id=org.id, org_name=org.name, org_type=org.type, period_start=org.period_start, period_end=org.period_end,
        findings=[finding_entry(org.id, f, (units or {}).get(f.rule_id)) for f in report.findings],
        actions=[action_entry(a, period_label(org.period_start, org.period_end)) for a in report.actions],
    )


def action_entry(a: PlannedAction, period: str) -> ActionEntry:
    return ActionEntry(finding_key=a.finding_key, rule_id=a.rule_id, action=a.action, owner=a.owner, due=a.due,
                       status=a.status, progress=a.progress, since=a.since or period, change=a.change)


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
