"""`safeguard area LA PATHS...`: one local authority area, judged across every organisation serving it."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli.options import emit, format_option, output_option, rule_folders, rules_options
from compliance.domain.exit_policy import EXIT_FINDINGS, EXIT_OK, FAIL_ON_CHOICES


@click.command("area")
@click.argument("local_authority")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option("area")
@output_option
@click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default="high", show_default=True,
              help="Exit 1 when an area requirement this severe or more is not met or has no evidence.")
@rules_options
@click.pass_context
def area(ctx: click.Context, local_authority: str, paths: tuple[Path, ...], fmt: str, output: Path | None,
         fail_on: str, rule_dirs: tuple[Path, ...], no_bundled: bool) -> None:
    """Assess LOCAL_AUTHORITY's area from the returns under PATHS: the area rules' findings, each
    organisation's share of them (the accountability matrix), providers the ICB lists that did not
    return, and lines of enquiry.

    \b
    Exit codes: 0 nothing at or above --fail-on; 1 an area requirement at or above it is not met or
    without evidence; 2 invalid input or an area no return names; 3 internal error."""
    from compliance.app.area import assess_area
    from compliance.domain.exit_policy import fails_at
    from compliance.formats import render

    report = assess_area(local_authority, list(paths), rule_folders(rule_dirs, no_bundled))
    emit(render("area", fmt, report), output)
    ctx.exit(EXIT_FINDINGS if fails_at(report.findings, fail_on) else EXIT_OK)
