"""Human labels for the return's fields and coded values, from one place: the models' titles.

Reports name what a reader must look for or fill in ("Maternity: whether CP-IS is live"), never a
path expression or a field identifier; this module turns either into words, so a label is written
once, on the field, and every format reads it from here.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from compliance.domain.model import SelfAssessment
from compliance.domain.paths import models_in

# Coded values whose words are not simply the code with spaces.
_VALUE_WORDS = {
    "camhs": "CAMHS",
    "emergency_department": "emergency department",
    "out_of_hours_gp": "out-of-hours GP",
    "gp_practice": "GP practice",
    "icb": "ICB",
    "looked_after_children": "looked-after children's health",
    "general_practice": "general practice",
    "named_gp": "named GP",
    "designated_doctor_lac": "designated doctor for looked-after children",
    "designated_nurse_lac": "designated nurse for looked-after children",
    "designated_paediatrician_child_deaths": "designated paediatrician for child deaths",
    "chief_executive": "chief executive",
    "requires_improvement": "requires improvement",
}


def value_label(value: Any) -> str:
    """A coded value (an enum member or its code) in words: 'urgent_treatment_centre' -> 'urgent treatment centre'."""
    code = value.value if isinstance(value, Enum) else str(value)
    return _VALUE_WORDS.get(code, code.replace("_", " "))


def _fields(path: str) -> list[tuple[type[BaseModel], str]]:
    """The (model, field name) pairs a path walks through; KeyError for a name the model lacks."""
    model: type[BaseModel] | None = SelfAssessment
    out = []
    for part in path.replace("[]", "").split("."):
        if not part:
            continue
        if model is None:
            raise KeyError(path)
        if part in model.model_fields:
            out.append((model, part))
            found = models_in(model.model_fields[part].annotation)
            model = found[0] if found else None
        elif part in model.model_computed_fields:
            out.append((model, part))
            model = None
        else:
            raise KeyError(path)
    if not out:
        raise KeyError(path)
    return out


def _info(model: type[BaseModel], name: str) -> Any:
    return model.model_fields.get(name) or model.model_computed_fields[name]


@lru_cache(maxsize=1024)
def label_of(path: str) -> str:
    """The human label of a field of the return, by path ('training.groups[].in_date' or without
    the brackets): its title, e.g. 'Staff in date'. KeyError for a path that is not in the model."""
    model, name = _fields(path)[-1]
    title = _info(model, name).title
    return title or name.replace("_", " ").capitalize()


def label_or_name(path: str) -> str:
    """The model's label, or for a path lint will reject anyway, its last name in words."""
    try:
        return label_of(path)
    except KeyError:
        return path.replace("[]", "").split(".")[-1].replace("_", " ").capitalize()


@lru_cache(maxsize=1)
def _title_chains() -> dict[str, tuple[str, ...]]:
    """Every value field of the return (a field holding no section; lists as `[]`-free names), with
    the titles from its section down to the field."""
    out: dict[str, tuple[str, ...]] = {}

    def walk(model: type[BaseModel], prefix: str, titles: tuple[str, ...]) -> None:
        for name in [*model.model_fields, *model.model_computed_fields]:
            path = f"{prefix}{name}"
            chain = (*titles, _info(model, name).title or name.replace("_", " ").capitalize())
            found = models_in(model.model_fields[name].annotation) if name in model.model_fields else []
            if not found:
                out[path] = chain
            elif len(chain) < 8:
                walk(found[0], path + ".", chain)

    walk(SelfAssessment, "", ())
    return out


@lru_cache(maxsize=1024)
def distinct_label(path: str) -> str:
    """A field's label that no other field of the return shares, for a to-do: the field's own title,
    led by its nearest sections' titles when another field has the same one ('CAMHS referrals:
    referrals seen in time', since substance-misuse referrals have 'Referrals seen in time' too)."""
    key = path.replace("[]", "")
    chains = _title_chains()
    chain = chains.get(key)
    if chain is None:
        return label_or_name(path)
    for k in range(1, len(chain) + 1):
        tail = tuple(t.lower() for t in chain[-k:])
        if sum(1 for c in chains.values() if tuple(t.lower() for t in c[-k:]) == tail) <= 1:
            break
    head, *rest = chain[-k:]
    return ": ".join([head, *(lower_first(t) for t in rest)])


def list_label(path: str) -> str:
    """The label of the list a path goes through ('Staff groups' for 'training.groups[].in_date')."""
    from compliance.domain.paths import list_path

    return label_or_name(list_path(path))


@lru_cache(maxsize=1024)
def description_of(path: str) -> str:
    """The reference text of a field: what it counts, over which period, in which unit."""
    model, name = _fields(path)[-1]
    return _info(model, name).description or ""


def section_label(path: str) -> str:
    """The label of a path's top-level section, e.g. 'Training' for 'training.groups[].in_date'."""
    return label_of(path.split(".")[0].replace("[]", ""))


def lower_first(text: str) -> str:
    """'Whether CP-IS is live' -> 'whether CP-IS is live', keeping acronyms ('CP-IS', 'ED') as they are."""
    head = text.split(" ", 1)[0]
    return text if head.isupper() or any(c.isupper() for c in head[1:]) else text[:1].lower() + text[1:]


def item_name(item: Any) -> str:
    """What a reader calls one item of a list of the return: a service by its name (or kind), a
    staff group by its group, a role by its role, a partnership by its name."""
    for field in ("name", "group", "post", "provider"):
        value = getattr(item, field, None)
        if isinstance(value, str) and value:
            return value
    for field in ("kind", "role", "service"):
        value = getattr(item, field, None)
        if value is not None:
            return value_label(value)[:1].upper() + value_label(value)[1:]
    return "An entry"


@lru_cache(maxsize=1024)
def unit_of(path: str) -> str | None:
    """How a field's value reads: 'flag' (yes/no), 'date', 'GBP' (money), 'hours', or None (a number or text)."""
    import datetime as dt
    import typing

    model, name = _fields(path)[-1]
    info = _info(model, name)
    stack = [getattr(info, "annotation", None) or getattr(info, "return_type", None)]
    while stack:
        a = stack.pop()
        for meta in getattr(a, "__metadata__", ()):
            extra = getattr(meta, "json_schema_extra", None)
            if isinstance(extra, dict) and "unit" in extra:
                return str(extra["unit"])
        if a is bool:
            return "flag"
        if a is dt.date:
            return "date"
        stack.extend(typing.get_args(a))
    return None


_TICKED = re.compile(r"`([A-Za-z_][A-Za-z0-9_.\[\]]*)`")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # a code written in a description: its words
_TRUE_IF = re.compile(r"\b(?:true|True) if\b")


@lru_cache(maxsize=1)
def titles_by_name() -> dict[str, str]:
    """Every field name of the return's models -> its title (the first met, walking from the root)."""
    out: dict[str, str] = {}
    seen: set[type[BaseModel]] = set()
    stack: list[type[BaseModel]] = [SelfAssessment]
    while stack:
        model = stack.pop(0)
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            if info.title:
                out.setdefault(name, info.title)
            stack.extend(models_in(info.annotation))
    return out


def plain_words(text: str, siblings: dict[str, str] | None = None) -> str:
    """Reference text as a person reads it: a `field_name` it mentions becomes that field's label
    (a sibling's first, then any field's), and "true if ..." becomes "yes if ..." (the workbook's
    answers are yes and no); a code it lists ('gp_practice') reads as its words ('GP practice')."""
    def word(m: re.Match) -> str:
        name = m.group(1).replace("[]", "")
        title = (siblings or {}).get(name)
        if title is None:
            try:
                title = label_of(name) if "." in name else None
            except KeyError:
                title = None
        title = title or titles_by_name().get(name.rsplit(".", 1)[-1])
        return f"'{lower_first(title)}'" if title else name.replace("_", " ")

    text = _SNAKE.sub(lambda m: value_label(m.group()), _TICKED.sub(word, text))
    return _TRUE_IF.sub(lambda m: "Yes if" if m.group()[0] == "T" or m.start() == 0 else "yes if", text)
