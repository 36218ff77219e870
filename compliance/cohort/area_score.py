"""Ranking areas by need: an area's own findings (what fails between the agencies) and how its
organisations do on their own, in the order an inspector choosing where to look reads them
(`shared/domain/screening.md`):

1. critical failures with evidence: the area's critical requirements not met, and the most any one
   of its organisations has (definite: not silence, and a share only below its 99.8% limit);
2. evidenced failures by gap and significance: the area's requirements not met (severity points),
   plus the mean of its organisations' evidence points (the funnel-weighted points of requirements
   not met) and half its worst organisation's, so one organisation in serious trouble shows;
3. deterioration (the mean of its organisations'), 4. context (the mean), 5. exposure (the mean
   multiplier), and 6. silence: the area's requirements without evidence, or its organisations'
   mean silence, whichever is larger, so a silent partner counts once, not twice (its own return
   and the area rules it leaves undecided), and never above evidence of failure.

Means and maxima, never sums: an area with more organisations does not rank higher for that.
"""

from __future__ import annotations

from pydantic import Field

from compliance.cohort.score import Component, OrgScore
from compliance.cohort.weights import Weights
from compliance.domain.area_result import AreaReport
from compliance.domain.base import Strict
from compliance.domain.outcomes import OUTCOME_LABELS, Outcome, Severity


class AreaScore(Strict):
    rank: int = 0
    local_authority: str
    name: str | None = Field(default=None, description="The local authority's name, from the returns or the bundled table.")
    score: float = Field(description="Evidenced need: area_points + organisations_points (silence not included).")
    area_points: float = Field(description="Each area requirement not met: its severity points.")
    organisations_points: float = Field(description="Mean of the organisations' evidence points, plus half the worst one's.")
    organisations: int
    critical: int = Field(default=0, description="Critical area requirements not met, plus the most definite critical failures "
                                        "any one organisation has.")
    deterioration: float = Field(default=0.0, description="Mean deterioration points of its organisations.")
    context: float = Field(default=0.0, description="Mean context points of its organisations.")
    exposure: float = Field(default=1.0, description="Mean exposure multiplier of its organisations.")
    silence: float = Field(default=0.0, description="Area requirements without evidence (severity x the no-evidence share), or "
                                           "the organisations' mean silence points, whichever is larger.")
    components: list[Component] = Field(description="The area findings' contributions, largest first.")


def score_area(report: AreaReport, org_scores: dict[str, OrgScore], w: Weights) -> AreaScore:
    components = []
    area_points = area_silence = 0.0
    critical = 0
    for f in report.findings:
        if not f.failing:
            continue
        base = getattr(w.severity, f.severity.value)
        if f.outcome == Outcome.not_met:
            pts = base
            area_points += pts
            critical += f.severity == Severity.critical
        else:
            pts = base * w.insufficient_evidence
            area_silence += pts
        components.append(Component(part="findings" if f.outcome == Outcome.not_met else "data_quality",
                                    key=f.rule_id, points=round(pts, 2),
                                    detail=f"{f.rule_id} {OUTCOME_LABELS[f.outcome].lower()} ({f.severity.value}): {f.title}; {base:g} points"
                                           + ("" if f.outcome == Outcome.not_met else f" x {w.insufficient_evidence:g}")))
    components.sort(key=lambda c: (c.part != "findings", -c.points, c.key))
    members = [org_scores[m.id] for m in report.organisations if m.id in org_scores]

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    evidence = [m.evidence_points * m.exposure_multiplier for m in members]
    org_points = mean(evidence) + 0.5 * max(evidence, default=0.0)
    return AreaScore(
        local_authority=report.local_authority, score=round(area_points + org_points, 2),
        area_points=round(area_points, 2), organisations_points=round(org_points, 2),
        organisations=len(report.organisations),
        critical=critical + max((m.critical_failures for m in members), default=0),
        deterioration=round(mean([m.deterioration_points for m in members]), 2),
        context=round(mean([m.context_points for m in members]), 2),
        exposure=round(mean([m.exposure_multiplier for m in members]), 3) if members else 1.0,
        silence=round(max(area_silence, mean([m.silence_points + m.data_quality_points for m in members])), 2),
        components=components)


def need_key(a: AreaScore) -> tuple:
    """screening.md's order: critical failures, evidenced failures, deterioration, context, exposure, silence."""
    return (-a.critical, -a.score, -a.deterioration, -a.context, -a.exposure, -a.silence, a.local_authority)


def rank_areas(scores: list[AreaScore], names: dict[str, str] | None = None) -> list[AreaScore]:
    ordered = sorted(scores, key=need_key)
    return [a.model_copy(update={"rank": i, "name": (names or {}).get(a.local_authority, a.name)})
            for i, a in enumerate(ordered, start=1)]
