"""Loading a self-assessment file: read safely, validate, and record what was read."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from compliance.intake.documents import read_document
from compliance.domain.errors import InputError, shorten
from compliance.domain.result import InputInfo
from compliance.domain.model import SCHEMA_VERSION, SelfAssessment, schema_version_of
from compliance.intake.validation import validate
from compliance.intake.workbook_layout import OTHER_SPREADSHEETS, WORKBOOK_SUFFIXES


Where = Callable[[tuple], "str | None"]


def load_assessment(path: Path) -> tuple[SelfAssessment, InputInfo]:
    assessment, info, _ = load_located(path)
    return assessment, info


def load_located(path: Path) -> tuple[SelfAssessment, InputInfo, Where]:
    """The return, what was read, and where a part of it is entered: a workbook's 'Sheet!Cell', or
    a YAML or JSON file's 'line N' (of the nearest enclosing part for a value not written at all),
    so a report can say where to fill in what is missing."""
    if path.suffix.lower() in OTHER_SPREADSHEETS:
        from compliance.domain.errors import Problem

        raise InputError(str(path), [Problem(
            f"{OTHER_SPREADSHEETS[path.suffix.lower()]}, which safeguard does not read: open it and save it as an "
            "Excel Workbook (.xlsx), or fill in a template from `safeguard template`")])
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from compliance.intake.workbook import load_workbook_located

        assessment, info, cells = load_workbook_located(path)
        return assessment, info, lambda loc: cells.locate(loc, {})
    doc = read_document(path, InputError)
    if not isinstance(doc.data, dict):
        raise InputError(str(path), [_top_level_problem(doc.data)])
    version = doc.data.get("schema_version")
    if schema_version_of(version) is None:  # alone: without it every other field is judged by the wrong version
        from compliance.domain.errors import Problem

        said = ("there is no schema_version" if "schema_version" not in doc.data else
                f"schema_version {shorten(repr(version), 40)} is not supported by this version of safeguard")
        raise InputError(str(path), [Problem(
            f"{said}: it reads versions \"1\" and \"{SCHEMA_VERSION}\"; write schema_version: \"{SCHEMA_VERSION}\" "
            "as the return's first line (or \"1\" for a version 1 return)",
            "schema_version", doc.line_of(("schema_version",)) or 1)])
    assessment = validate(SelfAssessment, doc, InputError)

    def where(loc: tuple) -> str | None:
        line = doc.line_of(loc)
        return None if line is None else f"line {line}"

    return assessment, InputInfo(path=str(path), sha256=hashlib.sha256(doc.text.encode()).hexdigest()), where


def _top_level_problem(data: object):
    from compliance.domain.errors import Problem

    found = "an empty file" if data is None else f"a {type(data).__name__}"
    return Problem(f"expected a mapping with schema_version, organisation, ... at the top level; found {found}", line=1)
