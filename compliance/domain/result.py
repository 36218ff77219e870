"""What an evaluation produces. These models are the JSON report format (`safeguard assess --format json`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol, TypeVar

from compliance.domain.base import Strict
from pydantic import Field

from compliance.domain.outcomes import FrameworkMapping, KeyQuestion, Outcome, Severity
from compliance.domain.outcomes import Source

REPORT_VERSION: Literal["1"] = "1"
# Outcomes that count against --fail-on: silence is never compliance.
FAILING = (Outcome.not_met, Outcome.insufficient_evidence)


class Provenance(Strict):
    """Where a measured count comes from: the extract, its files, and every row left out, by reason."""

    extract: str
    files: list[str]
    rows_read: int
    rows_excluded: int
    excluded_because: dict[str, int] = Field(description="'column: reason' -> rows excluded for it.")
    examples: list[str] = Field(default_factory=list, description="The first excluded rows: file, row, column, why.")


class MissingInput(Strict):
    """A value the rule needed and the return does not give: a to-do for the person filling it in,
    never a failure. `enter_at` says where it goes (a workbook cell, a YAML line, an extract column)."""

    path: str = Field(description="The return's field, as a model path ('training.groups[2].in_date').")
    label: str = Field(description="The question in words ('Paediatrics (level 3): staff in date').")
    enter_at: str | None = Field(default=None, description="Where to enter it: 'Training!F14', 'line 23', or an extract's file and column.")


class Evidence(Strict):
    measure: str = Field(description="The rule's name for the value (for tools; reports for people show `label`).")
    label: str = Field(default="", description="What the value is, in words.")
    text: str = Field(default="", description="The value as reports for people show it: yes/no, money, dates, shares with %.")
    value: int | float | str | None = Field(description="null: not reported")
    source: str = Field(description="Where in the return the value comes from.")
    used: bool = Field(description="Whether the rule's condition reads it (otherwise shown for context).")
    provenance: Provenance | None = Field(default=None, description="Set when the value was measured from records.")
    low: int | float | None = Field(default=None, description="The lowest value the return allows (null: none known).")
    high: int | float | None = Field(default=None, description="The highest value the return allows (null: unbounded).")
    unit: str | None = Field(default=None, description="count, percent, flag, date, GBP, months, hours or text.")
    reported: bool = Field(default=True, description="Whether the return gives this value exactly.")
    note: str | None = Field(default=None, description="The organisation's own note on where the value comes from.")


class ThresholdResult(Strict):
    """The rule's declared threshold with the value it was compared against, as numbers."""

    measure: str
    parameter: str
    actual: int | float | None = Field(description="null: not reported")
    required: int | float


class TrainingCoverage(Strict):
    """One staff group's in-date training against the threshold of the rule for its level."""

    group: str
    level: int
    service: str | None = None
    staff_in_post: int
    in_date: int | None = Field(description="null: not reported")
    percent: float | None = Field(description="Unrounded; reports show `percent_text`.")
    percent_text: str | None = Field(default=None, description="The share as people read it (domain/display.py): never on "
                                     "the wrong side of the threshold.")
    threshold: float | None = Field(description="null: no rule in force sets a threshold for this level")
    rule_id: str | None = None
    below: bool = Field(default=False, description="Below the threshold, decided on the exact counts.")


class Waiver(Strict):
    reason: str
    expires: dt.date | None = None
    expired: bool = False


class Finding(Strict):
    rule_id: str
    title: str
    area: str
    outcome: Outcome
    severity: Severity
    key_question: KeyQuestion
    message: str
    evidence: list[Evidence]
    parameters: dict[str, int | float | dt.date | list[str]]  # a cut-over date or a list of codes too
    remediation: str
    line_of_enquiry: str
    sources: list[Source]
    waiver: Waiver | None = None
    mappings: list[FrameworkMapping] = Field(default_factory=list, description="The rule's framework mappings.")
    threshold: ThresholdResult | None = None
    missing: list[MissingInput] = Field(default_factory=list, description="What to report for this rule to be decided.")
    evaluated_outcome: Outcome | None = Field(
        default=None, description="For a waived rule: the outcome it was evaluated as before the waiver.")

    @property
    def failing(self) -> bool:
        return self.outcome in FAILING


class OrganisationRef(Strict):
    id: str
    name: str
    type: str
    local_authorities: list[str]
    local_authority_names: dict[str, str] = Field(default_factory=dict, description="Names the return gives its area codes.")
    period_start: dt.date
    period_end: dt.date


class Summary(Strict):
    outcomes: dict[Outcome, int]
    failing_by_severity: dict[Severity, int] = Field(
        description="not_met and insufficient_evidence findings by severity."
    )

    @classmethod
    def of(cls, findings: list[Finding]) -> Summary:
        outcomes = dict.fromkeys(Outcome, 0)
        failing = dict.fromkeys(Severity, 0)
        for f in findings:
            outcomes[f.outcome] += 1
            if f.failing:
                failing[f.severity] += 1
        return cls(outcomes=outcomes, failing_by_severity=failing)


class ToolInfo(Strict):
    name: Literal["safeguard"] = "safeguard"
    version: str


class RuleOverride(Strict):
    """A rule of a later folder that replaces one of the same id from an earlier folder: recorded,
    so a report never passes a local variant off as the bundled requirement."""

    rule_id: str
    file: str = Field(description="The rule file in force.")
    replaces: str = Field(description="The file of the same id it overrides.")
    bundled: bool = Field(description="Whether the overridden rule is the bundled catalogue's.")


class RulesInfo(Strict):
    version: str = Field(description="Short form of sha256.")
    sha256: str
    count: int
    folders: list[str]
    overrides: list[RuleOverride] = Field(default_factory=list, description="Local rules in force instead of a rule of the same id.")


class InputInfo(Strict):
    path: str
    sha256: str


class PlannedAction(Strict):
    """An action of the organisation's action plan, as reports show it: the return's own words, or
    an open action carried from the last recorded period (with the history store)."""

    rule_id: str
    finding_key: str = Field(default="", description="The finding's stable fingerprint (organisation and requirement): "
                                                      "how the history store follows an action from year to year.")
    action: str
    owner: str | None = None
    due: dt.date | None = None
    status: str = Field(description="not_started, in_progress, done, overdue or closed (met since).")
    status_label: str = Field(default="", description="The status in words, as every report shows it.")
    progress: str | None = None
    overdue: bool = Field(default=False, description="Not done and due before the period end (or marked overdue).")
    since: str | None = Field(default=None, description="The period the action was first recorded in (with history).")
    change: str | None = Field(default=None, description="What changed since the last recorded period, in words.")
    carried: bool = Field(default=False, description="Carried from the last recorded period, not in this return.")


class Report(Strict):
    """The result of assessing one organisation."""

    report_version: Literal["1"] = REPORT_VERSION
    tool: ToolInfo
    rules: RulesInfo
    profile: dict | None = None
    input: InputInfo
    organisation: OrganisationRef
    summary: Summary
    findings: list[Finding]
    training: list[TrainingCoverage] = Field(
        default_factory=list, description="Training coverage by staff group, for charts; empty when none is reported.")
    records: list[Provenance] | None = Field(default=None, description="The extracts read (--records), if any.")
    actions: list[PlannedAction] = Field(default_factory=list, description="The action plan: the return's, with "
                                         "open actions carried from the last recorded period when history is read.")
    overdue_actions: int | None = Field(default=None, description="Actions not done whose due date is before the period "
                                        "end; null: neither the return nor the history store gives an action plan.")


class _Sortable(Protocol):
    @property
    def area(self) -> str: ...
    @property
    def failing(self) -> bool: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def rule_id(self) -> str: ...


T = TypeVar("T", bound=_Sortable)


def sort_findings(findings: list[T]) -> list[T]:
    """Area, then failing before passing, then most severe, then id: the order people read in (for
    findings and for the verdicts they are dressed from)."""
    return sorted(findings, key=lambda f: (f.area, not f.failing, -f.severity.rank, f.rule_id))
