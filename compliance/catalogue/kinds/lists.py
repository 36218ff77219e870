"""Measures over a list of the return: how many items, their sum, lowest, highest, distinct values,
and which required values are absent. Each works on the items a filter surely keeps and those only
an unreported value could keep, so a definite "no" decides and silence never counts as zero."""

from __future__ import annotations

from typing import Any

from compliance.catalogue.kinds.base import (Measure, Rule, unit_at, Kind, filter_words, filtered, get, item_value, join_names,
                                             label_or_name, leaf_type,
                                             list_label, register, split, whole_of)
from compliance.catalogue.operators import Context
from compliance.domain.ranges import UNDEFINED, UNKNOWN, MeasureResult, Number, Range, num, scalar



class _ListKind(Kind):
    listy = True

    def suffix(self, m: Measure, params: dict[str, Any]) -> str:
        where = filter_words(m, params)
        return f" ({where})" if where else ""

    def compute(self, m: Measure, rule: Rule, ctx: Context) -> MeasureResult:
        split_ = filtered(ctx.doc, m, ctx)
        if split_ is None:
            return MeasureResult(self.unlisted(m, rule), listed=False)
        sure, maybe = split_
        return MeasureResult(self.over(m, rule, sure, maybe, ctx), tuple(sure), tuple(maybe))

    def unlisted(self, m: Measure, rule: Rule) -> Range:
        return UNKNOWN

    def over(self, m: Measure, rule: Rule, sure: list[tuple[int, Any]], maybe: list[tuple[int, Any]], ctx: Context) -> Range:
        raise NotImplementedError(self.name)

    def values(self, m: Measure, items: list[tuple[int, Any]], ctx: Context) -> list[Any]:
        """Each item's value, None where it is unreported or not known exactly (another window)."""
        _, tail = split(m.path)  # type: ignore[arg-type]
        return [low if low == high else None for _, i in items for low, high in [item_value(i, tail or (), m, ctx.params)]]


@register
class Count(_ListKind):
    name = "count"
    description = "Number of items of a list (path ending in [])."

    def over(self, m: Measure, rule: Rule, sure: list[tuple[int, Any]], maybe: list[tuple[int, Any]], ctx: Context) -> Range:
        return Range(len(sure), len(sure) + len(maybe))

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.domain.labels import lower_first

        return f"Number of {lower_first(list_label(m.path))}{self.suffix(m, params)}"  # type: ignore[arg-type]


@register
class Sum(_ListKind):
    name = "sum"
    description = "Sum of a field over the items of a list (path with [])."
    counts_in_time = True

    def engine_type(self, rule: Rule, m: Measure) -> str:
        t = leaf_type(m.path)  # type: ignore[arg-type]
        return "int" if t in ("flag", "date") else t

    def over(self, m: Measure, rule: Rule, sure: list[tuple[int, Any]], maybe: list[tuple[int, Any]], ctx: Context) -> Range:
        _, tail = split(m.path)  # type: ignore[arg-type]
        field = tail[0] if tail and len(tail) == 1 else None
        lo: Number = 0
        extra: Number | None = 0  # what the items that may count, and the unreported values, could add
        for items, surely in ((sure, True), (maybe, False)):
            for _, item in items:
                low, high = item_value(item, tail or (), m, ctx.params)
                v, top = num(low), num(high)
                if v is not None:
                    if surely:
                        lo += v
                    if extra is not None:
                        extra += top - v if surely else top  # type: ignore[operator]
                    continue
                # An unreported part is at most its reported whole (in date <= staff in post).
                whole = whole_of(type(item), field) if field else None
                cap = num(getattr(item, whole, None)) if whole else None
                extra = None if cap is None or extra is None else extra + cap
        return Range(lo, None if extra is None else lo + extra)

    def unit(self, m: Measure) -> str | None:
        return "GBP" if unit_at(m.path) == "GBP" else None  # type: ignore[arg-type]

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        return f"{label_or_name(m.path)}{self.suffix(m, params)}"  # type: ignore[arg-type]


class _Extreme(_ListKind):
    word: str

    def engine_type(self, rule: Rule, m: Measure) -> str:
        t = leaf_type(m.path)  # type: ignore[arg-type]
        return "int" if t in ("flag", "date") else t

    def is_date(self, m: Measure) -> bool:
        return leaf_type(m.path) == "date"  # type: ignore[arg-type]

    def unlisted(self, m: Measure, rule: Rule) -> Range:
        return Range() if self.engine_type(rule, m) == "text" else UNDEFINED

    def unit(self, m: Measure) -> str | None:
        return unit_at(m.path)  # type: ignore[arg-type]

    def over(self, m: Measure, rule: Rule, sure: list[tuple[int, Any]], maybe: list[tuple[int, Any]], ctx: Context) -> Range:
        sure_v, maybe_v = self.values(m, sure, ctx), self.values(m, maybe, ctx)
        unknown_n = sum(v is None for v in sure_v + maybe_v)
        if self.engine_type(rule, m) == "text":  # min or max of dates or codes: known only when all are
            if maybe or unknown_n or not sure_v:
                return Range()
            import datetime as dt

            v = self.pick(sure_v)
            return Range(text=v.isoformat() if isinstance(v, dt.date) else v)
        sure_n = [num(v) for v in sure_v]
        known_sure = [v for v in sure_n if v is not None]
        known_all = known_sure + [v for v in (num(x) for x in maybe_v) if v is not None]
        if not sure:
            return UNDEFINED  # the minimum or maximum of possibly nothing
        return self.bounds(known_sure, known_all, unknown_n)

    def pick(self, values: list[Any]) -> Any:
        raise NotImplementedError

    def bounds(self, known_sure: list[Number], known_all: list[Number], unknown_n: int) -> Range:
        raise NotImplementedError

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.domain.labels import lower_first

        return f"{self.word} {lower_first(label_or_name(m.path))}{self.suffix(m, params)}"  # type: ignore[arg-type]


@register
class Min(_Extreme):
    name = "min"
    description = "The lowest value of a field over a list's items."
    word = "Lowest"
    swap = "max"

    def pick(self, values: list[Any]) -> Any:
        return min(values)

    def bounds(self, known_sure: list[Number], known_all: list[Number], unknown_n: int) -> Range:
        lo = min(known_all + ([0] if unknown_n else []))
        return Range(lo, min(known_sure) if known_sure else None)


@register
class Max(_Extreme):
    name = "max"
    description = "The highest value of a field over a list's items."
    word = "Highest"
    swap = "min"

    def pick(self, values: list[Any]) -> Any:
        return max(values)

    def bounds(self, known_sure: list[Number], known_all: list[Number], unknown_n: int) -> Range:
        lo = max(known_sure) if known_sure else 0
        return Range(lo, None if unknown_n else max(known_all))


@register
class Distinct(_ListKind):
    name = "distinct"
    description = "Number of distinct values of a field over a list."

    def over(self, m: Measure, rule: Rule, sure: list[tuple[int, Any]], maybe: list[tuple[int, Any]], ctx: Context) -> Range:
        sure_v, maybe_v = self.values(m, sure, ctx), self.values(m, maybe, ctx)
        unknown_n = sum(v is None for v in sure_v + maybe_v)
        known = {v for v in sure_v if v is not None}
        lo = len(known) or (1 if any(v is None for v in sure_v) else 0)
        return Range(lo, len(known | {v for v in maybe_v if v is not None}) + unknown_n)

    def names(self, m: Measure, result: Any, ctx: Context) -> str:
        """The values counted, each with the items holding it ('A in sexual health')."""
        from compliance.domain.labels import item_name, value_label

        if not result.listed:
            return "not reported"
        _, tail = split(m.path)  # type: ignore[arg-type]
        held: dict[str, list[str]] = {}
        for _, i in result.sure:
            v = getattr(i, tail[-1], None) if tail else None
            if v is not None:
                held.setdefault(_word(v, value_label), []).append(item_name(i))
        return "; ".join(f"{v} in {join_names(names)}" for v, names in held.items()) or "none"

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.domain.labels import lower_first

        return f"Different values of {lower_first(label_or_name(m.path))}{self.suffix(m, params)}"  # type: ignore[arg-type]


def _word(v: Any, value_label: Any) -> str:
    import re

    v = scalar(v)
    if isinstance(v, str) and re.fullmatch(r"[a-z0-9_]+", v):
        return value_label(v)
    return f"{v:,}" if isinstance(v, int) else str(v)


@register
class Absent(_ListKind):
    name = "absent"
    description = "How many of `values` do not appear as this field of the (filtered) list items."
    extras = frozenset({"values"})
    required_extras = frozenset({"values"})

    def unlisted(self, m: Measure, rule: Rule) -> Range:
        return Range(0, len(m.values))  # type: ignore[arg-type]

    def over(self, m: Measure, rule: Rule, sure: list[tuple[int, Any]], maybe: list[tuple[int, Any]], ctx: Context) -> Range:
        sure_v, maybe_v = self.values(m, sure, ctx), self.values(m, maybe, ctx)
        unknown_n = sum(v is None for v in sure_v + maybe_v)
        wanted = {scalar(v) for v in m.values}  # type: ignore[union-attr]
        surely = {v for v in sure_v if v is not None}
        possibly = surely | {v for v in maybe_v if v is not None}
        return Range(max(0, len(wanted - possibly) - unknown_n), len(wanted - surely))

    def gone(self, m: Measure, result: Any, ctx: Context) -> list[Any] | None:
        """The values surely missing from the list (no item, sure or possible, holds them), or None
        when the list was not reported."""
        if not result.listed:
            return None
        present = set(self.values(m, list(result.sure) + list(result.maybe), ctx))
        if None in present:
            return []  # an item with an unreported value could be any of them
        return [v for v in m.values or [] if scalar(v) not in present]

    def names(self, m: Measure, result: Any, ctx: Context) -> str:
        from compliance.domain.labels import value_label

        gone = self.gone(m, result, ctx)
        return "not reported" if gone is None else join_names([value_label(v) for v in gone])

    def source(self, m: Measure) -> str:
        return super().source(m) + f" of {', '.join(map(str, m.values or []))}"

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.domain.labels import lower_first, value_label

        values = join_names([value_label(v) for v in m.values or []], limit=8)
        return f"Not listed among {lower_first(list_label(m.path))}: {values}{self.suffix(m, params)}"  # type: ignore[arg-type]
