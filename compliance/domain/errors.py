"""Errors a user can act on, kept apart from bugs.

Every error the CLI prints comes through one of these classes, each formatted as one paragraph
that names the file, the place in it and what was expected. Anything else escaping to the CLI is
an internal error: it is reported as such and never exits 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    """One thing wrong with a file: where it is and what was expected.

    A place can be a line (and column) of a text document, a field path inside a document, a
    spreadsheet cell (`Sheet1!B7`) or a record row (with the column name as `path`); all of them
    render the same way, most precise first, so every reader of every format says where alike.
    """

    message: str
    path: str = ""  # field path inside the document (training.groups[2].in_date), or a record's column
    line: int | None = None
    column: int | None = None  # 1-based, within `line`
    cell: str | None = None  # a workbook cell or range, e.g. Training!C14
    row: int | None = None  # a record row, 1-based, counting the header row as 1
    code: str = ""  # what kind of problem, for tools (`rules lint --format sarif`'s rule ids)

    @classmethod
    def at_cell(cls, message: str, sheet: str, ref: str, path: str = "") -> Problem:
        return cls(message, path, cell=f"{sheet}!{ref}")

    @classmethod
    def at_row(cls, message: str, row: int, column: str = "") -> Problem:
        return cls(message, column, row=row)

    def where(self) -> str:
        """The location alone, e.g. 'line 3, column 7, training.groups[2]', 'Training!C14' or 'row 12, status'."""
        parts = []
        if self.cell:
            parts.append(self.cell)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column is not None else ""))
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)

    def render(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


def shorten(text: str, most: int) -> str:
    """At most `most` characters, the middle cut out: a 100,000-character id or path given by
    mistake (or on purpose) makes a message a person can still read."""
    if len(text) <= most:
        return text
    keep = most - 5
    return f"{text[: keep * 2 // 3]} ... {text[-(keep - keep * 2 // 3):]}"


@dataclass
class UserError(Exception):
    """A problem with something the user gave us (exit code 2)."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    kind: str = "input"
    limit: int = 8

    def __str__(self) -> str:
        shown = self.problems[: self.limit]
        body = "; ".join(shorten(p.render(), 600) for p in shown)
        more = len(self.problems) - len(shown)
        if more > 0:
            body += f"; and {more} more problem{'s' if more > 1 else ''}"
        return f"{shorten(self.file, 200)}: invalid {self.kind}: {body}."

    def lines(self) -> list[str]:
        """The message as lines to print (one paragraph here; a workbook's errors are a numbered list)."""
        return [str(self)]


class InputError(UserError):
    """The self-assessment (or another input document) is unreadable or invalid."""


class RuleError(UserError):
    """A rule file, profile or rule set is invalid."""

    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(file, problems, kind="rules")


class EngineError(Exception):
    """The engine broke one of its own guarantees: a bug, never the user's fault (exit code 3)."""
