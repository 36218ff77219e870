"""Issue 27: nothing bad gets in through the new doors (record extracts, area and history reports).

Each test covers a class of the issue, not only its example; the hostile files of the attack
corpus (tests/attack/corpus.py) cover the same classes from the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.cli.main import cli
from compliance.domain.errors import InputError
from compliance.formats.escape import _CONTROL

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "fixtures" / "records" / "brookside-acute"
RETURN = ROOT / "fixtures" / "records" / "brookside-acute.yaml"
AREAS = ROOT / "fixtures" / "areas"
GOOD = ROOT / "fixtures" / "organisations" / "elm-tree-gp.yaml"
ONE_RULE = ["--no-bundled", "--rules", str(ROOT / "rules" / "training")]
TRAINING = (RECORDS / "training.csv").read_text()


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


def _load(folder: Path, name: str = "training"):
    from compliance.intake.records.reader import extract_files, load_extract

    con = duckdb.connect()
    files = extract_files(folder)
    return load_extract(con, name, files[name]), con


# --- class 1: an alias inside what it names ------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(depth=st.integers(0, 6), kind=st.sampled_from(["seq", "map"]), style=st.sampled_from(["flow", "block"]),
       prefix=st.booleans())
def test_any_recursive_alias_is_refused_with_its_place(tmp_path_factory, depth, kind, style, prefix):
    """However deep the alias sits inside the value it names, sequence or mapping, flow or block."""
    from compliance.intake.documents import read_document

    inner = "*a"
    for i in range(depth):
        inner = f"[{inner}]" if (i + depth) % 2 else f"{{k{i}: {inner}}}"
    value = f"[1, {inner}]" if kind == "seq" else f"{{x: {inner}}}"
    text = ("ok: 1\n" if prefix else "") + (f"loop: &a {value}\n" if style == "flow" else
                                               f"loop: &a\n  - 1\n  - {inner}\n")
    path = tmp_path_factory.mktemp("alias") / "r.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as e:
        read_document(path)
    assert "alias *a refers to a value that contains it" in str(e.value) and e.value.problems[0].line is not None


def test_an_alias_to_a_finished_anchor_still_reads():
    from compliance.intake.documents import Budget, scan_yaml

    try:
        scan_yaml("a: &a [1, 2]\nb: [*a, *a]\nc: &c {x: 1}\nd: {<<: *c, y: 2}\n", Budget("f", InputError))
    except InputError as e:
        pytest.fail(f"an alias to a finished anchor was refused: {e}")


# --- class 2 and 4: extracts through the reading layer; paths, never patterns ----------------------

@pytest.mark.parametrize("name", ["recs[1]", "recs*", "rec?", "{a,b}", "r[!x]"])
def test_a_folder_named_like_a_pattern_is_read_as_named(tmp_path, name):
    header, *rows = TRAINING.splitlines()
    mine = tmp_path / name
    mine.mkdir()
    (mine / "training.csv").write_text("\n".join([header, *rows[:10]]) + "\n")
    for sibling in ("recs1", "recsX", "recs", "a", "b", "r1", "rx"):
        if sibling != name:
            (tmp_path / sibling).mkdir(exist_ok=True)
            (tmp_path / sibling / "training.csv").write_text(TRAINING)
    read, _ = _load(mine)
    assert read.rows_read == 10 and read.files == [str(mine / "training.csv")]


@pytest.mark.parametrize("odd", ["*.csv", "[ab].csv", "?.csv", "{x,y}.csv", "**.csv"])
def test_each_file_of_an_extract_folder_is_read_once_whatever_its_name(tmp_path, odd):
    header, *rows = TRAINING.splitlines()
    folder = tmp_path / "recs" / "training"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text("\n".join([header, *rows[:7]]) + "\n")
    (folder / "b.csv").write_text("\n".join([header, *rows[7:10]]) + "\n")
    (folder / odd).write_text("\n".join([header, *rows[10:12]]) + "\n")
    read, _ = _load(tmp_path / "recs")
    assert read.rows_read == 12


def test_the_extract_is_read_from_one_open_file_not_by_name_twice(tmp_path, monkeypatch):
    """The header and the rows come from the same bytes: the file is opened once."""
    import os

    from compliance.intake import documents

    opened: list[str] = []
    real = os.open

    def spy(path, *a, **k):
        opened.append(str(path))
        return real(path, *a, **k)

    monkeypatch.setattr(documents.os, "open", spy)
    folder = tmp_path / "recs"
    folder.mkdir()
    (folder / "training.csv").write_text(TRAINING)
    _load(folder)
    assert opened.count(str(folder / "training.csv")) == 1


# --- class 5: nothing converted silently ---------------------------------------------------------

@pytest.mark.parametrize(("written", "ok"), [("3", True), ("3.0", True), ("-0", True), ("3.5", False), ("1e1", False),
                                             ("0x10", False), ("inf", False), ("nan", False), ("1_0", False),
                                             ("99999999999999999999", False), ("½", False), ("٣", False)])
def test_a_whole_number_is_accepted_only_as_written(tmp_path, written, ok):
    from compliance.intake.records.reader import Column, _cast

    got = duckdb.connect().execute(f"SELECT {_cast(Column('age', 'INTEGER', True), '$v')}", {"v": written}).fetchone()[0]
    assert (got is not None) == ok and (not ok or got == int(float(written)))


@pytest.mark.parametrize(("written", "ok"), [("2.5", True), (".5", True), ("10", True), ("1e1", False), ("0x1", False),
                                             ("Infinity", False), ("NaN", False), ("2,5", False)])
def test_a_number_is_accepted_only_as_written(written, ok):
    from compliance.intake.records.reader import Column, _cast

    got = duckdb.connect().execute(f"SELECT {_cast(Column('hours', 'DOUBLE', True), '$v')}", {"v": written}).fetchone()[0]
    assert (got is not None) == ok


@pytest.mark.parametrize("limit", ["nan", "NaN", "inf", "-1", "100.5"])
def test_bad_rows_must_be_a_percentage(limit):
    code, out = invoke("assess", RETURN, "--records", RECORDS, "--bad-rows", limit)
    assert code == 2 and "--bad-rows" in out


def _xlsx(path: Path, rows: list[list], formula_at: tuple[int, int] | None = None) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if formula_at:
        ws.cell(*formula_at).value = "=TODAY()"
    wb.save(path)  # openpyxl saves formulas without a cached result, as a program that does not calculate


def test_excel_date_cells_are_read_as_dates(tmp_path):
    header = TRAINING.splitlines()[0].split(",")
    rows = [[f"S{i}", "Nursing", None, "2", dt.datetime(2025, 5, i + 1), None] for i in range(20)]
    rows.append(["S99", "Board", None, "board", None, dt.date(2024, 1, 2)])
    folder = tmp_path / "recs"
    folder.mkdir()
    _xlsx(folder / "training.xlsx", [header, *rows])
    read, con = _load(folder)
    assert read.rows_read == 21 and read.rows_excluded == 0, read.problems
    assert con.execute("SELECT min(last_completed), max(appointed) FROM training").fetchone() == (
        dt.date(2025, 5, 1), dt.date(2024, 1, 2))


def test_a_formula_without_a_saved_result_is_refused_with_its_cell(tmp_path):
    header = TRAINING.splitlines()[0].split(",")
    rows = [[f"S{i}", "Nursing", None, "2", dt.date(2025, 5, 1), None] for i in range(5)]
    folder = tmp_path / "recs"
    folder.mkdir()
    _xlsx(folder / "training.xlsx", [header, *rows], formula_at=(4, 5))
    with pytest.raises(InputError) as e:
        _load(folder)
    assert "!E4" in str(e.value) and "formula" in str(e.value)


# --- class 6: one return per organisation in an area ----------------------------------------------

@pytest.mark.parametrize("dup", sorted(p.name for p in (AREAS / "northshire").glob("*.yaml")))
def test_area_refuses_any_organisation_returned_twice(tmp_path, dup):
    for p in (AREAS / "northshire").glob("*.yaml"):
        shutil.copy(p, tmp_path / p.name)
    shutil.copy(AREAS / "northshire" / dup, tmp_path / ("copy-of-" + dup))
    code, out = invoke("area", "NS1", tmp_path)
    assert code == 2 and dup.removesuffix(".yaml") in out and "2 files" in out


# --- class 7: a newer store is left exactly as it was ---------------------------------------------

@pytest.mark.parametrize("journal", ["delete", "truncate", "persist"])
def test_a_history_store_of_a_newer_version_is_not_switched_to_wal(tmp_path, journal):
    from compliance.history.store import APPLICATION_ID, SCHEMA_VERSION

    path = tmp_path / "h.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("CREATE TABLE runs (id TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    code, out = invoke("history", "list", "--history", path)
    assert code == 2 and "newer" in out and "untouched" in out
    assert path.read_bytes() == before and not Path(f"{path}-wal").exists()


# --- class 9: ordinary mistakes never exit 3 ------------------------------------------------------

@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("h") / "h.sqlite"
    assert invoke("assess", *ONE_RULE, GOOD, "--record", "--history", path, "--fail-on", "none")[0] == 0
    return path


@pytest.mark.parametrize("damage", ["outcome", "date", "evidence json", "threshold json", "pages"])
def test_history_export_of_a_damaged_store_is_the_users_error(tmp_path, store, damage):
    path = tmp_path / "h.sqlite"
    shutil.copy(store, path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = delete")
    statement = {"outcome": "UPDATE findings SET outcome = 'maybe'", "date": "UPDATE runs SET period_start = 'soon'",
                 "evidence json": "UPDATE findings SET evidence = '{not json'",
                 "threshold json": "UPDATE findings SET threshold = '[1'", "pages": None}[damage]
    if statement:
        conn.execute(statement)
        conn.commit()
    conn.close()
    if damage == "pages":
        data = bytearray(path.read_bytes())
        for i in range(4096 + 100, len(data), 13):
            data[i] ^= 0xFF
        path.write_bytes(bytes(data))
    for args in (["history", "export"], ["history", "list"]):
        code, out = invoke(*args, "--history", path)
        assert code in (0, 2) and "internal error" not in out, out
    assert invoke("history", "export", "--history", path)[0] == 2


@pytest.mark.parametrize("keep", ["99999999999999999999", "0", "-1", "1e3"])
def test_prune_keep_out_of_range_is_a_usage_error(store, keep):
    assert invoke("history", "prune", "--keep", keep, "--history", store)[0] == 2


@pytest.mark.parametrize("path", ["x" * 5000, "a/" * 3000 + "r.yaml", "\x00bad"])
def test_a_path_the_system_refuses_is_exit_2_wherever_it_is_met(path):
    for args in (["assess", "--rules", path, str(GOOD)], ["assess", path], ["assess", str(GOOD), "--profile", path],
                 ["screen", "--weights", path, str(GOOD)]):
        code, out = invoke(*args)
        assert code == 2 and len(out) < 2000, (args[:2], code, out[:300])


# --- class 11: every hostile string through every format of area and history ----------------------

HOSTILE = ["\x1b[31mRED\x1b[0m", "Line one\nZZX99  ok  FAIL  forged row", "<script>alert(1)</script>",
           "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "[click](javascript:alert(1))",
           "![i](javascript:alert(1))", "a | b | c", "\u202eevil\u202c", "`code` **bold** # head", "x\r\ny\u2028z",
           "=HYPERLINK(\"http://x\")", "&lt;script&gt;alert(1)&lt;/script&gt;", "\x07\x08\x7f\x9b"]
ACTIVE = re.compile(r"<script|<img|<svg|<a\s|href=\"javascript|src=\"javascript|<[a-z]+[^>]*\son[a-z]+=", re.I)


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _check(fmt: str, out: str, hostile: str, benign_out: str) -> None:
    if fmt == "json":  # data, escaped by JSON itself: the name comes back exactly as given
        assert any(hostile in s for s in _strings(json.loads(out)))
        return
    if fmt in ("text", "markdown"):
        assert not [c for c in out if _CONTROL.match(c) and c not in "\n"], repr(out[:200])
    if fmt == "text":  # a line break inside the name starts no line of its own (text wraps, so count nothing)
        for piece in re.split("[\r\n\u2028]+", hostile)[1:]:
            assert not any(line.lstrip().startswith(piece[:6]) for line in out.splitlines()), piece
    elif fmt == "markdown":
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark").enable("table")
        html = md.render(out)
        assert not ACTIVE.search(html), html[:500]
        assert html.count("<td") == md.render(benign_out).count("<td")
    elif fmt == "html":
        assert not ACTIVE.search(out)
    if fmt in ("html", "csv", "junit"):  # line breaks and tabs are ordinary text there; nothing else unseen
        assert not [c for c in out if _CONTROL.match(c) and c not in "\n\r\t"], repr(out[:200])
    if fmt == "csv":
        import csv
        import io

        cells = [c for row in csv.reader(io.StringIO(out)) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not _NUMBER.match(c))]


_NUMBER = re.compile(r"-\d+(\.\d+)?$")


def test_assess_escapes_hostile_text_in_every_field_it_shows_in_every_format(tmp_path):
    """The return's own words (the organisation's name, evidence notes, the action plan's actions,
    owners and progress) through every format of assess: no control character reaches any output
    unseen, nothing acts in HTML or Markdown, no CSV or xlsx cell is a formula, the docx opens."""
    import zipfile

    import openpyxl
    from ruamel.yaml import YAML

    from compliance.formats import names

    data = YAML(typ="safe").load(GOOD.read_text())
    data["organisation"]["name"] = "=" + " ".join(HOSTILE[:4])
    data["evidence"] = {"was_not_brought.policy": " ".join(HOSTILE[4:9]), "training.groups": " ".join(HOSTILE[9:])}
    data["actions"] = [{"rule": "WNB-001", "action": h, "owner": h[:200], "progress": h, "status": "in_progress",
                        "due": "2026-01-01"} for h in HOSTILE]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data, default=str))
    for fmt in names("assessment"):
        out_file = tmp_path / f"out.{fmt}"
        code, out = invoke("assess", path, "-f", fmt, "-v", "-o", out_file, "--fail-on", "none")
        assert code == 0, out
        if fmt == "xlsx":
            wb = openpyxl.load_workbook(out_file)
            cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
            assert cells and not [c for c in cells if c.data_type == "f" or c.value.startswith("=")]
            assert not [c.value for c in cells if any(_CONTROL.match(ch) and ch not in "\n\r\t" for ch in c.value)]
        elif fmt == "docx":
            with zipfile.ZipFile(out_file) as z:
                xml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
            assert "RED" in xml and not [c for c in xml if _CONTROL.match(c) and c not in "\n\r\t"]
        else:
            text = out_file.read_text()
            if fmt == "json":
                assert HOSTILE[0] in text.encode().decode("unicode_escape") or "\\u001b" in text
                continue
            assert "RED" in text, fmt
            assert not [c for c in text if _CONTROL.match(c) and c not in "\n\r\t"], fmt
            if fmt in ("html", "markdown"):  # the page's own anchors, charts and script, and nothing more
                benign = json.loads(path.read_text(), object_hook=lambda d: {k: (
                    "Plain" if isinstance(v, str) and any(h[:5] in v for h in HOSTILE) else v) for k, v in d.items()})
                plain = tmp_path / "plain.json"
                plain.write_text(json.dumps(benign))
                invoke("assess", plain, "-f", fmt, "-v", "-o", tmp_path / f"plain.{fmt}", "--fail-on", "none")
                mine, theirs = text, (tmp_path / f"plain.{fmt}").read_text()
                if fmt == "markdown":
                    from markdown_it import MarkdownIt

                    md = MarkdownIt("commonmark").enable("table")
                    mine, theirs = md.render(mine), md.render(theirs)
                    assert mine.count("<td") == theirs.count("<td")
                assert len(ACTIVE.findall(mine)) == len(ACTIVE.findall(theirs)), fmt
            else:
                _check(fmt, text, HOSTILE[1], text)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_area_reports_escape_every_hostile_name_in_every_format(tmp_path, hostile):
    from compliance.formats import names

    def write(folder: Path, name: str) -> None:
        folder.mkdir()
        from ruamel.yaml import YAML

        for p in (AREAS / "northshire").glob("*.yaml"):
            data = YAML(typ="safe").load(p.read_text())
            data["organisation"]["name"] = name + " " + data["organisation"]["id"]
            (folder / (p.stem + ".json")).write_text(json.dumps(data, default=str))

    write(tmp_path / "bad", hostile)
    write(tmp_path / "plain", "Plain name")
    for fmt in names("area"):
        code, out = invoke("area", "NS1", tmp_path / "bad", "-f", fmt, "--fail-on", "none")
        _, benign = invoke("area", "NS1", tmp_path / "plain", "-f", fmt, "--fail-on", "none")
        assert code == 0, out
        _check(fmt, out, hostile, benign)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_history_outputs_escape_every_hostile_name_in_every_format(tmp_path, hostile):
    from ruamel.yaml import YAML

    outs = {}
    for label, name in (("bad", hostile), ("plain", "Plain name")):
        store = tmp_path / f"{label}.sqlite"
        for year in (2024, 2025):
            data = YAML(typ="safe").load(GOOD.read_text())
            data["organisation"]["name"] = name
            data["organisation"]["period"] = {"start": f"{year}-04-01", "end": f"{year + 1}-03-31"}
            path = tmp_path / f"{label}-{year}.json"
            path.write_text(json.dumps(data, default=str))
            assert invoke("assess", *ONE_RULE, path, "--record", "--history", store, "--fail-on", "none")[0] == 0
        org = data["organisation"]["id"]
        run = json.loads(invoke("history", "list", "-f", "json", "--history", store)[1])[0]["current_run"]
        for fmt in ("text", "markdown", "html", "json"):
            for args in (["list"], ["show", run], ["trend", org], ["compare", org, "--from", "2024/25", "--to", "2025/26"]):
                key = (fmt, args[0])
                code, out = invoke("history", *args, "-f", fmt, "--history", store)
                assert code == 0, out
                outs.setdefault(key, {})[label] = out
    for (fmt, _), got in outs.items():
        if fmt == "json" and not any(hostile in s for s in _strings(json.loads(got["bad"]))):
            continue  # trend and compare documents need not carry the organisation's name
        _check(fmt, got["bad"], hostile, got["plain"])


# --- class 12: lookups by text, and no content of a file that is not what it claims ---------------

@pytest.mark.parametrize("pattern", ["%%%%%%", "______", "%", "_%_%_%", "[a-f]*"])
def test_history_show_treats_a_run_id_as_text(store, pattern):
    code, out = invoke("history", "show", pattern, "--history", store)
    assert code == 2 and "no run" in out


@pytest.mark.parametrize("target", ["/etc/passwd", "/etc/group", "/etc/hostname"])
def test_a_file_that_is_not_what_it_claims_is_not_quoted(tmp_path, target):
    if not Path(target).is_file():
        pytest.skip(f"no {target} here")
    first = Path(target).read_text().splitlines()[0][:12]
    folder = tmp_path / "recs"
    folder.mkdir()
    (folder / "training.csv").symlink_to(target)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "TRN-001.yaml").symlink_to(target)
    for args in (["assess", RETURN, "--records", folder], ["rules", "show", "TRN-001", target],
                 ["rules", "lint", rules], ["assess", "--rules", rules, GOOD], ["assess", "--profile", target, GOOD],
                 ["screen", "--weights", target, GOOD]):
        code, out = invoke(*args)
        assert code in (1, 2) and first not in out, (args, out[:300])


@pytest.mark.parametrize("n", [1_000, 100_000])
def test_long_ids_are_cut_short_in_messages(n):
    for args in (["rules", "show", "X" * n], ["history", "show", "a" * n, "--history", "/nonexistent/h.sqlite"]):
        code, out = invoke(*args)
        assert code == 2 and len(out) < 1_500, (args[:2], len(out))


# --- class 13: a field row moved below a table is read as the field, not swallowed as an item ------

def test_every_field_row_moved_below_the_tables_of_its_sheet_reads_the_same(ruleset, tmp_path):
    import openpyxl

    from compliance.app.template import template_workbook
    from compliance.domain.model import OrgType
    from compliance.intake.documents import read_document
    from compliance.intake.returns import load_assessment
    from compliance.intake.workbook_layout import sections

    fixture = ROOT / "fixtures" / "organisations" / "northfield-acute.yaml"
    path = tmp_path / "n.xlsx"
    path.write_bytes(template_workbook(ruleset, OrgType.acute, read_document(fixture).data))
    expected, _ = load_assessment(fixture)
    leaves = {leaf.key for s in sections() for leaf in s.leaves}
    tables = {t.key for s in sections() for t in s.tables}
    wb = openpyxl.load_workbook(path)
    moved = 0
    for ws in wb.worksheets:
        keys = [(c.row, c.value) for c in ws["A"] if isinstance(c.value, str)]
        if not any(k in tables for _, k in keys):
            continue
        for row, _key in [(r, k) for r, k in keys if k in leaves and ws.cell(r, 3).value is not None]:
            end = ws.max_row + 1
            for col in range(1, ws.max_column + 1):
                ws.cell(end, col).value, ws.cell(row, col).value = ws.cell(row, col).value, None
            moved += 1
    wb.save(path)
    assert moved >= 5
    got, _ = load_assessment(path)
    assert got == expected


@pytest.mark.parametrize("inserted", [1, 2])
def test_a_column_inserted_before_the_field_names_is_named_with_its_cell(ruleset, tmp_path, inserted):
    import openpyxl

    from compliance.app.template import template_workbook
    from compliance.domain.model import OrgType
    from compliance.intake.documents import read_document
    from compliance.intake.returns import load_assessment

    fixture = ROOT / "fixtures" / "organisations" / "northfield-acute.yaml"
    path = tmp_path / "n.xlsx"
    path.write_bytes(template_workbook(ruleset, OrgType.acute, read_document(fixture).data))
    wb = openpyxl.load_workbook(path)
    wb["Organisation"].insert_cols(1, inserted)
    wb.save(path)
    with pytest.raises(InputError) as e:
        load_assessment(path)
    first = e.value.problems[0]
    assert first.cell and first.cell.startswith("Organisation!") and "inserted" in first.message
    assert f"column {'BC'[inserted - 1]}, not A" in first.message
