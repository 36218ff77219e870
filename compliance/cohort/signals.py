"""The parts of a return that are not requirements but tell an inspector where to look (context,
inspection dates, the volume of children), taken out of the return once so scoring never reads it."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from compliance.domain.model import Context, SelfAssessment
from compliance.domain.base import Strict


# --- what the score is computed from ------------------------------------------------------------


class Signals(Strict):
    """The parts of a return that are not requirements but tell an inspector where to look."""

    context: Context | None
    last_inspection: dt.date | None
    period_end: dt.date
    children: int | None = Field(description="Children exposed (see exposure in the weights file); None: no volume reported.")
    local_authority_names: dict[str, str] = Field(default_factory=dict, description="Names the return gives its area codes.")


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
                   period_end=doc.organisation.period.end, children=_sum(ed, lac or None, missing, wnb),
                   local_authority_names={la.code: la.name for la in doc.organisation.local_authority_names or []})
