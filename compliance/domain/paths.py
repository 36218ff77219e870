"""Walking the return model by field names: one walk for rule paths, error hints and field labels.

Rules name input fields by dotted paths (`training.groups[].in_date`), validation errors suggest
field names near a typo, and reports label what was not reported; all of them need "which model
sits at this path", so it is answered here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from pydantic import BaseModel


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, list, Union...)."""
    found = []
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            found.append(a)
        stack.extend(getattr(a, "__args__", ()) or ())
    return found


def model_at(model: type[BaseModel], parts: Iterable[str | int]) -> tuple[type[BaseModel] | None, str | None]:
    """The model reached by following field names from `model` (list indexes are skipped).

    Returns (model or None for a plain value or computed field, None) or (None, why the path is wrong).
    """
    current: type[BaseModel] | None = model
    for part in parts:
        if isinstance(part, int):
            continue
        if current is None:
            return None, f"'{part}' is below a plain value"
        field = current.model_fields.get(part)
        if field is None:
            if part in current.model_computed_fields:
                return None, None
            return None, f"'{part}' is not a field of {current.__name__}"
        models = models_in(field.annotation)
        current = models[0] if models else None
    return current, None


_MISSING = object()


@lru_cache(maxsize=4096)
def split(path: str) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """'a.b[].c' -> (('a','b'), ('c',)); a path without [] -> (parts, None). The one parser of the
    rule language's path grammar."""
    if "[]" in path:
        head, tail = path.split("[]", 1)
        return tuple(head.split(".")), tuple(p for p in tail.split(".") if p)
    return tuple(path.split(".")), None


def get(obj: Any, parts: Iterable[str]) -> Any:
    """The value at field names from `obj`; None past an unreported value; KeyError for a name
    the model lacks."""
    for part in parts:
        if obj is None:
            return None
        obj = getattr(obj, part, _MISSING)
        if obj is _MISSING:
            raise KeyError(part)
    return obj


def list_path(path: str) -> str:
    """'training.groups[].in_date' -> 'training.groups'."""
    return ".".join(split(path)[0])
