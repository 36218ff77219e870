"""One organisation, end to end: load the return, evaluate it, wrap the findings in a report."""

from __future__ import annotations

from pathlib import Path

from compliance import __version__
from compliance.evaluation.evaluator import Evaluator
from compliance.domain.result import InputInfo, OrganisationRef, Report, RulesInfo, Summary, ToolInfo
from compliance.intake.returns import load_assessment
from compliance.domain.model import SelfAssessment


def assess_file(path: Path, evaluator: Evaluator, folders: list[Path], profile: dict | None = None) -> Report:
    assessment, info = load_assessment(path)
    return report_for(assessment, info, evaluator, folders, profile)


def report_for(assessment: SelfAssessment, info: InputInfo, evaluator: Evaluator, folders: list[Path],
               profile: dict | None = None) -> Report:
    """For callers that also need the validated return (e.g. screening reads its context)."""
    findings = evaluator.evaluate(assessment)
    org = assessment.organisation
    rs = evaluator.ruleset
    return Report(
        tool=ToolInfo(version=__version__),
        rules=RulesInfo(version=rs.version, sha256=rs.digest, count=len(rs.rules), folders=[str(f) for f in folders]),
        profile=profile,
        input=info,
        organisation=OrganisationRef(
            id=org.id, name=org.name, type=org.type.value, local_authorities=list(org.local_authorities),
            period_start=org.period.start, period_end=org.period.end,
        ),
        summary=Summary.of(findings),
        findings=findings,
    )
