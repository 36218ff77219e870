"""`each`: how many required values have no passing item in a list (every required post filled,
every service with a live CP-IS connection). Which values are required is data (always, by
organisation type, by the services run); a value whose items leave the test open is open."""

from __future__ import annotations

from typing import Any

from compliance.catalogue.kinds.base import (Measure, Rule, Kind, get, join_names, label_or_name, leaf_type, list_label, list_path, register,
                                             split)
from compliance.catalogue.operators import Context, field_matches, item_matches, test_why
from compliance.domain.ranges import Loc, MeasureResult, Range, scalar


# (value, surely required, passes (None: not known), its item or None, its position or None)
Verdict = tuple[Any, bool, "bool | None", Any, "int | None"]


def _listed(entry: Any, params: dict[str, Any]) -> list[Any]:
    if entry is None:
        return []
    return [scalar(v) for v in (params[entry] if isinstance(entry, str) else entry)]


@register
class Each(Kind):
    name = "each"
    description = ("How many required values (`required`) have no item of this list (path ending in []) whose `key` "
                   "field holds the value and that passes one of the `passes` alternatives.")
    listy = True
    extras = frozenset({"key", "required", "passes", "labels"})
    required_extras = frozenset({"key", "required", "passes"})

    def required_values(self, m: Measure, ctx: Context) -> tuple[list[Any], list[Any]]:
        """(values surely required, values that may be): the latter when the services are not reported."""
        req, doc, params = m.required, ctx.doc, ctx.params
        assert req is not None
        sure = _listed(req.always, params) + _listed(req.org_types.get(doc.organisation.type), params)
        maybe: list[Any] = []
        if req.services:
            if doc.services is None:
                maybe = [v for e in req.services.values() for v in _listed(e, params)]
            else:
                run = {s.kind for s in doc.services}
                sure += [v for kind, e in req.services.items() if kind in run for v in _listed(e, params)]
        sure = list(dict.fromkeys(sure))
        return sure, [v for v in dict.fromkeys(maybe) if v not in sure]

    def passes(self, item: Any, m: Measure, ctx: Context) -> bool | None:
        """An item passes when one alternative of `passes` surely holds, fails when none can."""
        results = [item_matches(item, alt, ctx) for alt in m.passes]  # type: ignore[union-attr]
        if True in results:
            return True
        return None if None in results else False

    def verdicts(self, m: Measure, ctx: Context) -> list[Verdict] | None:
        items = get(ctx.doc, split(m.path)[0])  # type: ignore[arg-type]
        if items is None:
            return None
        sure, maybe = self.required_values(m, ctx)
        unkeyed = any(getattr(i, m.key) is None for i in items)  # type: ignore[arg-type]
        out: list[Verdict] = []
        for value, surely in [(v, True) for v in sure] + [(v, False) for v in maybe]:
            mine = [(n, i) for n, i in enumerate(items) if scalar(getattr(i, m.key)) == value]  # type: ignore[arg-type]
            verdicts = [self.passes(i, m, ctx) for _, i in mine]
            if True in verdicts:
                n, i = mine[verdicts.index(True)]
                out.append((value, surely, True, i, n))
            elif None in verdicts or unkeyed:
                out.append((value, surely, None, *(mine[0][::-1] if mine else (None, None))))
            else:
                out.append((value, surely, False, *(mine[0][::-1] if mine else (None, None))))
        return out

    def compute(self, m: Measure, rule: Rule, ctx: Context) -> MeasureResult:
        """How many required values fail: surely required and surely failing, up to all not surely passing."""
        verdicts = self.verdicts(m, ctx)
        if verdicts is None:
            sure, maybe = self.required_values(m, ctx)
            return MeasureResult(Range(0, len(sure) + len(maybe)), listed=False)
        lo = sum(1 for _, surely, ok, _, _ in verdicts if surely and ok is False)
        return MeasureResult(Range(lo, sum(1 for _, _, ok, _, _ in verdicts if ok is not True)), detail=verdicts)

    def value_name(self, m: Measure, value: Any, ctx: Context | None = None) -> str:
        """A required value in words: the rule's label for it, else (for a value required because a
        service is run) the organisation's own name for that service, else the code in words."""
        from compliance.domain.labels import item_name, value_label

        named = (m.labels or {}).get(str(value))
        if named:
            return named
        if ctx is not None and m.required is not None and ctx.doc.services:
            own = [item_name(s) for s in ctx.doc.services if scalar(s.kind) == value and value in _listed(
                m.required.services.get(s.kind), ctx.params)]
            if own:
                return join_names(own)
        return value_label(value)

    def why(self, item: Any, m: Measure, ctx: Context) -> str:
        """The tests an item fails, in words, from the alternative its first field selects."""
        from compliance.domain.labels import lower_first

        if item is None:
            return "not listed"
        head = list_path(m.path)  # type: ignore[arg-type]
        alts = m.passes or []
        first = [alt for alt in alts if item_matches(item, dict(list(alt.items())[:1]), ctx)]
        alt = (first or alts)[0]
        out = []
        for field, want in alt.items():
            have = getattr(item, field)
            if field_matches(scalar(have), want, ctx) is True:
                continue
            label = lower_first(label_or_name(f"{head}[].{field}"))
            if isinstance(have, int) and not isinstance(have, bool) and leaf_type(f"{head}[].{field}") != "flag":
                have = f"{have:,}"  # a count reads as a number, never as yes/no
            out.append("vacant" if field == "filled" and scalar(have) == 0 else test_why(label, have, want, ctx.params))
        return "; ".join(out) or "does not pass"

    def names(self, m: Measure, result: MeasureResult, ctx: Context) -> str:
        """The required values that fail, each with why, then those the return leaves open."""
        verdicts = result.detail
        if verdicts is None:
            return "none listed (the list was not reported)"
        failing = [f"{self.value_name(m, v, ctx)} ({self.why(item, m, ctx)})" for v, surely, ok, item, _ in verdicts
                   if surely and ok is False]
        open_ = [self.value_name(m, v, ctx) for v, surely, ok, _, _ in verdicts if ok is None or (ok is False and not surely)]
        text = "; ".join(failing) if failing else "none"
        if open_:
            text += f" (not known for {', '.join(open_)})"
        return text

    def missing(self, m: Measure, result: MeasureResult, ctx: Context) -> list[tuple[Loc, str]]:
        """The services (when which items are required depends on them), and per required item the
        fields its tests need that were not reported."""
        from compliance.domain.labels import lower_first

        head = split(m.path)[0]  # type: ignore[arg-type]
        lp = list_path(m.path)  # type: ignore[arg-type]
        verdicts = result.detail
        if verdicts is None:
            return [(head, list_label(m.path))]  # type: ignore[arg-type]
        out: list[tuple[Loc, str]] = []
        if any(not surely for _, surely, ok, _, _ in verdicts if ok is not True):
            out.append((("services",), label_or_name("services")))
        for value, surely, ok, item, n in verdicts:
            if ok is not None or not surely:
                continue
            name = self.value_name(m, value)
            name = name[:1].upper() + name[1:]
            if item is None:
                out.append((head, f"{label_or_name(lp)}: {lower_first(label_or_name(f'{lp}[].{m.key}'))}"))
                continue
            alts = m.passes or []
            first = [alt for alt in alts if item_matches(item, dict(list(alt.items())[:1]), ctx)]
            fields = [f for f in (first or alts)[0] if getattr(item, f) is None] or [
                f for alt in alts for f in alt if getattr(item, f) is None]
            out += [(head + (n, f), f"{name}: {lower_first(label_or_name(f'{lp}[].{f}'))}") for f in dict.fromkeys(fields)]
        return list(dict.fromkeys(out)) or [(head, label_or_name(lp))]

    def item_fields(self, m: Measure) -> list[tuple[str, str]]:
        fields = super().item_fields(m) + [("passes", f) for alt in (m.passes or []) for f in alt]
        return fields + ([("key", m.key)] if m.key else [])

    def source(self, m: Measure) -> str:
        return f"each required {m.key} of {m.path}"

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        from compliance.domain.labels import lower_first

        key = lower_first(label_or_name(f"{list_path(m.path)}[].{m.key}"))  # type: ignore[arg-type]
        return f"Required values of {key} with no entry that meets the standard in {lower_first(list_label(m.path))}"  # type: ignore[arg-type]


__all__ = ["Each", "join_names"]
