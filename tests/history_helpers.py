"""Synthetic runs for history tests: no engine needed, so subprocess tests start fast."""

from __future__ import annotations

import datetime as dt

from compliance.history.entries import FindingEntry, RunEntry, ThresholdEntry, fingerprint, run_key


def finding(org: str, rule: str, outcome: str = "met", severity: str = "high", value: float | None = 90.0,
            threshold: float = 85.0, area: str = "training") -> FindingEntry:
    values = {"coverage": value}
    params = {"threshold": threshold}
    return FindingEntry(rule_id=rule, title=f"{rule} title", area=area, outcome=outcome, severity=severity,
                        values=values, parameters=params,
                        threshold=ThresholdEntry(measure="coverage", actual=value, required=threshold, unit="%"),
                        fingerprint=fingerprint(org, rule, outcome, severity, values, params))


def entry(org: str = "ZZA00001", year: int = 2024, findings: list[FindingEntry] | None = None, salt: str = "",
          recorded_at: str = "2026-01-01T00:00:00+00:00") -> RunEntry:
    start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    input_sha = f"{org}-{year}-{salt}"
    return RunEntry(run_id=run_key(input_sha, "rules", None), recorded_at=recorded_at, tool_version="0.1.0",
                    rules_sha256="rules", profile_sha256=None, input_sha256=input_sha, input_path=f"{org}.json",
                    org_id=org, org_name=f"Org {org}", org_type="acute", period_start=start, period_end=end,
                    findings=findings if findings is not None else [finding(org, "TRN-001"), finding(org, "GOV-001", area="governance")])
