"""Exit codes and when a run fails: one policy for every command and every front end.

CI reads the exit code before any report, so a single definition keeps `assess`, `screen` and
anything built on the application layer from drifting apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compliance.domain.outcomes import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3
# The severities, most severe first (tests/test_lean_paths.py checks them against `Severity`), written
# out so that every command's --help is built without importing pydantic, which `Severity`'s module needs.
FAIL_ON_CHOICES = ["critical", "high", "medium", "low", "none"]
EXIT_CODES_HELP = """\b
Exit codes:
  0  no finding at or above --fail-on
  1  at least one not_met or insufficient_evidence finding at or above --fail-on
  2  invalid input, rules, profile or usage (the message names the file and line)
  3  internal error (a bug: please report it); never 0"""


def fails_on_counts(failing_by_severity: Iterable[Mapping[Severity, int]], fail_on: str) -> bool:
    """Whether any failing count at or above `fail_on` is non-zero (`none` never fails)."""
    from compliance.domain.outcomes import Severity

    if fail_on == "none":
        return False
    floor = Severity(fail_on).rank
    return any(n and sev.rank >= floor for counts in failing_by_severity for sev, n in counts.items())


def fails_at(findings: Iterable, fail_on: str) -> bool:
    """Whether a finding that is not met or without evidence reaches `fail_on`."""
    from compliance.domain.outcomes import Severity

    if fail_on == "none":
        return False
    floor = Severity(fail_on).rank
    return any(f.failing and f.severity.rank >= floor for f in findings)
