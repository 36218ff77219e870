"""`safeguard records`: national record extracts, counted per organisation into returns."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from compliance.cli.options import profile_option, rule_folders, rules_options


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


_MEMORY = re.compile(r"\d{1,15}(\.\d{1,6})?\s?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.I | re.A)


def _memory(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A size as DuckDB takes it, checked here (DuckDB's own refusal was an internal error, exit 3)."""
    if value is None:
        return None
    if not _MEMORY.fullmatch(value.strip()):
        raise click.BadParameter(f"{value[:40]!r} is not a size; give a number and a unit, e.g. 4GB or 512MiB")
    import duckdb

    try:
        duckdb.connect(":memory:").execute(f"SET memory_limit = '{value.strip()}'")
    except duckdb.Error as e:
        raise click.BadParameter(f"{value.strip()!r}: {str(e).splitlines()[0]}") from None
    return value.strip()


@click.group("records")
def records_group() -> None:
    """National record extracts: every organisation's counts in one run, on DuckDB or Spark."""


@records_group.command("aggregate")
@click.argument("extracts", type=click.Path(path_type=Path, file_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder to write one return per organisation into (<org_code>.yaml; created if missing).")
@click.option("--organisations", "register", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="CSV register of the organisations: org_code,name,type,local_authorities (codes separated by ';').")
@click.option("--start", callback=_date, required=True, help="First day of the period counted (YYYY-MM-DD).")
@click.option("--end", callback=_date, required=True, help="Last day of the period counted (YYYY-MM-DD).")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="duckdb: one machine, files on its disk. spark: where the data already lives in Spark "
                   "(pip install 'safeguarding-compliance[spark]'); the same counting SQL either way.")
@click.option("--bad-rows", "bad_rows", type=click.FloatRange(0, 100), default=1.0, show_default=True,
              help="Percent of an organisation's rows in an extract that may be invalid (reported and excluded); "
                   "more stops the run (exit 2).")
@click.option("--memory-limit", callback=_memory, help="DuckDB's memory limit, e.g. 4GB (beyond it, work spills to a temporary folder).")
@profile_option
@rules_options
def aggregate(extracts: Path, output: Path, register: Path, start: dt.date, end: dt.date, engine: str, bad_rows: float,
              memory_limit: str | None, profile: Path | None, rule_dirs: tuple[Path, ...], no_bundled: bool) -> None:
    """Count national record EXTRACTS (Parquet or CSV, a row's organisation in an org_code column or an
    org_code=CODE/ folder) into one measured return per organisation, with the windows of the rules in force;
    then `safeguard screen OUTPUT/` screens them."""
    from compliance.app.aggregate import aggregate as run
    from compliance.app.evaluators import make_evaluator
    from compliance.app.records import windows_for

    if end <= start:
        raise click.BadParameter("the period must end after it starts", param_hint="--end")
    evaluator, _ = make_evaluator(rule_folders(rule_dirs, no_bundled), profile)
    done = run(extracts, register, output, (start, end), windows_for(evaluator), engine,  # type: ignore[arg-type]
               bad_rows, memory_limit)
    click.echo(f"wrote {len(done.written)} returns to {output} ({done.rows_read:,} rows read, "
               f"{done.organisations_with_rows} organisations with rows)", err=True)


@records_group.command("generate")
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder to write into: OUTPUT/extracts/ and OUTPUT/organisations.csv.")
@click.option("--scale", type=click.FloatRange(min=0.00001, max=10), default=1.0, show_default=True,
              help="Share of a national year (about 35 million rows): 0.1 for a tenth, 0.01 for a hundredth.")
@click.option("--organisations", "n_orgs", type=click.IntRange(1, 9_999), default=220, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--layout", type=click.Choice(["partitioned", "flat"]), default="partitioned", show_default=True,
              help="partitioned: <extract>/org_code=CODE/*.parquet; flat: one <extract> file with an org_code column.")
@click.option("-f", "--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True)
def generate(output: Path, scale: float, n_orgs: int, seed: int, layout: str, fmt: str) -> None:
    """Write a synthetic national year of record extracts (realistic volumes and rates) and its register."""
    from compliance.app.generate_national import write_national

    rows = write_national(output, dt.date(2025, 4, 1), dt.date(2026, 3, 31), scale, seed, n_orgs,
                          layout == "partitioned", fmt)
    click.echo(f"wrote {sum(rows.values()):,} rows for {n_orgs} organisations to {output} (period 2025-04-01 to "
               "2026-03-31)", err=True)
