"""Inspector pre-screening: a risk score per organisation that can be explained and challenged.

Everything here is a pure function of reports, signals and weights, so a ranking can be recomputed
and every point traced to a finding or a context value. The weights live in
`screening_weights.yaml` beside this module (the documented defaults) and can be overridden in part.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .documents import read_document
from .errors import Problem, UserError
from .findings import FAILING, Finding, Report
from .model import Context, Rating, SelfAssessment
from .rules import Outcome, Severity
from .validation import problems as validation_problems

DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "screening_weights.yaml"


class WeightsError(UserError):
    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(file, problems, kind="weights")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


NonNeg = Field(ge=0, le=10_000)


class RatingPoints(_Strict):
    inadequate: float = NonNeg
    requires_improvement: float = NonNeg
    good: float = NonNeg
    outstanding: float = NonNeg


class SeverityPoints(_Strict):
    critical: float = NonNeg
    high: float = NonNeg
    medium: float = NonNeg
    low: float = NonNeg


class ExposureWeights(_Strict):
    children_for_max: float = Field(gt=0, le=1e9)
    max_uplift: float = Field(ge=0, le=10)


class ContextWeights(_Strict):
    per_year_since_inspection: float = NonNeg
    max_years_since_inspection: float = NonNeg
    per_open_practice_review: float = NonNeg
    max_open_practice_reviews: int = Field(ge=0, le=1000)
    per_whistleblowing_concern: float = NonNeg
    max_whistleblowing_concerns: int = Field(ge=0, le=1000)
    la_childrens_services_inadequate: float = NonNeg
    cqc_safe: RatingPoints
    cqc_well_led: RatingPoints


class DataQualityWeights(_Strict):
    per_missing_context_value: float = NonNeg


class Weights(_Strict):
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


# --- what the score is computed from ------------------------------------------------------------


class Signals(_Strict):
    """The parts of a return that are not requirements but tell an inspector where to look."""

    context: Context | None
    last_inspection: dt.date | None
    period_end: dt.date
    children: int | None = Field(description="Children exposed (see exposure in the weights file); None: no volume reported.")


def _sum(*values: int | None) -> int | None:
    got = [v for v in values if v is not None]
    return sum(got) if got else None


def signals_of(doc: SelfAssessment) -> Signals:
    ed = max((v for v in (
        doc.alerts and doc.alerts.ed_notifications and doc.alerts.ed_notifications.attendances_under_18,
        doc.risk_assessment and doc.risk_assessment.ed_screening and doc.risk_assessment.ed_screening.attendances_under_18,
    ) if v is not None), default=None)
    la = doc.looked_after
    lac = la and _sum(la.initial_assessments and la.initial_assessments.entered_care,
                      la.review_assessments and la.review_assessments.due)
    missing = doc.missing and doc.missing.return_interviews and doc.missing.return_interviews.episodes
    wnb = doc.was_not_brought and doc.was_not_brought.escalation and doc.was_not_brought.escalation.eligible
    return Signals(context=doc.context, last_inspection=doc.organisation.last_inspection,
                   period_end=doc.organisation.period.end, children=_sum(ed, lac or None, missing, wnb))


# --- the score ----------------------------------------------------------------------------------


Part = Literal["findings", "context", "data_quality"]


class Component(_Strict):
    part: Part
    key: str = Field(description="Rule id, or the context value the points come from.")
    points: float
    detail: str


class Enquiry(_Strict):
    rule_id: str
    severity: Severity
    outcome: Outcome
    text: str


class OrgScore(_Strict):
    id: str
    name: str
    type: str
    local_authorities: list[str]
    file: str
    score: float
    findings_points: float = Field(description="Sum of finding components, before exposure.")
    exposure_multiplier: float
    children: int | None
    context_points: float
    data_quality_points: float
    components: list[Component] = Field(description="Every contribution, largest first.")
    failing_by_severity: dict[Severity, int]
    outcomes: dict[str, Outcome]
    lines_of_enquiry: list[Enquiry]

    def drivers(self, n: int = 3) -> list[Component]:
        return [c for c in self.components if c.points > 0][:n]


def shortfall(f: Finding) -> tuple[float, float, float] | None:
    """(actual, threshold, relative shortfall) when the finding shows one value against one threshold."""
    used = [e.value for e in f.evidence if e.used]
    params = [v for k, v in f.parameters.items() if k == "threshold" or k.endswith("_threshold") or k.startswith(("max_", "min_"))]
    if len(used) != 1 or len(params) != 1 or not isinstance(used[0], (int, float)) or isinstance(used[0], bool):
        return None
    actual, threshold = float(used[0]), float(params[0])
    return actual, threshold, min(1.0, abs(actual - threshold) / max(abs(threshold), 1.0))


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def finding_component(f: Finding, w: Weights) -> Component | None:
    if f.outcome not in FAILING:
        return None
    base = getattr(w.severity, f.severity.value)
    if f.outcome == Outcome.insufficient_evidence:
        pts = base * w.insufficient_evidence
        return Component(part="findings", key=f.rule_id, points=pts,
                         detail=f"{f.rule_id} {f.severity.value} no evidence: {_num(base)} x {_num(w.insufficient_evidence)}")
    gap = shortfall(f)
    if gap is None:
        return Component(part="findings", key=f.rule_id, points=base, detail=f"{f.rule_id} {f.severity.value} not met: {_num(base)}")
    actual, threshold, rel = gap
    pts = base * (1 + w.gap * rel)
    return Component(part="findings", key=f.rule_id, points=pts,
                     detail=f"{f.rule_id} {f.severity.value} not met, {_num(actual)} vs {_num(threshold)}: "
                            f"{_num(base)} x (1 + {_num(w.gap)} x {rel:.2f})")


def context_components(s: Signals, w: Weights) -> list[Component]:
    """Context signals add points; each value not reported adds data-quality points instead."""
    cw, dq = w.context, w.data_quality.per_missing_context_value
    out: list[Component] = []

    def missing(key: str) -> None:
        out.append(Component(part="data_quality", key=key, points=dq, detail=f"{key} not reported"))

    if s.last_inspection is None:
        missing("last_inspection")
    else:
        years = max(0.0, (s.period_end - s.last_inspection).days / 365.25)
        counted = min(years, cw.max_years_since_inspection)
        out.append(Component(part="context", key="last_inspection", points=counted * cw.per_year_since_inspection,
                             detail=f"{years:.1f} years since last inspection: {counted:.1f} x {_num(cw.per_year_since_inspection)}"))
    c = s.context or Context()
    for key, per, cap, label in (
        ("open_practice_reviews", cw.per_open_practice_review, cw.max_open_practice_reviews, "open practice reviews"),
        ("whistleblowing_concerns", cw.per_whistleblowing_concern, cw.max_whistleblowing_concerns, "whistle-blowing concerns"),
    ):
        n = getattr(c, key)
        if n is None:
            missing(key)
        else:
            out.append(Component(part="context", key=key, points=min(n, cap) * per,
                                 detail=f"{n} {label}: {min(n, cap)} x {_num(per)}"))
    if c.la_childrens_services_inadequate is None:
        missing("la_childrens_services_inadequate")
    elif c.la_childrens_services_inadequate:
        out.append(Component(part="context", key="la_childrens_services_inadequate", points=cw.la_childrens_services_inadequate,
                             detail="serves an area whose children's services are inadequate"))
    for key, table, label in (("cqc_safe_rating", cw.cqc_safe, "CQC safe"), ("cqc_well_led_rating", cw.cqc_well_led, "CQC well-led")):
        r: Rating | None = getattr(c, key)
        if r is None:
            missing(key)
        else:
            out.append(Component(part="context", key=key, points=getattr(table, r.value),
                                 detail=f"{label} rated {r.value.replace('_', ' ')}"))
    return out


def exposure_multiplier(children: int | None, w: Weights) -> float:
    if not children:
        return 1.0
    return 1.0 + w.exposure.max_uplift * min(1.0, children / w.exposure.children_for_max)


def lines_of_enquiry(findings: list[Finding]) -> list[Enquiry]:
    """Failed before unevidenced within a severity, most severe first."""
    failing = [f for f in findings if f.outcome in FAILING]
    failing.sort(key=lambda f: (-f.severity.rank, f.outcome != Outcome.not_met, f.rule_id))
    return [Enquiry(rule_id=f.rule_id, severity=f.severity, outcome=f.outcome, text=f.line_of_enquiry.strip()) for f in failing]


def score(report: Report, signals: Signals, weights: Weights) -> OrgScore:
    found = [c for c in (finding_component(f, weights) for f in report.findings) if c is not None]
    ctx = context_components(signals, weights)
    mult = exposure_multiplier(signals.children, weights)
    findings_points = sum(c.points for c in found)
    context_points = sum(c.points for c in ctx if c.part == "context")
    dq_points = sum(c.points for c in ctx if c.part == "data_quality")
    total = findings_points * mult + context_points + dq_points
    org = report.organisation
    return OrgScore(
        id=org.id, name=org.name, type=org.type, local_authorities=org.local_authorities, file=report.input.path,
        score=round(total, 2), findings_points=round(findings_points, 2), exposure_multiplier=round(mult, 3),
        children=signals.children, context_points=round(context_points, 2), data_quality_points=round(dq_points, 2),
        components=sorted(found + ctx, key=lambda c: (-c.points, c.part, c.key)),
        failing_by_severity=report.summary.failing_by_severity,
        outcomes={f.rule_id: f.outcome for f in report.findings},
        lines_of_enquiry=lines_of_enquiry(report.findings),
    )


# --- many organisations -------------------------------------------------------------------------


class InvalidFile(_Strict):
    file: str
    reason: str


class Duplicate(_Strict):
    id: str
    files: list[str]


class RankedOrg(OrgScore):
    rank: int


class Area(_Strict):
    local_authority: str
    organisations: int
    total_score: float
    max_score: float
    failing_by_severity: dict[Severity, int]
    ranked_ids: list[str] = Field(description="Its organisations, highest score first.")


class RuleTally(_Strict):
    rule_id: str
    met: int = 0
    not_met: int = 0
    insufficient_evidence: int = 0
    not_applicable: int = 0
    waived: int = 0


class Screening(_Strict):
    """The `safeguard screen --format json` document."""

    screening_version: Literal["1"] = "1"
    weights: Weights
    screened: int
    organisations: list[RankedOrg]
    areas: list[Area]
    national: list[RuleTally]
    invalid_files: list[InvalidFile]
    duplicates: list[Duplicate]


def rank(scores: list[OrgScore]) -> list[RankedOrg]:
    """Highest score first; ties by more critical, then more high failures, then id (stable)."""
    def key(s: OrgScore) -> tuple:
        fs = s.failing_by_severity
        return (-s.score, -fs.get(Severity.critical, 0), -fs.get(Severity.high, 0), s.id, s.file)

    return [RankedOrg(rank=i, **s.model_dump()) for i, s in enumerate(sorted(scores, key=key), start=1)]


def select(scores: list[OrgScore], org_types: tuple[str, ...] = (), local_authorities: tuple[str, ...] = ()) -> list[OrgScore]:
    return [s for s in scores
            if (not org_types or s.type in org_types)
            and (not local_authorities or set(s.local_authorities) & set(local_authorities))]


def areas(ranked: list[RankedOrg]) -> list[Area]:
    """An organisation serving several areas counts in each: inspections follow the child's journey."""
    by_la: dict[str, list[RankedOrg]] = defaultdict(list)
    for r in ranked:
        for la in dict.fromkeys(r.local_authorities):
            by_la[la].append(r)
    out = []
    for la, orgs in by_la.items():
        failing = {s: sum(o.failing_by_severity.get(s, 0) for o in orgs) for s in Severity}
        out.append(Area(local_authority=la, organisations=len(orgs), total_score=round(sum(o.score for o in orgs), 2),
                        max_score=max(o.score for o in orgs), failing_by_severity=failing,
                        ranked_ids=[o.id for o in orgs]))
    return sorted(out, key=lambda a: (-a.total_score, a.local_authority))


def national(scores: list[OrgScore]) -> list[RuleTally]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {o.value: 0 for o in Outcome})
    for s in scores:
        for rid, outcome in s.outcomes.items():
            counts[rid][outcome.value] += 1
    return [RuleTally(rule_id=rid, **c) for rid, c in sorted(counts.items())]


def duplicates(scores: list[OrgScore]) -> list[Duplicate]:
    files: dict[str, list[str]] = defaultdict(list)
    for s in scores:
        files[s.id].append(s.file)
    return [Duplicate(id=i, files=sorted(f)) for i, f in sorted(files.items()) if len(f) > 1]


def build(scores: list[OrgScore], invalid: list[InvalidFile], weights: Weights, top: int | None = None,
          org_types: tuple[str, ...] = (), local_authorities: tuple[str, ...] = ()) -> Screening:
    """Filters first, then ranking; areas and the national picture cover the filtered set, --top only trims the list."""
    chosen = select(scores, org_types, local_authorities)
    ranked = rank(chosen)
    return Screening(weights=weights, screened=len(scores), organisations=ranked[:top] if top is not None else ranked,
                     areas=areas(ranked), national=national(chosen),
                     invalid_files=sorted(invalid, key=lambda i: i.file), duplicates=duplicates(scores))
