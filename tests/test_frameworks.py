"""Framework mappings: every bundled rule says where it sits in the frameworks its users report
against, lint checks them, and assess / screen group findings by any framework."""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, fixture_files

from compliance.domain.outcomes import FRAMEWORKS


def test_every_bundled_rule_is_mapped_to_cqc_and_none_invents_a_clause_number(ruleset):
    for rule in ruleset.rules:
        assert any(m.framework == "cqc-saf" for m in rule.mappings), rule.id
        for m in rule.mappings:
            assert not re.search(r"\b\d+(\.\d+)+\b|\bparagraph\b|§", m.clause), (rule.id, m.clause)


def test_every_framework_is_used_and_training_maps_to_the_intercollegiate_levels(ruleset):
    used = {m.framework for r in ruleset.rules for m in r.mappings}
    assert used == set(FRAMEWORKS)
    levels = {r.id: {m.clause for m in r.mappings if m.framework == "intercollegiate"} for r in ruleset.rules
              if r.id in ("TRN-001", "TRN-002", "TRN-003")}
    assert levels == {"TRN-001": {"Level 1"}, "TRN-002": {"Level 2"}, "TRN-003": {"Level 3"}}


def test_intercollegiate_mappings_cite_the_5th_edition_beside_the_4th(ruleset):
    """Every clause mapped in the 4th edition (2019) is mapped in the 5th (2025) too, so a report
    grouped by the Intercollegiate document serves readers of either edition."""
    mapped = [r for r in ruleset.rules if any(m.framework == "intercollegiate" for m in r.mappings)]
    assert len(mapped) >= 5
    for rule in mapped:
        editions = {m.version: m.clause for m in rule.mappings if m.framework == "intercollegiate"}
        assert set(editions) == {"4th edition, 2019", "5th edition, 2025"}, rule.id
        assert editions["4th edition, 2019"] == editions["5th edition, 2025"], rule.id
        assert any(s.year == 2025 and "5th" in s.document for s in rule.sources), rule.id


def test_lint_rejects_an_unknown_framework_and_a_duplicate_mapping(ruleset, tmp_path):
    from compliance.app.lint import lint_paths

    folder = tmp_path / "training"
    folder.mkdir()
    text = ruleset.files["TRN-001"].read_text()
    (folder / "TRN-001.yaml").write_text(text.replace("framework: \"intercollegiate\"", "framework: \"nice\""))
    problems = [lp.problem for lp in lint_paths([tmp_path]) if lp.invalid]
    assert any(p.path and p.path.startswith("mappings") for p in problems)
    line = next(ln for ln in text.splitlines() if "framework: \"intercollegiate\"" in ln)
    (folder / "TRN-001.yaml").write_text(text.replace(line, line + "\n" + line))
    problems = [lp.problem for lp in lint_paths([tmp_path]) if lp.invalid]
    assert any("listed twice" in p.message for p in problems)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_assess_groups_findings_by_a_framework(run_cli, fmt):
    code, out, _ = run_cli("assess", FIXTURES / "northfield-acute.yaml", "-f", fmt, "--by", "section11", "--fail-on", "none")
    assert code == 0
    assert "Section 11 standards" in out and "Clear processes for sharing information" in out
    assert "A senior board-level lead for safeguarding" in out


def test_screen_groups_each_organisation_by_a_framework(run_cli):
    code, out, _ = run_cli("screen", FIXTURES, "-f", "markdown", "--by", "cqc-saf", "--fail-on", "none", "-j", "1")
    assert code == 0 and out.count("| CQC single assessment framework |") == len(fixture_files())


def test_a_filtered_screening_keeps_the_national_rank(run_cli):
    import json

    _, everyone, _ = run_cli("screen", FIXTURES, "-f", "json", "--fail-on", "none", "-j", "1")
    national = {o["id"]: o["rank"] for o in json.loads(everyone)["organisations"]}
    kind = "gp_practice"  # the practices rank below the trusts nationally
    _, some, _ = run_cli("screen", FIXTURES, "-f", "json", "--org-type", kind, "--fail-on", "none", "-j", "1")
    rows = json.loads(some)["organisations"]
    assert [o["rank"] for o in rows] == list(range(1, len(rows) + 1))
    assert all(o["national_rank"] == national[o["id"]] for o in rows) and rows[0]["national_rank"] > 1
    _, page, _ = run_cli("screen", FIXTURES, "-f", "html", "--org-type", kind, "--fail-on", "none", "-j", "1")
    assert f'data-national-rank="{rows[0]["national_rank"]}"' in page
    assert "How the score is worked out" in page and "National picture" in page


def test_the_area_view_shows_names_where_the_return_gives_them(run_cli):
    _, page, _ = run_cli("screen", FIXTURES, "-f", "html", "--fail-on", "none", "-j", "1")
    assert "Northfield City Council" in page and "(northfield)" in page
