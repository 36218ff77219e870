"""`safeguard init`: a commented starter return for one type of organisation.

A first return is written from the model itself: every section and field that the rules for the
type read, each with its label and description as a comment, and every value left unreported, so
the file is valid as it stands but for the organisation's code and areas (placeholders that assess
refuses, naming each, until they are replaced), and assessing it with those filled in gives
"insufficient evidence" (never a "met"). Records with a required count, and list items, are written commented out:
uncommenting one is filling it in.
"""

from __future__ import annotations

import datetime as dt
import textwrap
import types
import typing
from typing import Any

from pydantic import BaseModel

from compliance.catalogue.loading import RuleSet
from compliance.catalogue.operators import referenced_lists
from compliance.domain.model import PLACEHOLDER, SCHEMA_VERSION, OrgType, SelfAssessment

WIDTH = 100
ORGANISATION_PLACEHOLDERS = {
    "id": f'"{PLACEHOLDER}"',  # refused by assess until replaced (the model says which to replace)
    "name": '"Your organisation\'s name"',
    "local_authorities": f'["{PLACEHOLDER}"]',
}


def read_paths(ruleset: RuleSet, org_type: OrgType) -> set[str]:
    """Every field path (without []) that a rule in force for this type reads, with its ancestors."""
    paths: set[str] = set()
    for rule in ruleset.rules:
        if org_type not in rule.applies_to.org_types:
            continue
        if rule.applies_to.services is not None:
            paths.add("services.kind")
        for m in rule.measures.values():
            if m.path is None:
                continue
            base = m.path.replace("[]", "")
            paths.add(base)
            head = m.path.split("[]")[0]
            for field in list(m.where or {}) + list(m.fields or ()):
                paths.add(f"{head}.{field}")
            for want in (m.where or {}).values():
                paths.update(ref.replace("[]", "") for ref in referenced_lists(want))
    out: set[str] = set()
    for p in paths:
        parts = p.split(".")
        out.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return out


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(the record model inside an annotation, whether it is a list of them)."""
    stack, is_list = [annotation], False
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a, is_list
        if typing.get_origin(a) is list:
            is_list = True
        stack.extend(typing.get_args(a))
    return None, is_list


def _nullable(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation) or annotation is type(None) or (
        isinstance(annotation, types.UnionType) and type(None) in annotation.__args__)


def _expandable(model: type[BaseModel]) -> bool:
    """A record can be written uncommented with every field null only if every field may be null."""
    return all(_nullable(f.annotation) for f in model.model_fields.values())


def _comment(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}# ")


def _choices(annotation: Any) -> list[str]:
    from enum import Enum

    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, Enum):
            return [m.value for m in a]
        stack.extend(typing.get_args(a))
    return []


def _explain(model: type[BaseModel], name: str) -> str:
    f = model.model_fields[name]
    required = "" if not f.is_required() else " Required in this block."
    choices = _choices(f.annotation)
    one_of = f" One of: {', '.join(choices)}." if choices and not all(c in (f.description or "") for c in choices) else ""
    return f"{f.title}: {f.description}{one_of}{required}"


def _template(model: type[BaseModel], indent: str, first_prefix: str) -> list[str]:
    """Commented-out lines for one record (a list item or a record with a required field)."""
    lines = []
    width = max(len(n) for n in model.model_fields) + 2
    for i, name in enumerate(model.model_fields):
        prefix = first_prefix if i == 0 else " " * len(first_prefix)
        f = model.model_fields[name]
        sub, is_list = _model_of(f.annotation)
        if sub is not None:
            lines.append(f"{indent}# {prefix}{name}:".ljust(len(indent) + width + len(prefix) + 4)
                         + f"  # {f.title}: {f.description}")
            lines += _template(sub, indent + " " * (len(prefix) + 2), "- " if is_list else "")
            continue
        lines.append(f"{indent}# {prefix}{(name + ':').ljust(width)}  # {_explain(model, name)}")
    return lines


def _fields(model: type[BaseModel], path: str, read: set[str], indent: str) -> list[str]:
    lines: list[str] = []
    for name, f in model.model_fields.items():
        here = f"{path}.{name}" if path else name
        if here not in read:
            continue
        sub, is_list = _model_of(f.annotation)
        lines.append("")
        lines += _comment(f"{f.title}: {f.description}", indent)
        if sub is None:
            lines.append(f"{indent}{name}:")
        elif is_list:
            lines += _comment("A list: uncomment the entry below, copy it once per item, and fill it in.", indent)
            lines.append(f"{indent}{name}:")
            lines += _template(sub, indent, "  - ")
        elif _expandable(sub):
            lines.append(f"{indent}{name}:")
            lines += _fields(sub, here, read, indent + "  ")
        else:
            lines += _comment("To report it, uncomment the block and fill in every required field.", indent)
            lines.append(f"{indent}{name}:")
            lines += _template(sub, indent, "  ")
    return lines


def _last_financial_year(today: dt.date) -> tuple[dt.date, dt.date]:
    end_year = today.year if today >= dt.date(today.year, 3, 31) else today.year - 1
    return dt.date(end_year - 1, 4, 1), dt.date(end_year, 3, 31)


def starter_return(ruleset: RuleSet, org_type: OrgType, today: dt.date | None = None) -> str:
    """The starter YAML for one organisation type."""
    start, end = _last_financial_year(today or dt.date.today())
    read = read_paths(ruleset, org_type)
    read.update({"context"} | {f"context.{n}" for n in SelfAssessment.model_fields["context"].annotation.__args__[0].model_fields})  # type: ignore[union-attr]
    lines = [
        f"# Safeguarding-children self-assessment: starter return for {'an' if org_type.value[0] in 'aeiou' else 'a'} "
        f"{org_type.value} organisation.",
        "# Written by `safeguard init`. Every value is left unreported: an empty field means 'not reported',",
        "# which is never read as 'no' or 0 (the requirement that needs it reports insufficient evidence).",
        "# Fill in what you measured; `false` and `0` are evidence. `safeguard schema` describes every field,",
        "# and `safeguard assess THIS-FILE` reports what is still missing.",
        f'schema_version: "{SCHEMA_VERSION}"',
        "",
        "organisation:",
    ]
    org = SelfAssessment.model_fields["organisation"].annotation
    for name, f in org.model_fields.items():  # type: ignore[union-attr]
        lines += _comment(f"{f.title}: {f.description}", "  ")
        if name == "type":
            lines.append(f"  type: {org_type.value}")
        elif name == "period":
            lines.append(f"  period: {{start: {start.isoformat()}, end: {end.isoformat()}}}")
        elif name in ORGANISATION_PLACEHOLDERS:
            lines.append(f"  {name}: {ORGANISATION_PLACEHOLDERS[name]}")
        else:
            lines.append(f"  {name}:")
    lines += _fields(SelfAssessment, "", read - {"organisation"} - {p for p in read if p.startswith("organisation.")}, "")
    return "\n".join(lines) + "\n"
