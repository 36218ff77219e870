"""Loading extracts into DuckDB, checking every row against its pydantic row model.

Why checks are SQL generated from the models rather than pydantic per row: a trust's year is
hundreds of thousands of rows and pydantic would take seconds where DuckDB takes milliseconds; the
model stays the single source of truth because the SQL is derived from its fields (type, allowed
codes, ranges, pattern, required) and its cross-column `checks`. Every value is read as text first,
so nothing is coerced silently: a value that does not parse is a problem with file, row and
column, and its row is excluded and counted, never dropped unseen.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import re
import tempfile
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import duckdb
from annotated_types import Ge, Gt, Le, MaxLen, MinLen
from pydantic.fields import FieldInfo

from compliance.domain.errors import InputError, Problem
from compliance.domain.records import BY_NAME, FILE_TYPES, Extract
from compliance.domain.result import Provenance

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
    excluded: dict[str, int] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows_excluded(self) -> int:
        return sum(self.excluded.values())

    def provenance(self) -> Provenance:
        return Provenance(extract=self.name, files=self.files, rows_read=self.rows_read,
                          rows_excluded=self.rows_excluded, excluded_because=dict(sorted(self.excluded.items())),
                          examples=[p.render() for p in self.problems])


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
    if col.sql_type == "INTEGER":
        return f"TRY_CAST({v} AS INTEGER)"
    if col.sql_type == "DOUBLE":
        return f"TRY_CAST({v} AS DOUBLE)"
    return v


_WHAT = {"BOOLEAN": "true or false", "DATE": "a date YYYY-MM-DD", "TIMESTAMP": "a date-time YYYY-MM-DDTHH:MM",
         "INTEGER": "a whole number", "DOUBLE": "a number"}


def _problem_sql(col: Column) -> str:
    """A CASE naming what is wrong with one cell, NULL when it is fine."""
    v = _ident("r$" + col.name)  # the text as read
    t = _ident(col.name)  # the typed value
    shown = f"left({v}, 40)"
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


def extract_files(folder: Path) -> dict[str, list[Path]]:
    """`<extract>.<type>` or `<extract>/*.<type>`; anything else in the folder is an error (a typo
    in a file name must not silently leave an extract out)."""
    if not folder.is_dir():
        raise InputError(str(folder), [Problem("not a folder of record extracts")])
    found: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        stem = entry.name if entry.is_dir() else entry.stem
        if stem not in BY_NAME or (entry.is_file() and entry.suffix.lower() not in FILE_TYPES):
            raise InputError(str(entry), [Problem(
                f"not a known extract: expected one of {', '.join(f'{n}.csv|.xlsx|.parquet' for n in BY_NAME)} "
                "(or a folder of that name)")])
        files = sorted(p for p in entry.iterdir() if p.suffix.lower() in FILE_TYPES) if entry.is_dir() else [entry]
        if stem in found:
            raise InputError(str(entry), [Problem(f"extract {stem} is given twice")])
        found[stem] = files
    return found


def _xlsx_as_csv(path: Path, tmp: Path) -> Path:
    """xlsx is read with openpyxl and handed to DuckDB as text, cell by cell as the sheet shows it."""
    from openpyxl import load_workbook

    out = tmp / (path.stem + f"-{abs(hash(str(path)))}.csv")
    wb = load_workbook(path, read_only=True, data_only=True)
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        for row in wb.active.iter_rows(values_only=True):  # type: ignore[union-attr]  # a loaded workbook has one
            w.writerow(["" if c is None else (c.isoformat() if isinstance(c, (dt.date, dt.datetime)) else
                                              str(c).lower() if isinstance(c, bool) else str(c)) for c in row])
    wb.close()
    return out


def _source(path: Path, tmp: Path, header: list[str]) -> str:
    """The file as a relation of text columns; CSV with its dialect fixed (no sniffing: faster, and a
    file is never read differently because of what its first rows happen to hold)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return f"read_parquet({_q(str(path))})"
    if suffix == ".xlsx":
        path = _xlsx_as_csv(path, tmp)
    columns = "{" + ", ".join(f"{_q(h)}: 'VARCHAR'" for h in header) + "}"
    return (f"read_csv({_q(str(path))}, header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
            f"columns={columns})")


def load_extract(con: duckdb.DuckDBPyConnection, name: str, files: list[Path]) -> ExtractRead:
    """Create table `<name>` of the good rows, typed; return what was read and excluded."""
    model = BY_NAME[name]
    cols = columns(model)
    read = ExtractRead(name=name, files=[str(p) for p in files])
    if not files:
        raise InputError(name, [Problem("the extract's folder holds no .csv, .xlsx or .parquet file")])
    # One pass: every cell's problem (NULL when fine) and every cross-column check, kept as a list
    # per row in column order, so a row is excluded once, under its first problem.
    types_ = {c.name: c.sql_type for c in cols}
    problems = [f"struct_pack(col := {_q(c.name)}, reason := {_problem_sql(c)})" for c in cols]
    for chk in model.checks:
        this = _ident(chk.column)
        other = f"DATE {_q(chk.not_before)}" if DATE_LITERAL.match(chk.not_before) else _ident(chk.not_before)
        if types_.get(chk.not_before, "DATE") != types_[chk.column]:  # a date against a date-time: compare days
            this, other = f"CAST({this} AS DATE)", f"CAST({other} AS DATE)"
        problems.append(f"struct_pack(col := {_q(chk.column)}, reason := CASE WHEN {this} < {other} THEN {_q(chk.reason)} END)")
    raw = ", ".join(f"{_ident(c.name)} AS {_ident('r$' + c.name)}" for c in cols)
    typed = ", ".join(f"{_cast(c, _ident('r$' + c.name))} AS {_ident(c.name)}" for c in cols)
    names = ", ".join(_ident(c.name) for c in cols)
    with tempfile.TemporaryDirectory() as tmpdir:
        for path in files:
            header = _header(con, path, Path(tmpdir))
            missing = [c.name for c in cols if c.name not in header]
            unknown = [h for h in header if h not in {c.name for c in cols}]
            if missing or unknown:
                bad = [Problem(f"missing column {m}", "header", 1) for m in missing]
                bad += [Problem(f"unknown column {u!r} (columns: {', '.join(c.name for c in cols)})", "header", 1)
                        for u in unknown]
                raise InputError(str(path), bad)
            select = ", ".join(f"NULLIF(trim(CAST({_ident(c.name)} AS VARCHAR)), '') AS {_ident(c.name)}" for c in cols)
            con.execute(f"CREATE OR REPLACE TEMP TABLE _one AS SELECT {select} FROM {_source(path, Path(tmpdir), header)}")
            # rowid follows the file's order; +2 is the row a spreadsheet shows (row 1 is the header)
            into = f"INSERT INTO checked_{name}" if path != files[0] else f"CREATE OR REPLACE TEMP TABLE checked_{name} AS"
            con.execute(f"{into} SELECT _file, _row, {names}, "
                        f"list_filter([{', '.join(problems)}], lambda p: p.reason IS NOT NULL) AS _problems "
                        f"FROM (SELECT *, {typed} FROM (SELECT {_q(str(path))} AS _file, rowid + 2 AS _row, {raw} FROM _one))")
    read.rows_read = con.execute(f"SELECT count(*) FROM checked_{name}").fetchall()[0][0]
    for kind, n in con.execute(
            f"SELECT _problems[1].col || ': ' || split_part(_problems[1].reason, ':', 1) AS kind, count(*) "
            f"FROM checked_{name} WHERE len(_problems) > 0 GROUP BY kind ORDER BY kind").fetchall():
        read.excluded[kind] = n
    for f, row, col, reason in con.execute(
            f"SELECT _file, _row, p.col, p.reason FROM (SELECT _file, _row, unnest(_problems) AS p FROM checked_{name} "
            f"WHERE len(_problems) > 0) ORDER BY _file, _row, p.col LIMIT {MAX_SHOWN}").fetchall():
        read.problems.append(RowProblem(file=f, row=row, column=col, reason=_printable(reason)))
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {names} FROM checked_{name} WHERE len(_problems) = 0")
    con.execute("DROP TABLE IF EXISTS _one")
    return read


def _printable(text: str) -> str:
    """Values from a file go to terminals and reports: keep printable characters only."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _header(con: duckdb.DuckDBPyConnection, path: Path, tmp: Path) -> list[str]:
    try:
        if path.suffix.lower() == ".parquet":
            return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_q(str(path))})").fetchall()]
        if path.suffix.lower() == ".xlsx":
            path = _xlsx_as_csv(path, tmp)
        with path.open(newline="", encoding="utf-8-sig") as f:
            return [h.strip() for h in next(csv.reader(f), [])]
    except (OSError, UnicodeDecodeError, duckdb.Error, csv.Error, ValueError) as e:
        raise InputError(str(path), [Problem(f"cannot be read as {path.suffix.lstrip('.')}: {e}")]) from None
