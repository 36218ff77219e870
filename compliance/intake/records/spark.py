"""The same national counts on Spark, for data that already lives in a Spark platform.

Nothing is written twice: the row checks (generated from the pydantic row models), the provenance
queries and every count (`counts.sql`) are the DuckDB SQL the DuckDB engine runs, transpiled to
Spark SQL with SQLGlot. The few DuckDB functions SQLGlot leaves as they are get their Spark
equivalents here (intervals, a full-match regex, a strict date parse, finiteness). Parameters are
put in as literals first: they are the windows of the rules in force (whole numbers) and dates,
never user text. The working-day calendar is built by the DuckDB code and handed to Spark as rows,
so both engines count working days from one calendar.

Spark reads Parquet (what Spark platforms hold), from the explicit list of files the national
walker found: a path never becomes a pattern (paths with pattern characters were refused).
Needs `pip install 'safeguarding-compliance[spark]'` and Java 17 or later.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterable

import duckdb

from compliance.domain.errors import InputError, Problem
from compliance.domain.records import BY_NAME, Windows
from compliance.intake.records.measure import (DEFAULT_BAD_ROW_LIMIT, Counts, build_calendar, parameters, queries,
                                               queries_for)
from compliance.intake.records.national import (ORG_COLUMN, NationalCounts, NationalFile, NationalRead,
                                                check_headers, check_limits, check_sql, checked_sql, good_rows_sql, national_files,
                                                read_provenance)
from compliance.intake.records.reader import columns

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# DuckDB strptime formats the row checks use, as Spark datetime patterns
DATE_PATTERNS = {"%Y-%m-%d": "yyyy-MM-dd"}


def session(master: str = "local[2]") -> SparkSession:
    """A Spark session as the counts need it: UTC, timestamps without time zone (as the extracts'
    date-times are), quiet. On a Spark platform, the platform's own session is used instead."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("--engine spark", [Problem(
            "pyspark is not installed: pip install 'safeguarding-compliance[spark]' (and Java 17 or later)")]) from None
    spark = (SparkSession.builder.master(master).appName("safeguard-records")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.session.timeZone", "UTC").config("spark.sql.timestampType", "TIMESTAMP_NTZ")
             .config("spark.sql.shuffle.partitions", "4").config("spark.sql.ansi.enabled", "true")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _literal(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, dt.date)):
        raise TypeError(f"a counting parameter is a whole number or a date, not {value!r}")
    return f"DATE '{value.isoformat()}'" if isinstance(value, dt.date) else str(int(value))


def to_spark(sql: str, params: dict[str, Any] | None = None) -> str:
    """DuckDB SQL (with $parameters) as Spark SQL."""
    import sqlglot
    from sqlglot import exp

    if params:
        sql = re.sub(r"\$(\w+)\b", lambda m: _literal(params[m.group(1)]), sql)

    def fix(node: exp.Expression) -> exp.Expression:
        name = node.name.lower() if isinstance(node, exp.Anonymous) else ""
        args = node.expressions if isinstance(node, exp.Anonymous) else []
        zero = exp.Literal.number(0)
        if isinstance(node, exp.ToDays):
            return exp.Anonymous(this="make_dt_interval", expressions=[node.this, zero, zero, zero])
        if name == "to_hours":
            return exp.Anonymous(this="make_dt_interval", expressions=[zero, args[0], zero, zero])
        if name == "to_minutes":
            return exp.Anonymous(this="make_dt_interval", expressions=[zero, zero, args[0], zero])
        if name == "to_months":
            return exp.Anonymous(this="make_ym_interval", expressions=[zero, args[0]])
        if name == "to_years":
            return exp.Anonymous(this="make_ym_interval", expressions=[args[0], zero])
        if name == "try_strptime":
            pattern = DATE_PATTERNS[args[1].name]
            return exp.Anonymous(this="try_to_timestamp", expressions=[args[0], exp.Literal.string(pattern)])
        if name == "isfinite":
            return sqlglot.parse_one("NOT (isnan(x) OR abs(x) = double('infinity'))", read="spark").transform(
                lambda n: args[0].copy() if isinstance(n, exp.Column) and n.name == "x" else n)
        if isinstance(node, exp.RegexpFullMatch):
            return exp.RegexpLike(this=node.this, expression=exp.Literal.string(f"^(?:{node.expression.name})$"))
        return node

    return "; ".join(tree.transform(fix).sql("spark") for tree in sqlglot.parse(sql, read="duckdb") if tree)


def _load(spark: SparkSession, con: duckdb.DuckDBPyConnection, name: str, files: list[NationalFile]) -> NationalRead:
    """Read one extract's Parquet files, check every row with the transpiled checks, cache the result."""
    from pyspark import StorageLevel

    headers = check_headers(con, name, files)
    if any(nf.path.suffix.lower() != ".parquet" for nf in files):
        raise InputError(str(files[0].path.parent), [Problem(
            "the Spark engine reads Parquet (what Spark platforms hold); for CSV use --engine duckdb")])
    df = spark.read.parquet(*[str(nf.path) for nf in files])
    df = df.select("*", "_metadata.file_path", "_metadata.row_index")
    # Spark names files by URI: match its names to the listed files (never the other way round)
    by_path = {nf.path.resolve(): i for i, nf in enumerate(files)}
    seen = [r[0] for r in df.select("file_path").distinct().collect()]
    mapping = []
    for uri in seen:
        from urllib.parse import unquote, urlparse

        i = by_path[Path(unquote(urlparse(uri).path)).resolve()]
        mapping.append((uri, i, files[i].org))
    spark.createDataFrame(mapping, "file_path string, _file int, part_org string").createOrReplaceTempView("_files")
    df.createOrReplaceTempView("_parquet")
    names = [c.name for c in columns(BY_NAME[name])]
    has_org = any(ORG_COLUMN in h for h in headers)
    org = f"coalesce(NULLIF(trim(CAST(p.`{ORG_COLUMN}` AS STRING)), ''), f.part_org)" if has_org else "f.part_org"
    text = ", ".join(f"NULLIF(trim(CAST(p.`{c}` AS STRING)), '') AS `{c}`" for c in names)
    spark.sql(f"SELECT f._file, p.row_index + 2 AS _row, {org} AS `{ORG_COLUMN}`, {text} "
              f"FROM _parquet p JOIN _files f ON f.file_path = p.file_path").createOrReplaceTempView("_raw")
    checked = spark.sql(to_spark(checked_sql(name, f"({check_sql(name)}) c0"))).persist(StorageLevel.MEMORY_AND_DISK)
    checked.createOrReplaceTempView(f"checked_{name}")
    read = read_provenance(lambda sql: [tuple(r) for r in spark.sql(to_spark(sql)).collect()], name, files)
    spark.sql(to_spark(good_rows_sql(name)))
    return read


def count_spark(spark: SparkSession, names: Iterable[str], params: dict[str, Any]) -> Counts:
    """The queries of counts.sql, transpiled, on Spark."""
    out = Counts()
    for q in queries_for(names):
        df = spark.sql(to_spark(queries()[q], params))
        out.add(q, df.columns, [tuple(r) for r in df.collect()])
    return out


def measure_national_spark(folder: Path, windows: Windows, period: tuple[dt.date, dt.date], holidays: Iterable[dt.date],
                           bad_row_limit: float = DEFAULT_BAD_ROW_LIMIT,
                           spark: SparkSession | None = None) -> NationalCounts:
    """Every organisation's counts from the national extracts in `folder`, on Spark."""
    files = national_files(folder)
    spark = spark or session()
    con = duckdb.connect()
    build_calendar(con, period[0] - dt.timedelta(days=400), period[1] + dt.timedelta(days=400), holidays)
    calendar = con.execute("SELECT day, working, CAST(working_day_no AS BIGINT), CAST(due_no AS BIGINT) "
                           "FROM calendar").fetchall()
    spark.createDataFrame(calendar, "day date, working boolean, working_day_no bigint, due_no bigint"
                          ).createOrReplaceTempView("calendar")
    reads = {name: _load(spark, con, name, paths) for name, paths in files.items()}
    con.close()
    check_limits(reads, folder, bad_row_limit)
    counts = count_spark(spark, reads, parameters(windows, period))
    for name in reads:
        spark.table(f"checked_{name}").unpersist()
        spark.catalog.dropTempView(f"checked_{name}")
    return NationalCounts(counts=counts, reads=reads)

