"""Where each part of a parsed document starts, kept from the one parse of the file.

A rule file is read once; every later message about it (a lint problem, a compile error, a
surviving mutant, a broken prerequisite) names a line from this map instead of reading and parsing
the file again, so the line always belongs to the bytes that were loaded and validated, even if the
file has changed since. The map is plain data: it pickles with the rule that carries it.
"""

from __future__ import annotations

from collections.abc import Iterable

Loc = tuple[str | int, ...]


class LineMap:
    """Location -> (line, column, value line, value column), 0-based as the YAML parser gives them.

    A location is the path of a mapping key or a sequence item (`("measures", "in_date", "where")`,
    `("cases", 0)`); the value position is kept for plain values only, which is where a problem with
    a value (rather than with its key) is best shown.
    """

    __slots__ = ("_at",)

    def __init__(self, at: dict[Loc, tuple[int, int, int, int]]):
        self._at = at

    def __getstate__(self) -> dict[Loc, tuple[int, int, int, int]]:
        return self._at

    def __setstate__(self, state: dict[Loc, tuple[int, int, int, int]]) -> None:
        self._at = state

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LineMap) and self._at == other._at

    __hash__ = None  # type: ignore[assignment]  # mutable-free but compared by content, like a dict

    def __len__(self) -> int:
        return len(self._at)

    def _deepest(self, loc: Iterable[str | int]) -> tuple[int, int, int, int] | None:
        """The entry of the deepest prefix of `loc` present in the document."""
        parts = tuple(loc)
        for end in range(len(parts), 0, -1):
            found = self._at.get(parts[:end])
            if found is not None:
                return found
        return None

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        """The 1-based line of the deepest part of `loc` present, or None when not even its first is."""
        found = self._deepest(loc)
        return None if found is None else found[0] + 1

    def position(self, loc: Iterable[str | int], value: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the deepest part of `loc` present (of its value, when `value`
        and it is a plain value); the start of the document when not even the first part is there
        (a missing top-level field)."""
        found = self._deepest(loc)
        if found is None:
            return 1, 1
        line, column, value_line, value_column = found
        if value and value_line >= 0:
            return value_line + 1, value_column + 1
        return line + 1, column + 1
