"""The fast paths give exactly what the full ones give: screening scores from verdicts, not findings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from compliance.app.assess import report_for
from compliance.app.generate import write_cohort
from compliance.app.workers import Setup, Worker
from compliance.catalogue.loading import BUNDLED_RULES, load_rules
from compliance.cohort.score import score, score_of
from compliance.cohort.signals import signals_of
from compliance.cohort.weights import load_weights
from compliance.domain.result import Waiver
from compliance.evaluation.evaluator import Evaluator
from compliance.intake.returns import load_assessment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("cohort")
    return sorted((ROOT / "fixtures" / "organisations").glob("*.yaml")) + write_cohort(folder, 40, seed=11)


def _lean(ev: Evaluator, path: Path):
    doc, info = load_assessment(path)
    org = doc.organisation
    return score_of(ev.verdicts(doc), org.id, org.name, org.type.value, list(org.local_authorities), info.path,
                    signals_of(doc), load_weights())


def _full(ev: Evaluator, path: Path):
    doc, info = load_assessment(path)
    return score(report_for(doc, info, ev, [BUNDLED_RULES]), signals_of(doc), load_weights())


def test_scores_from_verdicts_equal_scores_from_full_reports(cohort):
    ev = Evaluator(load_rules())
    for path in cohort:
        lean, full = _lean(ev, path), _full(ev, path)
        assert lean.model_dump_json() == full.model_dump_json(), path.name


def test_verdicts_apply_waivers_as_findings_do(cohort):
    ruleset = load_rules()
    waived = [r.id for r in ruleset.rules[::3]]
    waivers = {rid: Waiver(reason="restructure") for rid in waived[::2]}
    waivers |= {rid: Waiver(reason="old", expires=dt.date(2020, 1, 1), expired=True) for rid in waived[1::2]}
    ev = Evaluator(ruleset, waivers=waivers)
    seen = set()
    for path in cohort[:12]:
        lean, full = _lean(ev, path), _full(ev, path)
        assert lean.model_dump_json() == full.model_dump_json(), path.name
        seen |= {o.value for o in lean.outcomes.values()}
    assert "waived" in seen


def test_screening_worker_text_path_equals_detailed_path(cohort):
    plain = Worker(Setup((BUNDLED_RULES,), None, load_weights()))
    detailed = Worker(Setup((BUNDLED_RULES,), None, load_weights(), detail=True))
    for path in cohort[:10]:
        assert plain(path) == detailed(path)[0]
