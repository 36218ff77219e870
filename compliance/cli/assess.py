"""`safeguard assess` and `safeguard schema`: one organisation, and the formats it is written in."""

from __future__ import annotations

import json
from pathlib import Path

import click

from compliance.cli.options import announce_overrides, check_output, EXIT_CODES_HELP, SEVERITY_CHOICES, emit, format_option, now, junit_insufficient_option, output_option, profile_option, rule_folders, rules_options, terminal, terminal_options, timestamp_option
from compliance.cli.options import by_option, history_options
from compliance.domain.exit_policy import EXIT_FINDINGS, EXIT_OK, fails_at


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("file", type=click.Path(path_type=Path))
@format_option("assessment")
@output_option
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default="high", show_default=True,
              help="Exit 1 when a not_met or insufficient_evidence finding has this severity or higher.")
@click.option("-v", "--verbose", is_flag=True, help="Show every finding's message, evidence, thresholds and sources.")
@terminal_options
@by_option
@junit_insufficient_option
@timestamp_option
@profile_option
@rules_options
@history_options
@click.option("--records", type=click.Path(path_type=Path, file_okay=False),
              help="Folder of record extracts (safeguard schema --what records): counts are measured from them "
                   "with the rules' windows; FILE then gives only the declarative facts.")
@click.option("--bad-rows", "bad_rows", type=click.FloatRange(0, 100), default=1.0, show_default=True,
              callback=lambda ctx, param, v: _finite(v, param),
              help="With --records: percent of an extract's rows that may be invalid (reported and excluded); more stops the run (exit 2).")
@click.option("--replace", is_flag=True,
              help="With --record: record this return for its period even though another return was recorded for "
                   "the same period (the earlier run is kept as a revision).")
@click.option("--annotate", type=click.Path(dir_okay=False, path_type=Path),
              help="For a workbook with problems: write a copy of it to this file with each bad cell highlighted "
                   "and commented with what to fix (the workbook itself is never changed).")
@click.pass_context
def assess(ctx: click.Context, file: Path, fmt: str, output: Path | None, fail_on: str, verbose: bool,
           quiet: bool, no_color: bool, by: str | None, junit_insufficient: str, timestamp: bool, profile: Path | None,
           rule_dirs: tuple[Path, ...], no_bundled: bool, history: Path | None, record: bool, records: Path | None,
           bad_rows: float, replace: bool, annotate: Path | None) -> None:
    """Assess one organisation's self-assessment FILE (a workbook made by safeguard template, YAML or JSON)."""
    from compliance.app.assess import assess_file
    from compliance.formats import Options, render

    check_output(fmt, output)
    if annotate is not None and annotate.resolve() == file.resolve():
        raise click.UsageError("--annotate names the workbook itself; give another file (yours is never changed)")
    try:
        report = assess_file(file, rule_folders(rule_dirs, no_bundled), profile, records, bad_rows)
    except Exception as e:
        from compliance.intake.workbook import WorkbookError

        if annotate is not None and isinstance(e, WorkbookError):
            _annotate(file, annotate, e)
        raise
    announce_overrides(report.rules.overrides)
    color, width = terminal(output, no_color)
    options = Options(verbose=verbose, color=color, width=width, quiet=quiet, by=by,
                      junit_insufficient=junit_insufficient, timestamp=now() if timestamp else None)
    context = {}
    if record or history is not None:
        from compliance.app.history import assess_with_history

        from compliance.app.history import store_path

        report, past, recorded, replaced = assess_with_history(report, rule_folders(rule_dirs, no_bundled), history, record,
                                                       replace)
        if past is not None and fmt in ("html", "markdown", "docx"):
            context["history"] = past
        if recorded is not None:
            click.echo(f"recorded run {recorded.run_id} ({recorded.org_id} {recorded.period}"
                       f"{'' if recorded.new else ', already recorded: now current'}) in {store_path(history)}", err=True)
        if recorded is not None and replaced is not None:
            click.echo(f"replaced run {replaced.run_id} ({replaced.input_path}, recorded {replaced.recorded_at}) as "
                       f"the current run of {recorded.org_id} {recorded.period}; it is kept as a revision", err=True)
    text = render("assessment", fmt, report, options, **context)
    emit(text, output)
    ctx.exit(EXIT_FINDINGS if fails_at(report.findings, fail_on) else EXIT_OK)


def _finite(value: float, param: click.Parameter) -> float:
    """FloatRange lets NaN through (every comparison with it is false): NaN would turn the limit off."""
    import math

    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number from 0 to 100", param=param)
    return value


def _annotate(file: Path, target: Path, error) -> None:
    from compliance.intake.documents import read_bytes
    from compliance.intake.files import write_atomic
    from compliance.intake.workbook import MAX_BYTES, annotated_copy
    from compliance.domain.errors import InputError

    write_atomic(target, annotated_copy(read_bytes(file, InputError, MAX_BYTES), error.problems))
    click.echo(f"wrote {target}: a copy of the workbook with the {len(error.problems)} problem cell(s) highlighted "
               "and commented", err=True)


@click.command()
@click.option("--what", type=click.Choice(["input", "report", "rule", "records"]), default="input", show_default=True,
              help="input: the self-assessment format; report: the JSON report; rule: the rule-file format; "
                   "records: the record extracts (--records).")
@output_option
def schema(what: str, output: Path | None) -> None:
    """Print the JSON Schema of a format, generated from its pydantic model."""
    from compliance.domain.result import Report
    from compliance.domain.model import SelfAssessment
    from compliance.catalogue.schema import Rule
    from compliance.domain import records
    from pydantic import BaseModel

    if what == "records":
        emit(json.dumps(records.json_schema(), indent=2) + "\n", output)
        return
    models: dict[str, type[BaseModel]] = {"input": SelfAssessment, "report": Report, "rule": Rule}
    model = models[what]
    emit(json.dumps(model.model_json_schema(), indent=2) + "\n", output)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@output_option
def migrate(file: Path, output: Path | None) -> None:
    """Write the version 2 form of a self-assessment FILE: neutral count names, each with the window
    its version 1 name implied. Prints to standard output; the input is only replaced if -o names it."""
    from compliance.app.migrate import migrated_text

    emit(migrated_text(file), output)
