"""What an area assessment produces: the `safeguard area --format json` document.

Kept beside the organisation's report rather than inside it: an area is judged across many returns,
and each agency's share of an area finding (the accountability matrix) has no place in any one
organisation's report.
"""

from __future__ import annotations

from pydantic import Field

from compliance.domain.base import Strict
from compliance.domain.outcomes import FrameworkMapping, KeyQuestion, Outcome, Severity, Source

AREA_REPORT_VERSION = "1"


class AreaFinding(Strict):
    rule_id: str
    title: str
    outcome: Outcome
    severity: Severity
    key_question: KeyQuestion
    message: str
    failures: list[str] = Field(description="What fails, item by item, naming the organisation.")
    unknown: list[str] = Field(description="What could not be judged, item by item.")
    shares: dict[str, Outcome] = Field(description="Each organisation's share: the outcome of its own items.")
    remediation: str
    line_of_enquiry: str
    sources: list[Source]
    mappings: list[FrameworkMapping] = Field(default_factory=list)

    @property
    def failing(self) -> bool:
        """Counts against --fail-on, as an organisation's finding does."""
        return self.outcome in (Outcome.not_met, Outcome.insufficient_evidence)


class AreaMember(Strict):
    id: str
    name: str
    type: str
    file: str


class AreaReport(Strict):
    """One local authority area: the area rules' findings across every organisation that serves it."""

    area_report_version: str = AREA_REPORT_VERSION
    local_authority: str
    organisations: list[AreaMember]
    findings: list[AreaFinding]
    missing_providers: list[str] = Field(
        description="Providers an ICB of the area lists whose return was not among those given.")

    def matrix(self) -> list[tuple[AreaMember, list[Outcome]]]:
        """Organisations x area requirements: each agency's share (not_applicable where it has no part)."""
        return [(m, [f.shares.get(m.id, Outcome.not_applicable) for f in self.findings]) for m in self.organisations]
