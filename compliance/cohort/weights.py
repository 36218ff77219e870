"""Screening weights: the documented defaults in `screening_weights.yaml` beside this module, which
`--weights FILE` may override in part, validated like every other input."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from compliance.domain.base import Strict
from pydantic import Field, ValidationError
from pydantic import Strict as StrictType

from compliance.intake.documents import read_document
from compliance.domain.errors import Problem, UserError

# Strict: `true` is not a weight of 1, and no NaN or infinity (each would rank every organisation alike).
Points = Annotated[float, StrictType(), Field(ge=0, le=10_000, allow_inf_nan=False)]
Share = Annotated[float, StrictType(), Field(ge=0, le=10, allow_inf_nan=False)]
Limit = Annotated[int, StrictType(), Field(ge=0, le=1000)]
DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "screening_weights.yaml"


class WeightsError(UserError):
    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(file, problems, kind="weights")


class RatingPoints(Strict):
    inadequate: Points
    requires_improvement: Points
    good: Points
    outstanding: Points


class SeverityPoints(Strict):
    critical: Points
    high: Points
    medium: Points
    low: Points


class ExposureWeights(Strict):
    children_for_max: Annotated[float, StrictType(), Field(gt=0, le=1e9, allow_inf_nan=False)]
    max_uplift: Share


class ContextWeights(Strict):
    per_year_since_inspection: Points
    max_years_since_inspection: Points
    per_open_practice_review: Points
    max_open_practice_reviews: Limit
    per_whistleblowing_concern: Points
    max_whistleblowing_concerns: Limit
    la_childrens_services_inadequate: Points
    cqc_safe: RatingPoints
    cqc_well_led: RatingPoints
    per_overdue_action: Points
    max_overdue_actions: Limit


class DataQualityWeights(Strict):
    per_missing_context_value: Points


class DeteriorationWeights(Strict):
    per_rule: Points


class Weights(Strict):
    """Every weight is required here: the bundled YAML is the one place defaults are written."""

    severity: SeverityPoints
    insufficient_evidence: Share
    gap: Share
    exposure: ExposureWeights
    context: ContextWeights
    data_quality: DataQualityWeights
    deterioration: DeteriorationWeights


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in over.items()}}
    return over


def load_weights(override: Path | None = None) -> Weights:
    """The bundled defaults, with any values given in `override` laid over them."""
    base = read_document(DEFAULT_WEIGHTS, WeightsError)
    if override is None:
        return Weights.model_validate(base.data)
    doc = read_document(override, WeightsError, max_bytes=64 * 1024)
    if doc.data is None:
        return Weights.model_validate(base.data)
    if not isinstance(doc.data, dict):
        raise WeightsError(str(override), [Problem("expected a mapping of weights (e.g. severity: {critical: 50})", line=1)])
    merged = _merge(base.data, doc.data)
    try:
        return Weights.model_validate(merged)
    except ValidationError as e:
        from compliance.catalogue.explain import explain

        raise WeightsError(str(override), explain(Weights, e, doc, data=merged)) from None
