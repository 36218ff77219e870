"""Turning pydantic validation errors into located, readable problems."""

from __future__ import annotations

from typing import Any, TypeVar
from collections.abc import Callable, Mapping

from pydantic import BaseModel, ValidationError

from compliance.domain.paths import model_at, models_in
from compliance.intake.documents import Document, format_loc
from compliance.domain.errors import Problem, UserError
from compliance.domain.text_numbers import how_to_write

M = TypeVar("M", bound=BaseModel)

_EXPECTED = {
    "missing": "a value is required here",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "float_type": "expected a number",
    "finite_number": "expected a finite number (no NaN or infinity)",
    "float_parsing": "expected a number",
    "string_type": "expected text",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_parsing": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "expected a date (YYYY-MM-DD)",
    "list_type": "expected a list",
    "model_type": "expected a mapping of fields",
    "dict_type": "expected a mapping of fields",
    "model_attributes_type": "expected a mapping of fields",
}


_NUMBER_KINDS = frozenset({"int_type", "int_parsing", "float_type", "float_parsing"})


def validate(model: type[M], doc: Document, error: type[UserError]) -> M:
    try:
        return model.model_validate(doc.data)
    except ValidationError as e:
        raise error(str(doc.path), problems(model, e, doc)) from None


# Where an error is in a document that has no lines (a workbook): (location, pydantic error) -> cell.
Locate = Callable[[tuple, dict], "str | None"]


def problems(model: type[BaseModel], exc: ValidationError, doc: Document | None,
             locate: Locate | None = None) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        # Union branches add their type names to the location; they mean nothing to a user.
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in ("int", "str", "float", "bool", "date", "list"))) or p in _field_names(model))
        if err["type"] == "part_exceeds_whole":  # the part is the number to correct: point at it
            loc += (err["ctx"]["part"],)
        at = (err.get("ctx") or {}).get("at")
        if at and isinstance(at, str):  # a whole-model check that knows which part it is about
            loc = loc + tuple(at.split("."))
        out.append(Problem(_message(model, err, loc), path=format_loc(loc), line=doc.line_of(loc) if doc else None,
                           cell=locate(loc, dict(err)) if locate else None))
    return out


def _message(model: type[BaseModel], err: Mapping[str, Any], loc: tuple) -> str:
    kind = err["type"]
    got = err.get("input")
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return f"unknown field '{loc[-1]}'{hint}"
    if kind in ("enum", "literal_error"):
        return f"{err['msg'].replace('Input should be', 'expected')} (got {_show(got)})"
    if kind in _MAPPING:
        # Only the kind of thing found: a whole file that is no mapping (/etc/passwd given as a rule
        # file) would otherwise have its first line quoted back.
        return _EXPECTED[kind] + f" (got {_kind_of(got)})"
    if kind in _EXPECTED:
        text = _EXPECTED[kind] + ("" if kind == "missing" else f" (got {_show(got)})")
        if kind in _NUMBER_KINDS and isinstance(got, str):  # text that writes no number plainly
            text += "; " + how_to_write(kind.startswith("int"))
        return text
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    msg = msg.replace("Input should be", "expected")
    return msg + ("" if got is None or isinstance(got, (dict, list)) else f" (got {_show(got)})")


_MAPPING = frozenset({"model_type", "dict_type", "model_attributes_type"})


def _kind_of(value: Any) -> str:
    return {str: "text", list: "a list", bool: "true or false", int: "a number", float: "a number",
            type(None): "nothing"}.get(type(value), f"a {type(value).__name__}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_names(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    stack = [model]
    seen: set[type] = set()
    while stack:
        m = stack.pop()
        if m in seen:
            continue
        seen.add(m)
        for f in m.model_fields.values():
            names.update(m.model_fields)
            for t in models_in(f.annotation):
                stack.append(t)
    return names


def _fields_at(model: type[BaseModel], loc: tuple) -> set[str]:
    current, _ = model_at(model, loc)
    return set(current.model_fields) if current else set()
