"""Numbers written as text, and the version a return names, read alike in YAML, JSON and workbooks.

The policy (compliance/domain/text_numbers.py): a number written plainly as text ("12", "1,234",
" 12 ", "12.5" where a decimal is allowed) is read as that number, as a nurse lead typing into a
cell formatted as text expects; text whose value a reader could doubt is refused with exit 2, the
file, the place and what to write. Version 1 returns keep working however their version is written.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from ruamel.yaml import YAML

from compliance.domain.errors import InputError
from compliance.domain.model import schema_version_of
from compliance.domain.text_numbers import number_from_text
from compliance.intake.documents import read_document
from compliance.intake.returns import load_assessment
from tests.conftest import FIXTURES

NORTHFIELD = FIXTURES / "northfield-acute.yaml"
PLAIN_WHOLE = [("12", 12), ("1,234", 1234), (" 12 ", 12), ("\u00a012", 12), ("31,400", 31400), ("+15", 15)]
PLAIN_DECIMAL = PLAIN_WHOLE + [("12.5", 12.5), ("1,234.5", 1234.5), ("0.25", 0.25)]
DOUBTFUL_BOTH = ["1,5", "1,23", "12,34,567", "1e3", "0x10", "£86,000", "86000 pounds", "12 staff", "nan", "inf",
                 "1.2.3", "½", "١٢", "12-", "--1", "1 234", "9" * 41]
DOUBTFUL_WHOLE = DOUBTFUL_BOTH + ["1.234", "12.0", "12.5"]  # a point in a count: thousands or decimals?

# Through a whole file: a few of each kind (the table above is the whole class, checked directly).
FILE_DOUBTFUL_WHOLE = ["1.234", "12.0", "1e3", "£86,000", "1,5", "12 staff"]
FILE_DOUBTFUL_DECIMAL = ["1,5", "1e3", "£86,000", "nan", "1 234"]

# (field path in the return, whole?) - a count and an amount, the two kinds of number a return holds.
FIELDS = [(("training", "board", "members"), True), (("training", "budget_gbp"), False)]


def test_what_is_plain_and_what_is_doubtful():
    for text, value in PLAIN_DECIMAL:
        assert number_from_text(text, whole=False) == value and type(number_from_text(text, whole=False)) is float
    for text, value in PLAIN_WHOLE:
        assert number_from_text(text, whole=True) == value and type(number_from_text(text, whole=True)) is int
    for text in DOUBTFUL_WHOLE:
        assert number_from_text(text, whole=True) is None, text
    for text in DOUBTFUL_BOTH:
        assert number_from_text(text, whole=False) is None, text


def _data(path: tuple[str, ...], value) -> dict:
    data = copy.deepcopy(read_document(NORTHFIELD).data)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def _write(tmp_path: Path, fmt: str, data: dict) -> Path:
    path = tmp_path / f"return.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(data, default=str, indent=1))
    else:
        y = YAML()
        with open(path, "w") as f:
            y.dump(json.loads(json.dumps(data, default=str)), f)
    return path


def _read(doc, path: tuple[str, ...]):
    node = doc
    for part in path:
        node = getattr(node, part)
    return node


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("field, whole", FIELDS)
def test_plain_numbers_as_text_are_read_and_doubtful_ones_refused_with_their_line(tmp_path, fmt, field, whole):
    for text, value in (PLAIN_WHOLE if whole else PLAIN_DECIMAL)[::2 if fmt == "json" else 1]:
        doc, _ = load_assessment(_write(tmp_path, fmt, _data(field, text)))
        assert _read(doc, field) == value and type(_read(doc, field)) is type(value if whole else float(value)), text
    for text in (FILE_DOUBTFUL_WHOLE if whole else FILE_DOUBTFUL_DECIMAL):
        path = _write(tmp_path, fmt, _data(field, text))
        with pytest.raises(InputError) as e:
            load_assessment(path)
        message = str(e.value)
        assert str(path) in message and ".".join(field) in message and "line " in message, message
        assert "write it in digits" in message, message


@pytest.fixture(scope="module")
def northfield_xlsx(ruleset, tmp_path_factory) -> Path:
    from compliance.app.template import template_workbook
    from compliance.domain.model import OrgType

    path = tmp_path_factory.mktemp("x") / "northfield.xlsx"
    path.write_bytes(template_workbook(ruleset, OrgType.acute, read_document(NORTHFIELD).data))
    return path


@pytest.mark.parametrize("field, whole", FIELDS)
def test_a_workbook_reads_text_cells_by_the_same_policy(tmp_path, northfield_xlsx, field, whole):
    key = ".".join(field)
    plain = [("1,234", 1234), (" 12 ", 12)] + ([] if whole else [("12.5", 12.5)])
    doubtful = ["1e3", "£86,000", "1,5"] + (["1.234", "12.0"] if whole else [])
    for text, expected in [*plain, *[(t, None) for t in doubtful]]:
        path = tmp_path / "r.xlsx"
        shutil.copy(northfield_xlsx, path)
        wb = openpyxl.load_workbook(path)
        ws = wb["Training"]
        row = next(c.row for c in ws["A"] if c.value == key)
        ws.cell(row=row, column=3, value=text).data_type = "s"
        wb.save(path)
        if expected is not None:
            doc, _ = load_assessment(path)
            assert _read(doc, field) == expected, text
            continue
        with pytest.raises(InputError) as e:
            load_assessment(path)
        message = str(e.value)
        assert str(path) in message and f"Training row {row}," in message and repr(text.strip()) in message, message


# --- the version a return names -----------------------------------------------------------------------------

VERSION_1 = FIXTURES / "elm-tree-gp.yaml"  # a version 1 return


@pytest.mark.parametrize("written, version", [('"1"', "1"), ("1", "1"), ("'1'", "1"), ('" 1 "', "1"), ('"2"', "2"),
                                               ("2", "2")])
def test_every_way_of_writing_a_readable_version_is_read(written, version):
    assert schema_version_of(YAML(typ="safe").load(f"v: {written}")["v"]) == version


@pytest.mark.parametrize("written", ["1.0", "true", '"v1"', '"01.0"', "3", '"3"', "null", "[1]", '"1,000"'])
def test_anything_else_is_no_version(written):
    assert schema_version_of(YAML(typ="safe").load(f"v: {written}")["v"]) is None


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("written", ["1", 1, " 1 "])
def test_a_version_1_return_is_migrated_however_its_version_is_written(tmp_path, fmt, written):
    data = read_document(VERSION_1).data
    expected, _ = load_assessment(VERSION_1)
    doc, _ = load_assessment(_write(tmp_path, fmt, {**data, "schema_version": written}))
    assert doc == expected and doc.schema_version == "2"
    assert doc.training.groups[0].renewal_months == 36  # the window version 1 implied


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("written", [None, 1.0, True, "one", 3, "MISSING"])
def test_a_return_without_a_readable_version_is_refused_with_one_clear_problem(tmp_path, fmt, written):
    data = dict(read_document(VERSION_1).data)
    if written == "MISSING":
        del data["schema_version"]
    else:
        data["schema_version"] = written
    path = _write(tmp_path, fmt, data)
    with pytest.raises(InputError) as e:
        load_assessment(path)
    assert len(e.value.problems) == 1
    message = str(e.value)
    assert str(path) in message and "schema_version" in message and 'write schema_version: "2"' in message
    assert e.value.problems[0].line is not None


def test_migrate_writes_version_2_from_a_bare_version_1(tmp_path, run_cli):
    text = VERSION_1.read_text().replace('schema_version: "1"', "schema_version: 1")
    assert "schema_version: 1\n" in text
    path = tmp_path / "old.yaml"
    path.write_text(text)
    out = tmp_path / "new.yaml"
    code, _, err = run_cli("migrate", path, "-o", out)
    assert code == 0, err
    migrated = read_document(out).data
    assert migrated["schema_version"] == "2" and load_assessment(out)[0] == load_assessment(VERSION_1)[0]
