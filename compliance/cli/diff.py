"""`safeguard diff`: what a change to the rules does to the findings of the same organisations."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.domain.exit_policy import EXIT_FINDINGS, EXIT_OK
from compliance.cli.options import emit, format_option, output_option

RULES_HELP = "Rules folder, or REV:PATH of a folder in git (e.g. origin/main:rules, HEAD~1:rules)."


@click.command("diff")
@click.option("--base", required=True, metavar="RULES", help="The rules before the change. " + RULES_HELP)
@click.option("--head", required=True, metavar="RULES", help="The rules after the change. " + RULES_HELP)
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@format_option("diff", "markdown suits a pull-request comment; json suits tools.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when any finding or rule changed.")
@output_option
@click.pass_context
def diff(ctx: click.Context, base: str, head: str, inputs: tuple[Path, ...], fmt: str, fail_on_change: bool,
         output: Path | None) -> None:
    """Evaluate the same INPUTS (files or folders; default fixtures/organisations) under two versions
    of the rules and list every finding and rule that changed.

    \b
    Exit codes: 0 no change (or changes without --fail-on-change); 1 changes with --fail-on-change;
    2 invalid rules, inputs or revision; 3 internal error."""
    from compliance.app.diff import run_diff
    from compliance.formats import render

    report = run_diff(base, head, list(inputs) or [Path("fixtures/organisations")])
    emit(render("diff", fmt, report), output)
    ctx.exit(EXIT_FINDINGS if fail_on_change and report.changed else EXIT_OK)
