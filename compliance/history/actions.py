"""The action plan carried from one recorded period to the next.

Each action is filed under its finding's stable key (organisation and requirement). When a new
period is assessed with its history:
- an action of this return that was in last period's plan keeps the period it was first agreed in,
  and says what changed (its status, its due date) since then;
- an open action of last period's plan that this return does not repeat is carried over while its
  requirement is still not met (or still not evidenced), with its status and date, and closed when the
  requirement is met now (or no longer applies); an action already done is not carried;
- anything new is marked new.
Every sentence a person reads about an action's history is made here, once, and carried on the
action itself (`PlannedAction.change`); renderers only show it.
"""

from __future__ import annotations

import datetime as dt

from compliance.domain.actions import OPEN, overdue_count, planned_action
from compliance.domain.outcomes import ACTION_STATUS_LABELS, OUTCOME_LABELS, Outcome
from compliance.domain.result import PlannedAction, Report
from compliance.history.entries import ActionEntry, RunEntry

CLOSING = {Outcome.met: "the requirement is met now", Outcome.not_applicable: "the requirement no longer applies",
           Outcome.waived: "the requirement is waived now"}


def _same(text: str) -> str:
    return " ".join(text.lower().split())


def _match(a: PlannedAction, before: list[ActionEntry], used: set[int]) -> ActionEntry | None:
    """Last period's action this one continues: the same requirement and words, else the one action
    that requirement had (so an action reworded a little is still followed)."""
    same_key = [(i, b) for i, b in enumerate(before) if i not in used and b.finding_key == a.finding_key]
    for i, b in same_key:
        if _same(b.action) == _same(a.action):
            used.add(i)
            return b
    if len(same_key) == 1 and sum(x.finding_key == a.finding_key for x in before) == 1:
        used.add(same_key[0][0])
        return same_key[0][1]
    return None


def _status(code: str) -> str:
    return ACTION_STATUS_LABELS.get(code, code).lower()


def _change(a: PlannedAction, b: ActionEntry, period: str) -> str:
    said = []
    if a.status != b.status:
        said.append(f"was {_status(b.status)} in {period}, {_status(a.status)} now")
    if a.due != b.due:
        said.append(f"due date moved from {b.due or 'not set'} to {a.due or 'not set'}")
    if (a.owner or "") != (b.owner or ""):
        said.append(f"owner changed from {b.owner or 'not set'} to {a.owner or 'not set'}")
    if not said:
        return f"Unchanged since {period}"
    text = "; ".join(said)
    return text[:1].upper() + text[1:]


def carry_actions(report: Report, before: RunEntry | None) -> Report:
    """The report with its action plan followed from `before` (the organisation's last recorded
    period, or None), each action saying what changed; its count of overdue actions made again."""
    if before is None or not before.actions:
        return report
    org = report.organisation
    period, end = before.period, org.period_end
    outcomes = {f.rule_id: f.outcome for f in report.findings}
    used: set[int] = set()
    plan: list[PlannedAction] = []
    for a in report.actions:
        b = _match(a, before.actions, used)
        update = ({"change": f"New since {period}"} if b is None else
                  {"since": b.since or period, "change": _change(a, b, period)})
        plan.append(a.model_copy(update=update))
    for i, b in enumerate(before.actions):
        if i in used or b.status not in OPEN:
            continue
        outcome = outcomes.get(b.rule_id)
        if outcome in CLOSING:
            status, change = "closed", f"Closed: {CLOSING[outcome]} (it was {_status(b.status)} in {period})"
        else:
            now = "not assessed now" if outcome is None else f"still {OUTCOME_LABELS[outcome].lower()}"
            status, change = b.status, f"Carried over from {period}: the requirement is {now}"
        plan.append(planned_action(org.id, b.rule_id, b.action, status=status, as_of=end, owner=b.owner, due=b.due,
                                   progress=b.progress, since=b.since or period, change=change, carried=True))
    return report.model_copy(update={"actions": plan, "overdue_actions": overdue_count(plan)})


def open_actions(run: RunEntry) -> list[ActionEntry]:
    """The actions of a run still to do: what next year's template offers again."""
    return [a for a in run.actions if a.open]


def is_overdue_now(a: ActionEntry, as_of: dt.date) -> bool:
    from compliance.domain.actions import is_overdue

    return is_overdue(a.status, a.due, as_of)
