"""Inspector pre-screening: score, ranking, weights, filters, bad files, outputs, generator, parallelism."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import FIXTURES, minimal_return

from compliance.app.generate import generate, write_cohort
from compliance.domain.model import SelfAssessment
from compliance.app.workers import Setup, collect
from compliance.catalogue.loading import BUNDLED_RULES
from compliance.cohort.signals import Signals
from compliance.cohort.weights import WeightsError, load_weights
from compliance.cohort.ranking import build
from compliance.cohort.score import score_of
from compliance.domain.outcomes import Outcome

FULL_CONTEXT = {"open_practice_reviews": 0, "whistleblowing_concerns": 0, "la_childrens_services_inadequate": False,
                "cqc_safe_rating": "good", "cqc_well_led_rating": "good"}


def _write(folder: Path, name: str, data: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def _org(oid: str, la: str = "LA1", org_type: str = "acute", **sections) -> dict:
    data = minimal_return(**sections)
    data["organisation"] = {**data["organisation"], "id": oid, "type": org_type, "local_authorities": [la],
                            "last_inspection": "2025-01-01"}
    data.setdefault("context", FULL_CONTEXT)
    return data


def test_critical_failure_outranks_several_low_failures(evaluator):
    import dataclasses

    from compliance.domain.outcomes import Outcome, Severity
    from compliance.evaluation.evaluator import Verdict

    w = load_weights()
    v0 = evaluator.verdicts(SelfAssessment.model_validate(_org("A")))[0]

    def failing(rid: str, sev: Severity) -> Verdict:  # no threshold: the severity's points alone
        return dataclasses.replace(v0, rule=v0.rule.model_copy(update={"id": rid, "threshold": None}),
                                   severity=sev, outcome=Outcome.not_met)

    def scored(oid: str, verdicts: list[Verdict]):
        return score_of(verdicts, oid, oid, "acute", ["LA1"], f"{oid}.json", sig, w)

    sig = Signals(context=None, last_inspection=None, period_end="2026-03-31", children=None)
    crit = scored("CRIT", [failing("X-1", Severity.critical)])
    lows = scored("LOWS", [failing(f"L-{i}", Severity.low) for i in range(5)])
    result = build([lows, crit], [], w)
    assert [o.id for o in result.organisations] == ["CRIT", "LOWS"]
    assert crit.findings_points == w.severity.critical
    assert lows.findings_points == 5 * w.severity.low
    # the breakdown adds up to the score
    for o in (crit, lows):
        assert o.score == pytest.approx(o.findings_points * o.exposure_multiplier + o.context_points + o.data_quality_points, abs=0.01)


def test_missing_context_is_risk_and_gap_scales_not_met(tmp_path):
    a = _write(tmp_path, "a.json", _org("A"))
    b_data = _org("B")
    b_data.pop("context")
    b_data["organisation"].pop("last_inspection")
    b = _write(tmp_path, "b.json", b_data)
    w = load_weights()
    scores, invalid, _ = collect([a, b], Setup((BUNDLED_RULES,), None, w), jobs=1)
    assert not invalid
    by_id = {s.id: s for s in scores}
    assert by_id["B"].data_quality_points == 6 * w.data_quality.per_missing_context_value
    assert by_id["A"].data_quality_points == 0
    assert by_id["B"].score > by_id["A"].score
    missing = {c.key for c in by_id["B"].components if c.part == "data_quality"}
    assert missing == {"last_inspection", "open_practice_reviews", "whistleblowing_concerns",
                       "la_childrens_services_inadequate", "cqc_safe_rating", "cqc_well_led_rating"}


def test_gap_weighting_on_training(tmp_path):
    low = _write(tmp_path, "low.json", _org("LOW", training={"groups": [{"group": "a", "level": 1, "staff_in_post": 100, "in_date": 45}]}))
    near = _write(tmp_path, "near.json", _org("NEAR", training={"groups": [{"group": "a", "level": 1, "staff_in_post": 100, "in_date": 85}]}))
    w = load_weights()
    scores, _, _ = collect([low, near], Setup((BUNDLED_RULES,), None, w), jobs=1)
    trn = {s.id: next(c for c in s.components if c.key == "TRN-001") for s in scores}
    assert trn["LOW"].points == pytest.approx(w.severity.high * (1 + w.gap * 0.5))
    assert trn["NEAR"].points < trn["LOW"].points
    assert "45 against 90" in trn["LOW"].detail and "Level 1 safeguarding training" in trn["LOW"].detail


def test_weights_override_partial_and_errors(tmp_path):
    good = tmp_path / "w.yaml"
    good.write_text("severity:\n  critical: 100\n")
    w = load_weights(good)
    assert w.severity.critical == 100 and w.severity.high == load_weights().severity.high
    bad = tmp_path / "bad.yaml"
    bad.write_text("severity:\n  critical: 100\ncontext:\n  per_year: 3\n")
    with pytest.raises(WeightsError) as e:
        load_weights(bad)
    assert "bad.yaml" in str(e.value) and "line 4" in str(e.value) and "per_year" in str(e.value)


def test_cli_weights_error_exits_2(tmp_path, run_cli):
    bad = tmp_path / "bad.yaml"
    bad.write_text("severity: {critical: -1}\n")
    code, out, err = run_cli("screen", str(FIXTURES), "--weights", bad, "-j", "1")
    assert code == 2 and "bad.yaml" in err and "line 1" in err


def test_filters_top_and_areas(tmp_path, run_cli):
    _write(tmp_path, "a.json", _org("A", la="LA1"))
    _write(tmp_path, "b.json", _org("B", la="LA2", org_type="gp_practice"))
    c = _org("C", la="LA1")
    c["organisation"]["local_authorities"] = ["LA1", "LA2"]
    _write(tmp_path, "c.json", c)
    code, out, _ = run_cli("screen", tmp_path, "-f", "json", "-j", "1", "--fail-on", "none", "--local-authority", "LA2")
    doc = json.loads(out)
    assert code == 0 and {o["id"] for o in doc["organisations"]} == {"B", "C"}
    areas = {a["local_authority"]: a for a in doc["areas"]}
    assert areas["LA2"]["organisations"] == 2 and areas["LA1"]["organisations"] == 1  # C counts in both
    code, out, _ = run_cli("screen", tmp_path, "-f", "json", "-j", "1", "--fail-on", "none", "--org-type", "gp_practice")
    assert [o["id"] for o in json.loads(out)["organisations"]] == ["B"]
    code, out, _ = run_cli("screen", tmp_path, "-f", "json", "-j", "1", "--fail-on", "none", "--top", "1")
    doc = json.loads(out)
    assert len(doc["organisations"]) == 1 and doc["organisations"][0]["rank"] == 1
    assert sum(t["met"] + t["not_met"] + t["insufficient_evidence"] + t["not_applicable"] for t in doc["national"]) == 3 * len(doc["national"])


def test_corrupt_and_duplicate_files_reported_others_screened(tmp_path, run_cli):
    _write(tmp_path, "a.json", _org("A"))
    (tmp_path / "broken.yaml").write_text("organisation: [unclosed\n")
    bad = _org("BAD")
    bad["organisation"]["type"] = "hospital"
    _write(tmp_path, "bad.json", bad)
    code, out, err = run_cli("screen", tmp_path, "-f", "csv", "-j", "1", "--fail-on", "none")
    assert code == 2
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows if r["status"] == "screened"] == ["A"]
    invalid = {Path(r["file"]).name: r["error"] for r in rows if r["status"] == "invalid"}
    assert set(invalid) == {"broken.yaml", "bad.json"} and "organisation.type" in invalid["bad.json"]
    assert "broken.yaml" in err
    # duplicates: both screened, reported, exit 2
    dup = tmp_path / "dup"
    dup.mkdir()
    _write(dup, "x.json", _org("SAME"))
    _write(dup, "y.json", _org("SAME"))
    code, out, err = run_cli("screen", dup, "-f", "json", "-j", "1", "--fail-on", "none")
    doc = json.loads(out)
    assert code == 2 and doc["duplicates"][0]["id"] == "SAME" and len(doc["organisations"]) == 2
    assert "SAME" in err


def test_exit_1_for_findings_and_text_fits_80_columns(tmp_path, run_cli):
    _write(tmp_path, "a.json", _org("A"))
    code, out, _ = run_cli("screen", tmp_path, "-j", "1", "--fail-on", "high")
    assert code == 1  # an empty return has high findings with no evidence
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "ask (" in out and "National picture" in out


def test_json_and_csv_parse_back_and_agree(tmp_path, run_cli):
    folder = tmp_path / "cohort"
    write_cohort(folder, 12, seed=3)
    out_json, out_csv = tmp_path / "s.json", tmp_path / "s.csv"
    assert run_cli("screen", folder, "-f", "json", "-o", out_json, "-j", "1", "--fail-on", "none")[0] == 0
    assert run_cli("screen", folder, "-f", "csv", "-o", out_csv, "-j", "1", "--fail-on", "none")[0] == 0
    from compliance.cohort.ranking import Screening

    doc = Screening.model_validate_json(out_json.read_text())
    rows = list(csv.DictReader(out_csv.open()))
    assert [(r["id"], float(r["score"])) for r in rows] == [(o.id, o.score) for o in doc.organisations]
    assert [o.score for o in doc.organisations] == sorted((o.score for o in doc.organisations), reverse=True)
    for o in doc.organisations:
        sevs = [e.severity.rank for e in o.lines_of_enquiry]
        assert sevs == sorted(sevs, reverse=True)


def test_generator_deterministic_valid_and_mixed():
    a, b = generate(60, seed=7), generate(60, seed=7)
    assert a == b and a != generate(60, seed=8)
    docs = [SelfAssessment.model_validate(d) for d in a]
    types = [d.organisation.type.value for d in docs]
    assert types.count("gp_practice") > len(types) / 2
    assert len({d.organisation.id for d in docs}) == len(docs)
    assert any(d.context is None or d.context.cqc_safe_rating is None for d in docs)


def test_generated_yaml_files_load_as_the_same_returns_as_json(tmp_path):
    from compliance.intake.returns import load_assessment

    yaml_docs = [load_assessment(p)[0] for p in write_cohort(tmp_path / "y", 8, seed=2, fmt="yaml")]
    json_docs = [load_assessment(p)[0] for p in write_cohort(tmp_path / "j", 8, seed=2, fmt="json")]
    assert len({d.organisation.id for d in yaml_docs}) == 8
    assert yaml_docs == json_docs


def test_parallel_equals_sequential(tmp_path):
    paths = write_cohort(tmp_path, 16, seed=5)
    (tmp_path / "zz-bad.json").write_text("{")
    paths.append(tmp_path / "zz-bad.json")
    setup = Setup((BUNDLED_RULES,), None, load_weights())
    seq = collect(paths, setup, jobs=1)
    par = collect(paths, setup, jobs=2)
    assert [s.model_dump() for s in seq[0]] == [s.model_dump() for s in par[0]]
    assert seq[1] == par[1] and len(seq[1]) == 1


def test_forked_workers_score_with_the_evaluator_the_parent_built(tmp_path):
    """Workers reuse the parent's evaluator instead of rebuilding it: one whose every rule is waived
    (which the setup alone would never build) shows up in the scores of every worker process."""
    import multiprocessing

    from compliance.catalogue.loading import load_rules
    from compliance.domain.result import Waiver
    from compliance.evaluation.evaluator import Evaluator

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("workers inherit the parent's evaluator only when forked")
    paths = write_cohort(tmp_path, 12, seed=6)
    setup = Setup((BUNDLED_RULES,), None, load_weights())
    ruleset = load_rules()
    marked = Evaluator(ruleset, waivers={r.id: Waiver(reason="marker") for r in ruleset.rules})
    for jobs in (1, 2):
        scores, _, _ = collect(paths, setup, jobs=jobs, made=(marked, None))
        assert len(scores) == 12
        # every rule that applies is waived (a waiver leaves a rule that does not apply not applicable)
        assert all(set(s.outcomes.values()) <= {Outcome.waived, Outcome.not_applicable}
                   and Outcome.waived in s.outcomes.values() for s in scores), jobs
    plain, _, _ = collect(paths, setup, jobs=2)
    assert all(Outcome.waived not in s.outcomes.values() for s in plain)


_DOOMED: list[Path] = []


def _dying_run(path: Path):
    """A worker that dies on one return, as a crash in the engine's C code would end it."""
    import os

    from compliance.app import workers

    if path in _DOOMED:
        os._exit(11)
    return workers.Worker.__call__(workers._worker, path)


def test_a_worker_that_dies_ends_the_run_with_an_internal_error_not_a_hang(tmp_path, run_cli, monkeypatch):
    """The engine is C code: a worker can crash. multiprocessing.Pool waited forever for its task."""
    import faulthandler
    import multiprocessing

    from compliance.app import workers

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the patched worker function reaches the workers only when forked")
    paths = write_cohort(tmp_path, 12, seed=6)
    monkeypatch.setattr(workers, "_run", _dying_run)
    _DOOMED[:] = [paths[5]]
    faulthandler.dump_traceback_later(120, exit=True)  # a regression fails the suite instead of hanging it
    try:
        code, out, err = run_cli("screen", tmp_path, "-j", "2", "--fail-on", "none", "-o", tmp_path / "out.txt")
    finally:
        faulthandler.cancel_dump_traceback_later()
        _DOOMED.clear()
    assert code == 3 and "worker process died" in err and not (tmp_path / "out.txt").exists()


def test_planted_cohorts_record_their_truth_and_refuse_nonsense(tmp_path, run_cli):
    code, _, err = run_cli("fixtures", "generate", "--count", "20", "--plant", "4", "--seed", "2", "-o", tmp_path / "c")
    assert code == 0 and "4 planted" in err
    truth = (tmp_path / "c" / "planted.csv").read_text().splitlines()
    assert truth[0] == "id,rules" and len(truth) == 5
    assert all((tmp_path / "c" / f"{line.split(',')[0]}.json").exists() for line in truth[1:])
    code, _, err = run_cli("fixtures", "generate", "--count", "3", "--plant", "4", "-o", tmp_path / "d")
    assert code == 2 and "more than --count" in err
    code, out, err = run_cli("screen", tmp_path / "c", "--by", "area", "--format", "csv")
    assert code == 2 and "--by area" in err
    code, out, _ = run_cli("screen", tmp_path / "c", "--quiet", "--fail-on", "none")
    assert code == 0 and len(out.splitlines()) == 6 + 20 and "driver" not in out and "not a sure order" in out


def test_enquiries_csv_is_one_row_per_organisation_and_enquiry_with_fixed_columns(tmp_path, run_cli):
    from compliance.formats.screening import ENQUIRY_COLUMNS

    folder = tmp_path / "cohort"
    write_cohort(folder, 12, seed=3)
    evil = _org("EVIL")
    evil["organisation"]["name"] = "=HYPERLINK(\"http://x\",\"click\")"
    _write(folder, "evil.json", evil)
    (folder / "broken.yaml").write_text("organisation: [unclosed\n")
    out_json, out_csv = tmp_path / "s.json", tmp_path / "e.csv"
    run_cli("screen", folder, "-f", "json", "-o", out_json, "-j", "1", "--fail-on", "none")
    code, _, _ = run_cli("screen", folder, "-f", "enquiries-csv", "-o", out_csv, "-j", "1", "--fail-on", "none")
    assert code == 2  # the broken file: listed, and everything else still written
    from compliance.cohort.ranking import Screening

    doc = Screening.model_validate_json(out_json.read_text())
    with out_csv.open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ENQUIRY_COLUMNS
        rows = list(reader)
    screened = [r for r in rows if r["status"] == "screened"]
    expected = []
    for o in doc.organisations:  # in list order; each organisation's enquiries in its own order, or one empty row
        expected += [(o.id, str(i), e.rule_id, e.title, e.severity.value, e.outcome.value, e.text)
                     for i, e in enumerate(o.lines_of_enquiry, start=1)] or [(o.id, "0", "", "", "", "", "")]
    assert [(r["id"], r["enquiry"], r["rule_id"], r["title"], r["severity"], r["outcome"], r["line_of_enquiry"])
            for r in screened] == expected
    assert all(r["title"] for r in screened if r["rule_id"])  # every enquiry names its rule's title
    assert {r["name"] for r in screened if r["id"] == "EVIL"} == {"'=HYPERLINK(\"http://x\",\"click\")"}
    assert [Path(r["file"]).name for r in rows if r["status"] == "invalid"] == ["broken.yaml"]


@pytest.mark.parametrize("code,problem", [
    ("E06000001", None), ("E08000025", None), ("E09000001", None), ("E10000014", None),  # the upper-tier shapes
    ("LA1", None), ("northfield", None), ("E0600001", None),  # not GSS codes: local labels, accepted as written
    ("E07000123", "lower-tier district"), ("W06000015", "outside England"), ("E05000123", "not an upper-tier"),
])
def test_area_codes_are_checked_for_the_upper_tier_shape_only(code, problem):
    from compliance.domain.areas import code_problem

    got = code_problem(code)
    assert (got is None) if problem is None else (problem in got and code in got)


def test_screening_accepts_any_area_code_and_says_which_are_not_upper_tier(tmp_path, run_cli):
    _write(tmp_path, "a.json", _org("A", la="E07000123"))
    _write(tmp_path, "b.json", _org("B", la="E10000014"))
    _write(tmp_path, "c.json", _org("C", la="riverside"))
    code, out, err = run_cli("screen", tmp_path, "-f", "json", "-j", "1", "--fail-on", "none")
    doc = json.loads(out)
    assert code == 0 and {la for o in doc["organisations"] for la in o["local_authorities"]} == {
        "E07000123", "E10000014", "riverside"}
    assert len(doc["area_code_problems"]) == 1 and "E07000123" in doc["area_code_problems"][0]
    assert "warning: area code E07000123" in err and "E10000014" not in err and "riverside" not in err
    code, out, _ = run_cli("screen", tmp_path, "-j", "1", "--fail-on", "none")
    assert "Area code: E07000123 is a lower-tier district" in out
