"""Loading a self-assessment file: read safely, validate, and record what was read."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .documents import read_document
from .errors import InputError
from .findings import InputInfo
from .model import SelfAssessment
from .validation import validate


def load_assessment(path: Path) -> tuple[SelfAssessment, InputInfo]:
    doc = read_document(path, InputError)
    if not isinstance(doc.data, dict):
        raise InputError(str(path), [_top_level_problem(doc.data)])
    version = doc.data.get("schema_version")
    if version is not None and str(version) != "1":
        from .errors import Problem

        raise InputError(str(path), [Problem(
            f"schema_version {version!r} is not supported by this version of safeguard (it reads version \"1\")",
            "schema_version", doc.line_of(("schema_version",)))])
    assessment = validate(SelfAssessment, doc, InputError)
    return assessment, InputInfo(path=str(path), sha256=hashlib.sha256(doc.text.encode()).hexdigest())


def _top_level_problem(data: object):
    from .errors import Problem

    found = "an empty file" if data is None else f"a {type(data).__name__}"
    return Problem(f"expected a mapping with schema_version, organisation, ... at the top level; found {found}", line=1)


INPUT_SUFFIXES = (".yaml", ".yml", ".json")


def input_files(paths: list[Path]) -> list[Path]:
    """Files as given, folders as their returns (not recursive), in a stable order."""
    from .errors import Problem

    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix in INPUT_SUFFIXES and f.is_file())
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(str(p), [Problem("no such file or folder")])
    return out
