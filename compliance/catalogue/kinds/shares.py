"""Shares and totals: measures of other measures, and the lowest share over a list's items.

A share's range comes from the extreme values of its parts (and, when the whole is a total of the
part and others, from the part and the rest, so the correlation a plain division would lose is
kept). A share of nothing has no value. Values stay exact fractions; `domain/display.py` rounds.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pydantic_core import PydanticCustomError

from compliance.catalogue.kinds.base import (Measure, Rule, Kind, filter_words, get, item_value, join_names, label_or_name,
                                             list_label, register, whole_of)
from compliance.catalogue.kinds.lists import _ListKind
from compliance.catalogue.operators import Context
from compliance.domain.ranges import UNDEFINED, MeasureResult, Number, Range, num, scalar, sum_ranges


# Larger than any count a return can hold (a list of 100 items of at most 10,000,000 each), so a
# share whose part is unbounded is still shown to be below 100% when the rest is at least 1.
_NO_COUNT_REACHES = 10**10


@register
class Percent(Kind):
    name = "percent"
    description = "100 * first / second, of two other measures; unknown when the second is 0."
    derived = True

    def derived_from(self, m: Measure) -> tuple[str, ...]:
        return tuple(m.percent)  # type: ignore[arg-type]

    def engine_type(self, rule: Rule, m: Measure) -> str:
        return "frac"

    def unit(self, m: Measure) -> str | None:
        return "percent"

    def derive(self, m: Measure, rule: Rule, ranges: dict[str, Range]) -> Range:
        num_, den = m.percent  # type: ignore[misc]
        rest = _rest(rule, num_, den)
        if rest is not None:
            return _share(ranges[num_], sum_ranges([ranges[n] for n in rest]))
        return _percent(ranges[num_], ranges[den])

    def names(self, m: Measure, result: MeasureResult, ctx: Context) -> str:
        return "not reported"

    def missing(self, m: Measure, result: MeasureResult, ctx: Context) -> list:
        return []  # its inputs say what is missing

    def source(self, m: Measure) -> str:
        return f"{m.percent[0]} / {m.percent[1]}"  # type: ignore[index]

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.catalogue.kinds.base import measure_label
        from compliance.domain.labels import lower_first

        num_, den = (measure_label(rule, n, params) for n in m.percent)  # type: ignore[union-attr]
        return f"{num_} as a share of {lower_first(den)}"


@register
class Total(Kind):
    name = "total"
    description = "Sum of other measures; unknown when any of them is."
    derived = True

    def derived_from(self, m: Measure) -> tuple[str, ...]:
        return tuple(m.total)  # type: ignore[arg-type]

    def engine_type(self, rule: Rule, m: Measure) -> str:
        from compliance.catalogue.kinds.base import kind_of

        parts = [rule.measures[n] for n in m.total]  # type: ignore[union-attr]
        return "frac" if any(kind_of(p).engine_type(rule, p) == "frac" for p in parts) else "int"

    def derive(self, m: Measure, rule: Rule, ranges: dict[str, Range]) -> Range:
        parts = [ranges[n] for n in m.total]  # type: ignore[union-attr]
        lo = None if any(p.lo is None for p in parts) else sum(p.lo for p in parts)  # type: ignore[misc]
        hi = None if any(p.hi is None for p in parts) else sum(p.hi for p in parts)  # type: ignore[misc]
        return Range(lo, hi)

    def names(self, m: Measure, result: MeasureResult, ctx: Context) -> str:
        return "not reported"

    def missing(self, m: Measure, result: MeasureResult, ctx: Context) -> list:
        return []

    def source(self, m: Measure) -> str:
        return " + ".join(m.total)  # type: ignore[arg-type]

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.catalogue.kinds.base import measure_label

        return " + ".join(measure_label(rule, n, params) for n in m.total)  # type: ignore[union-attr]


def _rest(rule: Rule, num_: str, den: str) -> list[str] | None:
    """When the whole is a total of the part's own measures and others: those others."""
    d = rule.measures[den]
    if d.total is None:
        return None
    n = rule.measures[num_]
    parts = set(n.total) if n.total is not None else {num_}
    if not parts <= set(d.total) or parts == set(d.total):
        return None
    return [x for x in d.total if x not in parts]


def _share(part: Range, rest: Range) -> Range:
    """100 x part / (part + rest): it rises with the part and falls with the rest, so the bounds
    come from the extreme values of each (the correlation a plain division of ranges would lose)."""
    a, b, c, d = part.lo or 0, part.hi, rest.lo or 0, rest.hi
    if b == 0 and d == 0:
        return UNDEFINED  # nothing at all: no share
    lo: Number = 0 if d is None or a == 0 else Fraction(100 * a, a + d)
    big = _NO_COUNT_REACHES if b is None else b
    hi = Fraction(100 * big, big + c) if big + c > 0 else Fraction(100)
    return Range(lo, hi)


def _percent(num_: Range, den: Range) -> Range:
    """100 x num / den over the ranges of both; no value when the whole is known to be 0."""
    if num_.text is not None or den.text is not None:
        return UNDEFINED
    if den.hi == 0:
        return UNDEFINED
    a, b, c, d = num_.lo, num_.hi, den.lo, den.hi
    lo: Number | None
    if a is None:
        lo = None
    elif d is None:
        lo = 0 if a >= 0 else None
    else:
        lo = Fraction(100 * a, d) if d > 0 else None
    hi = Fraction(100 * b, c) if b is not None and c is not None and c > 0 else None
    return Range(lo, hi)


@register
class MinPercent(_ListKind):
    name = "min_percent"
    description = ("Lowest per-item percentage over a list (path ending in []), of `fields`: [part, whole]; "
                   "items with whole 0 are skipped.")
    extras = frozenset({"fields", "by", "expect"})
    required_extras = frozenset({"fields"})

    def engine_type(self, rule: Rule, m: Measure) -> str:
        return "frac"

    def unit(self, m: Measure) -> str | None:
        return "percent"

    def unlisted(self, m: Measure, rule: Rule) -> Range:
        return UNDEFINED

    def item_fields(self, m: Measure) -> list[tuple[str, str]]:
        return super().item_fields(m) + [("fields", f) for f in m.fields or ()] + ([("by", m.by)] if m.by else [])

    def check(self, m: Measure) -> None:
        super().check(m)
        if m.expect is not None and m.by != "service":
            raise PydanticCustomError("measure_expect", "'expect: services_run' goes with 'by: service'")

    def compute(self, m: Measure, rule: Rule, ctx: Context) -> MeasureResult:
        result = super().compute(m, rule, ctx)
        unlined = self.unlined(m, result, ctx) if m.expect is not None and result.listed else None
        if not unlined:
            return result
        # A service run without a line has a share nobody reported: anything from 0 up.
        r = result.range
        low = Range(0, r.hi if result.listed and r.hi is not None and r != UNDEFINED else None)
        return MeasureResult(low, result.sure, result.maybe, listed=result.listed, detail=unlined)

    def unlined(self, m: Measure, result: MeasureResult, ctx: Context) -> list[Any]:
        """The services the organisation runs (or may run: services not reported) that the filter
        admits and no line surely or possibly covers."""
        allowed = (m.where or {}).get(m.by)
        admits = (lambda k: k in [scalar(a) for a in allowed]) if isinstance(allowed, list) else (lambda k: True)
        covered = {scalar(get(i, (m.by,))) for _, i in list(result.sure) + list(result.maybe)}
        if None in covered:
            return []  # a line whose service is not reported could be any service's: the join rule covers it
        if ctx.doc.services is None:
            return ["services"]
        return [k for k in dict.fromkeys(scalar(s.kind) for s in ctx.doc.services) if admits(k) and k not in covered]

    def missing(self, m: Measure, result: MeasureResult, ctx: Context) -> list:
        from compliance.domain.labels import label_or_name, value_label

        out = [] if result.detail else super().missing(m, result, ctx)
        head = tuple((m.path or "").split("[]")[0].split("."))
        for k in result.detail or []:
            if k == "services":
                out.append((("services",), label_or_name("services")))
            else:
                name = value_label(k)
                out.append((head, f"{name[:1].upper()}{name[1:]}: a line for the service ({filter_words(m, ctx.params)})"))
        return out

    def over(self, m: Measure, rule: Rule, sure_: list[tuple[int, Any]], maybe_: list[tuple[int, Any]], ctx: Context) -> Range:
        """The lowest share over the list's items, or over groups of them (`by`: parts and wholes
        added up per value of that field). A group whose whole is 0 has no share. An item that may
        belong to a group (its filter or its `by` field unreported) can move that group's share only
        between its own share and the group's, since a pooled share is a weighted average of the
        two: so a group that fails with every item that could join it still fails. An unreported
        part is at most its whole when the model bounds it so (in date <= staff in post).
        """
        part, whole = m.fields  # type: ignore[misc]
        sure = [i for _, i in sure_]
        items = sure + [i for _, i in maybe_]
        # a part counted with another window than the standard's is not known (at most its whole)
        pw = [(num(lo) if lo == hi else None, num(get(i, (whole,))))
              for i in items for lo, hi in [item_value(i, (part,), m, ctx.params)]]
        bounded = bool(items) and whole_of(type(items[0]), part) == whole
        cap: Number | None = 100 if bounded else None

        def key(n: int, item: Any) -> Any:
            return ("item", n) if m.by is None else scalar(get(item, (m.by,)))

        groups: dict[Any, list[int]] = {}
        joiners: dict[Any, list[int]] = {}  # key (None: any group) -> items that may join it
        for n, item in enumerate(items):
            k = key(n, item)
            (groups if n < len(sure) and k is not None else joiners).setdefault(k, []).append(n)

        def share(n: int) -> tuple[Number, Number | None] | None:
            p, w = pw[n]
            if w == 0:
                return None
            if p is not None and w is not None:
                s = Fraction(100 * p) / w
                return s, s
            return 0, cap

        lows: list[Number] = []
        highs: list[Number | None] = []
        for k, members in groups.items():
            parts = [pw[n][0] for n in members]
            wholes = [pw[n][1] for n in members]
            w_lo = sum(w for w in wholes if w is not None)
            w_hi = None if None in wholes else w_lo
            if w_hi == 0:
                continue  # a share of nothing is not a share
            p_lo = sum(p for p in parts if p is not None)
            p_hi: Number | None = None if None in parts else p_lo
            if p_hi is None and bounded and w_hi is not None:
                # every unreported part is at most its own (reported) whole
                p_hi = p_lo + sum(w for p, w in zip(parts, wholes) if p is None)  # type: ignore[misc, operator]
            lo: Number = Fraction(100 * p_lo) / w_hi if w_hi else 0
            hi: Number | None = Fraction(100 * p_hi) / w_lo if p_hi is not None and w_lo else cap
            for j in joiners.get(k, []) + (joiners.get(None, []) if m.by is not None else []):
                js = share(j)
                if js is not None:
                    lo = min(lo, js[0])
                    hi = None if hi is None or js[1] is None else max(hi, js[1])
            lows.append(lo)
            if w_lo:
                highs.append(hi)
        lows += [s[0] for js in joiners.values() for j in js for s in [share(j)] if s is not None]
        if not highs:
            return UNDEFINED
        known_highs = [h for h in highs if h is not None]
        return Range(min(lows), min(known_highs) if known_highs else None)

    def names(self, m: Measure, result: Any, ctx: Context) -> str:
        """The item (or, with `by`, the group) with the lowest share, among those surely counted."""
        from compliance.domain.labels import item_name, value_label

        if not result.listed:
            return "not reported"
        part, whole = m.fields  # type: ignore[misc]
        items = [i for _, i in result.sure]
        if m.by is not None:  # groups added up per value of `by` (TRN-003: per service), named by it
            sums: dict[Any, list[int]] = {}
            for i in items:
                key, p, w = getattr(i, m.by), getattr(i, part), getattr(i, whole)
                if key is None or p is None or w is None:
                    continue
                sums.setdefault(key, [0, 0])
                sums[key][0] += p
                sums[key][1] += w
            shares = [(Fraction(p * 100, w), value_label(k)[:1].upper() + value_label(k)[1:]) for k, (p, w) in sums.items() if w]
        else:
            shares = [(Fraction(getattr(i, part) * 100, getattr(i, whole)), item_name(i)) for i in items
                      if getattr(i, whole) and getattr(i, part) is not None]
        lowest = min(shares)[1] if shares else "none"
        unlined = [value_label(k) for k in result.detail or [] if k != "services"]
        if unlined:  # services run with no line at all: named, since they may be lower still
            lowest += f" (and with no line at all: {join_names([u[:1].upper() + u[1:] for u in unlined])})"
        return lowest

    def source(self, m: Measure) -> str:
        return super().source(m) + f" {m.fields[0]}/{m.fields[1]}"  # type: ignore[index]

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.domain.labels import lower_first

        part, whole = m.fields  # type: ignore[misc]
        where = filter_words(m, params)
        suffix = f" ({where})" if where else ""
        path = m.path or ""
        return (f"Lowest share of {lower_first(label_or_name(f'{path}.{part}'))} in "
                f"{lower_first(label_or_name(f'{path}.{whole}'))} across {lower_first(list_label(path))}{suffix}")
