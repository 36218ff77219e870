"""`area` as a use case: the returns of one local authority area, judged together by the area rules.

An organisation belongs to every area it names in `organisation.local_authorities`; the ICB that
commissions for the area names it too. Returns are read in a stable order, although the engine's
findings do not depend on it (tests/test_area.py permutes them).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from compliance.catalogue.area_schema import AreaRule
from compliance.catalogue.loading import load_area_rules
from compliance.domain.area_result import AreaFinding, AreaMember, AreaReport
from compliance.domain.errors import Problem, UserError
from compliance.domain.model import OrgType, SelfAssessment
from compliance.domain.outcomes import Outcome
from compliance.evaluation.area import AreaEvaluator, AreaVerdict
from compliance.intake.discovery import input_files
from compliance.intake.returns import load_assessment


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _message(rule: AreaRule, v: AreaVerdict, params: dict[str, Any] | None = None) -> str:
    """The rule's message for the outcome, with each {parameter} as the value in force (a profile's,
    not the default written into the text), then the items that fail or were not reported."""
    text = {Outcome.met: rule.messages.met, Outcome.not_met: rule.messages.not_met,
            Outcome.insufficient_evidence: rule.messages.insufficient_evidence,
            Outcome.not_applicable: rule.messages.not_applicable}[v.outcome]
    values = params if params is not None else {k: p.default for k, p in rule.parameters.items()}
    text = re.sub(r"\{(\w+)\}", lambda m: _shown(values[m.group(1)]) if m.group(1) in values else m.group(0), text)
    if v.outcome == Outcome.not_met:
        text += " " + _grouped(v.failing) + "."
    elif v.outcome == Outcome.insufficient_evidence:
        text += " Not reported: " + _grouped(v.unknown) + "."
    return text


def _grouped(entries: list[str], limit: int = 10) -> str:
    """"ICB (I1): A1; ICB (I1): A2" read as "ICB (I1): A1, A2": an area of many providers would
    otherwise repeat the organisation before every item. At most `limit` items per organisation."""
    groups: dict[str, list[str]] = {}
    for e in entries:
        head, sep, tail = e.partition(": ")
        groups.setdefault(head if sep else e, []).extend([tail] if sep else [])
    parts = []
    for head, items in groups.items():
        shown = items[:limit] + ([f"and {len(items) - limit} more"] if len(items) > limit else [])
        parts.append(f"{head}: {', '.join(shown)}" if items else head)
    return "; ".join(parts)


def area_report(la: str, returns: list[tuple[Path, SelfAssessment]], evaluator: AreaEvaluator) -> AreaReport:
    members = [(p, d) for p, d in returns if la in d.organisation.local_authorities]
    verdicts = evaluator.evaluate([d for _, d in members])
    findings = []
    for rule in evaluator.rules:
        v, _ = verdicts[rule.id]
        findings.append(AreaFinding(
            rule_id=rule.id, title=rule.title, outcome=v.outcome, severity=rule.severity,
            key_question=rule.key_question, message=_message(rule, v, evaluator.params[rule.id]), failures=v.failing, unknown=v.unknown,
            shares=v.by_org, remediation=rule.remediation, line_of_enquiry=rule.line_of_enquiry, sources=rule.sources,
            mappings=rule.mappings))
    # Missing only when no return given names it: a listed provider whose return names another area
    # (it serves that one too, or only) was returned, just not for this area.
    returned = {d.organisation.id for _, d in returns}
    listed = {p.provider for _, d in members if d.organisation.type == OrgType.icb
              for p in ((d.governance.providers if d.governance else None) or [])}
    findings.sort(key=lambda f: (not f.failing, -f.severity.rank, f.rule_id))
    return AreaReport(
        local_authority=la,
        organisations=[AreaMember(id=d.organisation.id, name=d.organisation.name, type=d.organisation.type.value,
                                  file=str(p)) for p, d in members],
        findings=findings, missing_providers=sorted(listed - returned))


def load_returns(paths: list[Path]) -> list[tuple[Path, SelfAssessment]]:
    return [(p, load_assessment(p)[0]) for p in input_files(paths)]


def assess_area(la: str, paths: list[Path], folders: list[Path] | None = None,
                parameters: dict[str, dict[str, Any]] | None = None) -> AreaReport:
    """`safeguard area LA PATHS...`; an area no return names is a usage error naming the known ones."""
    returns = load_returns(paths)
    known = sorted({a for _, d in returns for a in d.organisation.local_authorities})
    if la not in known:
        raise UserError(la, [Problem(f"no return names this local authority; the returns name: {', '.join(known) or 'none'}")],
                        kind="area")
    _refuse_duplicates(la, returns)
    return area_report(la, returns, AreaEvaluator(load_area_rules(folders), parameters))


def _refuse_duplicates(la: str, returns: list[tuple[Path, SelfAssessment]]) -> None:
    """Two returns of one organisation in the area would both be counted (its shares twice, its
    failures twice): refused, naming the files, as `screen` refuses them."""
    files: dict[str, list[str]] = {}
    for p, d in returns:
        if la in d.organisation.local_authorities:
            files.setdefault(d.organisation.id, []).append(str(p))
    problems = [Problem(f"organisation {org[:60]} appears in {len(f)} files: {', '.join(sorted(f)[:5])}"
                        + (f" and {len(f) - 5} more" if len(f) > 5 else "") + "; keep one return per organisation")
                for org, f in sorted(files.items()) if len(f) > 1]
    if problems:
        raise UserError(la, problems, kind="area")
