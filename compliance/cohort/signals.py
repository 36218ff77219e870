"""The parts of a return that are not requirements but tell an inspector where to look (context,
inspection dates, the volume of children), taken out of the return once so scoring never reads it."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from compliance.domain.model import Context, SelfAssessment
from compliance.domain.base import Strict
from compliance.domain.actions import is_overdue


# --- what the score is computed from ------------------------------------------------------------


class Signals(Strict):
    """The parts of a return that are not requirements but tell an inspector where to look."""

    context: Context | None
    last_inspection: dt.date | None
    period_end: dt.date
    children: int | None = Field(description="Children exposed (see exposure in the weights file); None: no volume reported.")
    local_authority_names: dict[str, str] = Field(default_factory=dict, description="Names the return gives its area codes.")
    overdue_actions: int | None = Field(default=None, description="Actions of its plan not done and due before the period "
                                        "end; None: the return gives no action plan (never read as 0).")


def _sum(*values: int | None) -> int | None:
    got = [v for v in values if v is not None]
    return sum(got) if got else None


def signals_of(doc: SelfAssessment) -> Signals:
    al, ra, la, mi, wn = doc.alerts, doc.risk_assessment, doc.looked_after, doc.missing, doc.was_not_brought
    ed = max((v for v in (
        al.ed_notifications.attendances_under_18 if al and al.ed_notifications else None,
        ra.ed_screening.attendances_under_18 if ra and ra.ed_screening else None,
    ) if v is not None), default=None)
    lac = la and _sum(la.initial_assessments.entered_care if la.initial_assessments else None,
                      la.review_assessments.due if la.review_assessments else None)
    missing = mi.return_interviews.episodes if mi and mi.return_interviews else None
    wnb = wn.escalation.eligible if wn and wn.escalation else None
    return Signals(context=doc.context, last_inspection=doc.organisation.last_inspection,
                   period_end=doc.organisation.period.end, children=_sum(ed, lac or None, missing, wnb),
                   local_authority_names={la.code: la.name for la in doc.organisation.local_authority_names or []},
                   overdue_actions=None if doc.actions is None else sum(
                       is_overdue(a.status.value, a.due, doc.organisation.period.end) for a in doc.actions))
