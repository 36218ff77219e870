"""Loading extracts into DuckDB, checking every row against its pydantic row model.

Why checks are SQL generated from the models rather than pydantic per row: a trust's year is
hundreds of thousands of rows and pydantic would take seconds where DuckDB takes milliseconds; the
model stays the single source of truth because the SQL is derived from its fields (type, allowed
codes, ranges, pattern, required) and its cross-column `checks`, in one function (`checked_rows`)
that the per-trust reader, the national reader and (transpiled) Spark all run. A value is read as
text and parsed unless the file already holds it as the model's type (a Parquet DATE), so nothing
is coerced silently: a value that does not parse is a problem with file, row and column, and its
row is excluded and counted, never dropped unseen.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import enum
import hashlib
import io
import re
import tempfile
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Collection
from typing import Any, Literal, cast

import duckdb
from annotated_types import Ge, Gt, Le, MaxLen, MinLen
from pydantic.fields import FieldInfo

from compliance.domain.errors import InputError, Problem
from compliance.domain.records import BY_NAME, FILE_TYPES, Extract
from compliance.domain.result import Provenance
from compliance.intake.documents import looks_utf16, os_reason, read_chunks

DATE_LITERAL = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRUE = ("true", "1", "yes", "y")
FALSE = ("false", "0", "no", "n")
MAX_SHOWN = 20  # problems kept per extract for the message; all are counted


@dataclass
class RowProblem:
    file: str
    row: int
    column: str
    reason: str

    def render(self) -> str:
        return f"{self.file} row {self.row}, column {self.column}: {self.reason}"


@dataclass
class ExtractRead:
    """What was read of one extract: the provenance every count made from it carries."""

    name: str
    files: list[str]
    rows_read: int = 0
    sha256: list[str] = field(default_factory=list)  # of each file as read (once), in the order of `files`
    excluded: dict[str, int] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    duplicates: int = 0  # rows repeating an earlier row whole: counted once
    duplicate_rows: list[str] = field(default_factory=list)  # the first of them, each with the row it repeats

    @property
    def rows_excluded(self) -> int:
        return sum(self.excluded.values())

    def provenance(self) -> Provenance:
        return Provenance(extract=self.name, files=self.files, rows_read=self.rows_read,
                          rows_excluded=self.rows_excluded, excluded_because=dict(sorted(self.excluded.items())),
                          examples=[p.render() for p in self.problems], duplicates=self.duplicates,
                          duplicate_rows=self.duplicate_rows)


def repeat_text(file: str, row: int, of_file: str, of_row: int) -> str:
    """A duplicate row in words: where it is and which row it repeats."""
    return f"{file} row {row} repeats " + (f"row {of_row}" if of_file == file else f"{of_file} row {of_row}")


def over_limit(excluded: int, rows_read: int, duplicates: int, limit_percent: float) -> bool:
    """More bad rows than --bad-rows allows, as a share of the distinct rows (a repeated row is one
    row: repeating rows never decides whether a run stops)."""
    return excluded > (rows_read - duplicates) * limit_percent / 100


@dataclass
class Column:
    name: str
    sql_type: str  # VARCHAR, INTEGER, DOUBLE, BOOLEAN, DATE, TIMESTAMP
    required: bool
    allowed: tuple[str, ...] | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    pattern: str | None = None
    max_len: int | None = None


def _base(annotation: Any) -> tuple[Any, bool]:
    """The type under Optional, and whether None is allowed."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def columns(model: type[Extract]) -> list[Column]:
    out = []
    for name, info in model.model_fields.items():
        base, nullable = _base(info.annotation)
        col = Column(name=name, sql_type="VARCHAR", required=info.is_required() and not nullable)
        if typing.get_origin(base) is Literal:
            col.allowed = tuple(str(a) for a in typing.get_args(base))
        elif isinstance(base, type) and issubclass(base, enum.Enum):
            col.allowed = tuple(m.value for m in base)
        elif base is bool:
            col.sql_type = "BOOLEAN"
        elif base is int:
            col.sql_type = "INTEGER"
        elif base is float:
            col.sql_type = "DOUBLE"
        elif base is dt.datetime:
            col.sql_type = "TIMESTAMP"
        elif base is dt.date:
            col.sql_type = "DATE"
        _constraints(col, info)
        out.append(col)
    return out


def _constraints(col: Column, info: FieldInfo) -> None:
    for meta in info.metadata:
        if isinstance(meta, Ge):
            col.ge = cast(float, meta.ge)
        elif isinstance(meta, Gt):
            col.gt = cast(float, meta.gt)
        elif isinstance(meta, Le):
            col.le = cast(float, meta.le)
        elif isinstance(meta, MaxLen):
            col.max_len = meta.max_length
        elif isinstance(meta, MinLen):
            pass
        elif getattr(meta, "pattern", None):
            col.pattern = meta.pattern


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _cast(col: Column, v: str) -> str:
    """The typed value of raw text `v`, NULL when it does not parse (checked separately)."""
    if col.sql_type == "BOOLEAN":
        return (f"CASE WHEN lower({v}) IN ({', '.join(map(_q, TRUE))}) THEN true "
                f"WHEN lower({v}) IN ({', '.join(map(_q, FALSE))}) THEN false END")
    if col.sql_type == "DATE":
        return f"TRY_STRPTIME({v}, '%Y-%m-%d')::DATE"
    if col.sql_type == "TIMESTAMP":
        return f"TRY_CAST(replace({v}, 'T', ' ') AS TIMESTAMP)"
    # Numbers only as people write them: DuckDB's cast would round 3.5 to 4 and read 1e1, 0x10 or
    # "inf" as numbers, each a silent conversion. A whole number may carry a zero fraction (3.0, as
    # Excel and Parquet doubles hold it), which changes nothing.
    if col.sql_type == "INTEGER":
        return f"CASE WHEN regexp_full_match({v}, '[+-]?[0-9]{{1,18}}(\\.0*)?') THEN TRY_CAST({v} AS INTEGER) END"
    if col.sql_type == "DOUBLE":
        return f"CASE WHEN regexp_full_match({v}, '[+-]?([0-9]{{1,18}}(\\.[0-9]*)?|\\.[0-9]+)') THEN TRY_CAST({v} AS DOUBLE) END"
    return v


_WHAT = {"BOOLEAN": "true or false", "DATE": "a date YYYY-MM-DD", "TIMESTAMP": "a date-time YYYY-MM-DDTHH:MM",
         "INTEGER": "a whole number", "DOUBLE": "a number"}


def _problem_sql(col: Column, native: bool = False) -> str:
    """A CASE naming what is wrong with one cell, NULL when it is fine."""
    v = _ident("r$" + col.name)  # the text as read (or the file's own typed value: `native`)
    t = _ident(col.name)  # the typed value
    shown = f"left(CAST({v} AS VARCHAR), 40)" if native else f"left({v}, 40)"
    cases = []
    if col.required:
        cases.append(f"WHEN {v} IS NULL THEN 'empty: the column is required'")
    if col.allowed is not None:
        cases.append(f"WHEN {v} IS NOT NULL AND {v} NOT IN ({', '.join(map(_q, col.allowed))}) "
                     f"THEN 'unknown code: ' || {shown} || ' (expected one of {', '.join(col.allowed)})'")
    elif col.sql_type != "VARCHAR":
        cases.append(f"WHEN {v} IS NOT NULL AND {t} IS NULL THEN 'bad value: ' || {shown} || ' (expected {_WHAT[col.sql_type]})'")
    if col.sql_type == "DOUBLE":
        cases.append(f"WHEN {t} IS NOT NULL AND NOT isfinite({t}) THEN 'bad value: not a finite number'")
    for op, bound, word in ((">=", col.ge, "at least"), (">", col.gt, "more than"), ("<=", col.le, "at most")):
        if bound is not None:
            what = "impossible age" if col.name == "age" else "out of range"
            cases.append(f"WHEN {t} IS NOT NULL AND NOT ({t} {op} {bound}) THEN '{what}: ' || {shown} || ' (must be {word} {bound:g})'")
    if col.max_len is not None:
        cases.append(f"WHEN length({v}) > {col.max_len} THEN 'too long: more than {col.max_len} characters'")
    if col.pattern is not None:
        cases.append(f"WHEN {v} IS NOT NULL AND NOT regexp_full_match({v}, {_q(col.pattern)}) "
                     f"THEN 'not a pseudonymous reference: ' || {shown} || ' (letters, digits, . _ - only)'")
    return "CASE " + " ".join(cases) + " END" if cases else "NULL"


# Types a file may hold a column in that need no parsing (a Parquet DATE is a date): the value is
# taken as it is, only range-checked. Anything else is read as text and parsed as a CSV cell is.
NATIVE = {"INTEGER": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"),
          "DATE": ("DATE",), "TIMESTAMP": ("TIMESTAMP",), "BOOLEAN": ("BOOLEAN",)}


def is_native(col: Column, file_type: str) -> bool:
    """Whether a column the file holds as `file_type` is read as it is (else: as text, then parsed)."""
    return file_type.upper() in NATIVE.get(col.sql_type, ())


def checked_rows(model: type[Extract], cols: list[Column], source: str, native: Collection[str] = ()) -> str:
    """The one definition of the row checks, for a trust's extracts, national ones and (transpiled)
    Spark: `SELECT _file, _row, <every column typed>, _problems FROM source`, where `source` has
    `_file`, `_row` and every column of `cols` as text (trimmed, empty as NULL) or, for the names in
    `native`, as the file's own typed value (see `is_native`). `_problems` is NULL for a good row;
    for a bad one, every cell problem and cross-column check that fails, in column order (a row is
    excluded once, under its first problem). The list is built only for bad rows: a good row costs
    the conditions alone."""
    types_ = {c.name: c.sql_type for c in cols}
    cells = [(c.name, _problem_sql(c, c.name in native)) for c in cols]
    for chk in model.checks:
        this = _ident(chk.column)
        other = f"DATE {_q(chk.not_before)}" if DATE_LITERAL.match(chk.not_before) else _ident(chk.not_before)
        if types_.get(chk.not_before, "DATE") != types_[chk.column]:  # a date against a date-time: compare days
            this, other = f"CAST({this} AS DATE)", f"CAST({other} AS DATE)"
        cells.append((chk.column, f"CASE WHEN {this} < {other} THEN {_q(chk.reason)} END"))
    raw = ", ".join(f"{_ident(c.name)} AS {_ident('r$' + c.name)}" for c in cols)
    typed = ", ".join(f"{_typed(c, c.name in native)} AS {_ident(c.name)}" for c in cols)
    listed = ", ".join(_ident(c.name) for c in cols)
    reasons = [sql for _, sql in cells if sql != "NULL"]
    any_bad = f"coalesce({', '.join(reasons)}) IS NOT NULL" if reasons else "false"
    every = ", ".join(f"struct_pack(col := {_q(col)}, reason := {sql})" for col, sql in cells)
    return (f"SELECT _file, _row, {listed}, CASE WHEN {any_bad} THEN "
            f"list_filter([{every}], lambda p: p.reason IS NOT NULL) END AS _problems FROM ("
            f"SELECT *, {typed} FROM (SELECT _file, _row, {raw} FROM {source}) r1) r2")


def _typed(col: Column, native: bool) -> str:
    v = _ident("r$" + col.name)
    return f"TRY_CAST({v} AS {col.sql_type})" if native else _cast(col, v)


DUPLICATE_KEY_REASON = "repeated reference"


def repeats_sql(model: type[Extract], source: str, good: str, org: str | None = None) -> str:
    """The checked rows of `source` (`_file`, `_row`, [`org`], the model's columns, `_problems`) with
    repeats marked, in DuckDB's dialect (the Spark engine transpiles it), so nothing is counted twice:

    * a good row equal in every column to an earlier good row (file order) is a duplicate
      (`_duplicate`, with `_of_file`/`_of_row` the row it repeats): counted once, reported;
    * good rows that differ but share the extract's unique reference (`model.key`) are bad rows: each
      gains a problem on that column (which of them is right is unknowable), so they are excluded,
      reported with file and row and counted against --bad-rows like any bad row.

    `good` is the predicate of a row with no problem (the readers keep problems differently).
    """
    cols = [c.name for c in columns(model)]
    part = ([org] if org else []) + cols
    listed = ", ".join(_ident(c) for c in ["_file", "_row", *([org] if org else []), *cols])
    copies = f"PARTITION BY _good, {', '.join(map(_ident, part))} ORDER BY _file, _row"
    copy_no = (f"SELECT *, row_number() OVER ({copies}) AS _copy, first_value(_file) OVER ({copies}) AS _of_file, "
               f"first_value(_row) OVER ({copies}) AS _of_row FROM (SELECT *, {good} AS _good FROM {source}) s0")
    if model.key is None:
        problems, versions = "_problems", copy_no
    else:
        by_key = ", ".join(map(_ident, ([org] if org else []) + [model.key]))
        versions = (f"SELECT *, sum(CASE WHEN _copy = 1 THEN 1 ELSE 0 END) OVER (PARTITION BY _good, {by_key}) AS _versions "
                    f"FROM ({copy_no}) s1")
        problems = (f"CASE WHEN _good AND _copy = 1 AND _versions > 1 THEN [struct_pack(col := {_q(model.key)}, "
                    f"reason := '{DUPLICATE_KEY_REASON}: ' || CAST(_versions AS VARCHAR) || ' different rows have this "
                    f"{model.key}; none of them is counted')] ELSE _problems END")
    return (f"SELECT {listed}, {problems} AS _problems, _good AND _copy > 1 AS _duplicate, _of_file, _of_row "
            f"FROM ({versions}) s2")


def mark_repeats(con: duckdb.DuckDBPyConnection, model: type[Extract], loaded: str, checked: str, good: str,
                 org: str | None = None, temp: bool = True) -> None:
    """`checked` as `repeats_sql` makes it from the table `loaded` (which it then owns). When every
    good row's unique reference is unique, no row can repeat another or share its reference, so
    `checked` is a view marking none (no window over every column, no copy: the common case costs
    one distinct count); otherwise the rows are marked by `repeats_sql`."""
    kind = "TEMP " if temp else ""
    drop_relation(con, checked)  # a table or a view of an earlier load on this connection
    if model.key is not None:
        key = ", ".join(map(_ident, ([org] if org else []) + [model.key]))
        found = con.execute(f"SELECT count(*) = count(DISTINCT ({key})) FROM {loaded} WHERE {good}").fetchone()
        if found and found[0]:
            con.execute(f"CREATE {kind}VIEW {checked} AS SELECT *, false AS _duplicate, _file AS _of_file, "
                        f"_row AS _of_row FROM {loaded}")
            return
    con.execute(f"CREATE {kind}TABLE {checked} AS {repeats_sql(model, loaded, good, org)}")
    con.execute(f"DROP TABLE {loaded}")


def drop_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the table or view `name` if there is one (DuckDB refuses to drop or replace one kind as the other)."""
    for (kind,) in con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]).fetchall():
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {name}")


def extract_files(folder: Path) -> dict[str, list[Path]]:
    """`<extract>.<type>` or `<extract>/*.<type>`; anything else in the folder is an error (a typo
    in a file name must not silently leave an extract out). The names found are only names: each is
    read once, through the reading layer, when its extract is loaded (`load_extract`)."""
    try:
        if not folder.is_dir():
            raise InputError(str(folder), [Problem("not a folder of record extracts")])
        found: dict[str, list[Path]] = {}
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith("."):
                continue
            is_dir = entry.is_dir()
            stem = entry.name if is_dir else entry.stem
            if stem not in BY_NAME or (not is_dir and entry.suffix.lower() not in FILE_TYPES):
                raise InputError(str(entry), [Problem(
                    f"not a known extract: expected one of {', '.join(f'{n}.csv|.xlsx|.parquet' for n in BY_NAME)} "
                    "(or a folder of that name)")])
            files = sorted(p for p in entry.iterdir() if p.suffix.lower() in FILE_TYPES) if is_dir else [entry]
            if stem in found:
                raise InputError(str(entry), [Problem(f"extract {stem} is given twice")])
            found[stem] = files
    except OSError as e:
        raise InputError(str(folder), [Problem(f"cannot read the folder: {os_reason(e)}")]) from None
    return found


# Bounds on one extract file, checked as it is read and before anything parses it. A large acute
# trust's year is about 15 MB of CSV and 260,000 rows; these leave room for a decade of a national one.
MAX_FILE_BYTES = 1 << 30
MAX_XLSX_BYTES = 200 * 1024 * 1024
MAX_ROWS = 20_000_000
MAX_LINE_BYTES = 1 << 20  # one CSV row; a longer one is refused with its row (DuckDB's own default is 2 MB)
_GLOB = re.compile(r"[*?\[\]{}]")


class _Copy:
    """An extract file read once through the reading layer into a private folder, under a name made
    here (DuckDB treats a path as a glob pattern, so it is never given a name the user chose)."""

    def __init__(self, tmp: Path):
        if _GLOB.search(str(tmp)):
            raise InputError(str(tmp), [Problem("the temporary folder's name holds *, ?, [ or {: set TMPDIR "
                                                 "to a folder without them")])
        self.tmp, self.n = tmp, 0
        self.digests: list[str] = []  # sha256 of each user file copied, in order: the report names what was read

    def name(self, suffix: str) -> Path:
        self.n += 1
        return self.tmp / f"{self.n}{suffix}"

    def csv(self, path: Path) -> Path:
        """The file's text as UTF-8 without a BOM; refuses (with the row) bytes that are not UTF-8 or
        a NUL, and a file over the size or row bound, while copying, never holding it whole."""
        out = self.name(".csv")
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = lines = 0
        digest = hashlib.sha256()
        with out.open("wb") as f:
            for piece in read_chunks(path, InputError, MAX_FILE_BYTES):
                digest.update(piece)
                if offset == 0 and lines == 0 and looks_utf16(piece):  # Excel's "Unicode Text" is UTF-16
                    raise InputError(str(path), [Problem.at_row(
                        "not UTF-8 text: it looks like UTF-16 (Excel's \"Unicode Text\"); save the extract as \"CSV UTF-8\"",
                        1)])
                if offset == 0 and piece.startswith(codecs.BOM_UTF8):
                    piece, offset = piece[3:], 3
                try:
                    decoder.decode(piece)
                except UnicodeDecodeError as e:
                    row = lines + piece.count(b"\n", 0, e.start) + 1
                    raise InputError(str(path), [Problem.at_row(
                        f"not UTF-8 text (byte {offset + e.start:,}); save the extract as \"CSV UTF-8\"", row)]) from None
                nul = piece.find(b"\x00")
                if nul >= 0:
                    row = lines + piece.count(b"\n", 0, nul) + 1
                    raise InputError(str(path), [Problem.at_row(
                        f"a NUL byte (byte {offset + nul:,}): this is not a CSV text file", row)])
                lines += piece.count(b"\n")
                if lines > MAX_ROWS:
                    raise InputError(str(path), [Problem(f"more than {MAX_ROWS:,} rows; split the extract into a "
                                                         "folder of files (one per month, say)")])
                offset += len(piece)
                f.write(piece)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputError(str(path), [Problem.at_row("not UTF-8 text (the file ends inside a character)",
                                                        lines + 1)]) from None
        self.digests.append(digest.hexdigest())
        return out

    def raw(self, path: Path, suffix: str, max_bytes: int) -> Path:
        out = self.name(suffix)
        digest = hashlib.sha256()
        with out.open("wb") as f:
            for piece in read_chunks(path, InputError, max_bytes):
                digest.update(piece)
                f.write(piece)
        self.digests.append(digest.hexdigest())
        return out


def _xlsx_as_csv(path: Path, copy: _Copy) -> Path:
    """An .xlsx extract through the same checks as a return workbook (zip bounds and ratios before
    openpyxl sees it), then cell by cell as the sheet shows it into a CSV DuckDB reads.

    A date cell is written as its date (a date-time at midnight as the date alone); a formula with
    no saved result is refused with its cell rather than read as empty.
    """
    import warnings
    import zipfile

    from compliance.intake.workbook import MAX_RATIO, check_container, open_workbook, formula_cells

    raw = copy.raw(path, ".xlsx", MAX_XLSX_BYTES).read_bytes()
    check_container(path, raw, max_member_bytes=MAX_XLSX_BYTES, max_total_bytes=2 * MAX_XLSX_BYTES, max_ratio=MAX_RATIO)
    out = copy.name(".csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's warnings name library paths; nothing a user acts on
        wb = open_workbook(path, raw)
        try:
            ws = wb.worksheets[0] if wb.worksheets else None
            if ws is None:
                raise InputError(str(path), [Problem("the workbook has no sheet")])
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                formulas = formula_cells(zf, ws)
            with out.open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                width = None
                for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
                    if r > MAX_ROWS:
                        raise InputError(str(path), [Problem(f"more than {MAX_ROWS:,} rows")])
                    cells = list(row)
                    if width is None:
                        width = len(cells)
                    while len(cells) > width and cells[-1] is None:
                        cells.pop()
                    cells += [None] * (width - len(cells))
                    for c, v in enumerate(cells, start=1):
                        if v is None and (r, c) in formulas:
                            raise InputError(str(path), [Problem(
                                "a formula with no saved result (the file was written by a program that does not "
                                "calculate); open it in Excel and save it again, or enter the values",
                                cell=f"{ws.title[:31]}!{_coordinate(r, c)}")])
                    w.writerow([_cell_text(v) for v in cells])
        finally:
            wb.close()
    return out


def _coordinate(row: int, col: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) and v.tzinfo is None else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # Excel keeps every number as a double: 3 is stored as 3.0
    return str(v)


def _csv_options(header: list[str]) -> str:
    columns = "{" + ", ".join(f"{_q(h)}: 'VARCHAR'" for h in header) + "}"
    return (f"header=true, auto_detect=false, delim=',', quote='\"', escape='\"', strict_mode=true, "
            f"max_line_size={MAX_LINE_BYTES}, columns={columns}")


def _source(path: Path, tmp: Path, header: list[str]) -> str:
    """The (private copy of the) file as a relation of text columns; CSV with its dialect fixed (no
    sniffing: faster, and a file is never read differently because of what its first rows hold)."""
    if path.suffix.lower() == ".parquet":
        return f"read_parquet({_q(str(path))})"
    return f"read_csv({_q(str(path))}, {_csv_options(header)})"


def load_extract(con: duckdb.DuckDBPyConnection, name: str, files: list[Path]) -> ExtractRead:
    """Create table `<name>` of the good rows, typed; return what was read and excluded."""
    model = BY_NAME[name]
    cols = columns(model)
    read = ExtractRead(name=name, files=[str(p) for p in files])
    if not files:
        raise InputError(name, [Problem("the extract's folder holds no .csv, .xlsx or .parquet file")])
    with tempfile.TemporaryDirectory(prefix="safeguard-") as tmpdir:
        copy = _Copy(Path(tmpdir))
        for path in files:
            local, header = _read(con, path, copy)
            _check_header(path, header, cols)
            select = ", ".join(f"NULLIF(trim(CAST({_ident(c.name)} AS VARCHAR)), '') AS {_ident(c.name)}" for c in cols)
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE _one AS SELECT {select} FROM {_source(local, copy.tmp, header)}")
            except duckdb.Error as e:
                raise _duckdb_problem(path, e) from None
            # rowid follows the file's order; +2 is the row a spreadsheet shows (row 1 is the header)
            into = f"INSERT INTO _loaded_{name}" if path != files[0] else f"CREATE OR REPLACE TEMP TABLE _loaded_{name} AS"
            source = f"(SELECT {_q(str(path))} AS _file, rowid + 2 AS _row, * FROM _one)"
            con.execute(f"{into} {checked_rows(model, cols, source)}")
        read.sha256 = list(copy.digests)
    mark_repeats(con, model, f"_loaded_{name}", f"checked_{name}", "_problems IS NULL")
    read.rows_read, read.duplicates = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE _duplicate) FROM checked_{name}").fetchone() or (0, 0)
    for f, row, of_file, of_row in con.execute(
            f"SELECT _file, _row, _of_file, _of_row FROM checked_{name} WHERE _duplicate "
            f"ORDER BY _file, _row LIMIT {MAX_SHOWN}").fetchall():
        read.duplicate_rows.append(repeat_text(f, row, of_file, of_row))
    for kind, n in con.execute(
            f"SELECT _problems[1].col || ': ' || split_part(_problems[1].reason, ':', 1) AS kind, count(*) "
            f"FROM checked_{name} WHERE _problems IS NOT NULL GROUP BY kind ORDER BY kind").fetchall():
        read.excluded[kind] = n
    for f, row, col, reason in con.execute(
            f"SELECT _file, _row, p.col, p.reason FROM (SELECT _file, _row, unnest(_problems) AS p FROM checked_{name} "
            f"WHERE _problems IS NOT NULL) ORDER BY _file, _row, p.col LIMIT {MAX_SHOWN}").fetchall():
        read.problems.append(RowProblem(file=f, row=row, column=col, reason=_printable(reason)))
    names = ", ".join(_ident(c.name) for c in cols)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {names} FROM checked_{name} "
                "WHERE _problems IS NULL AND NOT _duplicate")
    con.execute("DROP TABLE IF EXISTS _one")
    return read


def _printable(text: str) -> str:
    """Values from a file go to terminals and reports: keep printable characters only."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _read(con: duckdb.DuckDBPyConnection, path: Path, copy: _Copy) -> tuple[Path, list[str]]:
    """The private copy DuckDB reads, and its header; every refusal names the user's file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        local = copy.raw(path, ".parquet", MAX_FILE_BYTES)
        try:
            found = con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata({_q(str(local))})").fetchone()
            rows = (found[0] if found else 0) or 0
            header = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_q(str(local))})").fetchall()]
        except duckdb.Error as e:
            raise _duckdb_problem(path, e) from None
        if rows > MAX_ROWS:
            raise InputError(str(path), [Problem(f"{rows:,} rows; at most {MAX_ROWS:,} are accepted in one file")])
        return local, header
    local = _xlsx_as_csv(path, copy) if suffix == ".xlsx" else copy.csv(path)
    with local.open(newline="", encoding="utf-8") as f:
        try:
            header = [h.strip() for h in next(csv.reader(f, strict=True), [])]
        except csv.Error as e:
            raise InputError(str(path), [Problem.at_row(f"the header row cannot be read as CSV ({e})", 1)]) from None
    return local, header


def _check_header(path: Path, header: list[str], cols: list[Column]) -> None:
    """Every column once, none missing, none unknown. A first row sharing no name with the extract
    is not echoed: it is some other file (a symlink to /etc/passwd, say), whose content stays out of
    the message."""
    known = {c.name for c in cols}
    expected = ", ".join(c.name for c in cols)
    if not header or not known & set(header):
        raise InputError(str(path), [Problem.at_row(
            f"the first row is not this extract's header: none of its columns ({expected}) is there", 1)])
    seen: set[str] = set()
    dup = []
    for h in header:
        if h in seen:
            dup.append(h)
        seen.add(h)
    bad = [Problem.at_row(f"column {_shown(d)} appears more than once", 1) for d in dict.fromkeys(dup)]
    bad += [Problem.at_row(f"missing column {c.name}", 1) for c in cols if c.name not in seen]
    bad += [Problem.at_row(f"unknown column {_shown(u)} (columns: {expected})", 1) for u in header if u not in known]
    if bad:
        raise InputError(str(path), bad)


def _shown(text: str) -> str:
    return repr(_printable(text if len(text) <= 40 else text[:37] + "..."))


_LINE = re.compile(r"Line: (\d+)")


def _duckdb_problem(path: Path, e: duckdb.Error) -> InputError:
    """A file DuckDB cannot read, in words naming the user's file and the row; never DuckDB's
    message whole (it quotes the line it stopped at and names the private copy)."""
    text = str(e)
    m = _LINE.search(text)
    row = int(m[1]) if m else None
    cols = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if cols:
        what = f"{cols[2]} values where the header has {cols[1]} columns"
    elif "unterminated quote" in text:
        what = "a quote (\") opened and never closed"
    elif "Maximum line size" in text or "max_line_size" in text:
        what = f"a row longer than {MAX_LINE_BYTES:,} bytes"
    elif "parquet" in path.suffix.lower():
        what = "cannot be read as Parquet: the file is damaged or not Parquet"
    else:
        what = "cannot be read as CSV: " + _printable(text.split("\n", 1)[0][:160])
    return InputError(str(path), [Problem(what, row=row)])


def _header(con: duckdb.DuckDBPyConnection, path: Path, tmp: Path) -> list[str]:
    """The header of a file DuckDB will read (the benchmarks' scan floor reads the files directly);
    `tmp` is no longer used: the copy is made in a private folder."""
    with tempfile.TemporaryDirectory(prefix="safeguard-") as d:
        return _read(con, path, _Copy(Path(d)))[1]
