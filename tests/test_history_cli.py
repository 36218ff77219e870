"""History end to end: recording generated periods, screening for deterioration, comparing periods,
the history commands in every format, and trends in reports."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.app.generate import generate, generate_periods, write_cohort
from compliance.cli.main import cli
from conftest import FIXTURES

PERIODS = ["2023-24", "2024-25", "2025-26"]


def invoke(*args: object, env: dict | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, env=env)
    return result.exit_code, result.stdout, result.stderr


def _in_period(data: dict, folder: str, new_id: str) -> dict:
    out = copy.deepcopy(data)
    start = int(folder[:4])
    out["organisation"].update(id=new_id, name=f"Twin {new_id}",
                               period={"start": f"{start}-04-01", "end": f"{start + 1}-03-31"})
    return out


def _better(data: dict) -> dict:
    """The same return with every staff group's training in date: its training rules met."""
    out = copy.deepcopy(data)
    for g in out["training"]["groups"]:
        g["in_date"] = g["staff_in_post"]
        g.setdefault("renewal_months", 36)  # a version 2 count states its window
    return out


@pytest.fixture(scope="module")
def cohort(tmp_path_factory, evaluator):
    """Three generated periods, plus two twins: identical in the latest period, one stable throughout
    and one whose training was in date in the two earlier periods (so it fell)."""
    from compliance.domain.model import SelfAssessment

    root = tmp_path_factory.mktemp("periods")
    write_cohort(root, 8, 3, periods=3)
    latest = generate(8, 3)
    base = next(d for d in latest if d.get("training", {}).get("groups") and any(
        f.outcome.value == "not_met" and f.rule_id.startswith("TRN")
        for f in evaluator.evaluate(SelfAssessment.model_validate(d))))
    store = root / "history.sqlite"
    for i, folder in enumerate(PERIODS):
        last = i == len(PERIODS) - 1
        (root / folder / "ZZS99001.json").write_text(json.dumps(_in_period(base, folder, "ZZS99001")))
        (root / folder / "ZZD99002.json").write_text(
            json.dumps(_in_period(base if last else _better(base), folder, "ZZD99002")))
        if last:  # one organisation new in the latest period: it has no history
            (root / folder / "ZZN99003.json").write_text(json.dumps(_in_period(base, folder, "ZZN99003")))
        code, _, err = invoke("screen", root / folder, "--record", "--history", store, "-j", "1", "--fail-on", "none",
                              "-f", "csv")
        assert code == 0, err
    return root, store, base


def test_screening_the_third_period_ranks_a_deteriorating_organisation_above_its_stable_twin(cohort):
    root, store, _ = cohort
    code, out, _ = invoke("screen", root / PERIODS[-1], "--history", store, "-j", "1", "--fail-on", "none",
                          "-f", "json")
    assert code == 0
    orgs = {o["id"]: o for o in json.loads(out)["organisations"]}
    falling, stable, new = orgs["ZZD99002"], orgs["ZZS99001"], orgs["ZZN99003"]
    assert falling["rank"] < stable["rank"]
    assert falling["deterioration_points"] > 0 and stable["deterioration_points"] == 0
    assert falling["score"] - stable["score"] == pytest.approx(falling["deterioration_points"])
    assert falling["history"] == stable["history"] == "compared" and falling["previous_period"] == "2024/25"
    why = [c["detail"] for c in falling["components"] if c["part"] == "deterioration"]
    assert why and all(d.startswith("TRN-") and ("in 2024/25" in d or "since 2024/25" in d) for d in why)
    # never treated as improved: no history scores exactly as the stable twin, and is marked
    assert new["history"] == "none" and new["score"] == stable["score"] and new["deterioration_points"] == 0

    code, text, _ = invoke("screen", root / PERIODS[-1], "--history", store, "-j", "1", "--fail-on", "none")
    block = re.split(r"\n *\d+ +\d+\.\d  ", text[text.index("ZZD99002"):])[0]  # up to the next rank line
    assert why[0] in block and "deterioration" in block
    assert "no earlier period recorded" in " ".join(text[text.index("ZZN99003"):].split())


def test_compare_shows_exactly_the_findings_that_changed(cohort, tmp_path):
    root, _, _ = cohort
    store = tmp_path / "h.sqlite"
    reports = []
    for folder in PERIODS[1:]:
        path = root / folder / "ZZD99002.json"
        code, _, err = invoke("assess", path, "--record", "--history", store, "--fail-on", "none")
        assert code == 0 and "recorded run" in err
        reports.append(json.loads(invoke("assess", path, "-f", "json", "--fail-on", "none")[1]))
    key = {}
    for n, rep in enumerate(reports):
        for f in rep["findings"]:
            key.setdefault(f["rule_id"], [None, None])[n] = (
                f["outcome"], f["severity"], {e["measure"]: e["value"] for e in f["evidence"] if e["used"]},
                f["parameters"])
    expected = {rid for rid, (a, b) in key.items() if a != b}
    assert expected  # the twin's training fell
    code, out, err = invoke("history", "compare", "ZZD99002", "--from", "2024/25", "--to", "2026-03-31", "--history",
                            store, "-f", "json")
    assert code == 0, err
    cmp = json.loads(out)
    assert {c["rule_id"] for c in cmp["changes"]} == expected
    assert cmp["unchanged"] == len(key) - len(expected)
    assert all(c["kind"] in ("new_failure", "value_changed", "outcome_changed", "severity_changed") for c in cmp["changes"])
    text = invoke("history", "compare", "ZZD99002", "--from", "2024/25", "--to", "2025/26", "--history", store)[1]
    assert f"{len(expected)} findings changed" in text or f"{len(expected)} finding changed" in text


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_history_commands_in_every_format(cohort, fmt):
    _, store, _ = cohort
    code, out, err = invoke("history", "list", "--history", store, "-f", fmt)
    assert code == 0, err and "ZZD99002" in out
    code, out, _ = invoke("history", "list", "ZZD99002", "--history", store, "-f", "json")
    runs = json.loads(out)
    assert [r["period"] for r in runs] == ["2023/24", "2024/25", "2025/26"]
    code, out, err = invoke("history", "show", runs[-1]["current_run"][:8], "--history", store, "-f", fmt)
    assert code == 0, err
    code, out, err = invoke("history", "trend", "ZZD99002", "--history", store, "-f", fmt, "--rule", "TRN-001")
    assert code == 0, err and "TRN-001" in out
    if fmt == "json":
        t = json.loads(out)
        assert t["periods"] == ["2023/24", "2024/25", "2025/26"] and len(t["rows"][0]["cells"]) == 3
    if fmt == "html":
        assert out.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in out


def test_show_lists_the_revisions_of_a_period(tmp_path):
    store = tmp_path / "h.sqlite"
    src = FIXTURES / "northfield-acute.yaml"
    copy_ = tmp_path / "northfield.yaml"
    copy_.write_text(src.read_text() + "\n# revised: a different input for the same period\n")
    first = invoke("assess", src, "--record", "--history", store, "--fail-on", "none")[2].split()[2]
    # another input for a period already recorded is refused without --replace, and nothing is recorded
    code, _out, err = invoke("assess", copy_, "--record", "--history", store, "--fail-on", "none")
    assert code == 2 and "already recorded from another return" in err and "--replace" in err
    assert str(store.resolve()) in " ".join(err.split())
    code, _out, err = invoke("assess", copy_, "--record", "--replace", "--history", store, "--fail-on", "none")
    second = err.split()[2]
    assert code == 0 and first != second and f"replaced run {first}" in err
    assert f"in {store.resolve()}" in err.splitlines()[0]
    code, out, _ = invoke("history", "show", first, "--history", store, "-f", "json")
    revs = json.loads(out)["runs_for_period"]
    assert [(r["run_id"], r["current"]) for r in revs] == [(second, True), (first, False)]
    assert "already recorded" in invoke("assess", src, "--record", "--replace", "--history", store, "--fail-on", "none")[2]


def test_export_prune_and_the_environment_variable(cohort, tmp_path):
    _, store, _ = cohort
    own = tmp_path / "h.sqlite"
    own.write_bytes(store.read_bytes())
    for suffix in ("-wal", "-shm"):
        if Path(str(store) + suffix).exists():
            Path(str(own) + suffix).write_bytes(Path(str(store) + suffix).read_bytes())
    env = {"SAFEGUARD_HISTORY": str(own)}
    code, out, _ = invoke("history", "export", env=env)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 8 * 3 + 2 * 3 + 1 and all(r["findings"] for r in lines)
    assert invoke("history", "prune", "--keep", "1", env=env)[0] == 0
    runs = json.loads(invoke("history", "list", "ZZD99002", "-f", "json", env=env)[1])
    assert [r["period"] for r in runs] == ["2025/26"]


def test_reports_show_the_change_since_the_last_period_and_a_trend_per_area(cohort):
    root, store, _ = cohort
    path = root / PERIODS[-1] / "ZZD99002.json"
    code, html, _ = invoke("assess", path, "--history", store, "-f", "html", "--fail-on", "none")
    assert code == 0
    assert "Trend since 2024/25" in html and html.count('<svg class="trend"') >= 2
    assert "was met in 2024/25" in html and "Since the last period:" in html
    code, md, _ = invoke("assess", path, "--history", store, "-f", "markdown", "--fail-on", "none")
    assert "## Since 2024/25" in md and "was met in 2024/25" in md
    # without history the report is as before
    plain = invoke("assess", path, "-f", "markdown", "--fail-on", "none")[1]
    assert "Since 2024/25" not in plain


@pytest.mark.parametrize("make", [lambda p: p.write_text("org,score\n"), lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)])
def test_a_foreign_history_file_exits_2_and_is_left_untouched(tmp_path, make):
    store = tmp_path / "h.sqlite"
    make(store)
    before = store.read_bytes()
    code, _, err = invoke("assess", FIXTURES / "northfield-acute.yaml", "--record", "--history", store)
    assert code == 2 and str(store) in err and "left untouched" in err and "Traceback" not in err
    assert invoke("history", "list", "--history", store)[0] == 2
    assert store.read_bytes() == before


def test_generated_periods_drift_and_end_with_the_single_period_cohort():
    periods = generate_periods(40, 5, 3)
    assert periods[-1] == generate(40, 5)
    assert [p[0]["organisation"]["period"]["start"] for p in periods] == ["2023-04-01", "2024-04-01", "2025-04-01"]
    moved = sum(periods[0][i].get("training") != periods[-1][i].get("training") for i in range(40))
    assert moved > 0  # drift: some organisations' figures move
    for i in range(40):  # but each stays the same organisation
        assert len({(p[i]["organisation"]["id"], p[i]["organisation"]["type"]) for p in periods}) == 1
    from compliance.domain.model import SelfAssessment

    for p in periods[:-1]:
        for data in p:
            SelfAssessment.model_validate(data)


def test_a_fall_names_the_rule_and_both_values():
    from compliance.history.trends import falls
    from history_helpers import entry, finding

    before = entry(year=2024, findings=[finding("O", "TRN-003", "met", value=88.0), finding("O", "GOV-001", "not_met"),
                                        finding("O", "WNB-001", "insufficient_evidence", value=None)])
    now = entry(year=2025, findings=[finding("O", "TRN-003", "not_met", value=71.0), finding("O", "GOV-001", "not_met"),
                                     finding("O", "WNB-001", "not_met", value=40.0)])
    assert [f.detail for f in falls(before, now)] == [
        "TRN-003 fell from 88% to 71% since 2024/25",
        "WNB-001 was not evidenced yet in 2024/25, not met now"]


# --- history without surprises (issue 28) -----------------------------------------------------------


def test_codes_match_whatever_their_case_and_where_prints_the_store(cohort):
    _, store, _ = cohort
    upper = invoke("history", "list", "ZZD99002", "--history", store)
    lower = invoke("history", "list", "zzd99002", "--history", store)
    assert upper[0] == lower[0] == 0 and upper[1] == lower[1] and "ZZD99002" in lower[1]
    assert invoke("history", "trend", "zZd99002", "--history", store)[0] == 0
    code, out, _ = invoke("history", "where", "--history", store)
    assert code == 0 and out.strip() == str(store.resolve())
    code, out, _ = invoke("history", "where", env={"SAFEGUARD_HISTORY": str(store)})
    assert out.strip() == str(store.resolve())


def test_trend_and_compare_show_titles_and_plain_values_wrapped(cohort):
    _, store, _ = cohort
    code, out, _ = invoke("history", "trend", "ZZD99002", "--history", store)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    trn = next(line for line in out.splitlines() if "TRN-002" in line)
    assert "TRN-002 Level 2" in trn  # the rule's title beside its code
    assert "Threshold" not in out and not re.search(r"\b[a-z]+_[a-z_]+\b", out)
    code, out, _ = invoke("history", "compare", "ZZD99002", "--from", "2024/25", "--to", "2025/26", "--history", store)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", out) and " = " not in out
    assert re.search(r"^TRN-002 Level 2", out, re.M)  # the rule's title beside its code


def test_the_reports_trend_table_shows_rows_not_escaped_tags(cohort):
    """formats/history.py added plain strings to escaped Markup, so the rows showed as '<tr><th ...>' text."""
    from lxml import html as lxml_html

    root, store, _ = cohort
    code, out, _ = invoke("assess", root / PERIODS[-1] / "ZZD99002.json", "-f", "html", "--history", store,
                          "--fail-on", "none")
    assert code == 0
    doc = lxml_html.fromstring(out)
    for el in doc.xpath("//script | //style"):
        el.drop_tree()
    shown = doc.text_content()
    assert "Trend since" in shown
    assert not re.search(r"<\s*/?\s*(tr|th|td|table|p|h3|svg|figure)\b", shown), \
        re.search(r".{40}<\s*/?\s*(tr|th|td).{40}", shown, re.S)
    table = next(t for t in doc.xpath("//table") if "The same numbers" in t.text_content())
    assert len(table.xpath("./tbody/tr/th[@scope='row']")) >= 1
