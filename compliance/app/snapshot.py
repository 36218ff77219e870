"""Expected findings of the fixture organisations, in a stable, reviewable text form.

One finding per line, sorted by rule id, no timestamps or hashes: a change to a rule shows up in a
pull request as exactly the lines of the findings it changed.
"""

from __future__ import annotations

import json
from pathlib import Path

from compliance.domain.result import Finding

HEADER = "# Expected findings; regenerate with `safeguard snapshot update` and review the diff.\n"


def snapshot_line(f: Finding) -> str:
    return (f"{f.rule_id}: {{outcome: {f.outcome.value}, severity: {f.severity.value}, "
            f"message: {json.dumps(f.message, ensure_ascii=False)}}}")


def render_snapshot(org_id: str, findings: list[Finding]) -> str:
    lines = [HEADER.rstrip("\n"), f"organisation: {org_id}", "findings:"]
    lines += ["  " + snapshot_line(f) for f in sorted(findings, key=lambda f: f.rule_id)]
    return "\n".join(lines) + "\n"


def expected_path(fixture: Path) -> Path:
    """fixtures/organisations/x.yaml -> fixtures/expected/x.yaml"""
    return fixture.parent.parent / "expected" / (fixture.stem + ".yaml")


def compare_fixtures(evaluator, organisations: Path) -> list[tuple[Path, str, str]]:
    """(fixture, expected text, actual text) for every fixture, from a fresh evaluation."""
    from compliance.intake.discovery import input_files
    from compliance.intake.returns import load_assessment

    out = []
    for path in input_files([organisations]):
        doc, _ = load_assessment(path)
        actual = render_snapshot(doc.organisation.id, evaluator.evaluate(doc))
        target = expected_path(path)
        expected = target.read_text() if target.is_file() else ""
        out.append((path, expected, actual))
    return out
