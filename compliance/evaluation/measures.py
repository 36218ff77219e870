"""Deriving a rule's measures from a self-assessment.

This is the only place Python looks inside the data: generic aggregates (sum, count, percent,
months since...) named and configured by rule files. A measure is `None` when any value it needs
was not reported, so a rule can say "insufficient evidence" instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import operator
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable


from compliance.domain.paths import model_at
from compliance.domain import calendar
from compliance.domain.errors import Problem, RuleError
from compliance.domain.model import SelfAssessment
from compliance.intake.documents import read_document
from compliance.catalogue.schema import Compare, Measure, Rule

Value = int | float | str | None

_MISSING = object()


@lru_cache(maxsize=4096)
def _split(path: str) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """'a.b[].c' -> (('a','b'), ('c',)); a path without [] -> (parts, None)."""
    if "[]" in path:
        head, tail = path.split("[]", 1)
        return tuple(head.split(".")), tuple(p for p in tail.split(".") if p)
    return tuple(path.split(".")), None


def _get(obj: Any, parts: Iterable[str]) -> Any:
    for part in parts:
        if obj is None:
            return None
        obj = getattr(obj, part, _MISSING)
        if obj is _MISSING:
            raise KeyError(part)
    return obj


def _scalar(v: Any) -> Any:
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, bool):
        return int(v)
    return v


def _value(v: Any) -> Any:
    """A measure's final value: dates become ISO text (use months_since to compare them)."""
    v = _scalar(v)
    return v.isoformat() if isinstance(v, dt.date) else v


_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le,
            "gt": operator.gt, "gte": operator.ge}


def _matches(item: Any, where: dict[str, Any], doc: SelfAssessment, params: dict[str, Any]) -> bool | None:
    """Whether a list item passes the filter; None when the filter needs an unreported value."""
    for field, want in where.items():
        have = _scalar(getattr(item, field))
        if isinstance(want, Compare):
            op = next(iter(want.model_fields_set))
            arg = getattr(want, op)
            if isinstance(arg, str) and op not in ("eq", "ne", "in_", "not_in"):
                arg = params[arg]
            if op in ("in_", "not_in"):
                ref = _list_values(doc, arg)
                if ref is None:
                    return None
                ok = (have in ref) == (op == "in_")
            elif have is None:
                return None
            elif op == "in_period":
                ok = calendar.in_period(have, doc.organisation.period.start, doc.organisation.period.end)
            elif op == "within_months":
                ok = calendar.within_months(have, doc.organisation.period.end, arg)
            elif op == "older_than_months":
                ok = not calendar.within_months(have, doc.organisation.period.end, arg)
            else:
                ok = _COMPARE[op](have, _scalar(arg))
        elif have is None:
            return None  # deciding needs a value that was not reported: never read as "no"
        elif isinstance(want, list):
            ok = have in [_scalar(w) for w in want]
        else:
            ok = have == _scalar(want)
        if not ok:
            return False
    return True


def _list_values(doc: SelfAssessment, path: str) -> list[Any] | None:
    head, tail = _split(path)
    items = _get(doc, head)
    if items is None:
        return None
    if tail is None:
        return [_scalar(v) for v in items]
    return [_scalar(_get(i, tail)) for i in items]


def _items(doc: SelfAssessment, m: Measure, params: dict[str, Any]) -> tuple[list[Any] | None, tuple[str, ...]]:
    head, tail = _split(m.path)  # type: ignore[arg-type]
    items = _get(doc, head)
    if items is None:
        return None, tail or ()
    if m.where:
        kept = []
        for item in items:
            ok = _matches(item, m.where, doc, params)
            if ok is None:
                return None, tail or ()
            if ok:
                kept.append(item)
        items = kept
    return list(items), tail or ()


def compute(rule: Rule, doc: SelfAssessment, params: dict[str, Any] | None = None) -> dict[str, Value]:
    """Every measure of the rule, `None` where not reported; filters may read the rule's parameters."""
    params = rule.parameter_values() if params is None else params
    out: dict[str, Value] = {}
    for name, m in rule.measures.items():
        if not m.derived_from:
            out[name] = None if m.window and window_problem(m, doc, params) else _compute(m, doc, params)
    for name, m in rule.measures.items():
        if m.kind == "percent":
            num, den = (out[n] for n in m.percent)  # type: ignore[union-attr]
            out[name] = None if num is None or den in (None, 0) else round(num * 100 / den, 2)
        elif m.kind == "total":
            parts = [out[n] for n in m.total]  # type: ignore[union-attr]
            out[name] = None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]
    return out


def _compute(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> Value:
    kind = m.kind
    if kind == "value":
        return _value(_get(doc, _split(m.path)[0]))  # type: ignore[arg-type]
    if kind == "year":
        d = _get(doc, _split(m.path)[0])  # type: ignore[arg-type]
        return None if d is None else d.year
    if kind == "months_since":
        d = _get(doc, _split(m.path)[0])  # type: ignore[arg-type]
        return None if d is None else calendar.months_elapsed(d, doc.organisation.period.end)
    items, tail = _items(doc, m, params)
    if items is None:
        return None
    if kind == "count":
        return len(items)
    if kind == "min_percent":
        part, whole = m.fields  # type: ignore[misc]
        pairs = [(_get(i, (part,)), _get(i, (whole,))) for i in items]
        if any(p is None or w is None for p, w in pairs):
            return None
        shares = [round(p * 100 / w, 2) for p, w in pairs if w]
        return min(shares) if shares else None
    values = [_scalar(_get(i, tail)) for i in items]
    if kind == "absent":
        present = set(values)
        return sum(1 for v in m.values if _scalar(v) not in present)  # type: ignore[union-attr]
    if any(v is None for v in values):
        return None
    if kind == "distinct":
        return len(set(values))
    if kind == "sum":
        return sum(values)
    if not values:
        return None
    return _value(min(values) if kind == "min" else max(values))


def window_problem(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> str | None:
    """Why a reported count cannot be compared with the rule's standard, or None if it can."""
    for w in m.window or []:
        want = params[w.parameter]
        if w.path is not None:
            stated, label = [_get(doc, _split(w.path)[0])], w.path
        else:
            items, _ = _items(doc, m, params)
            stated, label = [getattr(i, w.field) for i in items or []], f"{m.path}.{w.field}".replace("[].", "[].", 1)
        for v in stated:
            if v is None or (v <= want if w.max else v == want):
                continue
            how = "wider than" if w.max else "not"
            return (f"{describe_source(m)} was counted with {label} = {_fmt_number(v)}, {how} the "
                    f"{w.parameter} of {_fmt_number(want)} in force, so it cannot show the standard is met")
    return None


def _fmt_number(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v == int(v) else str(v)


def describe_source(m: Measure) -> str:
    """Where a measure comes from, as a reader would look for it in the return."""
    if m.kind == "percent":
        return f"{m.percent[0]} / {m.percent[1]}"  # type: ignore[index]
    if m.kind == "total":
        return " + ".join(m.total)  # type: ignore[arg-type]
    text = m.path or ""
    if m.where:
        conds = []
        for k, v in m.where.items():
            if isinstance(v, Compare):
                op = next(iter(v.model_fields_set))
                conds.append(f"{k} {op.rstrip('_')} {getattr(v, op)}")
            else:
                conds.append(f"{k}={'|'.join(map(str, v)) if isinstance(v, list) else v}")
        text = text.replace("[]", f"[{', '.join(conds)}]", 1)
    if m.fields:
        text += f" {m.fields[0]}/{m.fields[1]}"
    return f"{m.kind}({text})" + (f" of {', '.join(map(str, m.values))}" if m.values else "")


def service_count(rule: Rule, doc: SelfAssessment) -> int | None:
    """How many of the rule's scoping services the organisation runs; None if services not reported."""
    if rule.applies_to.services is None:
        return None
    if doc.services is None:
        return None
    wanted = set(rule.applies_to.services)
    return sum(1 for s in doc.services if s.kind in wanted)


def path_problems(rule: Rule, file: Path | None) -> list[Problem]:
    """`check_paths` as located problems. `rules lint` and every Evaluator call this one function,
    so a rule that lint passes never fails on a missing field while an organisation is assessed."""
    texts = check_paths(rule)
    if not texts:
        return []
    doc = None
    if file is not None:
        try:
            doc = read_document(file, RuleError, max_bytes=256 * 1024)
        except RuleError:
            doc = None
    out = []
    for text in texts:
        name = text.split("'")[1] if text.startswith("measure '") else ""
        loc = ("measures", name) if name else ("measures",)
        out.append(Problem(text, ".".join(loc), doc.line_of(loc) if doc else None))
    return out


def check_paths(rule: Rule) -> list[str]:
    """Problems with measure paths: each must name fields of the input model."""
    problems = []
    for name, m in rule.measures.items():
        paths = [m.path] if m.path else []
        if m.where:
            paths += [getattr(v, op) for v in m.where.values() if isinstance(v, Compare)
                      for op in v.model_fields_set if op in ("in_", "not_in")]
        for path in paths:
            err = _check_path(path)
            if err:
                problems.append(f"measure '{name}': {err}")
        if m.where and m.path:
            item_model = _item_model(m.path)
            for field in m.where:
                if item_model is not None and field not in item_model.model_fields and field not in item_model.model_computed_fields:
                    problems.append(f"measure '{name}': 'where' field '{field}' is not a field of the list items")
    return problems


def _walk(path_parts: Iterable[str]) -> tuple[Any, str | None]:
    return model_at(SelfAssessment, path_parts)


def _check_path(path: str) -> str | None:
    head, tail = _split(path)
    model, err = _walk(head)
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
    head, _ = _split(path)
    model, _ = _walk(head)
    return model
