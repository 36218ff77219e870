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
        return _RANK[self.value]


_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}


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

    @property
    def label(self) -> str:
        """The one name a person reads for this outcome, in every format (JSON keeps the code)."""
        return OUTCOME_LABELS[self]


# Each outcome's one label for people, defined here only: text, HTML, Markdown, xlsx, docx and the
# history views all read it (the README's table of outcomes is checked against it). A rule without
# evidence is not a failure but a to-do: its findings are listed apart under STILL_TO_REPORT.
OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.met: "Met",
    Outcome.not_met: "Not met",
    Outcome.insufficient_evidence: "Not evidenced yet",
    Outcome.not_applicable: "Not applicable",
    Outcome.waived: "Waived",
}
STILL_TO_REPORT = "Still to report"
# The same outcomes in a matrix column a few characters wide (the area report's accountability
# table), with their legend; the words are OUTCOME_LABELS' own, shortened, never engineering codes.
OUTCOME_MARKS: dict[Outcome, str] = {
    Outcome.met: "met",
    Outcome.not_met: "not met",
    Outcome.insufficient_evidence: "to do",
    Outcome.not_applicable: "-",
    Outcome.waived: "waived",
}
MARKS_LEGEND = ", ".join(f"{OUTCOME_MARKS[o]}: {OUTCOME_LABELS[o].lower()}" for o in Outcome
                         if OUTCOME_MARKS[o] != OUTCOME_LABELS[o].lower())
# An action's status as people read it (the return and the store keep the codes); "closed" is what
# the store marks an action whose requirement came to be met.
ACTION_STATUS_LABELS: dict[str, str] = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "done": "Done",
    "overdue": "Overdue",
    "closed": "Closed",
}
# Requirements counted against a score or a board: the two failing outcomes together, in words.
FAILING_WORDS = f"{OUTCOME_LABELS[Outcome.not_met].lower()} or {OUTCOME_LABELS[Outcome.insufficient_evidence].lower()}"


class Source(Strict):
    """Where a requirement comes from: document, section and year."""

    document: str = Field(min_length=3, max_length=300)
    section: str | None = Field(default=None, max_length=200)
    year: int = Field(ge=1989, le=2100)
    confidence: Literal["verified", "local_default"] = Field(
        description="verified: read in the public document; local_default: common practice, not a national rule."
    )


# Frameworks a requirement can be reported against: the key `--by` takes, and its full name.
FRAMEWORKS: dict[str, str] = {
    "cqc-saf": "CQC single assessment framework",
    "saaf": "NHS England Safeguarding Accountability and Assurance Framework",
    "working-together": "Working Together to Safeguard Children",
    "section11": "Section 11 standards (Children Act 2004)",
    "intercollegiate": "Intercollegiate document: roles and competencies for healthcare staff",
}


class FrameworkMapping(Strict):
    """Where a requirement sits in a framework its users report against. The clause is the quality
    statement, standard or topic in words (no paragraph number that could not be sourced), and the
    relationship says how the rule relates to it: the rule checks exactly it (equal-to), part of it
    (subset-of), more than it (superset-of) or something overlapping it (intersects-with)."""

    framework: Literal["cqc-saf", "saaf", "working-together", "section11", "intercollegiate"]
    version: str = Field(min_length=4, max_length=40, description="The edition mapped, e.g. '2023' or '4th edition, 2019'.")
    clause: str = Field(min_length=3, max_length=160, description="The quality statement, standard or topic, in words.")
    relationship: Literal["equal-to", "subset-of", "superset-of", "intersects-with"]
