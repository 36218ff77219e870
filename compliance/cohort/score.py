"""One organisation's risk score, built from parts an inspector can check line by line.

Everything here is a pure function of a report, signals and weights, so a score can be recomputed
and every point traced to a finding or a context value."""

from __future__ import annotations


from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import Field, PrivateAttr

from compliance.domain.result import FAILING
from compliance.domain.model import Context, Rating
from compliance.domain.outcomes import OUTCOME_LABELS, Outcome, Severity
from compliance.cohort.funnel import ShareCount, ShareSignal, share_counts
from compliance.cohort.signals import Signals
from compliance.cohort.weights import Weights
from compliance.domain.base import Strict
from compliance.domain.labels import value_label

if TYPE_CHECKING:  # only for types: importing the evaluator would load the engine into every command using scores
    from compliance.evaluation.evaluator import Verdict


Part = Literal["findings", "context", "data_quality", "deterioration"]


class Component(Strict):
    part: Part
    key: str = Field(description="Rule id, or the context value the points come from.")
    points: float
    detail: str


class Enquiry(Strict):
    rule_id: str
    severity: Severity
    outcome: Outcome
    text: str
    title: str = Field(default="", description="The rule's title, as the finding gives it.")


class OrgScore(Strict):
    id: str
    name: str
    type: str
    local_authorities: list[str]
    local_authority_names: dict[str, str] = Field(default_factory=dict, description="Names the return gives its area codes.")
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
    history: Literal["not_consulted", "none", "compared"] = Field(
        default="not_consulted", description="none: no earlier period recorded (never read as improvement).")
    previous_period: str | None = None
    deterioration_points: float = 0.0
    shares: list[ShareSignal] = Field(default_factory=list, description=(
        "Each share below its standard, placed in the cohort's funnel (screening statistics; the exact verdicts "
        "in `outcomes` are unchanged)."))
    # Every share as the worker read it, before the cohort is known (plain tuples; not in any document).
    _counts: list[ShareCount] = PrivateAttr(default_factory=list)
    band: str = Field(default="", description="The score's band: very high, high, moderate or low (see the legend).")
    peer_rank: int = Field(default=0, description="Place among organisations of the same type (1: highest score).")
    peer_size: int = Field(default=0, description="How many organisations of this type were screened.")
    critical_failures: int = Field(default=0, description="Critical requirements definitely not met (not silence; a share only "
                                                   "when below its 99.8% limit).")
    evidence_points: float = Field(default=0.0, description="Findings points from requirements not met (evidence of failure).")
    silence_points: float = Field(default=0.0, description="Findings points from requirements without evidence.")
    spc: dict[str, str] = Field(default_factory=dict, description=(
        "With history: each share's statistical process control reading over the recorded periods (XmR chart), "
        "by 'rule measure'; with too few periods it says so instead of judging."))
    overdue_actions: int | None = Field(default=None, description=(
        "Actions of its own plan past their due date and not done (the return's, else the history store's last "
        "recorded plan); null: not reported."))
    overdue_actions_text: str = Field(default="", description="The count as the screening shows it: never 0 when unknown.")
    rank_low: int = Field(default=0, description="Lower end of the 95% interval of the national rank (bootstrap; 0: not computed).")
    rank_high: int = Field(default=0, description="Upper end of that interval.")

    def drivers(self, n: int = 3) -> list[Component]:
        return [c for c in self.components if c.points > 0][:n]


def shortfall(f: Verdict) -> tuple[float, float, float] | None:
    """(actual, threshold, relative shortfall) when the verdict turns on one value against one threshold."""
    t = f.threshold
    if t is None or not isinstance(t.actual, (int, float)) or isinstance(t.actual, bool):
        return None
    actual, threshold = float(t.actual), float(t.required)
    return actual, threshold, min(1.0, abs(actual - threshold) / max(abs(threshold), 1.0))


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def finding_component(f: Verdict, w: Weights) -> Component | None:
    if f.outcome not in FAILING:
        return None
    base = getattr(w.severity, f.severity.value)
    head = f"{f.rule_id} {f.rule.title} ({f.severity.value})"
    if f.outcome == Outcome.insufficient_evidence:
        pts = base * w.insufficient_evidence
        return Component(part="findings", key=f.rule_id, points=pts,
                         detail=f"{head}: {OUTCOME_LABELS[f.outcome].lower()}; {_num(base)} points x {_num(w.insufficient_evidence)}")
    gap = shortfall(f)
    if gap is None:
        return Component(part="findings", key=f.rule_id, points=base, detail=f"{head}: {OUTCOME_LABELS[f.outcome].lower()}; {_num(base)} points")
    actual, threshold, rel = gap
    pts = base * (1 + w.gap * rel)
    return Component(part="findings", key=f.rule_id, points=pts,
                     detail=f"{head}: {OUTCOME_LABELS[f.outcome].lower()}, {_num(actual)} against {_num(threshold)}; "
                            f"{_num(base)} points x (1 + {_num(w.gap)} x {rel:.2f} shortfall)")


def context_components(s: Signals, w: Weights) -> list[Component]:
    """Context signals add points; each value not reported adds data-quality points instead."""
    cw, dq = w.context, w.data_quality.per_missing_context_value
    out: list[Component] = []

    def missing(key: str) -> None:
        out.append(Component(part="data_quality", key=key, points=dq, detail=f"{_CONTEXT_TITLES[key]}: not reported"))

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
    if s.overdue_actions:
        out.append(overdue_component(s.overdue_actions, w))
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
                                 detail=f"{label} rated {value_label(r)}"))
    return out


def _context_titles() -> dict[str, str]:
    """The context values' titles from the model (one source of words for the return and the screening)."""
    from compliance.domain.model import Organisation

    fields = {**Context.model_fields, "last_inspection": Organisation.model_fields["last_inspection"]}
    return {k: f.title or k for k, f in fields.items()}


_CONTEXT_TITLES = _context_titles()


def overdue_component(n: int, w: Weights) -> Component:
    counted = min(n, w.context.max_overdue_actions)
    return Component(part="context", key="overdue_actions", points=counted * w.context.per_overdue_action,
                     detail=f"{n} overdue action{'s' if n != 1 else ''} in its own plan: {counted} x "
                            f"{_num(w.context.per_overdue_action)}")


def overdue_text(n: int | None) -> str:
    """How many actions of its plan are overdue, in words; 'not reported' when no plan is known."""
    if n is None:
        return "overdue actions: not reported (no action plan in the return or the history store)"
    return f"overdue actions: {n} in its own plan (due before the period end, not done)"


def with_overdue(s: OrgScore, n: int, w: Weights) -> OrgScore:
    """The score with the overdue actions of a plan found elsewhere (the history store) when its return gives none."""
    if s.overdue_actions is not None:
        return s
    found = [overdue_component(n, w)] if n else []
    points = sum(c.points for c in found)
    out = s.model_copy(update={
        "overdue_actions": n, "overdue_actions_text": overdue_text(n).replace("its own plan", "its plan last recorded"),
        "context_points": round(s.context_points + points, 2), "score": round(s.score + points, 2),
        "components": sorted(list(s.components) + found, key=lambda c: (-c.points, c.part, c.key))})
    return out


def exposure_multiplier(children: int | None, w: Weights) -> float:
    if not children:
        return 1.0
    return 1.0 + w.exposure.max_uplift * min(1.0, children / w.exposure.children_for_max)


def lines_of_enquiry(verdicts: Sequence[Verdict]) -> list[Enquiry]:
    """Failed before unevidenced within a severity, most severe first."""
    failing = [f for f in verdicts if f.outcome in FAILING]
    failing.sort(key=lambda f: (-f.severity.rank, f.outcome != Outcome.not_met, f.rule_id))
    return [Enquiry(rule_id=f.rule_id, severity=f.severity, outcome=f.outcome, text=f.line_of_enquiry.strip(),
                    title=f.rule.title) for f in failing]


def score_of(findings: Sequence[Verdict], org_id: str, name: str, org_type: str, local_authorities: list[str],
             file: str, signals: Signals, weights: Weights) -> OrgScore:
    """The score from an organisation's evaluation verdicts (the stage a finding is dressed from, so
    a screen that prints findings scores exactly what one that prints none scores), in their order."""
    counts: list[ShareCount] = []
    for f in findings:
        if f.outcome in (Outcome.not_met, Outcome.met):
            counts += share_counts(f, f.rule, f.parameters, f.severity.value)
    found = [c for c in (finding_component(f, weights) for f in findings) if c is not None]
    ctx = context_components(signals, weights)
    mult = exposure_multiplier(signals.children, weights)
    findings_points = sum(c.points for c in found)
    context_points = sum(c.points for c in ctx if c.part == "context")
    dq_points = sum(c.points for c in ctx if c.part == "data_quality")
    total = findings_points * mult + context_points + dq_points
    failing = dict.fromkeys(Severity, 0)
    for f in findings:
        if f.outcome in FAILING:
            failing[f.severity] += 1
    out = OrgScore(
        id=org_id, name=name, type=org_type, local_authorities=local_authorities, file=file,
        local_authority_names=signals.local_authority_names,
        score=round(total, 2), findings_points=round(findings_points, 2), exposure_multiplier=round(mult, 3),
        children=signals.children, context_points=round(context_points, 2), data_quality_points=round(dq_points, 2),
        components=sorted(found + ctx, key=lambda c: (-c.points, c.part, c.key)),
        failing_by_severity=failing,
        outcomes={f.rule_id: f.outcome for f in findings},
        lines_of_enquiry=lines_of_enquiry(findings),
        overdue_actions=signals.overdue_actions, overdue_actions_text=overdue_text(signals.overdue_actions),
    )
    out._counts = counts
    return out
