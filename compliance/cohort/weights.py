"""Screening weights: the documented defaults in `screening_weights.yaml` beside this module, which
`--weights FILE` may override in part, validated like every other input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compliance.domain.base import Strict
from pydantic import Field, ValidationError

from compliance.intake.documents import read_document
from compliance.domain.errors import Problem, UserError
from compliance.intake.validation import problems as validation_problems

NonNeg = Field(ge=0, le=10_000)
DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "screening_weights.yaml"


class WeightsError(UserError):
    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(file, problems, kind="weights")


class RatingPoints(Strict):
    inadequate: float = NonNeg
    requires_improvement: float = NonNeg
    good: float = NonNeg
    outstanding: float = NonNeg


class SeverityPoints(Strict):
    critical: float = NonNeg
    high: float = NonNeg
    medium: float = NonNeg
    low: float = NonNeg


class ExposureWeights(Strict):
    children_for_max: float = Field(gt=0, le=1e9)
    max_uplift: float = Field(ge=0, le=10)


class ContextWeights(Strict):
    per_year_since_inspection: float = NonNeg
    max_years_since_inspection: float = NonNeg
    per_open_practice_review: float = NonNeg
    max_open_practice_reviews: int = Field(ge=0, le=1000)
    per_whistleblowing_concern: float = NonNeg
    max_whistleblowing_concerns: int = Field(ge=0, le=1000)
    la_childrens_services_inadequate: float = NonNeg
    cqc_safe: RatingPoints
    cqc_well_led: RatingPoints


class DataQualityWeights(Strict):
    per_missing_context_value: float = NonNeg


class Weights(Strict):
    """Every weight is required here: the bundled YAML is the one place defaults are written."""

    severity: SeverityPoints
    insufficient_evidence: float = Field(ge=0, le=10)
    gap: float = Field(ge=0, le=10)
    exposure: ExposureWeights
    context: ContextWeights
    data_quality: DataQualityWeights


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
    try:
        return Weights.model_validate(_merge(base.data, doc.data))
    except ValidationError as e:
        raise WeightsError(str(override), validation_problems(Weights, e, doc)) from None
