"""The `safeguard` command line."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .errors import UserError
from .rules import BUNDLED_RULES, Severity

EXIT_OK, EXIT_FINDINGS, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3

EXIT_CODES_HELP = """\b
Exit codes:
  0  no finding at or above --fail-on
  1  at least one not_met or insufficient_evidence finding at or above --fail-on
  2  invalid input, rules, profile or usage (the message names the file and line)
  3  internal error (a bug: please report it); never 0"""


class SafeguardGroup(click.Group):
    """Turns user errors into exit code 2 and anything unexpected into exit code 3, never 0."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(EXIT_INVALID)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as e:  # a bug: say so, keep the details for the report
            click.echo(f"internal error: {type(e).__name__}: {e}", err=True)
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            else:
                click.echo("(run with --debug for the traceback, and please report it)", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=SafeguardGroup, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="safeguard")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Check NHS organisations' arrangements for safeguarding children against the requirements
    regulators inspect."""
    ctx.obj = {"debug": debug}


def rules_options(f):
    """--rules adds local folders to the bundled catalogue; --no-bundled leaves the catalogue out."""
    f = click.option("--no-bundled", is_flag=True, help="Use only the --rules folders, not the bundled catalogue.")(f)
    return click.option(
        "--rules", "rule_dirs", multiple=True, type=click.Path(path_type=Path),
        help="Folder of local rules added to the bundled catalogue (repeatable; a later folder overrides a rule id).",
    )(f)


def rule_folders(rule_dirs: tuple[Path, ...], no_bundled: bool) -> list[Path]:
    if no_bundled and not rule_dirs:
        raise click.UsageError("--no-bundled needs at least one --rules folder")
    return ([] if no_bundled else [BUNDLED_RULES]) + list(rule_dirs)
output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file (atomically) instead of standard output.",
)
SEVERITY_CHOICES = [s.value for s in Severity] + ["none"]
profile_option = click.option(
    "--profile", type=click.Path(path_type=Path),
    help="YAML profile setting rule parameters and waiving rules (validated before anything runs).",
)


def make_evaluator(folders: list[Path], profile: Path | None):
    """Load rules and profile, and compile once: the start of every command that evaluates."""
    from .evaluate import Evaluator
    from .profile import load_profile
    from .rules import load_rules

    ruleset = load_rules(folders)
    if profile is None:
        return Evaluator(ruleset), None
    loaded = load_profile(profile, ruleset)
    evaluator = Evaluator(ruleset, loaded.profile.parameters, loaded.waivers())
    return evaluator, loaded.record(evaluator.params)


def fails_at(findings, fail_on: str) -> bool:
    if fail_on == "none":
        return False
    floor = Severity(fail_on).rank
    return any(f.failing and f.severity.rank >= floor for f in findings)


def emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        from .output import write_atomic

        write_atomic(output, text)


junit_insufficient_option = click.option(
    "--junit-insufficient", type=click.Choice(["failure", "skipped"]), default="failure", show_default=True,
    help="JUnit: report insufficient_evidence findings as failures or as skipped tests.")
timestamp_option = click.option(
    "--timestamp", is_flag=True,
    help="HTML, Markdown, JUnit: record when the report was made (off by default so reports diff cleanly).")


@cli.command(epilog=EXIT_CODES_HELP)
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
    from .assess import report_for
    from .inputs import load_assessment
    from .report import render_json, render_text

    folders = rule_folders(rule_dirs, no_bundled)
    evaluator, profile_record = make_evaluator(folders, profile)
    assessment, info = load_assessment(file)
    report = report_for(assessment, info, evaluator, folders, profile_record)
    if fmt in ("html", "markdown", "junit", "csv"):
        import datetime as dt

        from .render import render_assessment

        text = render_assessment(fmt, report, assessment, junit_insufficient=junit_insufficient,
                                 timestamp=dt.datetime.now().astimezone() if timestamp else None)
    elif fmt == "json":
        text = render_json(report)
    else:
        color = output is None and sys.stdout.isatty()
        text = render_text(report, verbose=verbose, color=color)
    emit(text, output)
    ctx.exit(EXIT_FINDINGS if fails_at(report.findings, fail_on) else EXIT_OK)


@cli.command()
@click.option("--what", type=click.Choice(["input", "report", "rule"]), default="input", show_default=True,
              help="input: the self-assessment format; report: the JSON report; rule: the rule-file format.")
@output_option
def schema(what: str, output: Path | None) -> None:
    """Print the JSON Schema of a format, generated from its pydantic model."""
    from .findings import Report
    from .model import SelfAssessment
    from .rules import Rule

    model = {"input": SelfAssessment, "report": Report, "rule": Rule}[what]
    emit(json.dumps(model.model_json_schema(), indent=2) + "\n", output)


def _register() -> None:
    from .cli_rules import rules_group
    from .cli_screen import register as register_screen
    from .cli_snapshot import snapshot_group

    cli.add_command(rules_group)
    cli.add_command(snapshot_group)
    register_screen(cli)
    from .cli_diff import diff

    cli.add_command(diff)


_register()


def main() -> None:
    cli(prog_name="safeguard")
