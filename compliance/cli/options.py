"""Options and helpers shared by the commands, so each is spelt once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import click

from compliance.formats import Subject, names

from compliance.domain.exit_policy import EXIT_CODES_HELP, FAIL_ON_CHOICES  # noqa: F401 - EXIT_CODES_HELP for the commands


def rules_options(f):
    """--rules adds local folders to the bundled catalogue; --no-bundled leaves the catalogue out."""
    f = click.option("--no-bundled", is_flag=True, help="Use only the --rules folders, not the bundled catalogue.")(f)
    return click.option(
        "--rules", "rule_dirs", multiple=True, type=click.Path(path_type=Path),
        help="Folder of local rules added to the bundled catalogue (repeatable; a later folder overrides a rule id).",
    )(f)


def announce_overrides(overrides) -> None:
    """On stderr, so a local rule standing in for a bundled one is never silent (reports record it too)."""
    for o in overrides:
        whose = "the bundled rule" if o.bundled else "the rule"
        click.echo(f"note: local rule {o.rule_id} ({o.file}) overrides {whose} of the same id ({o.replaces})", err=True)


def rule_folders(rule_dirs: tuple[Path, ...], no_bundled: bool) -> list[Path]:
    if no_bundled and not rule_dirs:
        raise click.UsageError("--no-bundled needs at least one --rules folder")
    from compliance.catalogue.files import BUNDLED_RULES

    return ([] if no_bundled else [BUNDLED_RULES]) + list(rule_dirs)
output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file (atomically) instead of standard output.",
)
SEVERITY_CHOICES = FAIL_ON_CHOICES
# The organisation types (checked against OrgType by a test), so --help need not import the input model.
ORG_TYPE_CHOICES = ["acute", "community", "mental_health", "ambulance", "gp_practice", "icb"]
profile_option = click.option(
    "--profile", type=click.Path(path_type=Path),
    help="YAML profile setting rule parameters and waiving rules (validated before anything runs).",
)


def emit(text: str | bytes | Iterable[str], output: Path | None) -> None:
    """Text, or pieces of it (a report too large to hold whole), to stdout or atomically to a file."""
    if output is None:
        if isinstance(text, bytes):
            raise click.UsageError("this format is a binary file: write it with -o FILE")
        for piece in [text] if isinstance(text, str) else text:
            click.echo(piece, nl=False)
    else:
        from compliance.intake.files import write_atomic

        write_atomic(output, text)


junit_insufficient_option = click.option(
    "--junit-insufficient", type=click.Choice(["failure", "skipped"]), default="failure", show_default=True,
    help="JUnit: report insufficient_evidence findings as failures or as skipped tests.")
timestamp_option = click.option(
    "--timestamp", is_flag=True,
    help="HTML, Markdown, JUnit: record when the report was made (off by default so reports diff cleanly).")


def check_output(fmt: str, output: Path | None) -> None:
    """Refuse a binary format without -o before any work is done (never bytes on a terminal)."""
    from compliance.formats import FORMATS

    if FORMATS[fmt].binary and output is None:
        raise click.UsageError(f"--format {fmt} writes a binary file: give -o FILE (it is never written to a terminal)")


def format_option(subject: Subject, help: str | None = None):
    """--format with the registry's formats for this kind of result; the first is the default."""
    choices = names(subject)
    return click.option("-f", "--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True,
                        help=help)


def now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def history_options(f):
    """--record stores the run; --history (or $SAFEGUARD_HISTORY) names the store and brings its trends in."""
    f = click.option("--record", is_flag=True,
                     help="Record this run in the history store (see --history).")(f)
    return click.option(
        "--history", "history", type=click.Path(dir_okay=False, path_type=Path), envvar="SAFEGUARD_HISTORY",
        help="History store (SQLite) to compare with and record into [default: $XDG_DATA_HOME/safeguard/"
             "history.sqlite, or ~/.local/share/safeguard/history.sqlite; env: SAFEGUARD_HISTORY]. Given, or "
             "with --record, reports show changes since the last recorded period.")(f)


def terminal_options(f):
    """--quiet and --no-color for the text report; NO_COLOR (https://no-color.org) is honoured too."""
    f = click.option("--no-color", "no_color", is_flag=True,
                     help="Never colour the text report (also when NO_COLOR is set).")(f)
    return click.option("-q", "--quiet", is_flag=True, help="Text report: print the summary line only.")(f)


def terminal(output: Path | None, no_color: bool) -> tuple[bool, int]:
    """(whether to colour, the width to fit): colour and the terminal's width only when writing to
    a terminal, never with --no-color or NO_COLOR set; 80 columns otherwise."""
    import os
    import shutil
    import sys

    tty = output is None and sys.stdout.isatty()
    color = tty and not no_color and not os.environ.get("NO_COLOR")
    width = shutil.get_terminal_size((80, 24)).columns if tty else 80
    return color, max(40, width)


def by_option(f):
    """--by FRAMEWORK: findings grouped by the clauses of a framework the reader reports against."""
    from compliance.domain.outcomes import FRAMEWORKS

    return click.option("--by", "by", type=click.Choice(list(FRAMEWORKS)),
                        help="Group findings by a framework's clauses (text, markdown): "
                             + "; ".join(f"{k} = {v}" for k, v in FRAMEWORKS.items()) + ".")(f)
