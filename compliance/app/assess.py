"""One organisation, end to end: load the return, evaluate it, wrap the findings in a report."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance import __version__
from compliance.evaluation.evaluator import Evaluator, Verdict
from compliance.catalogue.loading import RuleSet
from compliance.catalogue.schema import Measure
from compliance.domain.result import (Finding, InputInfo, OrganisationRef, PlannedAction, Report, RulesInfo, Summary,
                                      ToolInfo, TrainingCoverage)
from compliance.domain.actions import overdue_count, planned_action
from compliance.domain.display import share_text
from compliance.domain.model import SelfAssessment
from compliance.intake.returns import Where, load_located

if TYPE_CHECKING:  # duckdb is imported only when records are read
    from compliance.intake.records.measure import Measured


def report_for(assessment: SelfAssessment, info: InputInfo, evaluator: Evaluator, folders: list[Path],
               profile: dict | None = None, where: Where | None = None, measured: Measured | None = None,
               verdicts: list[Verdict] | None = None) -> Report:
    """For callers that also need the validated return (e.g. screening reads its context); `where`
    places the inputs still missing in the file they are entered in; `measured`: the counts read
    from record extracts, whose provenance each such value carries."""
    findings = with_notes(evaluator.evaluate(assessment, where, measured.provenance_of if measured is not None else None,
                                             verdicts), assessment)
    org = assessment.organisation
    rs = evaluator.ruleset
    return Report(
        tool=ToolInfo(version=__version__),
        rules=RulesInfo(version=rs.version, sha256=rs.digest, count=len(rs.rules), folders=[str(f) for f in folders],
                        overrides=rs.overrides),
        profile=profile,
        input=info,
        organisation=OrganisationRef(
            id=org.id, name=org.name, type=org.type.value, local_authorities=list(org.local_authorities),
            local_authority_names={la.code: la.name for la in org.local_authority_names or []},
            period_start=org.period.start, period_end=org.period.end,
        ),
        summary=Summary.of(findings),
        findings=findings,
        training=training_coverage(assessment, findings, rs),
        records=None if measured is None else [r.provenance() for r in measured.reads],
        actions=planned_actions(assessment),
        overdue_actions=overdue_count(None if assessment.actions is None else planned_actions(assessment)),
    )


def planned_actions(assessment: SelfAssessment) -> list[PlannedAction]:
    """The return's action plan as reports show it; an action not done and due before the period end
    is overdue (judged at the period end, so the same return always gives the same report)."""
    org = assessment.organisation
    return [planned_action(org.id, a.rule, a.action, status=a.status.value, as_of=org.period.end, owner=a.owner,
                           due=a.due, progress=a.progress) for a in assessment.actions or []]


_READS = re.compile(r"^\w+\(([a-z0-9_.]+)(?:\[([^\]]*)\])?")


def with_notes(findings: list[Finding], assessment: SelfAssessment) -> list[Finding]:
    """Each finding's evidence with the organisation's own note on where the value comes from (the
    workbook's Notes column, or the return's `evidence` map): a value's note, else the note of the
    part it is in; for a value counted over a list, each listed item's note, by the item's name."""
    notes = assessment.evidence or {}
    if not notes:
        return findings
    out = []
    for f in findings:
        evidence = [e if e.note or not (note := _note_for(e.source, notes, assessment)) else
                    e.model_copy(update={"note": note}) for e in f.evidence]
        out.append(f if evidence == f.evidence else f.model_copy(update={"evidence": evidence}))
    return out


def _note_for(source: str, notes: dict[str, str], assessment: SelfAssessment) -> str | None:
    from compliance.domain.labels import item_name

    m = _READS.match(source)
    if not m:
        return None
    path, where = m.group(1), m.group(2)
    if where is not None:  # a list, filtered as the source says: 'training.groups[level=3, service=a|b]'
        prefix = path
        items: object = assessment
        for part in prefix.split("."):
            items = getattr(items, part, None)
        found = []
        for i, item in enumerate(items if isinstance(items, list) else []):
            if not _selected(item, where):
                continue
            own = [n for k, n in notes.items() if k == f"{prefix}[{i}]" or k.startswith(f"{prefix}[{i}].")]
            if own:
                found.append(f"{item_name(item)}: {'; '.join(dict.fromkeys(own))}")
        return "; ".join(found) or notes.get(prefix)
    while path:
        if path in notes:
            return notes[path]
        path = path.rpartition(".")[0]
    return None


def _selected(item: object, where: str) -> bool:
    """Whether a list item passes the simple equality filters of a source ('level=3, service=a|b');
    a filter of another kind is not judged here (the item's note is shown)."""
    for cond in filter(None, (c.strip() for c in where.split(","))):
        name, eq, wanted = cond.partition("=")
        if not eq or not re.fullmatch(r"[a-z_]+", name):
            continue
        value = getattr(item, name, None)
        value = getattr(value, "value", value)
        if str(value) not in wanted.split("|") and not (isinstance(value, bool) and str(value) in wanted):
            return False
    return True


def _level_selected(m: Measure) -> int | None:
    """The competency level a training measure selects when it selects groups by level alone."""
    if m.path is None or not m.path.startswith("training.groups[].") or not m.where or set(m.where) != {"level"}:
        return None
    level = m.where["level"]
    return level if isinstance(level, int) and not isinstance(level, bool) else None


def training_coverage(assessment: SelfAssessment, findings: list[Finding], ruleset: RuleSet) -> list[TrainingCoverage]:
    """Each staff group's coverage against the threshold of the rule in force for its level.

    Worked out here, where both the return and the rules are at hand, so that renderers only read
    the report: the threshold is the `threshold` parameter of the first rule whose measures select
    that level alone.
    """
    groups = (assessment.training.groups if assessment.training else None) or []
    if not groups:
        return []
    thresholds: dict[int, tuple[Any, str]] = {}
    for f in findings:
        if "threshold" not in f.parameters:
            continue
        for m in ruleset.by_id[f.rule_id].measures.values():
            level = _level_selected(m)
            if level is not None:
                thresholds.setdefault(level, (f.parameters["threshold"], f.rule_id))
    bars = []
    for g in groups:
        exact = Fraction(100 * g.in_date, g.staff_in_post) if g.in_date is not None and g.staff_in_post else None
        threshold, rule_id = thresholds.get(g.level, (None, None))
        limit = None if threshold is None else Fraction(repr(threshold)) if isinstance(threshold, float) else threshold
        bars.append(TrainingCoverage(group=g.group, level=g.level, service=g.service.value if g.service else None,
                                     staff_in_post=g.staff_in_post, in_date=g.in_date,
                                     percent=None if exact is None else float(exact),
                                     percent_text=None if exact is None else share_text(exact, limit),
                                     threshold=threshold, rule_id=rule_id,
                                     below=exact is not None and limit is not None and exact < limit))
    return sorted(bars, key=lambda b: (b.level, b.group))


def assess_file(path: Path, folders: list[Path], profile: Path | None = None, records: Path | None = None,
                bad_row_limit: float | None = None) -> Report:
    """`safeguard assess`: rules and profile first (so their errors come before the return's), then the
    return, then (with `records`) the extracts, counted with the windows of the rules in force."""
    from compliance.app.evaluators import make_evaluator

    evaluator, profile_record = make_evaluator(folders, profile)
    assessment, info, where = load_located(path)
    if records is None:
        return report_for(assessment, info, evaluator, folders, profile_record, where)
    from compliance.app.records import assess_with_records

    kwargs = {} if bad_row_limit is None else {"bad_row_limit": bad_row_limit}
    assessment, info, measured = assess_with_records(assessment, info, records, evaluator, **kwargs)
    return report_for(assessment, info, evaluator, folders, profile_record, where, measured)
