"""The words findings are stated in: outcomes, severities, CQC key questions and sources.

Rules, results, screening and every format share them, so they live below all of those.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field

from compliance.domain.base import Strict




class Severity(str, Enum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"

    @property
    def rank(self) -> int:
        return {"critical": 4, "high": 3, "medium": 2, "low": 1}[self.value]


class KeyQuestion(str, Enum):
    safe = "safe"
    effective = "effective"
    caring = "caring"
    responsive = "responsive"
    well_led = "well-led"


class Outcome(str, Enum):
    met = "met"
    not_met = "not_met"
    insufficient_evidence = "insufficient_evidence"
    not_applicable = "not_applicable"
    waived = "waived"


class Source(Strict):
    """Where a requirement comes from: document, section and year."""

    document: str = Field(min_length=3, max_length=300)
    section: str | None = Field(default=None, max_length=200)
    year: int = Field(ge=1989, le=2100)
    confidence: Literal["verified", "local_default"] = Field(
        description="verified: read in the public document; local_default: common practice, not a national rule."
    )
