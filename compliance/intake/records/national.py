"""National record extracts: every organisation's rows in one set of files, counted per organisation.

A national analyst's extracts carry an organisation code on every row (`org_code`), or in the name
of a partition folder (`org_code=RXX/` or `org=RXX/`, as Spark and DuckDB write them). They are
read in one scan per extract, checked by the same row checks as a trust's own extracts (the SQL is
generated from the same pydantic row models, plus the organisation code) and counted by the same
queries (`counts.sql`, which groups every count by organisation), so a national return and a
trust's own are the same numbers made the same way.

Files are listed here, by walking the folder (regular files only, never following a link to a
folder), and handed to DuckDB as an explicit list: no pattern is ever built from a path, and a path
that DuckDB would read as one (`*`, `?`, `[`, `{`) is refused rather than expanded.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Collection, Iterable

import duckdb

from compliance.domain.errors import InputError, Problem
from compliance.domain.model import Code
from compliance.domain.records import BY_NAME, Extract, Windows
from compliance.domain.result import Provenance
from compliance.intake.records.measure import (DEFAULT_BAD_ROW_LIMIT, Counts, build_calendar, count, parameters)
from compliance.intake.records.reader import (MAX_SHOWN, RowProblem, _ident, _printable, _q, checked_rows, columns,
                                              is_native, mark_repeats, over_limit, repeat_text, repeats_sql)

ORG_COLUMN = "org_code"
PARTITION_KEYS = ("org_code", "org")
NATIONAL_TYPES = (".csv", ".parquet")
PATTERN_CHARACTERS = set("*?[]{}")
MAX_FILES = 200_000  # per national folder: a folder far larger is a mistake, not an extract


class OrgCode(Extract):
    """The organisation column every national row carries: the organisation's code, as in its return."""

    name = "org_code"
    source = "the national extract"
    feeds = "which organisation's return the row is counted in"
    org_code: Code


@dataclass(frozen=True)
class NationalFile:
    path: Path
    org: str | None  # from a partition folder org_code=XXX/ or org=XXX/, else the rows carry it


@dataclass
class NationalRead:
    """What was read of one national extract, per organisation: each organisation's provenance."""

    name: str
    files: list[str]
    rows_read: int = 0
    rows_excluded: int = 0
    by_org: dict[str, Provenance] = field(default_factory=dict)
    unattributed: int = 0  # rows whose organisation code is itself missing or malformed
    problems: list[RowProblem] = field(default_factory=list)


def _refuse_pattern(path: Path) -> None:
    if PATTERN_CHARACTERS & set(str(path)):
        raise InputError(str(path), [Problem(
            "the path holds a character DuckDB would read as a file pattern (* ? [ ] { }); rename it "
            "(paths are read as given, never expanded)")])


def _partition_org(parts: Iterable[str]) -> str | None:
    org = None
    for part in parts:
        key, eq, value = part.partition("=")
        if eq and key in PARTITION_KEYS:
            org = value
    return org


def national_files(folder: Path) -> dict[str, list[NationalFile]]:
    """`<extract>.csv|.parquet`, or a folder `<extract>/` of them at any depth (partition folders
    included); hidden files and Spark's `_SUCCESS`-style markers are skipped, anything else is an error,
    so a typo never silently leaves an extract out."""
    _refuse_pattern(folder.resolve())
    if not folder.is_dir():
        raise InputError(str(folder), [Problem("not a folder of national record extracts")])
    found: dict[str, list[NationalFile]] = {}
    seen = 0
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        stem = entry.name if entry.is_dir() else entry.stem
        if stem not in BY_NAME:
            raise InputError(str(entry), [Problem(
                f"not a known extract: expected one of {', '.join(f'{n}.csv|.parquet' for n in BY_NAME)} "
                "(or a folder of that name, partitioned by org_code=CODE/ or not)")])
        paths: list[Path] = []
        if entry.is_dir() and not entry.is_symlink():
            for root, dirs, names in os.walk(entry, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
                paths += [Path(root) / n for n in sorted(names) if not n.startswith((".", "_"))]
        else:
            paths = [entry]
        files = []
        for path in paths:
            _refuse_pattern(path)
            try:
                is_file = stat.S_ISREG(path.stat().st_mode)
            except OSError as e:
                raise InputError(str(path), [Problem(f"cannot be read: {e.strerror or e}")]) from None
            if not is_file:
                raise InputError(str(path), [Problem("not a regular file (a folder link, device or pipe is never read)")])
            if path.suffix.lower() not in NATIONAL_TYPES:
                raise InputError(str(path), [Problem("a national extract is .csv or .parquet")])
            files.append(NationalFile(path, _partition_org(path.relative_to(entry).parts[:-1])))
        seen += len(files)
        if seen > MAX_FILES:
            raise InputError(str(folder), [Problem(f"more than {MAX_FILES:,} files: not a folder of extracts")])
        if not files:
            raise InputError(str(entry), [Problem("the extract's folder holds no .csv or .parquet file")])
        if stem in found:
            raise InputError(str(entry), [Problem(f"extract {stem} is given twice")])
        found[stem] = files
    return found


MAX_HEADER_CHARS = 1 << 16


def _csv_header(path: Path) -> dict[str, str]:
    import csv

    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            first = f.readline(MAX_HEADER_CHARS)  # a header line, never the whole of a file with no line break
        return {h.strip(): "VARCHAR" for h in next(csv.reader([first]), [])}
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as e:
        raise InputError(str(path), [Problem(f"cannot be read as csv: {e}")]) from None


def _parquet_headers(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> dict[str, dict[str, str]]:
    """Each Parquet file's columns and their types, read from all the files' footers in one query
    (a query per file cost a national year seconds); a file that cannot be read is named alone."""
    if not paths:
        return {}
    try:
        rows = con.execute("SELECT file_name, column_id, name, num_children, duckdb_type FROM parquet_schema(?)",
                           [[str(p) for p in paths]]).fetchall()
    except duckdb.Error as e:
        for path in paths:  # which one
            try:
                con.execute("SELECT 1 FROM parquet_schema(?) LIMIT 1", [str(path)]).fetchall()
            except duckdb.Error as one:
                raise InputError(str(path), [Problem(f"cannot be read as parquet: {one}")]) from None
        raise InputError(str(paths[0].parent), [Problem(f"cannot be read as parquet: {e}")]) from None
    elements: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for file, _, name, children, type_ in sorted(rows, key=lambda r: (r[0], r[1])):
        elements[file].append((name, children or 0, type_ or "STRUCT"))
    out = {}
    for file, schema in elements.items():
        top, i = {}, 1
        for _ in range(schema[0][1]):  # the root's children are the columns; a nested one's own are skipped
            top[schema[i][0]] = schema[i][2]
            i = _after(schema, i)
        out[file] = top
    return out


def _after(schema: list[tuple[str, int, str]], i: int) -> int:
    """The index after element i and everything nested in it."""
    j = i + 1
    for _ in range(schema[i][1]):
        j = _after(schema, j)
    return j


def check_headers(con: duckdb.DuckDBPyConnection, name: str, files: list[NationalFile]) -> list[dict[str, str]]:
    """Each file's columns and their types as the file holds them (a CSV's all text), every file
    checked against the extract's columns (and an organisation code)."""
    names = [ORG_COLUMN] + [c.name for c in columns(BY_NAME[name])]
    parquet = _parquet_headers(con, [nf.path for nf in files if nf.path.suffix.lower() == ".parquet"])
    headers = []
    for nf in files:
        header = parquet[str(nf.path)] if nf.path.suffix.lower() == ".parquet" else _csv_header(nf.path)
        missing = [c for c in names[1:] if c not in header]
        if ORG_COLUMN not in header and nf.org is None:
            missing.insert(0, ORG_COLUMN)
        unknown = [h for h in header if h not in names]
        if missing or unknown:
            bad = [Problem(f"missing column {m}" + (" (or a partition folder org_code=CODE/)" if m == ORG_COLUMN else ""),
                           "header", 1) for m in missing]
            bad += [Problem(f"unknown column {u!r} (columns: {', '.join(names)})", "header", 1) for u in unknown]
            raise InputError(str(nf.path), bad)
        headers.append(header)
    return headers


def check_sql(name: str, source: str = "_raw", native: Collection[str] = ()) -> str:
    """The rows of `source` (with _file and _row) checked and typed, in DuckDB's dialect (the Spark
    engine transpiles it): the per-trust reader's checks, with the organisation code in front."""
    return checked_rows(BY_NAME[name], columns(OrgCode) + columns(BY_NAME[name]), source, native)


def load_national(con: duckdb.DuckDBPyConnection, name: str, files: list[NationalFile]) -> NationalRead:
    """Create table `checked_<name>` and the view `<name>` of its good rows (with org_code), typed;
    return what was read per organisation."""
    cols = [columns(OrgCode)[0]] + columns(BY_NAME[name])
    names = [c.name for c in cols]
    headers = check_headers(con, name, files)
    con.execute(f"DROP TABLE IF EXISTS _loaded_{name}")
    con.execute(f"CREATE TEMP TABLE _loaded_{name} (_file INTEGER, _row BIGINT, "
                + ", ".join(f"{_ident(c.name)} {c.sql_type}" for c in cols)
                + ", _problems STRUCT(col VARCHAR, reason VARCHAR)[])")
    check = check_sql(name)
    parquet: list[tuple[int, NationalFile]] = []
    for i, (nf, header) in enumerate(zip(files, headers)):
        if nf.path.suffix.lower() == ".parquet":
            parquet.append((i, nf))
            continue
        org = _ident(ORG_COLUMN) if ORG_COLUMN in header else _q(nf.org or "")
        text = ", ".join(f"NULLIF(trim({_ident(c)}), '') AS {_ident(c)}" for c in names[1:])
        spec = "{" + ", ".join(f"{_q(h)}: 'VARCHAR'" for h in header) + "}"
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _one AS SELECT NULLIF(trim({org}), '') AS {_ident(ORG_COLUMN)}, {text} "
                        f"FROM read_csv(?, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
                        f"columns = {spec})", [str(nf.path)])
            con.execute(f"CREATE OR REPLACE TEMP VIEW _raw AS SELECT {i} AS _file, rowid + 2 AS _row, * FROM _one")
            con.execute(f"INSERT INTO _loaded_{name} {check}")
        except duckdb.Error as e:
            raise InputError(str(nf.path), [Problem(f"cannot be read as csv: {e}")]) from None
    if parquet:
        _load_parquet(con, name, parquet, names, headers)
    con.execute("DROP TABLE IF EXISTS _one")
    mark_repeats(con, BY_NAME[name], f"_loaded_{name}", f"checked_{name}", "_problems IS NULL", org=ORG_COLUMN)
    read = read_provenance(lambda sql: con.execute(sql).fetchall(), name, files)
    con.execute(good_rows_sql(name))
    return read


def _load_parquet(con: duckdb.DuckDBPyConnection, name: str, parquet: list[tuple[int, NationalFile]],
                  names: list[str], headers: list[dict[str, str]]) -> None:
    """All Parquet files of an extract in one parallel scan of an explicit list (the row number is
    the file's own, so a problem names the file and row as a per-file read would)."""
    has_org = any(ORG_COLUMN in headers[i] for i, _ in parquet)
    con.execute("CREATE OR REPLACE TEMP TABLE _files (_file INTEGER, path VARCHAR, org VARCHAR)")
    con.executemany("INSERT INTO _files VALUES (?, ?, ?)", [(i, str(nf.path), nf.org) for i, nf in parquet])
    # a column every file holds typed as the model wants it (a DATE, a BOOLEAN) is taken as it is,
    # not printed as text and parsed back; any other is read as text, as a CSV cell is
    native = {c.name for c in columns(BY_NAME[name]) if all(is_native(c, headers[i][c.name]) for i, _ in parquet)}
    scan = (f"read_parquet([{', '.join(_q(str(nf.path)) for _, nf in parquet)}], filename = true, "
            "file_row_number = true, union_by_name = true, hive_partitioning = false)")
    try:
        values = ", ".join(f"p.{_ident(c)}" if c in native else f"NULLIF(trim(CAST(p.{_ident(c)} AS VARCHAR)), '') AS {_ident(c)}"
                           for c in names[1:])
        # a file without the org_code column is a partition: union_by_name gives NULL, the folder gives the code
        org = f"coalesce(NULLIF(trim(CAST(p.{_ident(ORG_COLUMN)} AS VARCHAR)), ''), f.org)" if has_org else "f.org"
        con.execute(f"CREATE OR REPLACE TEMP VIEW _raw AS SELECT f._file, p.file_row_number + 2 AS _row, "
                    f"{org} AS {_ident(ORG_COLUMN)}, {values} FROM {scan} p JOIN _files f ON f.path = p.filename")
        con.execute(f"INSERT INTO _loaded_{name} {check_sql(name, native=native)}")
    except duckdb.Error as e:
        raise InputError(str(parquet[0][1].path.parent), [Problem(f"cannot be read as parquet: {e}")]) from None


def checked_sql(name: str, source: str) -> str:
    """The checked rows of `source` (as `check_sql` makes them) with repeated rows marked and
    different rows sharing a unique reference made bad rows (`reader.repeats_sql`)."""
    return repeats_sql(BY_NAME[name], source, "_problems IS NULL", org=ORG_COLUMN)


def good_rows_sql(name: str) -> str:
    listed = ", ".join(_ident(c.name) for c in columns(BY_NAME[name]))
    return (f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT org_code, {listed} FROM checked_{name} "
            "WHERE _problems IS NULL AND NOT _duplicate")


def read_provenance(query: Callable[[str], list[Any]], name: str, files: list[NationalFile]) -> NationalRead:
    """What was read of `checked_<name>`, per organisation. The SQL is DuckDB's dialect; `query` runs
    it (the Spark engine transpiles it first), so both engines report rows the same way."""
    listed = [str(nf.path) for nf in files]
    read = NationalRead(name=name, files=listed)
    per_org: dict[str, dict[str, Any]] = defaultdict(lambda: {"rows": 0, "files": [], "excluded": {}, "examples": [],
                                                               "duplicates": 0, "repeats": []})
    # a row whose own org_code is bad belongs to no organisation: counted apart, against the whole extract
    attributed = f"(_problems IS NULL OR NOT list_contains(list_transform(_problems, lambda p: p.col), '{ORG_COLUMN}'))"
    bad = 0
    repeated = 0
    for org, own, rows, excluded, duplicates, file_ids in query(
            f"SELECT org_code, {attributed} AS own, count(*), count(_problems), "
            f"sum(CASE WHEN _duplicate THEN 1 ELSE 0 END), list(DISTINCT _file) "
            f"FROM checked_{name} GROUP BY org_code, own"):
        bad += excluded
        if not own:
            read.unattributed += rows
            continue
        per_org[org]["rows"] = rows
        per_org[org]["duplicates"] = duplicates or 0
        repeated += duplicates or 0
        per_org[org]["files"] = sorted(listed[i] for i in file_ids)
    if repeated:
        for org, f, row, of_file, of_row in sorted(query(
                f"SELECT org_code, _file, _row, _of_file, _of_row FROM (SELECT org_code, _file, _row, _of_file, _of_row, "
                f"row_number() OVER (PARTITION BY org_code ORDER BY _file, _row) AS k FROM checked_{name} "
                f"WHERE _duplicate) d WHERE k <= {MAX_SHOWN}")):
            per_org[org]["repeats"].append(repeat_text(listed[f], row, listed[of_file], of_row))
    if bad:  # (most extracts have no bad row: three queries fewer, which Spark feels)
        for org, kind, n in query(
                f"SELECT org_code, _problems[1].col || ': ' || split_part(_problems[1].reason, ':', 1) AS kind, count(*) "
                f"FROM checked_{name} WHERE _problems IS NOT NULL AND {attributed} GROUP BY org_code, kind"):
            per_org[org]["excluded"][kind] = n
        for org, f, row, col, reason in sorted(query(
                f"SELECT org_code, _file, _row, p.col, p.reason FROM ("
                f"SELECT org_code, _file, _row, unnest(_problems) AS p, "
                f"dense_rank() OVER (PARTITION BY org_code ORDER BY _file, _row) AS k FROM checked_{name} "
                f"WHERE _problems IS NOT NULL AND {attributed}) WHERE k <= {MAX_SHOWN}")):
            if len(per_org[org]["examples"]) < MAX_SHOWN:
                per_org[org]["examples"].append(RowProblem(listed[f], row, col, _printable(reason)).render())
        for f, row, col, reason in sorted(query(
                f"SELECT _file, _row, p.col, p.reason FROM (SELECT _file, _row, unnest(_problems) AS p FROM checked_{name} "
                f"WHERE _problems IS NOT NULL) ORDER BY _file, _row, p.col LIMIT {MAX_SHOWN}")):
            read.problems.append(RowProblem(listed[f], row, col, _printable(reason)))
    for org, d in per_org.items():
        excluded = sum(d["excluded"].values())
        read.by_org[org] = Provenance(extract=name, files=d["files"], rows_read=d["rows"], rows_excluded=excluded,
                                      excluded_because=dict(sorted(d["excluded"].items())), examples=d["examples"],
                                      duplicates=d["duplicates"], duplicate_rows=d["repeats"])
    read.rows_read = sum(d["rows"] for d in per_org.values()) + read.unattributed
    read.rows_excluded = sum(p.rows_excluded for p in read.by_org.values()) + read.unattributed
    return read


@dataclass
class NationalCounts:
    """Every organisation's counts and, per extract, each organisation's provenance."""

    counts: Counts
    reads: dict[str, NationalRead]

    def provenance(self, org: str) -> dict[str, Provenance]:
        """The extracts that hold rows of `org` (an extract with none of its rows is not its evidence)."""
        return {name: read.by_org[org] for name, read in self.reads.items() if org in read.by_org}

    def organisations(self) -> set[str]:
        return {org for read in self.reads.values() for org in read.by_org}


def check_limits(reads: dict[str, NationalRead], folder: Path, bad_row_limit: float) -> None:
    """More bad rows than the limit, in any organisation's part of an extract or among rows with no
    valid organisation code, stops the run as it stops a trust's (InputError, exit 2)."""
    bad = []
    for name, read in reads.items():
        if read.unattributed > read.rows_read * bad_row_limit / 100:
            bad.append(Problem(f"{read.unattributed} of {read.rows_read} rows of {name} have no valid org_code, more "
                               f"than the limit of {bad_row_limit:g}% (--bad-rows); first: "
                               + "; ".join(p.render() for p in read.problems[:3]), name))
        for org, prov in sorted(read.by_org.items()):
            if over_limit(prov.rows_excluded, prov.rows_read, prov.duplicates, bad_row_limit):
                bad.append(Problem(f"{prov.rows_excluded} of {prov.rows_read} rows of {name} for {org} are invalid, more "
                                   f"than the limit of {bad_row_limit:g}% (--bad-rows); first: "
                                   + "; ".join(prov.examples[:3]), f"{name} {org}"))
    if bad:
        raise InputError(str(folder), bad[:20])


def connect(workdir: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A database in a working folder, so checked rows are stored compressed and spill to disk rather
    than holding a national year in memory."""
    con = duckdb.connect(str(workdir / "national.duckdb"))
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET temp_directory = {_q(str(workdir / 'spill'))}")
    if memory_limit:
        con.execute(f"SET memory_limit = {_q(memory_limit)}")
    return con


def load_all(con: duckdb.DuckDBPyConnection, folder: Path, period: tuple[dt.date, dt.date], holidays: Iterable[dt.date],
             bad_row_limit: float = DEFAULT_BAD_ROW_LIMIT) -> dict[str, NationalRead]:
    """Check and load every extract of `folder` (and the calendar) into `con`."""
    files = national_files(folder)
    build_calendar(con, period[0] - dt.timedelta(days=400), period[1] + dt.timedelta(days=400), holidays)
    reads = {name: load_national(con, name, paths) for name, paths in files.items()}
    check_limits(reads, folder, bad_row_limit)
    return reads


def measure_national(folder: Path, windows: Windows, period: tuple[dt.date, dt.date], holidays: Iterable[dt.date],
                     bad_row_limit: float = DEFAULT_BAD_ROW_LIMIT, memory_limit: str | None = None) -> NationalCounts:
    """Every organisation's counts from the national extracts in `folder`, on DuckDB."""
    with tempfile.TemporaryDirectory(prefix="safeguard-national-") as tmp:
        con = connect(Path(tmp), memory_limit)
        try:
            reads = load_all(con, folder, period, holidays, bad_row_limit)
            counts = count(con, reads, parameters(windows, period))
        finally:
            con.close()
    return NationalCounts(counts=counts, reads=reads)
