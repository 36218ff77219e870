"""Loading a self-assessment file: read safely, validate, and record what was read."""

from __future__ import annotations

import hashlib
from pathlib import Path

from compliance.intake.documents import read_document
from compliance.domain.errors import InputError
from compliance.domain.result import InputInfo
from compliance.domain.model import SCHEMA_VERSION, SelfAssessment
from compliance.intake.validation import validate
from compliance.intake.workbook_layout import OTHER_SPREADSHEETS, WORKBOOK_SUFFIXES


def load_assessment(path: Path) -> tuple[SelfAssessment, InputInfo]:
    if path.suffix.lower() in OTHER_SPREADSHEETS:
        from compliance.domain.errors import Problem

        raise InputError(str(path), [Problem(
            f"{OTHER_SPREADSHEETS[path.suffix.lower()]}, which safeguard does not read: open it and save it as an "
            "Excel Workbook (.xlsx), or fill in a template from `safeguard template`")])
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from compliance.intake.workbook import load_workbook_return

        return load_workbook_return(path)
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
    return assessment, InputInfo(path=str(path), sha256=hashlib.sha256(doc.text.encode()).hexdigest())


def _top_level_problem(data: object):
    from compliance.domain.errors import Problem

    found = "an empty file" if data is None else f"a {type(data).__name__}"
    return Problem(f"expected a mapping with schema_version, organisation, ... at the top level; found {found}", line=1)
