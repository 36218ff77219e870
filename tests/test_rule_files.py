"""Loading rule files: validation errors name file and line; the parse cache is only a copy."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT

from compliance.domain.errors import RuleError
from compliance.catalogue.loading import load_rule_file, load_rules, rule_files

TRN001 = ROOT / "rules" / "training" / "TRN-001.yaml"


def test_cached_rules_equal_freshly_parsed_rules(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEGUARD_CACHE_DIR", "")
    fresh = {p: load_rule_file(p) for p in rule_files(ROOT / "rules")}
    monkeypatch.setenv("SAFEGUARD_CACHE_DIR", str(tmp_path))
    for p, rule in fresh.items():
        assert load_rule_file(p) == rule  # fills the cache
        assert load_rule_file(p) == rule  # reads it back (line map included: models compare private parts)
        assert load_rule_file(p).lines.position(("id",)) == (1, 1) and len(rule.lines) > 20
    assert len(list(tmp_path.glob("Rule-*.pickle"))) == len(fresh)


def test_a_damaged_cache_entry_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEGUARD_CACHE_DIR", str(tmp_path))
    rule = load_rule_file(TRN001)
    entries = list(tmp_path.glob("Rule-*.pickle"))
    assert entries
    for entry in entries:
        entry.write_bytes(b"{broken")
    assert load_rule_file(TRN001) == rule


def test_an_edited_rule_is_reparsed_not_served_from_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEGUARD_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "rules" / "training"
    folder.mkdir(parents=True)
    copy = folder / "TRN-001.yaml"
    shutil.copy(TRN001, copy)
    assert load_rule_file(copy).parameters["threshold"].default == 90
    copy.write_text(copy.read_text().replace("default: 90", "default: 95"))
    assert load_rule_file(copy).parameters["threshold"].default == 95


def test_a_catalogue_comes_back_from_the_cache_equal_and_only_while_its_files_are_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEGUARD_CACHE_DIR", "")
    fresh = load_rules()
    monkeypatch.setenv("SAFEGUARD_CACHE_DIR", str(tmp_path / "cache"))
    first, again = load_rules(), load_rules()
    assert [r.model_dump() for r in again.rules] == [r.model_dump() for r in fresh.rules]
    assert (again.digest, again.files, again.overrides) == (fresh.digest, fresh.files, fresh.overrides)
    assert again.content_key == first.content_key
    assert len(list((tmp_path / "cache").glob("Rule-*.pickle"))) == len(fresh.rules)  # one entry a file, nothing else
    # an edited rule is a new catalogue: loaded afresh, under another key
    folder = tmp_path / "rules" / "training"
    folder.mkdir(parents=True)
    shutil.copy(TRN001, folder / "TRN-001.yaml")
    local = load_rules([tmp_path / "rules"])
    (folder / "TRN-001.yaml").write_text(TRN001.read_text().replace("default: 90", "default: 95"))
    edited = load_rules([tmp_path / "rules"])
    assert edited.content_key != local.content_key
    assert edited.by_id["TRN-001"].parameters["threshold"].default == 95


def test_a_pickle_anyone_else_could_write_or_that_names_other_code_is_never_read(tmp_path, monkeypatch):
    import os
    import pickle

    from compliance.catalogue.cache import get as get_object, put as put_object

    monkeypatch.setenv("SAFEGUARD_CACHE_DIR", str(tmp_path / "cache"))
    put_object("k", {"a": 1})
    entry = tmp_path / "cache" / "k.pickle"
    assert oct(entry.stat().st_mode & 0o777) == "0o600" and get_object("k") == {"a": 1}
    entry.chmod(0o664)  # group-writable: someone else could have put code in it
    assert get_object("k") is None
    entry.chmod(0o600)
    (tmp_path / "cache").chmod(0o777)  # a folder others can write to
    assert get_object("k") is None
    (tmp_path / "cache").chmod(0o700)
    entry.write_bytes(pickle.dumps(os.system))  # a global outside the package's models
    assert get_object("k") is None
    entry.write_bytes(b"not a pickle")
    assert get_object("k") is None


@pytest.mark.parametrize("edit,fragments", [
    (("severity: high", "severity: urgent"), ["line 11, column 11, severity", "choices: critical, high, low, medium"]),
    (("  gte: [coverage, threshold]", "  gte: [coverage, threshhold]"),
     ["condition.gte[1]: 'threshhold' is not a measure or parameter of this rule; did you mean 'threshold'?"]),
    (("  gte: [coverage, threshold]", "  contains: [coverage, threshold]"),
     ["condition.contains: unknown operator 'contains'", "valid here: all, any, eq, gt, gte, lt, lte, ne, not)"]),
    (("default: 90,", "default: 190,"), ["parameters.threshold", "190 is outside the range 0 to 100"]),
    (("({coverage}%)", "({coverage.__class__}%)"), ["message placeholders are bare names"]),
    (("id: TRN-001", "id: TRN-999"), ["file name must be the rule id", "line 1"]),
    (("area: training", "area: alerts"), ["must have area 'training'", "line 3"]),
])
def test_invalid_rule_files_name_file_line_and_problem(tmp_path, edit, fragments):
    folder = tmp_path / "training"
    folder.mkdir()
    bad = folder / "TRN-001.yaml"
    text = TRN001.read_text()
    assert edit[0] in text
    bad.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(RuleError) as e:
        load_rules([tmp_path])
    message = str(e.value)
    assert message.startswith(f"{bad}: invalid rules: ")
    for fragment in fragments:
        assert fragment in message


def test_duplicate_ids_in_one_folder_are_an_error(tmp_path):
    (tmp_path / "training").mkdir()
    shutil.copy(TRN001, tmp_path / "training" / "TRN-001.yaml")
    shutil.copy(TRN001, tmp_path / "training" / "TRN-001.yml")
    with pytest.raises(RuleError, match="already defined"):
        load_rules([tmp_path])


def test_an_invalid_rule_file_stops_assess_with_exit_2(tmp_path, run_cli):
    (tmp_path / "training").mkdir()
    (tmp_path / "training" / "TRN-001.yaml").write_text("id: TRN-001\ntitle: [\n")
    code, out, err = run_cli("assess", ROOT / "fixtures/organisations/elm-tree-gp.yaml", "--rules", tmp_path)
    assert code == 2 and "invalid rules" in err and "line" in err and out == ""
