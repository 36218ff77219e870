"""Expected findings of the fixture organisations, in a stable, reviewable text form.

One finding per line, sorted by rule id, no timestamps or hashes: a change to a rule shows up in a
pull request as exactly the lines of the findings it changed. Each fixture has two expected files,
so that a change of wording never hides among changes of outcome (and a reviewer can approve a
reworded message without re-reading every verdict): its outcomes (outcome and severity of each
rule, `fixtures/expected/NAME.yaml`) and its wording (each finding's message,
`fixtures/expected/wording/NAME.yaml`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from compliance.domain.result import Finding

Kind = Literal["outcomes", "wording"]
KINDS: tuple[Kind, ...] = ("outcomes", "wording")  # the order `snapshot check` reports them in

HEADERS: dict[Kind, str] = {
    "outcomes": "# Expected outcomes; regenerate with `safeguard snapshot update` and review the diff.",
    "wording": "# Expected wording of the findings (their outcomes: the file of the same name one folder up); regenerate with "
               "`safeguard snapshot update` and review the diff.",
}


def _outcome(f: Finding) -> str:
    return f"{{outcome: {f.outcome.value}, severity: {f.severity.value}}}"


def _wording(f: Finding) -> str:
    return json.dumps(f.message, ensure_ascii=False)


_LINES: dict[Kind, Callable[[Finding], str]] = {"outcomes": _outcome, "wording": _wording}


def render_snapshot(kind: Kind, org_id: str, findings: list[Finding]) -> str:
    lines = [HEADERS[kind], f"organisation: {org_id}", "findings:"]
    lines += [f"  {f.rule_id}: {_LINES[kind](f)}" for f in sorted(findings, key=lambda f: f.rule_id)]
    return "\n".join(lines) + "\n"


def expected_path(fixture: Path, kind: Kind = "outcomes") -> Path:
    """fixtures/organisations/x.yaml -> fixtures/expected/x.yaml (outcomes) or
    fixtures/expected/wording/x.yaml (wording)."""
    folder = fixture.parent.parent / "expected"
    return (folder if kind == "outcomes" else folder / "wording") / (fixture.stem + ".yaml")


@dataclass(frozen=True)
class Snapshot:
    """One expected file of one fixture, and what the rules give now."""

    fixture: Path
    kind: Kind
    path: Path
    expected: str  # "" when the file does not exist yet
    actual: str

    @property
    def changed(self) -> bool:
        return self.expected != self.actual


def compare_fixtures(evaluator, organisations: Path) -> list[Snapshot]:
    """Every fixture's snapshots from a fresh evaluation: outcomes first, then wording."""
    from compliance.intake.discovery import input_files
    from compliance.intake.returns import load_assessment

    out = []
    for path in input_files([organisations]):
        doc, _ = load_assessment(path)
        findings = evaluator.evaluate(doc)
        for kind in KINDS:
            target = expected_path(path, kind)
            expected = target.read_text() if target.is_file() else ""
            out.append(Snapshot(path, kind, target, expected, render_snapshot(kind, doc.organisation.id, findings)))
    return sorted(out, key=lambda s: KINDS.index(s.kind))  # stable: fixtures keep their order within a kind
