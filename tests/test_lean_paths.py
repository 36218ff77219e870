"""The fast paths give exactly what the full ones give: screening scores verdicts, and findings are dressed from them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from compliance.app.assess import report_for
from compliance.app.generate import write_cohort
from compliance.app.workers import Setup, Worker
from compliance.catalogue.loading import BUNDLED_RULES, load_rules
from compliance.cohort.weights import load_weights
from compliance.domain.result import Waiver
from compliance.evaluation.evaluator import Evaluator
from compliance.intake.returns import load_assessment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("cohort")
    return sorted((ROOT / "fixtures" / "organisations").glob("*.yaml")) + write_cohort(folder, 40, seed=11)


def _pairs(ev: Evaluator, path: Path):
    """Each verdict (what screening scores) beside the finding dressed from the same evaluation."""
    doc, _ = load_assessment(path)
    verdicts = ev.verdicts(doc)
    return list(zip(verdicts, ev.evaluate(doc, verdicts=verdicts), strict=True)), ev.evaluate(doc)


def _same(v, f) -> bool:
    return (v.rule_id, v.outcome, v.severity, v.evaluated) == (f.rule_id, f.outcome, f.severity, f.evaluated_outcome or f.outcome)


@pytest.mark.slow
def test_findings_are_dressed_from_the_verdicts_screening_scores(cohort, evaluator):
    for path in cohort:
        pairs, fresh = _pairs(evaluator, path)
        assert all(_same(v, f) for v, f in pairs), path.name
        assert [f for _, f in pairs] == fresh, path.name  # given verdicts or not: the same findings


def test_waivers_are_applied_once_for_verdicts_and_findings(cohort):
    ruleset = load_rules()
    waived = [r.id for r in ruleset.rules[::3]]
    waivers = {rid: Waiver(reason="restructure") for rid in waived[::2]}
    waivers |= {rid: Waiver(reason="old", expires=dt.date(2020, 1, 1), expired=True) for rid in waived[1::2]}
    ev = Evaluator(ruleset, waivers=waivers)
    seen = set()
    for path in cohort[:12]:
        pairs, _ = _pairs(ev, path)
        assert all(_same(v, f) for v, f in pairs), path.name
        seen |= {v.outcome.value for v, _ in pairs}
    assert "waived" in seen


def test_screening_worker_text_path_equals_detailed_path(cohort):
    plain = Worker(Setup((BUNDLED_RULES,), None, load_weights()))
    detailed = Worker(Setup((BUNDLED_RULES,), None, load_weights(), detail=True))
    for path in cohort[:10]:
        assert plain(path) == detailed(path)[0]


@pytest.mark.slow
def test_detailed_views_render_the_same_from_only_the_reports_they_show(cohort):
    from compliance.app.workers import collect
    from compliance.cohort.ranking import build, passes
    from compliance.formats import Options, render

    setup = Setup((BUNDLED_RULES,), None, load_weights(), detail=True)
    paths = cohort[:14]
    scores, invalid, everything = collect(paths, setup, jobs=1)
    for org_types in ((), ("gp_practice",)):
        _, _, kept = collect(paths, setup, jobs=1, keep=3, shown=lambda s, org_types=org_types: passes(s, org_types))
        result = build(scores, invalid, load_weights(), org_types=org_types)
        expected = [o.file for o in result.organisations[:3]]
        # every report the view shows is kept (and a few that the cohort pass might still have lifted)
        assert set(expected) <= set(kept) and len(kept) < len(paths) and len(everything) == len(paths)
        for fmt in ("html", "markdown"):
            options = Options(details=3)
            assert render("screening", fmt, result, options, reports=kept) == \
                render("screening", fmt, result, options, reports=everything)


def test_junit_written_in_pieces_is_the_same_document(cohort):
    from compliance.formats.common import RankingRow
    from compliance.formats.junit import render_junit, render_junit_screening, stream_junit

    ev = Evaluator(load_rules())
    reports = [report_for(*load_assessment(p), ev, [BUNDLED_RULES]) for p in cohort[:4]]
    for rs, invalid in ((reports, []), (reports, ["a.json: invalid <input> & worse"]), ([], ["b.json: x"]),
                        ([], []), (reports[:1], [])):
        for insufficient in ("failure", "skipped"):
            assert "".join(stream_junit(rs, insufficient, invalid=invalid)) == render_junit(rs, insufficient,
                                                                                             invalid=invalid)
    # the screening order, a duplicated id included, is the one render_junit_screening gives
    dup = reports + [reports[0]]
    rows = [RankingRow(id=r.organisation.id, name=r.organisation.name, score=1.0, parts={}) for r in dup]
    order = {r.id: i for i, r in enumerate(rows)}
    ordered = sorted(dup, key=lambda r: order[r.organisation.id])
    assert "".join(stream_junit(ordered)) == render_junit_screening(dup, rows)


def test_compiled_rules_come_back_from_the_cache_identical_and_keyed_by_what_they_depend_on(monkeypatch, tmp_path):
    from compliance.evaluation import compiler

    monkeypatch.setenv("SAFEGUARD_CACHE_DIR", str(tmp_path))
    rules = load_rules().rules
    params = {r.id: r.parameter_values() for r in rules}
    fresh = compiler.compile_rules(rules, params)
    assert compiler.compile_cached(rules, params) == fresh  # a miss compiles and stores
    calls = []
    monkeypatch.setattr(compiler, "compile_rules", lambda *a: calls.append(a) or fresh)
    assert compiler.compile_cached(rules, params) == fresh and not calls  # a hit does not compile
    rid = next(r.id for r in rules if "threshold" in params[r.id])
    changed = {**params, rid: {**params[rid], "threshold": params[rid]["threshold"] - 1}}
    compiler.compile_cached(rules, changed)
    compiler.compile_cached([r for r in rules if r.id != rid and rid not in r.depends_on], params)
    assert len(calls) == 2  # other parameters, other rules: compiled again
    entries = list(tmp_path.glob("compiled-*.pickle"))
    assert len(entries) == 3
    for entry in entries:
        entry.write_bytes(b"{damaged")
    monkeypatch.setattr(compiler, "compile_rules", lambda *a: calls.append(a) or fresh)
    assert compiler.compile_cached(rules, params) == fresh and len(calls) == 3  # a damaged entry is a miss


def test_choices_written_out_for_start_up_match_the_enums():
    from compliance.cli.options import ORG_TYPE_CHOICES
    from compliance.domain.exit_policy import FAIL_ON_CHOICES
    from compliance.domain.model import OrgType
    from compliance.domain.outcomes import Severity

    assert FAIL_ON_CHOICES == [s.value for s in Severity] + ["none"]
    assert ORG_TYPE_CHOICES == [t.value for t in OrgType]


def _imports_pydantic(tmp_path: Path, *argv: str) -> bool:
    import subprocess
    import sys

    code = ("import runpy, sys\nsys.argv = ['safeguard', *sys.argv[1:]]\ntry:\n"
            "    runpy.run_module('compliance', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('PYDANTIC' if 'pydantic' in sys.modules else 'LEAN', file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**__import__("os").environ, "SAFEGUARD_CACHE_DIR": str(tmp_path)})
    assert out.stderr.strip().splitlines()[-1] in ("PYDANTIC", "LEAN"), out.stderr
    return out.stderr.strip().endswith("PYDANTIC")


def test_help_and_a_warm_rules_list_import_only_what_they_use(tmp_path):
    assert not _imports_pydantic(tmp_path, "--help")
    assert _imports_pydantic(tmp_path, "rules", "list")  # the first listing validates the rules
    assert not _imports_pydantic(tmp_path, "rules", "list")


def test_rules_list_sees_a_changed_rule_file_at_once(tmp_path, monkeypatch):
    import shutil

    from click.testing import CliRunner

    from compliance.cli.main import cli

    monkeypatch.setenv("SAFEGUARD_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    args = ["rules", "list", "--no-bundled", "--rules", str(folder), "-f", "json"]
    first = CliRunner().invoke(cli, args)
    assert CliRunner().invoke(cli, args).output == first.output
    path = folder / "training" / "TRN-001.yaml"
    path.write_text(path.read_text().replace("title: ", "title: Renamed ", 1))
    assert '"title": "Renamed ' in CliRunner().invoke(cli, args).output
    path.write_text(path.read_text().replace("severity: ", "severity: [", 1))
    assert CliRunner().invoke(cli, args).exit_code == 2  # an invalid rule is reported, never served from the cache


def test_lazy_command_table_matches_the_commands_and_click_s_own_help():
    import importlib

    import click
    from click.testing import CliRunner

    from compliance.cli.main import COMMANDS, cli

    commands = {name: getattr(importlib.import_module(m), a) for name, (m, a, _) in COMMANDS.items()}
    for name, command in commands.items():
        assert command.name == name and not command.hidden
        for limit in (20, 45, 74, 200):
            assert click.Command(name, help=COMMANDS[name][2]).get_short_help_str(limit) == \
                command.get_short_help_str(limit), f"copy the first paragraph of `{name}`'s docstring into COMMANDS"
    eager = click.Group(cli.name, commands=commands, params=cli.params, help=cli.help, epilog=cli.epilog,
                        context_settings=cli.context_settings)
    for width in (60, 80, 120):
        got = CliRunner().invoke(cli, ["--help"], terminal_width=width).output
        assert got == CliRunner().invoke(eager, ["--help"], terminal_width=width).output
    assert all(cli.commands[n] is commands[n] for n in cli.list_commands(click.Context(cli)))


def test_an_action_message_is_dispatched_by_its_rule_name_without_decoding_it():
    """The engine reads the firing rule's name off the message text; a name it did not give, or a
    message in any other shape, is decoded in full, so a change in durable-rules' output cannot
    send an action to the wrong rule."""
    import json

    from compliance.evaluation.engine import _rule_name

    ev = Evaluator(load_rules())
    actions = {name: None for chunk in ev.engine.chunks for name in chunk.definition}
    for name in actions:
        assert _rule_name(json.dumps({name: {"m": {"t": "x"}}}, separators=(",", ":")), actions) == name
    assert _rule_name('{"other":{"m":{}}}', actions) == "other"  # not one of ours: decoded
    assert _rule_name(' {"TRN-001#0.0": {}}', actions) == "TRN-001#0.0"  # another layout: decoded
