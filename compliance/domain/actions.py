"""The action plan's pieces every layer shares: the stable key an action is filed under, its status
in words, and when it is overdue.

An action is for a finding, and a finding is about one requirement of one organisation: the key is
made of those two alone (the organisation code without regard to case), never of the finding's
wording, outcome or values, so an action follows its finding from one year to the next whatever the
rule's message says or the figures become.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from compliance.domain.outcomes import ACTION_STATUS_LABELS
from compliance.domain.result import PlannedAction

OPEN = ("not_started", "in_progress", "overdue")  # statuses of an action still to do


def finding_key(org_id: str, rule_id: str) -> str:
    """The finding's stable fingerprint: the same organisation and requirement give the same key."""
    text = json.dumps([org_id.strip().upper(), rule_id.strip().upper()])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def is_overdue(status: str, due: dt.date | None, as_of: dt.date) -> bool:
    """Marked overdue, or still open with its due date before `as_of` (a period's end, or a day)."""
    return status == "overdue" or (status in OPEN and due is not None and due < as_of)


def planned_action(org_id: str, rule_id: str, action: str, *, status: str, as_of: dt.date, owner: str | None = None,
                   due: dt.date | None = None, progress: str | None = None, since: str | None = None,
                   change: str | None = None, carried: bool = False) -> PlannedAction:
    overdue = is_overdue(status, due, as_of)
    return PlannedAction(rule_id=rule_id, finding_key=finding_key(org_id, rule_id), action=action, owner=owner, due=due,
                         status=status, status_label=ACTION_STATUS_LABELS["overdue" if overdue else status],
                         progress=progress, overdue=overdue, since=since, change=change, carried=carried)


def overdue_count(actions: Iterable[PlannedAction] | None) -> int | None:
    """How many actions are overdue; None when there is no action plan at all (never read as 0)."""
    return None if actions is None else sum(a.overdue for a in actions)
