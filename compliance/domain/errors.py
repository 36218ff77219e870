"""Errors a user can act on, kept apart from bugs.

Every error the CLI prints comes through one of these classes, each formatted as one paragraph
that names the file, the place in it and what was expected. Anything else escaping to the CLI is
an internal error: it is reported as such and never exits 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    """One thing wrong with a file: where it is and what was expected."""

    message: str
    path: str = ""  # field path inside the document, e.g. training.groups[2].in_date
    line: int | None = None
    cell: str | None = None  # a workbook cell or range, e.g. Training!C14

    def render(self) -> str:
        where = [self.cell] if self.cell else []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.path:
            where.append(self.path)
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class UserError(Exception):
    """A problem with something the user gave us (exit code 2)."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    kind: str = "input"
    limit: int = 8

    def __str__(self) -> str:
        shown = self.problems[: self.limit]
        body = "; ".join(p.render() for p in shown)
        more = len(self.problems) - len(shown)
        if more > 0:
            body += f"; and {more} more problem{'s' if more > 1 else ''}"
        return f"{self.file}: invalid {self.kind}: {body}."


class InputError(UserError):
    """The self-assessment (or another input document) is unreadable or invalid."""


class RuleError(UserError):
    """A rule file, profile or rule set is invalid."""

    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(file, problems, kind="rules")


class EngineError(Exception):
    """The engine broke one of its own guarantees: a bug, never the user's fault (exit code 3)."""
