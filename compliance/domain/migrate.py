"""Version 1 returns, read as version 2.

Version 1 froze each standard's window into a field name (`reviewed_within_5_working_days`), so no
profile could change it; version 2 names the count neutrally (`reviewed_in_time`) and states the
window beside it (`window_working_days: 5`), which a rule compares with its parameter. A version 1
field says its window in its name, so migrating is exact: the windows written are the ones the old
names imply, never a guess. Plain data in, plain data out, so `safeguard migrate` and the loader
share it and line numbers of the original file still point at the right place.
"""

from __future__ import annotations

import copy
from typing import Any

# section path -> [(v1 field, v2 field or None to keep, {window field: value}, always)]
# `always`: the window is written even when the count is absent (a definition, e.g. an age limit
# of a required total), otherwise only with the count it qualifies.
RENAMES: dict[tuple[str, ...], list[tuple[str, str | None, dict[str, int], bool]]] = {
    ("training", "groups", "[]"): [("in_date", None, {"renewal_months": 36}, False)],
    ("training", "specialist_posts", "[]"): [("learning_hours_3y", "learning_hours", {"window_years": 3}, False)],
    ("training", "board"): [("trained_within_12_months", "trained_in_time", {"window_months": 12}, False)],
    ("was_not_brought", "missed_appointments"): [("total", None, {"under_age": 16}, True)],
    ("was_not_brought", "follow_up"): [
        ("reviewed_within_5_working_days", "reviewed_in_time", {"window_working_days": 5}, False)],
    ("was_not_brought", "escalation"): [
        ("notified_within_1_working_day", "notified_in_time", {"window_working_days": 1}, False)],
    ("alerts", "local_alerts"): [("reviewed_12_months", "reviewed_in_time", {"window_months": 12}, False)],
    ("alerts", "ed_notifications"): [
        ("notified_within_2_working_days", "notified_in_time", {"window_working_days": 2}, False)],
    ("governance", "supervision"): [("supervised_3_monthly", "supervised_in_time", {"interval_months": 3}, False)],
    ("information_sharing", "referrals_to_csc"): [
        ("same_working_day", "referred_in_time", {"referral_window_working_days": 0}, False),
        ("confirmed_in_writing_48h", "confirmed_in_time", {"confirm_window_hours": 48}, False)],
    ("information_sharing", "sexual_health"): [
        ("under_13", "under_age", {"age_limit": 13}, False), ("under_13_referred", "under_age_referred", {}, False)],
    ("missing", "return_interviews"): [
        ("done_within_72h", "done_in_time", {"interview_window_hours": 72}, False),
        ("health_notified_1wd", "health_notified_in_time", {"health_window_working_days": 1}, False)],
    ("missing", "repeat"): [("children", None, {"min_episodes": 3, "within_days": 90}, True)],
    ("looked_after", "initial_assessments"): [
        ("within_20_working_days", "assessed_in_time", {"window_working_days": 20}, False)],
}


def _sections(data: Any, path: tuple[str, ...]) -> list[dict[str, Any]]:
    nodes = [data]
    for part in path:
        nxt: list[Any] = []
        for node in nodes:
            if part == "[]":
                nxt += [x for x in node if isinstance(x, dict)] if isinstance(node, list) else []
            elif isinstance(node, dict) and part in node:
                nxt.append(node[part])
        nodes = nxt
    return [n for n in nodes if isinstance(n, dict)]


def migrate_v1(data: dict[str, Any]) -> dict[str, Any]:
    """The version 2 form of a version 1 return (a new dict; the input is not changed).

    A v1 field given with its v2 name too is left for validation to reject as an unknown field,
    rather than silently choosing one of the two.
    """
    out = copy.deepcopy(data)
    out["schema_version"] = "2"
    for path, fields in RENAMES.items():
        for section in _sections(out, path):
            rebuilt: dict[str, Any] = {}
            for key, value in section.items():
                rebuilt[key] = value
                for old, new, windows, always in fields:
                    if key != old:
                        continue
                    if new is not None and new not in section:
                        rebuilt[new] = rebuilt.pop(key)
                    if value is not None or always:
                        for w, v in windows.items():
                            rebuilt.setdefault(w, v)
            section.clear()
            section.update(rebuilt)
    return out
