"""The README's description of the return names real fields: every field name it quotes in the
format section is a field of the input model, and every top-level section is listed."""

from __future__ import annotations

import re
from pathlib import Path

from compliance.domain.migrate import RENAMES
from compliance.domain.model import SelfAssessment
from compliance.domain.outcomes import Outcome

README = Path(__file__).resolve().parents[1] / "README.md"


def _all_field_names() -> set[str]:
    names, stack, seen = set(), [SelfAssessment], set()
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, f in model.model_fields.items():
            names.add(name)
            todo = [f.annotation]
            while todo:
                a = todo.pop()
                if isinstance(a, type) and hasattr(a, "model_fields"):
                    stack.append(a)
                todo.extend(getattr(a, "__args__", ()) or ())
    return names


def _format_section() -> str:
    """From the section's heading to its first subsection (the workbook has its own words)."""
    text = README.read_text()
    start = text.index("## The self-assessment format")
    return text[start:min(text.index("\n### ", start), text.index("\n## Rules", start))]


def test_readme_field_names_are_fields_of_the_model():
    quoted = set(re.findall(r"`([a-z][a-z0-9_]*)`", _format_section()))
    not_fields = {"title", "description", "null", "false", "true"}  # words about the schema itself
    not_fields |= {o.value for o in Outcome}  # outcomes the format section explains
    not_fields |= {old for fields in RENAMES.values() for old, *_ in fields}  # version 1 names, read as version 2
    assert quoted - not_fields - _all_field_names() == set()
    assert len(quoted & _all_field_names()) > 50


def test_readme_lists_every_section_and_calls_the_code_id():
    section = _format_section()
    for name in SelfAssessment.model_fields:
        if name != "schema_version":
            assert f"`{name}`" in section, name
    assert "`id`" in section and "(code," not in section
