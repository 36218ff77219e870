"""`safeguard screen`: rank many organisations by risk, for an inspector planning visits."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from compliance.domain.exit_policy import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_INVALID, EXIT_OK
from compliance.cli.options import ORG_TYPE_CHOICES, announce_overrides, check_output, SEVERITY_CHOICES, emit, format_option, now, junit_insufficient_option, output_option, profile_option, rule_folders, rules_options, timestamp_option
from compliance.cli.options import history_options
from compliance.domain.outcomes import FRAMEWORKS

SCREEN_EXIT_HELP = """\b
Exit codes (the first that applies):
  3  internal error (a bug: please report it), including one met while
     screening a single file (the others are still screened and reported)
  2  invalid rules, profile, weights or usage, or a --local-authority or
     --org-type that matches no screened organisation (nothing reported), or any
     input file invalid or two files with the same organisation id (the
     others are still screened and reported)
  1  a not_met or insufficient_evidence finding at or above --fail-on in
     an organisation that passes the --org-type/--local-authority filters
  0  otherwise"""


AREA_FORMATS = ("text", "json", "markdown", "html")


@click.command(epilog=SCREEN_EXIT_HELP)
@click.argument("paths", nargs=-1, required=True)
@format_option("screening", "text, csv, json: the ranking. html, markdown, junit: the ranking and every "
                            "organisation's findings.")
@output_option
@click.option("--weights", "weights_file", type=click.Path(path_type=Path),
              help="YAML file overriding some or all of the bundled screening weights.")
@click.option("--top", type=click.IntRange(min=1), help="Show only the N highest-scoring organisations.")
@click.option("--org-type", "org_types", multiple=True,
              type=click.Choice(ORG_TYPE_CHOICES),
              help="Only organisations of this type (repeatable).")
@click.option("--by", "by", type=click.Choice(["organisation", "area", *FRAMEWORKS]), default="organisation",
              show_default=True,
              help="area: also judge every area the returns name by the area rules and rank the areas. "
                   + ", ".join(FRAMEWORKS) + ": group each organisation's findings by that framework's clauses "
                   "(--format markdown or html).")
@click.option("--local-authority", "local_authorities", multiple=True,
              help="Only organisations serving this local authority code (repeatable).")
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default="high", show_default=True,
              help="Exit 1 when a screened organisation has a not_met or insufficient_evidence finding this severe or more.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: the machine's cores).")
@click.option("--details", "details_limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="HTML, Markdown: full findings for this many of the highest-ranked organisations (the ranking "
                   "lists them all; JUnit always has every organisation).")
@click.option("-q", "--quiet", is_flag=True,
              help="Text: one line per organisation (rank, score, band, name, type, failures), no drivers or legend.")
@junit_insufficient_option
@timestamp_option
@profile_option
@rules_options
@history_options
@click.pass_context
def screen(ctx: click.Context, paths: tuple[str, ...], fmt: str, output: Path | None, weights_file: Path | None,
           top: int | None, org_types: tuple[str, ...], by: str, local_authorities: tuple[str, ...], fail_on: str,
           jobs: int | None, details_limit: int, quiet: bool, junit_insufficient: str, timestamp: bool,
           profile: Path | None, rule_dirs: tuple[Path, ...], no_bundled: bool, history: Path | None,
           record: bool) -> None:
    """Assess every return under PATHS (files, folders, globs) and rank the organisations by risk."""
    from compliance.app.screen import screen as run_screen
    from compliance.formats import DETAILED, Options, render
    from compliance.formats.escape import terminal

    check_output(fmt, output)
    framework = by if by in FRAMEWORKS else None
    if framework and fmt not in ("markdown", "html"):
        raise click.UsageError("--by groups each organisation's findings: use it with --format markdown or html")
    if by == "area" and fmt not in AREA_FORMATS:
        raise click.UsageError(f"--by area ranks the areas in --format {', '.join(AREA_FORMATS)}; --format {fmt} has no "
                               "place for it (it would be silently left out)")
    run = run_screen(list(paths), rule_folders(rule_dirs, no_bundled), profile, weights_file, top=top,
                     org_types=org_types, local_authorities=local_authorities, jobs=jobs, detail=fmt in DETAILED,
                     details=None if fmt in ("junit", "xlsx") else details_limit,  # these have everyone
                     progress=_progress, by_area=by == "area", history=history,
                     use_history=record or history is not None, record=record)
    announce_overrides(run.overrides)
    result = run.result
    if record:
        from compliance.app.history import store_path

        click.echo(f"recorded {len(result.organisations)} organisation(s) in {store_path(history)}", err=True)
    options = Options(junit_insufficient=junit_insufficient, timestamp=now() if timestamp else None,
                      details=details_limit, by=framework, quiet=quiet)
    emit(render("screening", fmt, result, options, **({"reports": run.reports} if fmt in DETAILED else {})), output)
    for why in result.area_code_problems:
        click.echo(terminal(f"warning: area code {why}; grouped by the code as written"), err=True)
    for bad in result.invalid_files:
        click.echo(terminal(f"{'internal error' if bad.internal else 'error'}: {bad.reason}"), err=True)
    for dup in result.duplicates:
        click.echo(terminal(f"error: organisation {dup.id} appears in {len(dup.files)} files: {', '.join(dup.files)}"),
                   err=True)
    if any(bad.internal for bad in result.invalid_files):
        ctx.exit(EXIT_INTERNAL)
    if result.invalid_files or result.duplicates:
        ctx.exit(EXIT_INVALID)
    ctx.exit(EXIT_FINDINGS if run.fails(fail_on) else EXIT_OK)


def _progress(total: int):
    """A bar on a terminal only: never in a pipe, a log or a test's captured stderr."""
    if not sys.stderr.isatty() or total < 2:
        return None

    def wrap(results):
        with click.progressbar(results, length=total, label="screening", file=sys.stderr) as bar:
            yield from bar

    return wrap


@click.group("fixtures")
def fixtures_group() -> None:
    """Fictional self-assessments for demos, tests and benchmarks."""


@fixtures_group.command("generate")
@click.option("--count", type=click.IntRange(min=1, max=100_000), required=True, help="How many organisations.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed always gives the same files.")
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write into (created if missing; files are named by organisation code).")
@click.option("-f", "--format", "fmt", type=click.Choice(["json", "yaml"]), default="json", show_default=True)
@click.option("--periods", type=click.IntRange(min=1, max=10), default=1, show_default=True,
              help="Consecutive years per organisation, with drift (one folder per period, e.g. 2023-24/).")
@click.option("--records", is_flag=True,
              help="Write record extracts too: DIR/<id>.yaml (declarative facts only, YAML) and DIR/<id>/ (its "
                   "extracts at realistic volumes), for `safeguard assess DIR/<id>.yaml --records DIR/<id>`.")
@click.option("--plant", type=click.IntRange(min=0), default=None,
              help="A cohort where the truth is known, for validating screening: N organisations get true rates "
                   "5 to 20 points below the standard of one or two shares; every other share sits at or just above "
                   "its standard and falls short only by chance; everything else is met and context is neutral. "
                   "The planted ids go to FOLDER/planted.csv.")
def generate(count: int, seed: int, folder: Path, fmt: str, periods: int, records: bool, plant: int | None) -> None:
    """Write COUNT fictional returns in national proportions of organisation types."""
    from compliance.app.generate import write_cohort, write_records_cohort

    if plant is not None and (records or periods > 1):
        raise click.UsageError("--plant makes one period of returns: use it without --records and --periods")
    if plant is not None and plant > count:
        raise click.UsageError(f"--plant {plant} is more than --count {count}")
    if records:
        paths = write_records_cohort(folder, count, seed)
        click.echo(f"wrote {len(paths)} returns with record extracts to {folder}", err=True)
        return
    paths = write_cohort(folder, count, seed, fmt, periods, plant)
    click.echo(f"wrote {len(paths)} returns to {folder}" + (f" ({plant} planted, listed in planted.csv)" if plant is not None else ""),
               err=True)

