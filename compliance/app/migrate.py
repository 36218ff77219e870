"""`safeguard migrate`: a version 1 return rewritten as version 2, validated before it is written."""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML

from compliance.domain.errors import InputError
from compliance.domain.migrate import migrate_v1
from compliance.domain.model import SelfAssessment, schema_version_of
from compliance.intake.documents import read_document
from compliance.intake.returns import load_assessment


def migrated_text(path: Path) -> str:
    """Validation first (the loader migrates on read), so a broken file is never half-migrated."""
    load_assessment(path)
    doc = read_document(path, InputError)
    data = migrate_v1(doc.data) if schema_version_of(doc.data.get("schema_version")) == "1" else doc.data
    SelfAssessment.model_validate(data)
    y = YAML(typ="rt")
    y.default_flow_style = False
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()
