"""Ranking areas: the same explainable score as organisations', built from an area's own findings
and the scores of the organisations that serve it, so an inspector choosing where to look can see
both what fails between the agencies and how each agency does on its own."""

from __future__ import annotations

from pydantic import Field

from compliance.cohort.score import Component, OrgScore
from compliance.cohort.weights import Weights
from compliance.domain.area_result import AreaReport
from compliance.domain.base import Strict
from compliance.domain.outcomes import Outcome


class AreaScore(Strict):
    rank: int = 0
    local_authority: str
    score: float = Field(description="area_points + organisations_points")
    area_points: float = Field(description="Each failing area requirement's severity points (no evidence: the "
                                           "insufficient_evidence share of them).")
    organisations_points: float = Field(description="The mean score of the area's screened organisations.")
    organisations: int
    components: list[Component] = Field(description="The area findings' contributions, largest first.")


def score_area(report: AreaReport, org_scores: dict[str, OrgScore], w: Weights) -> AreaScore:
    components = []
    for f in report.findings:
        if not f.failing:
            continue
        base = getattr(w.severity, f.severity.value)
        pts = base if f.outcome == Outcome.not_met else base * w.insufficient_evidence
        what = "not met" if f.outcome == Outcome.not_met else "no evidence"
        components.append(Component(part="findings", key=f.rule_id, points=round(pts, 2),
                                    detail=f"{f.rule_id} {what} ({f.severity.value}): {f.title}"))
    components.sort(key=lambda c: (-c.points, c.key))
    members = [org_scores[m.id].score for m in report.organisations if m.id in org_scores]
    area_points = round(sum(c.points for c in components), 2)
    org_points = round(sum(members) / len(members), 2) if members else 0.0
    return AreaScore(local_authority=report.local_authority, score=round(area_points + org_points, 2),
                     area_points=area_points, organisations_points=org_points,
                     organisations=len(report.organisations), components=components)


def rank_areas(scores: list[AreaScore]) -> list[AreaScore]:
    ordered = sorted(scores, key=lambda a: (-a.score, a.local_authority))
    return [a.model_copy(update={"rank": i}) for i, a in enumerate(ordered, start=1)]
