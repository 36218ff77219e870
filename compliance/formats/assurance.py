"""The overall level of assurance a board is given, from one organisation's findings.

The four levels internal audit and NHS boards use, decided by one rule (the README's "Level of
assurance" states it; a test holds the two to each other):

* **No assurance**: three or more critical requirements not met, or at least half of the
  requirements decided (met or not met) not met;
* **Limited assurance**: otherwise, any critical requirement not met, four or more high ones not
  met, or any critical requirement not evidenced yet;
* **Reasonable assurance**: otherwise, any high requirement not met or not evidenced yet;
* **Substantial assurance**: no critical or high requirement not met or not evidenced yet (medium
  and low gaps only, if any).

A requirement not evidenced yet is never counted as not met; it only stops the level rising,
because a board cannot take assurance from a figure nobody has reported.
"""

from __future__ import annotations

from enum import Enum

from compliance.domain.outcomes import Outcome, Severity
from compliance.domain.result import Finding


class Assurance(str, Enum):
    substantial = "Substantial assurance"
    reasonable = "Reasonable assurance"
    limited = "Limited assurance"
    none = "No assurance"


def _count(findings: list[Finding], outcome: Outcome, severity: Severity) -> int:
    return sum(f.outcome == outcome and f.severity == severity for f in findings)


def assurance(findings: list[Finding]) -> tuple[Assurance, str]:
    """The level and the reason for it, in one sentence a board member can repeat."""
    crit_not_met = _count(findings, Outcome.not_met, Severity.critical)
    high_not_met = _count(findings, Outcome.not_met, Severity.high)
    crit_todo = _count(findings, Outcome.insufficient_evidence, Severity.critical)
    high_todo = _count(findings, Outcome.insufficient_evidence, Severity.high)
    not_met = sum(f.outcome == Outcome.not_met for f in findings)
    decided = not_met + sum(f.outcome == Outcome.met for f in findings)
    if crit_not_met >= 3:
        return Assurance.none, f"{crit_not_met} critical requirements are not met."
    if decided and 2 * not_met >= decided:
        return Assurance.none, f"{not_met} of the {decided} requirements decided are not met."
    if crit_not_met:
        return Assurance.limited, f"{crit_not_met} critical requirement{'s are' if crit_not_met > 1 else ' is'} not met."
    if high_not_met >= 4:
        return Assurance.limited, f"{high_not_met} high-severity requirements are not met."
    if crit_todo:
        return Assurance.limited, (f"{crit_todo} critical requirement{'s are' if crit_todo > 1 else ' is'} not "
                                   "evidenced yet, so the board cannot take assurance on it.")
    if high_not_met or high_todo:
        parts = [f"{high_not_met} high-severity requirement{'s' if high_not_met != 1 else ''} not met"] if high_not_met else []
        parts += [f"{high_todo} not evidenced yet"] if high_todo else []
        return Assurance.reasonable, f"No critical requirement is failing; {' and '.join(parts)}."
    return Assurance.substantial, "No critical or high requirement is not met or not evidenced yet."
