"""Reading a filled-in workbook (`safeguard template`) back into a return.

Nothing Excel checked is trusted: data validation is lost when another tool saves the file, and
anyone can type past it, so every cell goes through the same pydantic models as a YAML return and
an error names the sheet, the cell and the field. The file is checked as a zip before openpyxl sees
it (member count, sizes and compression ratios, so a zip bomb costs nothing), sheets are read in
read-only mode with a row bound, formulas are read by their cached results (never evaluated, and
refused when there is none), and macros and links to other workbooks are never loaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compliance.domain.errors import InputError, Problem
from compliance.domain.model import SelfAssessment
from compliance.domain.result import InputInfo
from compliance.domain.text_numbers import number_from_text
from compliance.intake.documents import format_loc, read_bytes
from compliance.intake.validation import problems as validation_problems
from compliance.intake.workbook_layout import (
    COVER_SHEET, FIELD_HEADERS, INFO_SHEET, KEY_COL, NONE_WORD, NOTES_COLUMN, NOTES_HEADER, OLD_FIELD_HEADER,
    READABLE_TEMPLATE_VERSIONS, VALUE_COL, Leaf, Table, meta_fields, sections,
)

MAX_BYTES = 10 * 1024 * 1024  # the file as stored
MAX_MEMBERS = 1_000
MAX_MEMBER_BYTES = 20 * 1024 * 1024  # any one part, uncompressed
MAX_TOTAL_BYTES = 60 * 1024 * 1024  # all parts, uncompressed
MAX_RATIO = 100  # uncompressed / compressed, for parts over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 60

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: legacy .xls, or an encrypted .xlsx
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z0-9:$]+)\"")
_CELL = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]+)([0-9]+)\"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})


class WorkbookError(InputError):
    """A filled-in workbook's problems, as a numbered list a person works through: one problem a
    line, each naming the sheet and the row as the sheet shows it, the question, what was typed and
    what to type. The problems keep their cells, so `--annotate` can mark them in a copy."""

    def lines(self) -> list[str]:
        n = len(self.problems)
        head = f"{self.file}: {n} problem{'s' if n != 1 else ''} to fix in the workbook:"
        out = [head]
        for i, p in enumerate(self.problems, 1):
            number = f"{i:>3}. "  # wrapped at words, each problem's lines indented under its number
            out += textwrap.wrap(_where(p) + p.message, width=WRAP_AT, initial_indent=number,
                                 subsequent_indent=" " * len(number), break_long_words=False,
                                 break_on_hyphens=False)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


WRAP_AT = 100


def _where(p: Problem) -> str:
    """'Training row 14, ' (the row as the sheet numbers it; the column is the question's)."""
    if not p.cell:
        return ""
    from openpyxl.utils.cell import coordinate_from_string

    sheet, _, ref = p.cell.rpartition("!")
    try:
        _col, row = coordinate_from_string(ref.split(":")[0].replace("$", ""))
    except ValueError:
        return f"{sheet}, "
    return f"{sheet} row {row}, "


def load_workbook_return(path: Path) -> tuple[SelfAssessment, InputInfo]:
    model, info, _ = load_workbook_located(path)
    return model, info


def load_workbook_located(path: Path) -> tuple[SelfAssessment, InputInfo, Locations]:
    """The return, what was read, and where each part of it is in the workbook."""
    raw = read_bytes(path, InputError, MAX_BYTES)
    data, where, problems = read_workbook(path, raw)
    try:
        model = SelfAssessment.model_validate(data)
    except ValidationError as e:
        failed = {p.path for p in problems}
        problems += [p for p in validation_problems(SelfAssessment, e, None, where.locate) if p.path not in failed]
    if problems:
        order = {title: i for i, title in enumerate(where.sheets)}
        plain = sorted((_in_words(p, where) for p in problems), key=lambda p: _position(p, order))
        raise WorkbookError(str(path), plain, limit=len(plain))
    return model, InputInfo(path=str(path), sha256=hashlib.sha256(raw).hexdigest()), where


_QUOTED = re.compile(r"'([a-z][a-z0-9_]*)'")
_GOT = re.compile(r" \(got [^()]*(?:\([^()]*\)[^()]*)*\)$")
_PERCENT = re.compile(r"^\s*\d+(?:\.\d+)?\s*%\s*$")


def _in_words(p: Problem, where: Locations) -> Problem:
    """A problem as the person filling the workbook reads it: the question's label, what was typed,
    and what to type; field names in the message become the questions' labels."""
    from compliance.domain.labels import titles_by_name

    if p.cell in where.tables:
        table, first = where.tables[p.cell]
        if not p.message.startswith(("a value is required", "List should have")):
            return Problem(f"{table.label}: {p.message}", path=p.path, cell=p.cell)
        row = first.rpartition("!")[2].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")  # a list left empty: where items go
        return Problem(f"{table.label}: nothing is listed; list them in the table, one a row, from row {row}",
                       path=p.path, cell=first)
    leaf = where.leaves.get(p.cell or "")
    typed = where.typed.get(p.cell or "")
    titles = titles_by_name()
    message = _QUOTED.sub(lambda m: f"'{titles[m.group(1)]}'" if m.group(1) in titles else m.group(), p.message)
    message = _GOT.sub("", message)
    named = {titles[m.group(1)] for m in _QUOTED.finditer(p.message) if m.group(1) in titles}
    if leaf is not None and named and leaf.label not in named:
        return Problem(message[:1].upper() + message[1:], path=p.path, cell=p.cell)  # about the row, not this cell
    parts = []
    if typed is not None:
        parts.append(f"you typed {_typed(typed)}")
    if leaf is None or not message.startswith("expected "):
        parts.append(message)
    if leaf is not None:
        parts.append(_what_to_type(leaf, typed))
    label = f"{leaf.group + ': ' if leaf and leaf.group else ''}{leaf.label}" if leaf else ""
    text = "; ".join(parts)
    return Problem((f"{label}: " if label else "") + text, path=p.path, cell=p.cell)


def _typed(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return f"the date {v:%d/%m/%Y}"
    text = str(v)
    return f"'{text if len(text) <= 60 else text[:57] + '...'}'"


def _what_to_type(leaf: Leaf, typed: Any) -> str:
    """What to type instead, in words, with an example where one helps."""
    from compliance.domain.labels import lower_first

    if leaf.kind == "int":
        as_share = (isinstance(typed, str) and _PERCENT.match(typed)) or (
            isinstance(typed, float) and 0 < typed < 1)
        if as_share:
            return (f"type the number of {lower_first(leaf.label)} (a count, not a percentage), e.g. 412; the "
                    "tool works out the percentage")
        return f"type {leaf.value_hint()}"
    if leaf.kind == "choice":
        return "choose one of: " + ", ".join(leaf.words)
    if leaf.kind == "bool":
        return "choose yes or no"
    if leaf.kind == "date":
        return "type a date, e.g. 2026-03-31"
    return f"type {leaf.value_hint()}"


def read_workbook(path: Path, raw: bytes) -> tuple[dict[str, Any], Locations, list[Problem]]:
    """The return as plain data, where each part came from, and the cells that could not be read."""
    check_container(path, raw)
    values = open_workbook(path, raw)
    try:
        _check_sheets(path, values, raw)
        info = _info(path, values)
        reader = _Reader(path)
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            for ws in values.worksheets:
                if ws.title not in (INFO_SHEET, COVER_SHEET):
                    reader.sheet(ws.title, _grid(path, ws), formula_cells(zf, ws))
    except InputError:
        raise
    except Exception as e:  # sheets are parsed lazily: damaged or hostile XML (defusedxml refuses entities)
        raise InputError(str(path), [Problem(f"not a readable Excel workbook ({type(e).__name__}: {e})")]) from None
    finally:
        values.close()
    data = {**info, **reader.data}
    if reader.notes:
        data["evidence"] = reader.notes
    reader.where.sheets = list(values.sheetnames)
    return data, reader.where, reader.problems


def _position(p: Problem, order: dict[str, int]) -> tuple:
    """Problems in the order a person meets them: sheet by sheet, row by row."""
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    if p.cell is None:
        return len(order) + 1, 0, 0
    sheet, _, ref = p.cell.partition("!")
    try:
        col, row = coordinate_from_string(ref.split(":")[0])
        return order.get(sheet, len(order)), row, column_index_from_string(col)
    except ValueError:
        return order.get(sheet, len(order)), 0, 0


# --- the container ----------------------------------------------------------------------------------


def check_container(path: Path, raw: bytes, max_member_bytes: int = MAX_MEMBER_BYTES,
                    max_total_bytes: int = MAX_TOTAL_BYTES, max_ratio: float = MAX_RATIO) -> None:
    """Refuse what is not a workbook, or would cost more to open than any return can need (record
    extracts in .xlsx come through here too, with larger bounds on size but the same ratio)."""
    def refuse(message: str) -> InputError:
        return InputError(str(path), [Problem(message)])

    if raw.startswith(_OLE):
        if _ENCRYPTED in raw:
            raise refuse("the workbook is password-protected (encrypted), so it cannot be read; remove the "
                         "password (in Excel: File > Info > Protect Workbook > Encrypt with Password) and save again")
        raise refuse("this is an old-format Excel file (.xls), not .xlsx; open it and save it as an Excel "
                     "Workbook (.xlsx)")
    if not raw.startswith(b"PK"):
        raise refuse("not an Excel workbook: an .xlsx file is a zip archive and this is not one (a CSV or "
                     "another file renamed .xlsx?)")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise refuse(f"not a readable Excel workbook: the zip archive is damaged ({e})") from None
    if len(infos) > MAX_MEMBERS:
        raise refuse(f"the workbook has {len(infos):,} parts; at most {MAX_MEMBERS:,} are accepted")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise refuse(f"the workbook's part {info.filename} is encrypted; remove the password and save again")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > max_member_bytes or (info.file_size > RATIO_FLOOR and ratio > max_ratio):
            raise refuse(f"the workbook's part {info.filename} unpacks to {info.file_size:,} bytes from "
                         f"{info.compress_size:,} (at most {max_member_bytes:,} bytes and a ratio of {max_ratio:g} "
                         "are accepted): a zip bomb, or far larger than any file of its kind")
    if total > max_total_bytes:
        raise refuse(f"the workbook unpacks to {total:,} bytes; at most {max_total_bytes:,} are accepted")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise refuse("a zip archive, but not an Excel workbook (no [Content_Types].xml or xl/ part); a Word or "
                     "OpenDocument file renamed .xlsx?")


def open_workbook(path: Path, raw: bytes):
    """A read-only view of the cached values (formulas are found in the sheet XML, see formula_cells)."""
    import warnings

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops, e.g. slicers
            return load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_vba=False, keep_links=False)
    except Exception as e:  # openpyxl raises many kinds for a damaged file; each is the file's fault
        raise InputError(str(path), [Problem(f"not a readable Excel workbook ({type(e).__name__}: {e})")]) from None


def _check_sheets(path: Path, wb, raw: bytes) -> None:
    problems = []
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        for ws in wb.worksheets:
            if ws.title == INFO_SHEET:
                continue
            if ws.sheet_state != "visible":
                problems.append(Problem(f"sheet '{ws.title}' is hidden; a hidden sheet would be submitted unseen, so "
                                        "unhide it (or delete it) and save again"))
            member = getattr(ws, "_worksheet_path", None)
            if member and member.lstrip("/") in zf.namelist():
                merged = _MERGE.findall(zf.read(member.lstrip("/")))
                if merged:
                    ranges = ", ".join(m.decode() for m in merged[:3]) + (", ..." if len(merged) > 3 else "")
                    problems.append(Problem(
                        f"merged cells ({ranges}) are not read: a merged cell shows one value in several "
                        "places; unmerge them and save again", cell=f"{ws.title}!{merged[0].decode()}"))
    if problems:
        raise InputError(str(path), problems)


def _info(path: Path, wb) -> dict[str, Any]:
    """The template's version, checked; returns the return's own top-level values (schema_version)."""
    if INFO_SHEET not in wb.sheetnames:
        raise InputError(str(path), [Problem(
            f"not a safeguard workbook: it has no '{INFO_SHEET}' sheet; make one with `safeguard template "
            "--type TYPE -o return.xlsx` (and copy your answers into it)")])
    pairs = {}
    for row in wb[INFO_SHEET].iter_rows(min_row=1, max_row=50, max_col=2, values_only=True):
        if row and row[0] is not None:
            pairs[str(row[0])] = None if row[1] is None else str(row[1])
    version = pairs.get("template_version")
    if version not in READABLE_TEMPLATE_VERSIONS:
        readable = ", ".join(sorted(READABLE_TEMPLATE_VERSIONS))
        raise InputError(str(path), [Problem(
            f"the workbook was made from template version {version!r}; this version of safeguard reads template "
            f"version {readable}: make a new template with `safeguard template` and copy the answers across",
            cell=f"{INFO_SHEET}!B1")])
    out = {}
    for name, current in meta_fields().items():
        got = pairs.get(name)
        if got != current:
            raise InputError(str(path), [Problem(
                f"{name} {got!r} is not supported by this version of safeguard (it reads {current!r}): make a new "
                "template with `safeguard template`", path=name)])
        out[name] = got
    return out


# --- cells ------------------------------------------------------------------------------------------


def _grid(path: Path, ws) -> dict[tuple[int, int], Any]:
    """Non-empty cell values by (row, column); refuses an enormous sheet without reading it all."""
    ws.reset_dimensions()  # the stored dimension may lie; read what is there
    grid: dict[tuple[int, int], Any] = {}
    # No max_col: openpyxl would silently drop cells beyond it. Without one, a row is as wide as its
    # last stored cell, and the first cell past MAX_COLUMNS with a value stops the read.
    for r, row in enumerate(ws.iter_rows(), start=1):
        if r > MAX_ROWS:
            raise InputError(str(path), [Problem(
                f"sheet '{ws.title}' has more than {MAX_ROWS:,} rows; a return needs far fewer (delete the "
                "unused rows and save again)", cell=f"{ws.title}!A{r}")])
        for c, cell in enumerate(row, start=1):
            v = getattr(cell, "value", None)
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            if c > MAX_COLUMNS:
                raise InputError(str(path), [Problem(
                    f"sheet '{ws.title}' uses more than {MAX_COLUMNS} columns; a return needs far fewer",
                    cell=f"{ws.title}!{cell.coordinate}")])
            if getattr(cell, "data_type", None) == "e" or (isinstance(v, str) and v.strip() in _EXCEL_ERRORS):
                v = _ExcelError(str(v))
            grid[(r, c)] = v
    return grid


def formula_cells(zf: zipfile.ZipFile, ws) -> set[tuple[int, int]]:
    """(row, column) of every cell holding a formula, found in the sheet's XML in one pass.

    A second openpyxl parse (data_only=False) would double the cost of reading; a cell element's
    content is escaped XML, so a literal "<f" inside it can only be the formula element.
    """
    from openpyxl.utils.cell import column_index_from_string

    member = (getattr(ws, "_worksheet_path", None) or "").lstrip("/")
    if member not in zf.namelist():
        return set()
    found = set()
    for m in _CELL.finditer(zf.read(member)):
        if m.group(3) and _FORMULA.search(m.group(3)):
            found.add((int(m.group(2)), column_index_from_string(m.group(1).decode())))
    return found


@dataclass(frozen=True)
class _ExcelError:
    code: str


def _coordinate(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


@dataclass
class Locations:
    """Where each part of the return was read from: field path -> cell, for error messages."""

    cells: dict[tuple, str] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)  # in the workbook's order, to list problems in it
    leaves: dict[str, Leaf] = field(default_factory=dict)  # cell -> the question it answers
    tables: dict[str, tuple[Table, str]] = field(default_factory=dict)  # marker cell -> table, its first row's cell
    typed: dict[str, Any] = field(default_factory=dict)  # cell -> what was typed there (cells read only)
    _first: dict[tuple, str] = field(default_factory=dict)  # each prefix -> the first cell under it

    def locate(self, loc: tuple, err: dict) -> str | None:
        """The cell of `loc`; for a part not filled in at all, its first field; else the nearest enclosing one."""
        if not self._first:
            for key, cell in self.cells.items():
                for i in range(1, len(key) + 1):
                    self._first.setdefault(key[:i], cell)
        loc = tuple(loc)
        if loc in self._first:
            return self.cells.get(loc, self._first[loc])
        while loc:
            if loc in self.cells:
                return self.cells[loc]
            loc = loc[:-1]
        return None


class _Reader:
    """Walks each sheet's rows by the keys in column A, building the return and its locations."""

    def __init__(self, path: Path):
        self.path = path
        self.data: dict[str, Any] = {}
        self.where = Locations()
        self.problems: list[Problem] = []
        self.leaves: dict[str, Leaf] = {}
        self.tables: dict[str, Table] = {}
        for s in sections():
            self.leaves.update((leaf.key, leaf) for leaf in s.leaves)
            self.tables.update((t.key, t) for t in s.tables)
        self.seen: dict[str, str] = {}  # key -> the cell it was first read from
        self.notes: dict[str, str] = {}  # value's path -> the Notes column's text (evidence notes)
        self.notes_col: int | None = None  # this sheet's Notes column (fields block)
        self.table_notes_col: int | None = None  # the Notes column of the table being read

    def sheet(self, title: str, grid: dict[tuple[int, int], Any], formulas: set[tuple[int, int]]) -> None:
        keyed = {c for (_r, c), v in grid.items()
                 if isinstance(v, str) and (v.strip() in self.leaves or v.strip() in self.tables)}
        if KEY_COL not in keyed:
            if keyed:  # the field names are there, one or more columns to the right: columns were inserted
                col = min(keyed)
                r = min(r for (r, c), v in grid.items() if c == col and isinstance(v, str)
                        and (v.strip() in self.leaves or v.strip() in self.tables))
                self.problems.append(Problem.at_cell(
                    f"the field names are in column {_coordinate(r, col).rstrip('0123456789')}, not A: a column "
                    "was inserted before them; delete it (the values must stay beside the names)", title,
                    _coordinate(r, col)))
            return  # a sheet of the user's own (workings, notes): no field of the return is on it
        self.title, self.grid, self.formulas = title, grid, formulas
        self.rows: dict[int, list[int]] = {}  # row -> its non-empty columns, so no step scans the sheet
        for r, c in sorted(grid):
            self.rows.setdefault(r, []).append(c)
        value_col = self._value_column()
        self.notes_col = self._notes_column()
        rows = sorted(self.rows)
        i = 0
        while i < len(rows):
            r = rows[i]
            key = self._text(r, KEY_COL)
            if key in self.tables:
                i = self._table(self.tables[key], rows, i, value_col)
                continue
            if key in self.leaves:
                self._scalar(self.leaves[key], r, value_col)
            elif (r, value_col) in grid and key not in _HEADER_WORDS:
                found = f"'{key}'" if key else "empty"
                self._problem(r, value_col, "", f"a value in a row whose column A ({found}) is not a field of the "
                              "return; put the field's name back in column A")
            i += 1

    def _value_column(self) -> int:
        for r, cols in self.rows.items():
            if self._text(r, KEY_COL) in _HEADER_WORDS:
                return next((c for c in cols if self.grid[(r, c)] == "Value"), VALUE_COL)
        return VALUE_COL

    def _notes_column(self) -> int | None:
        for r, cols in self.rows.items():
            if self._text(r, KEY_COL) in _HEADER_WORDS:
                return next((c for c in cols if str(self.grid[(r, c)]).strip().lower() == NOTES_HEADER.lower()), None)
        return None

    def _note(self, r: int, c: int | None, path: str) -> None:
        """The lead's own note on where a value comes from: kept as evidence, never read by a rule."""
        v = self.grid.get((r, c)) if c is not None else None
        if v is None or isinstance(v, _ExcelError):
            return
        text = " ".join(str(v).split())
        if text:
            self.notes[path] = text[:500]

    def _scalar(self, leaf: Leaf, r: int, value_col: int) -> None:
        if not self._first(leaf.key, r):
            return
        self.where.cells[leaf.path] = self._cell(r, value_col)
        value = self._value(leaf, r, value_col, leaf.path)
        if value is not None:
            _put(self.data, leaf.path, value)
        self._note(r, self.notes_col, leaf.key)

    def _table(self, table: Table, rows: list[int], i: int, value_col: int) -> int:
        """Reads one table from its marker row rows[i]; returns the index of the first row after it."""
        marker_row = rows[i]
        self._first(table.key, marker_row)
        self.where.cells[table.path] = self._cell(marker_row, value_col)
        marker = self.grid.get((marker_row, value_col))
        i += 1
        header_row, columns, headed = None, {}, set()
        items: list[Any] = []
        while i < len(rows):
            r = rows[i]
            key = self._text(r, KEY_COL)
            if key in self.tables or key in self.leaves:  # a field row moved below a table ends it, and is read
                break
            if header_row is None:
                if _same(key, table.columns[0]):
                    self.table_notes_col = None
                    header_row, columns = r, self._columns(table, r)
                    headed = set(self.rows[r])
            else:
                item = self._item(table, r, columns, headed, len(items))
                if item is not None:
                    items.append(item)
            i += 1
        if header_row is None:
            self._problem(marker_row, KEY_COL, format_loc(table.path), "the table's header row (the column "
                          f"titles) is missing below this row; it starts with '{table.columns[0].label}'")
            return i
        self.where.tables[self._cell(marker_row, value_col)] = (table, self._cell(header_row + 1, min(columns) if columns else KEY_COL))
        if marker is not None:
            if str(marker).strip().lower() != NONE_WORD:
                self._problem(marker_row, value_col, format_loc(table.path),
                              f"expected '{NONE_WORD}' (there were none) or an empty cell (got {marker!r})")
            elif items:
                self._problem(marker_row, value_col, format_loc(table.path),
                              f"says '{NONE_WORD}' but the table lists {len(items)} item(s)")
            else:
                _put(self.data, table.path, [])
        if items:
            _put(self.data, table.path, items)
        return i

    def _columns(self, table: Table, r: int) -> dict[int, Leaf]:
        known = {c.key.lower(): c for c in table.columns} | {c.label.lower(): c for c in table.columns}
        columns: dict[int, Leaf] = {}
        for c in self.rows[r]:
            name = " ".join(str(self.grid[(r, c)]).split())
            if name.lower() in (NOTES_COLUMN, NOTES_HEADER.lower()):
                self.table_notes_col = c
                continue
            leaf = known.get(name.lower())
            if leaf is None:
                self._problem(r, c, format_loc(table.path), f"unknown column '{name}'; expected one of: "
                              f"{', '.join(col.label for col in table.columns)}, {NOTES_HEADER}")
            elif leaf in columns.values():
                self._problem(r, c, format_loc(table.path), f"the column '{name}' appears twice")
            else:
                columns[c] = leaf
        return columns

    def _item(self, table: Table, r: int, columns: dict[int, Leaf], headed: set[int], index: int) -> Any:
        used = self.rows[r]
        stray = [c for c in used if c not in headed]
        if stray:
            self._problem(r, stray[0], format_loc(table.path), "a value in a column with no field name above it")
        if not any(c in columns for c in used):
            return None
        base = table.path + (index,)
        self._note(r, self.table_notes_col, format_loc(base))
        for c, leaf in columns.items():
            self.where.cells[base + (leaf.path if not table.scalar else ())] = self._cell(r, c)
        self.where.cells.setdefault(base, self._cell(r, min(columns)))
        if table.scalar:
            (c, leaf), = columns.items()
            return self._value(leaf, r, c, base)
        item: dict[str, Any] = {}
        for c, leaf in columns.items():
            value = self._value(leaf, r, c, base + leaf.path)
            if value is not None:
                _put(item, leaf.path, value)
        return item

    def _value(self, leaf: Leaf, r: int, c: int, loc: tuple) -> Any:
        v = self.grid.get((r, c))
        self.where.leaves[self._cell(r, c)] = leaf
        if v is not None:
            self.where.typed[self._cell(r, c)] = v
        if v is None:
            if (r, c) in self.formulas:
                self._problem(r, c, format_loc(loc), "a formula with no saved result (the file was made by a tool "
                              "that does not calculate); open and save it in Excel or LibreOffice, or type the value")
            return None
        if isinstance(v, _ExcelError):
            self._problem(r, c, format_loc(loc), f"the cell shows the Excel error {v.code}; enter a value")
            return v.code
        value, trouble = convert(leaf, v)
        if trouble:
            self._problem(r, c, format_loc(loc), trouble)
        return value

    def _first(self, key: str, r: int) -> bool:
        cell = self._cell(r, KEY_COL)
        if key in self.seen:
            self._problem(r, KEY_COL, key, f"the field appears twice (also at {self.seen[key]}); keep one")
            return False
        self.seen[key] = cell
        return True

    def _text(self, r: int, c: int) -> str | None:
        v = self.grid.get((r, c))
        return v.strip() if isinstance(v, str) else None

    def _cell(self, r: int, c: int) -> str:
        return f"{self.title}!{_coordinate(r, c)}"

    def _problem(self, r: int, c: int, path: str, message: str) -> None:
        self.problems.append(Problem(message, path=path, cell=self._cell(r, c)))


_HEADER_WORDS = frozenset({OLD_FIELD_HEADER, FIELD_HEADERS[0]})


def _same(text: str | None, leaf: Leaf) -> bool:
    """Whether a header cell names this column: its label (as templates write it) or its key (older ones)."""
    return text is not None and " ".join(text.split()).lower() in (leaf.key.lower(), leaf.label.lower())


def _put(data: dict[str, Any], path: tuple, value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def convert(leaf: Leaf, v: Any) -> tuple[Any, str | None]:
    """A cell's value in the type the model expects, or the raw value and what was wrong with it.

    Excel has only floating-point numbers, and people type numbers as text; both are read as what
    they plainly are. Anything doubtful is left to the model, which refuses it with its own message.
    """
    kind = leaf.kind
    if isinstance(v, str):
        v = v.strip()
    if kind == "bool":
        if isinstance(v, bool):
            return v, None
        word = str(v).lower()
        if word in ("yes", "true"):
            return True, None
        if word in ("no", "false"):
            return False, None
        return v, f"expected yes or no (got {v!r})"
    if kind == "int":
        if isinstance(v, float) and v.is_integer():
            return int(v), None
        if isinstance(v, str) and (number := number_from_text(v, whole=True)) is not None:
            return number, None
        if isinstance(v, (dt.date, dt.datetime)):
            return v, f"expected a whole number (got the date {v:%Y-%m-%d}); format the cell as a number"
        return v, None
    if kind == "float":
        if isinstance(v, str):  # as in every format (text_numbers): plain ones read, the rest refused
            number = number_from_text(v, whole=False)
            return (v, None) if number is None else (number, None)
        return (float(v), None) if isinstance(v, int) and not isinstance(v, bool) else (v, None)
    if kind == "date":
        if isinstance(v, dt.datetime):
            if v.time() == dt.time(0):
                return v.date(), None
            return v, f"expected a date without a time (got {v.isoformat(sep=' ')})"
        if isinstance(v, dt.date):
            return v, None
        if isinstance(v, str) and _DATE.match(v):
            return v, None
        return v, f"expected a date (YYYY-MM-DD) (got {v!r}); type it as a date or as text like 2026-03-31"
    if kind == "choice" and isinstance(v, str):
        code = leaf.code_for(v)  # the words the dropdown shows, or the code older workbooks hold
        return (code, None) if code is not None else (v, None)
    if kind in ("text", "choice"):
        if isinstance(v, bool):
            return v, None
        if isinstance(v, float) and v.is_integer():
            return str(int(v)), None
        if isinstance(v, (int, float)):
            return str(v), None
        if isinstance(v, (dt.date, dt.datetime)):
            return v, f"expected text (got the date {v:%Y-%m-%d}); format the cell as text"
    return v, None


def annotated_copy(raw: bytes, problems: list[Problem]) -> bytes:
    """A copy of the workbook with each problem's cell highlighted and commented with what to fix
    (`safeguard assess --annotate`); the workbook itself is never touched. Read once more, in full
    (not read-only), from the bytes already checked as a container."""
    import warnings

    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from compliance.intake.files import workbook_bytes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(io.BytesIO(raw), keep_vba=False, keep_links=False)
    fill = PatternFill("solid", fgColor="FFC7CE")
    notes: dict[tuple[str, str], list[str]] = {}
    for i, p in enumerate(problems, 1):
        if not p.cell or "!" not in p.cell:
            continue
        sheet, _, ref = p.cell.rpartition("!")
        notes.setdefault((sheet, ref.split(":")[0].replace("$", "")), []).append(f"{i}. {p.message}")
    for (sheet, ref), texts in notes.items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][ref]
        cell.fill = fill
        comment = Comment("\n".join(texts)[:30000], "safeguard")
        comment.width, comment.height = 320, 40 + 18 * sum(1 + len(t) // 50 for t in texts)
        cell.comment = comment
    return workbook_bytes(wb)
