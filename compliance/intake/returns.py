"""Loading a self-assessment file: read safely, validate, and record what was read."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from compliance.intake.documents import read_document
from compliance.domain.errors import InputError
from compliance.domain.result import InputInfo
from compliance.domain.model import SCHEMA_VERSION, SelfAssessment
from compliance.intake.validation import validate
from compliance.intake.workbook_layout import WORKBOOK_SUFFIXES


Where = Callable[[tuple], "str | None"]


def load_assessment(path: Path) -> tuple[SelfAssessment, InputInfo]:
    assessment, info, _ = load_located(path)
    return assessment, info


def load_located(path: Path) -> tuple[SelfAssessment, InputInfo, Where]:
    """The return, what was read, and where a part of it is entered: a workbook's 'Sheet!Cell', or
    a YAML or JSON file's 'line N' (of the nearest enclosing part for a value not written at all),
    so a report can say where to fill in what is missing."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from compliance.intake.workbook import load_workbook_located

        assessment, info, cells = load_workbook_located(path)
        return assessment, info, lambda loc: cells.locate(loc, {})
    doc = read_document(path, InputError)
    if not isinstance(doc.data, dict):
        raise InputError(str(path), [_top_level_problem(doc.data)])
    version = doc.data.get("schema_version")
    if version is not None and str(version) not in ("1", SCHEMA_VERSION):
        from compliance.domain.errors import Problem

        raise InputError(str(path), [Problem(
            f"schema_version {version!r} is not supported by this version of safeguard (it reads versions \"1\" and \"{SCHEMA_VERSION}\")",
            "schema_version", doc.line_of(("schema_version",)))])
    assessment = validate(SelfAssessment, doc, InputError)

    def where(loc: tuple) -> str | None:
        line = doc.line_of(loc)
        return None if line is None else f"line {line}"

    return assessment, InputInfo(path=str(path), sha256=hashlib.sha256(doc.text.encode()).hexdigest()), where


def _top_level_problem(data: object):
    from compliance.domain.errors import Problem

    found = "an empty file" if data is None else f"a {type(data).__name__}"
    return Problem(f"expected a mapping with schema_version, organisation, ... at the top level; found {found}", line=1)
