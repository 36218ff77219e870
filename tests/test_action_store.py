"""The action plan in the history store (issue 28): actions filed under the finding's stable key,
carried over while the requirement is still not met, closed when it is met, shown with what changed,
listed by `safeguard history actions`, offered again in next year's template, and counted as
overdue by screening."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import FIXTURES
from hypothesis import given
from hypothesis import strategies as st

from compliance.app.assess import report_for
from compliance.catalogue.loading import BUNDLED_RULES
from compliance.domain.actions import finding_key
from compliance.domain.outcomes import ACTION_STATUS_LABELS, Outcome
from compliance.history.actions import carry_actions
from compliance.history.entries import ActionEntry, run_entry
from compliance.intake.documents import read_document
from compliance.intake.returns import load_assessment

_codes = st.from_regex(r"[A-Z]{3}[0-9]{2}", fullmatch=True)


@given(_codes, st.sampled_from(["ALR-001", "TRN-003", "GOV-002"]), st.sampled_from([str.lower, str.upper, str.title]))
def test_the_key_is_the_organisation_and_requirement_whatever_the_case(org, rule, case):
    assert finding_key(case(org), rule) == finding_key(org, rule) == finding_key(f" {org} ", rule.lower())
    assert finding_key(org, rule) != finding_key(org + "X", rule)


def _yaml(tmp_path, data, name):
    from ruamel.yaml import YAML

    path = tmp_path / name
    with path.open("w") as fh:
        YAML(typ="safe").dump(data, fh)
    return path


def _year(data: dict, start: int, actions: list[dict] | None) -> dict:
    out = json.loads(json.dumps(data, default=str))
    out["organisation"]["period"] = {"start": f"{start}-04-01", "end": f"{start + 1}-03-31"}
    if actions is None:
        out.pop("actions", None)
    else:
        out["actions"] = actions
    return out


@pytest.fixture(scope="module")
def report(evaluator):
    assessment, info = load_assessment(FIXTURES / "northfield-acute.yaml")
    return report_for(assessment, info, evaluator, [BUNDLED_RULES])


def _before(report, actions: list[dict]):
    entry = run_entry(report).model_copy(update={"period_start": dt.date(2024, 4, 1), "period_end": dt.date(2025, 3, 31)})
    org = report.organisation.id
    return entry.model_copy(update={"actions": [ActionEntry(finding_key=finding_key(org, a["rule_id"]), since="2024/25",
                                                            **a) for a in actions]})


def test_open_actions_carry_over_while_not_met_and_close_when_met(report):
    failing = [f.rule_id for f in report.findings if f.outcome == Outcome.not_met]
    carried, closed, done, kept = failing[:4]
    before = _before(report, [
        {"rule_id": carried, "action": "Carried one", "owner": "Head of IT", "due": dt.date(2025, 12, 31),
         "status": "in_progress"},
        {"rule_id": closed, "action": "Closed one", "status": "not_started"},
        {"rule_id": done, "action": "Done one", "status": "done"},
        {"rule_id": kept, "action": "Kept one", "status": "not_started", "due": dt.date(2026, 9, 30)},
    ])
    from compliance.domain.actions import planned_action

    end = report.organisation.period_end
    now = report.model_copy(update={
        # this year the lead met `closed`; her return repeats `kept` (now in progress) and adds a new one
        "findings": [f.model_copy(update={"outcome": Outcome.met}) if f.rule_id == closed else f for f in report.findings],
        "actions": [planned_action(report.organisation.id, kept, "Kept one", status="in_progress", as_of=end,
                                   due=dt.date(2026, 9, 30)),
                    planned_action(report.organisation.id, failing[4], "A new one", status="not_started", as_of=end)]})
    plan = {a.action: a for a in carry_actions(now, before).actions}
    assert set(plan) == {"Carried one", "Closed one", "Kept one", "A new one"}  # a done action is not carried
    c = plan["Carried one"]
    assert c.carried and c.status == "in_progress" and c.overdue and c.status_label == "Overdue"
    assert c.change == "Carried over from 2024/25: the requirement is still not met" and c.since == "2024/25"
    assert plan["Closed one"].status == "closed" and not plan["Closed one"].overdue
    assert plan["Closed one"].change.startswith("Closed: the requirement is met now")
    assert plan["Kept one"].change == "Was not started in 2024/25, in progress now" and plan["Kept one"].since == "2024/25"
    assert plan["A new one"].change == "New since 2024/25" and plan["A new one"].since is None
    assert carry_actions(now, before).overdue_actions == 1
    assert carry_actions(now, None) is now  # nothing recorded before: the return's plan as it is


def test_a_leads_actions_across_two_years_in_the_store(run_cli, tmp_path):
    store = tmp_path / "h.sqlite"
    base = read_document(FIXTURES / "northfield-acute.yaml").data
    first = _yaml(tmp_path, _year(base, 2025, [
        {"rule": "ALR-001", "action": "Connect Eastmoor UTC to CP-IS", "owner": "Head of IT", "due": "2026-12-31",
         "status": "in_progress"},
        {"rule": "GOV-002", "action": "Appoint a named doctor", "owner": "Medical director", "due": "2025-09-30",
         "status": "not_started"},
        {"rule": "INF-001", "action": "Audit the late referrals", "status": "done"},
    ]), "y1.yaml")
    code, _o, err = run_cli("assess", first, "--record", "--history", store, "--fail-on", "none", "-q")
    assert code == 0, err

    code, out, err = run_cli("history", "actions", "rxn01", "--history", store, "--as-of", "2026-04-01", "-f", "json")
    assert code == 0, err
    plan = json.loads(out)["organisations"][0]["actions"]
    assert [a["rule_id"] for a in plan] == ["ALR-001", "GOV-002"]  # open ones; the done one with --all
    assert [a["overdue"] for a in plan] == [False, True] and plan[1]["status_label"] == "Overdue"
    assert plan[0]["finding_key"] == finding_key("RXN01", "ALR-001")
    code, out, _e = run_cli("history", "actions", "--history", store, "--as-of", "2026-04-01", "--all")
    assert code == 0 and "3 actions of 1 organisation, 1 overdue on 01 April 2026." in " ".join(out.split())
    md = run_cli("history", "actions", "--history", store, "--as-of", "2026-04-01", "--all", "-f", "markdown")[1]
    assert "| Audit the late referrals | not set | not set | Done | 2025/26 |" in md

    # next year's template offers the recorded open actions (the done one left out)
    nxt = tmp_path / "y2.xlsx"
    code, _o, err = run_cli("template", "--type", "acute", "--from", first, "--history", store, "-o", nxt)
    assert code == 0, err
    assert "carried 2 open actions of RXN01 2025/26 from the history store" in err and "1 done or closed left out" in err
    model, _ = load_assessment(nxt)
    offered = {a.rule: a for a in model.actions}
    assert offered["ALR-001"].owner == "Head of IT" and offered["ALR-001"].status.value == "in_progress"
    assert "INF-001" not in offered or offered["INF-001"].action != "Audit the late referrals"

    # year two's return forgets GOV-002's action and moves ALR-001 on: the store carries GOV-002 over
    second = _yaml(tmp_path, _year(base, 2026, [
        {"rule": "ALR-001", "action": "Connect Eastmoor UTC to CP-IS", "owner": "Head of IT", "due": "2026-12-31",
         "status": "done"}]), "y2.yaml")
    code, out, err = run_cli("assess", second, "--record", "--history", store, "--fail-on", "none", "-f", "json")
    assert code == 0, err
    actions = {a["rule_id"]: a for a in json.loads(out)["actions"]}
    assert actions["ALR-001"]["change"] == "Was in progress in 2025/26, done now"
    assert actions["GOV-002"]["carried"] and actions["GOV-002"]["overdue"]
    assert actions["GOV-002"]["change"] == "Carried over from 2025/26: the requirement is still not met"
    assert json.loads(out)["overdue_actions"] == 1
    code, out, _e = run_cli("history", "actions", "RXN01", "--history", store, "--as-of", "2027-04-01")
    flat = " ".join(out.split())
    assert "1 open action of 1 organisation, 1 overdue on 01 April 2027." in flat and "2026/27" in flat
    assert ACTION_STATUS_LABELS["overdue"] in flat


def test_screening_counts_overdue_actions_and_never_reads_an_unknown_plan_as_zero(run_cli, tmp_path):
    import csv
    import io

    import openpyxl

    base = read_document(FIXTURES / "northfield-acute.yaml").data
    folder = tmp_path / "returns"
    folder.mkdir()
    _yaml(folder, _year(base, 2025, [
        {"rule": "ALR-001", "action": "Connect Eastmoor UTC to CP-IS", "due": "2025-09-30", "status": "in_progress"},
        {"rule": "GOV-002", "action": "Appoint a named doctor", "due": "2025-10-31", "status": "overdue"},
        {"rule": "INF-001", "action": "Audit", "due": "2025-10-31", "status": "done"}]), "with-plan.yaml")
    other = read_document(FIXTURES / "brookside-acute.yaml").data
    assert "actions" not in other
    _yaml(folder, other, "no-plan.yaml")
    code, out, err = run_cli("screen", folder, "-f", "json", "--fail-on", "none")
    assert code == 0, err
    orgs = {o["id"]: o for o in json.loads(out)["organisations"]}
    assert orgs["RXN01"]["overdue_actions"] == 2 and orgs["RXB01"]["overdue_actions"] is None
    driver = next(c for c in orgs["RXN01"]["components"] if c["key"] == "overdue_actions")
    assert driver["points"] > 0 and driver["detail"].startswith("2 overdue actions in its own plan")
    text = " ".join(run_cli("screen", folder, "--fail-on", "none")[1].split())
    assert "overdue actions: not reported" in text and ("2 overdue actions in its own plan" in text
                                                         or "overdue actions: 2 in its own plan" in text)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(run_cli("screen", folder, "-f", "csv", "--fail-on", "none")[1]))}
    assert rows["RXN01"]["overdue_actions"] == "2" and rows["RXB01"]["overdue_actions"] == "not reported"
    for fmt in ("markdown", "html"):
        page = run_cli("screen", folder, "-f", fmt, "--fail-on", "none")[1]
        assert "Overdue actions" in page and "not reported" in page, fmt
    book = tmp_path / "s.xlsx"
    assert run_cli("screen", folder, "-f", "xlsx", "-o", book, "--fail-on", "none")[0] == 0
    ranking = list(openpyxl.load_workbook(book)["Ranking"].iter_rows(values_only=True))
    col = ranking[0].index("overdue_actions")
    assert sorted(str(r[col]) for r in ranking[1:]) == ["2", "not reported"]

    # with the history store: a return with no plan is counted from the plan recorded last year
    store = tmp_path / "h.sqlite"
    assert run_cli("screen", folder, "--record", "--history", store, "--fail-on", "none")[0] == 0
    year2 = tmp_path / "year2"
    year2.mkdir()
    _yaml(year2, _year(base, 2026, None), "with-plan.yaml")
    _yaml(year2, _year(other, 2026, None), "no-plan.yaml")
    out = run_cli("screen", year2, "--history", store, "-f", "json", "--fail-on", "none")[1]
    orgs = {o["id"]: o for o in json.loads(out)["organisations"]}
    assert orgs["RXN01"]["overdue_actions"] == 2 and "last recorded" in orgs["RXN01"]["overdue_actions_text"]
    assert orgs["RXB01"]["overdue_actions"] is None


_STATUSES = ["not_started", "in_progress", "overdue", "done"]


@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(_STATUSES), st.booleans()), max_size=12),
       st.lists(st.sampled_from(list(Outcome)), min_size=6, max_size=6),
       st.sets(st.integers(0, 11), max_size=6))
def test_every_open_action_is_repeated_carried_or_closed_exactly_once(report, before_plan, outcomes, repeated):
    """Any plan last period, any outcomes now, any of its actions repeated in this return: each open
    action of last period is in the plan once (repeated, carried over, or closed when its requirement
    is met, no longer applies or is waived), a done one is never carried, and the overdue count is the
    plan's own."""
    from compliance.domain.actions import OPEN, planned_action

    rules = [f.rule_id for f in report.findings][:6]
    end = report.organisation.period_end
    actions = [{"rule_id": rules[r], "action": f"Action {i}", "status": s,
                "due": dt.date(2020, 1, 1) if late else None} for i, (r, s, late) in enumerate(before_plan)]
    before = _before(report, actions)
    findings = [f.model_copy(update={"outcome": outcomes[rules.index(f.rule_id)]}) if f.rule_id in rules else f
                for f in report.findings]
    again = [a for i, a in enumerate(actions) if i in repeated]
    now = report.model_copy(update={"findings": findings, "actions": [
        planned_action(report.organisation.id, a["rule_id"], a["action"], status="in_progress", as_of=end)
        for a in again]})
    plan = carry_actions(now, before).actions if actions else now.actions
    texts = [a.action for a in plan]
    assert len(texts) == len(set(texts))
    for i, a in enumerate(actions):
        got = [p for p in plan if p.action == a["action"]]
        if i in repeated:
            assert len(got) == 1 and not got[0].carried
        elif a["status"] not in OPEN:
            assert not got  # done: not carried
        else:
            [p] = got
            outcome = outcomes[rules.index(a["rule_id"])]
            closes = outcome in (Outcome.met, Outcome.not_applicable, Outcome.waived)
            assert p.carried and (p.status == "closed") == closes and p.finding_key == finding_key("RXN01", a["rule_id"])
            assert p.overdue == (not closes and (a["status"] == "overdue" or a["due"] is not None))
    if actions:
        assert carry_actions(now, before).overdue_actions == sum(p.overdue for p in plan)
