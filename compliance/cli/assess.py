"""`safeguard assess` and `safeguard schema`: one organisation, and the formats it is written in."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from compliance.app.evaluators import make_evaluator
from compliance.cli.options import EXIT_CODES_HELP, SEVERITY_CHOICES, emit, junit_insufficient_option, output_option, profile_option, rule_folders, rules_options, timestamp_option
from compliance.domain.exit_policy import EXIT_FINDINGS, EXIT_OK, fails_at


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "html", "markdown", "junit", "csv"]),
              default="text", show_default=True)
@output_option
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default="high", show_default=True,
              help="Exit 1 when a not_met or insufficient_evidence finding has this severity or higher.")
@click.option("-v", "--verbose", is_flag=True, help="Show every finding's message, evidence, thresholds and sources.")
@junit_insufficient_option
@timestamp_option
@profile_option
@rules_options
@click.pass_context
def assess(ctx: click.Context, file: Path, fmt: str, output: Path | None, fail_on: str, verbose: bool,
           junit_insufficient: str, timestamp: bool, profile: Path | None, rule_dirs: tuple[Path, ...],
           no_bundled: bool) -> None:
    """Assess one organisation's self-assessment FILE (YAML or JSON)."""
    from compliance.app.assess import report_for
    from compliance.intake.returns import load_assessment
    from compliance.formats.json_report import render_json
    from compliance.formats.text import render_text

    folders = rule_folders(rule_dirs, no_bundled)
    evaluator, profile_record = make_evaluator(folders, profile)
    assessment, info = load_assessment(file)
    report = report_for(assessment, info, evaluator, folders, profile_record)
    if fmt in ("html", "markdown", "junit", "csv"):
        import datetime as dt

        from compliance.formats import render_assessment

        text = render_assessment(fmt, report, assessment, junit_insufficient=junit_insufficient,
                                 timestamp=dt.datetime.now().astimezone() if timestamp else None)
    elif fmt == "json":
        text = render_json(report)
    else:
        color = output is None and sys.stdout.isatty()
        text = render_text(report, verbose=verbose, color=color)
    emit(text, output)
    ctx.exit(EXIT_FINDINGS if fails_at(report.findings, fail_on) else EXIT_OK)


@click.command()
@click.option("--what", type=click.Choice(["input", "report", "rule"]), default="input", show_default=True,
              help="input: the self-assessment format; report: the JSON report; rule: the rule-file format.")
@output_option
def schema(what: str, output: Path | None) -> None:
    """Print the JSON Schema of a format, generated from its pydantic model."""
    from compliance.domain.result import Report
    from compliance.domain.model import SelfAssessment
    from compliance.catalogue.schema import Rule

    model = {"input": SelfAssessment, "report": Report, "rule": Rule}[what]
    emit(json.dumps(model.model_json_schema(), indent=2) + "\n", output)
