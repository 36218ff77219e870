"""Deterioration since the last recorded period, as score points an inspector can trace.

Takes plain data (which rules fell, and how it reads), so the cohort layer never touches the
history store: the application layer works the falls out and hands them over.
"""

from __future__ import annotations

from collections.abc import Sequence

from compliance.cohort.score import Component, OrgScore
from compliance.cohort.weights import Weights


def with_history(s: OrgScore, previous_period: str | None, falls: Sequence[tuple[str, str]], w: Weights) -> OrgScore:
    """`falls`: (rule id, detail) per rule that got worse. No previous period: marked, no points either way."""
    if previous_period is None:
        return s.model_copy(update={"history": "none"})
    found = [Component(part="deterioration", key=rid, points=w.deterioration.per_rule, detail=detail)
             for rid, detail in falls]
    points = sum(c.points for c in found)
    return s.model_copy(update={
        "history": "compared", "previous_period": previous_period, "deterioration_points": round(points, 2),
        "score": round(s.score + points, 2),
        "components": sorted(list(s.components) + found, key=lambda c: (-c.points, c.part, c.key)),
    })
