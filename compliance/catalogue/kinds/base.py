"""What every measure kind is: a registered class that owns its shape, its arithmetic and its words.

A measure in a rule file is `{sum: training.groups[].in_date, where: {level: 1}}`: the key names
its kind. Each kind is one class in this package, registered by name; the rule schema checks a
measure's shape with its kind's `check`, the evaluator works it out with `compute` (or `derive`,
for measures of other measures), messages and evidence read its words (`label`, `names`,
`missing`), lint asks it for problems (`lint`), and mutation testing for the kind it may be swapped
with (`swap`). Nothing outside this package dispatches on a kind's name: a test walks the registry
and checks every kind has every hook.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar

from pydantic_core import PydanticCustomError

from compliance.catalogue.operators import Context, item_matches, referenced_lists, test_source, test_words
from compliance.domain.labels import label_or_name, list_label
from compliance.domain.paths import get, list_path, model_at, split
from compliance.domain.ranges import UNKNOWN, Loc, MeasureResult, Number, Range, num, scalar

# A measure and a rule of the schema (which builds on this package, so is not imported here).
Measure = Any
Rule = Any

@lru_cache(maxsize=4096)
def leaf_type(path: str) -> str:
    """'text', 'flag', 'date', 'int' or 'frac' for the field a path ends at (from the input model)."""
    import datetime as dt
    from enum import Enum

    from compliance.domain.model import SelfAssessment

    head, tail = split(path)
    parts = head + (tail or ())
    model, err = model_at(SelfAssessment, parts[:-1])
    if err or model is None or parts[-1] not in model.model_fields:
        return "int"
    found: list[Any] = []
    stack = [model.model_fields[parts[-1]].annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type):
            found.append(a)
        stack.extend(getattr(a, "__args__", ()) or ())
        origin = getattr(a, "__origin__", None)
        if origin is not None and isinstance(origin, type) and origin is not list:
            found.append(origin)
    found = [t for t in found if t is not type(None)]
    if any(issubclass(t, bool) for t in found):
        return "flag"
    if any(issubclass(t, dt.date) for t in found):
        return "date"
    if any(issubclass(t, (str, Enum)) for t in found):
        return "text"
    if any(issubclass(t, float) for t in found):
        return "frac"
    return "int"


def unit_at(path: str) -> str | None:
    """How the field a path ends at reads ('flag', 'date', 'GBP', 'hours'), None for a plain number
    or text, or for a path outside the model (lint reports it)."""
    from compliance.domain.labels import unit_of

    try:
        return unit_of(path)
    except KeyError:
        return None


def whole_of(item_type: type, field: str) -> str | None:
    """The field that bounds `field` of the same record (a part never exceeds its whole)."""
    bounds = getattr(item_type, "bounds", None)
    return bounds.get(field) if bounds else None


def bounded_part(owner: Any, field: str) -> Number | None:
    """For an unreported part: the reported whole it cannot exceed, or None."""
    if owner is None:
        return None
    whole = whole_of(type(owner), field)
    return None if whole is None else num(getattr(owner, whole, None))


def windowed(item: Any, m: Measure, params: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """The fields of an item counted with a window other than the standard's: (those counted with a
    wider one, so at most what they say; those counted by another definition, so unknown)."""
    upper: set[str] = set()
    unknown: set[str] = set()
    for w in m.window or []:
        if w.field is None:
            continue
        stated, want = getattr(item, w.field, None), params[w.parameter]
        if stated is None or (stated <= want if w.max else stated == want):
            continue
        counts = {c for c, fields in getattr(type(item), "windows", {}).items() if w.field in fields}
        (upper if w.max else unknown).update(counts)
    return frozenset(upper - unknown), frozenset(unknown)


def item_value(item: Any, tail: tuple[str, ...], m: Measure, params: dict[str, Any]) -> tuple[Any, Any]:
    """(lowest, highest) a field of an item may be: a value counted with a wider window is between
    0 and what it says; one counted by another definition, or unreported, is (None, None)."""
    v = scalar(get(item, tail))
    if v is None or not m.window or len(tail) != 1:
        return v, v
    upper, unknown = windowed(item, m, params)
    if tail[0] in unknown:
        return None, None
    return (0, v) if tail[0] in upper else (v, v)


def filtered(doc: Any, m: Measure, ctx: Context) -> tuple[list[tuple[int, Any]], list[tuple[int, Any]]] | None:
    """(items surely in the filter, items that may be in it), each with its position in the list, or
    None when the list is not reported."""
    head, _ = split(m.path)  # type: ignore[arg-type]
    items = get(doc, head)
    if items is None:
        return None
    if not m.where:
        return list(enumerate(items)), []
    sure, maybe = [], []
    for n, item in enumerate(items):
        upper, unknown = windowed(item, m, ctx.params) if m.window else (frozenset(), frozenset())
        if unknown & set(m.where):
            maybe.append((n, item))
            continue
        ok = item_matches(item, m.where, ctx, upper)
        if ok is None:
            maybe.append((n, item))
        elif ok:
            sure.append((n, item))
    return sure, maybe


class Kind:
    """One kind of measure. Class attributes are its data; hooks have defaults only where most
    kinds share them (a test checks every registered kind has each hook it must have)."""

    name: ClassVar[str]
    description: ClassVar[str]
    listy: ClassVar[bool] = False  # reads a list: its path goes through [] and `where` may filter it
    derived: ClassVar[bool] = False  # computed from other measures, not from the return
    extras: ClassVar[frozenset[str]] = frozenset()  # the other keys that go with this kind, and only with it
    swap: ClassVar[str | None] = None  # the kind mutation testing puts in its place
    required_extras: ClassVar[frozenset[str]] = frozenset()
    # A count of things done "in time" stated with a wider window than the standard's is an upper bound.
    counts_in_time: ClassVar[bool] = False

    REGISTRY: ClassVar[dict[str, Kind]] = {}

    # --- shape -------------------------------------------------------------------------------------
    def check(self, m: Measure) -> None:
        """Shape problems a schema cannot state: raised as the schema's own errors."""
        path = getattr(m, self.name)
        if not self.derived:
            if self.listy and "[]" not in path:
                raise PydanticCustomError("measure_path", "'{k}' needs a path through a list ([])", {"k": self.name})
            if not self.listy and "[]" in path:
                raise PydanticCustomError("measure_path", "'{k}' takes a path without []", {"k": self.name})
        if m.where is not None and not self.listy:
            raise PydanticCustomError("measure_where", "'where' only filters list measures")
        if m.window is not None:
            for w in m.window:
                if self.derived or (w.field is not None) != self.listy:
                    raise PydanticCustomError(
                        "measure_window", "a window of a list measure names an item 'field', of a value a 'path'")

    def path(self, m: Measure) -> str | None:
        return None if self.derived else getattr(m, self.name)

    def derived_from(self, m: Measure) -> tuple[str, ...]:
        return ()

    # --- arithmetic --------------------------------------------------------------------------------
    def engine_type(self, rule: Rule, m: Measure) -> str:
        """How the engine sees the measure: 'text' (known or not), 'int' or 'frac' (a range)."""
        return "int"

    def is_date(self, m: Measure) -> bool:
        return False

    def compute(self, m: Measure, rule: Rule, ctx: Context) -> MeasureResult:
        raise NotImplementedError(self.name)

    def derive(self, m: Measure, rule: Rule, ranges: dict[str, Range]) -> Range:
        raise NotImplementedError(self.name)

    # --- words -------------------------------------------------------------------------------------
    def unit(self, m: Measure) -> str | None:
        """How the value reads: 'flag' (yes/no), 'date', 'GBP', 'percent', or None (a count or text)."""
        return None

    def label(self, rule: Rule, name: str, m: Measure, params: dict[str, Any]) -> str:
        """What the measure is, in words, when the rule gives it no description."""
        raise NotImplementedError(self.name)

    def names(self, m: Measure, result: MeasureResult, ctx: Context) -> str:
        """`{measure:names}`: the items behind the value, in the organisation's own names."""
        from compliance.domain.labels import item_name, lower_first

        if not result.listed:
            return "not reported"
        if not result.sure and result.maybe:  # "at most 1 (possibly general practice)"
            return "possibly " + lower_first(join_names([item_name(i) for _, i in result.maybe]))
        return join_names([item_name(i) for _, i in result.sure])

    def missing(self, m: Measure, result: MeasureResult, ctx: Context) -> list[tuple[Loc, str]]:
        """The inputs a reader must still fill in for the value to be known: (where, in words)."""
        return list_gaps(m, result, ctx)

    def source(self, m: Measure) -> str:
        """Where the value comes from, for tools ('sum(training.groups[level=1].in_date)')."""
        text = self.path(m) or ""
        if m.where:
            conds = [test_source(k, v) for k, v in m.where.items()]
            text = text.replace("[]", f"[{', '.join(conds)}]", 1)
        return f"{self.name}({text})"

    # --- lint --------------------------------------------------------------------------------------
    def item_fields(self, m: Measure) -> list[tuple[str, str]]:
        """(what, field) for each field of the list items the measure names."""
        return [("where", f) for f in (m.where or {})]

    def lint(self, name: str, m: Measure) -> list[str]:
        """Problems with the paths and item fields the measure names: each must be in the input model."""
        problems = []
        paths = [self.path(m)] if self.path(m) else []
        paths += [p for v in (m.where or {}).values() for p in referenced_lists(v)]
        for path in paths:
            err = check_path(path)  # type: ignore[arg-type]
            if err:
                problems.append(f"measure '{name}': {err}")
        fields = self.item_fields(m)
        if fields and self.path(m):
            item_model = _item_model(self.path(m))  # type: ignore[arg-type]
            for what, field in fields:
                if item_model is not None and field not in item_model.model_fields \
                        and field not in item_model.model_computed_fields:
                    problems.append(f"measure '{name}': '{what}' field '{field}' is not a field of the list items")
        return problems


def register(cls: type[Kind]) -> type[Kind]:
    Kind.REGISTRY[cls.name] = cls()
    return cls


def kind_of(m: Measure) -> Kind:
    return Kind.REGISTRY[m.kind]


def measure_label(rule: Rule, name: str, params: dict[str, Any]) -> str:
    """What a measure is, in words, for the evidence a report shows next to its value: the rule's
    description (a parameter named in it reads as its value), else its kind's words."""
    import re

    from compliance.catalogue.operators import said

    m = rule.measures[name]
    if m.description:
        def word(w: re.Match[str]) -> str:
            name, braced = w.group(2) or w.group(1), w.group(2) is not None
            v = params.get(name)
            if name not in params or ("_" not in name and not braced) or v is None:
                return w.group()  # a placeholder '{name}' is filled with its braces gone, as in messages
            return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else said(v)
        return re.sub(r"\b([a-z][a-z0-9_]*)\b|\{([a-z][a-z0-9_]*)\}", word, m.description.rstrip("."))
    return kind_of(m).label(rule, name, m, params)


def join_names(names: list[str], limit: int = 6) -> str:
    """'A', 'A and B', 'A, B and C'; past `limit`, 'A, B, ... and 4 more'."""
    if not names:
        return "none"
    if len(names) > limit:
        names = names[:limit - 1] + [f"{len(names) - limit + 1} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def filter_words(m: Measure, params: dict[str, Any]) -> str:
    """A measure's filter in words: 'level 3; service: ED or UTC'."""
    from compliance.domain.labels import lower_first

    head = list_path(m.path) if m.path else ""
    return "; ".join(test_words(lower_first(label_or_name(f"{head}[].{field}")), want, params)
                     for field, want in (m.where or {}).items())


def check_path(path: str) -> str | None:
    from compliance.domain.model import SelfAssessment

    head, tail = split(path)
    model, err = model_at(SelfAssessment, head)
    if err:
        return f"{path}: {err}"
    if tail:
        if model is None:
            return f"{path}: '{head[-1]}' is not a list of records"
        model, err = model_at(model, tail)
        if err:
            return f"{path}: {err}"
    return None


def _item_model(path: str) -> Any:
    from compliance.domain.model import SelfAssessment

    model, _ = model_at(SelfAssessment, split(path)[0])
    return model


def item_label(item: Any, path: str, field: str) -> str:
    from compliance.domain.labels import item_name, lower_first

    return f"{item_name(item)}: {lower_first(label_or_name(f'{list_path(path)}[].{field}'))}"


def list_gaps(m: Measure, result: MeasureResult, ctx: Context) -> list[tuple[Loc, str]]:
    """For a list measure left open: the list itself when not reported, else each item that may
    count and the fields it lacks (the filter's first, then the value's)."""
    path = m.path
    if path is None:
        return []
    head, tail = split(path)
    if tail is None:
        return [(head, label_or_name(path))]
    if not result.listed:
        return [(head, label_or_name(list_path(path)))]
    out: list[tuple[Loc, str]] = []
    for want in (m.where or {}).values():
        for ref in referenced_lists(want):
            if ctx.list_values(ref) is None:
                out.append((split(ref)[0], label_or_name(list_path(ref))))
    needed = list(tail) if tail else []
    needed += [f for f in getattr(m, "fields", None) or () if f not in needed]
    for n, item in sorted(list(result.sure) + list(result.maybe), key=lambda x: x[0]):
        gaps = [f for f in (m.where or {}) if scalar(getattr(item, f)) is None]
        if not gaps:
            gaps = [f for f in needed if get(item, (f,)) is None]
        out += [(head + (n, f), item_label(item, path, f)) for f in gaps]
    if not out:
        out.append((head, f"{label_or_name(list_path(path))} (no entry of the kind this requirement reads)"))
    return list(dict.fromkeys(out))


__all__ = ["Kind", "register", "split", "get", "filtered", "join_names", "filter_words", "label_or_name",
           "list_label", "leaf_type", "bounded_part", "whole_of", "check_path", "list_gaps", "UNKNOWN"]
