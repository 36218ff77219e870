"""`safeguard diff`: what a change to the rules does to the findings of the same organisations."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.domain.exit_policy import EXIT_FINDINGS, EXIT_OK
from compliance.cli.options import emit, format_option, output_option

RULES_HELP = "Rules folder, or REV:PATH of a folder in git (e.g. origin/main:rules, HEAD~1:rules)."
CHANGE_LEVELS = ("outcome", "severity", "any")


class _DiffCommand(click.Command):
    """`--fail-on-change` takes a level only as `--fail-on-change=LEVEL` or when the next argument
    is a level; anything else after it (an input folder, say) is never taken for its value."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        fixed: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                fixed += args[i:]
                break
            if arg == "--fail-on-change":
                nxt = args[i + 1] if i + 1 < len(args) else None
                if nxt in CHANGE_LEVELS:
                    fixed.append(f"--fail-on-change={nxt}")
                    i += 2
                    continue
                fixed.append("--fail-on-change=outcome")
                i += 1
                continue
            fixed.append(arg)
            i += 1
        return super().parse_args(ctx, fixed)


@click.command("diff", cls=_DiffCommand)
@click.option("--base", required=True, metavar="RULES", help="The rules before the change. " + RULES_HELP)
@click.option("--head", required=True, metavar="RULES", help="The rules after the change. " + RULES_HELP)
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@format_option("diff", "markdown suits a pull-request comment; json suits tools.")
@click.option("--fail-on-change", type=click.Choice(CHANGE_LEVELS), default=None, metavar="[=outcome|severity|any]",
              help="Exit 1 when a finding's outcome changed (outcome, the value when none is given), its "
                   "outcome or failing severity changed (severity), or anything changed, wording and rule "
                   "definitions included (any).")
@output_option
@click.pass_context
def diff(ctx: click.Context, base: str, head: str, inputs: tuple[Path, ...], fmt: str, fail_on_change: str | None,
         output: Path | None) -> None:
    """Evaluate the same INPUTS (files or folders; default: the bundled example returns, wherever
    this is run) under two versions of the rules and list every finding and rule that changed:
    outcome and severity changes first, wording-only changes summarised apart.

    \b
    Exit codes: 0 no change, or none of the kind --fail-on-change names (without it, always 0);
    1 a change of that kind; 2 invalid rules, inputs or revision; 3 internal error."""
    from compliance.app.diff import run_diff
    from compliance.formats import render

    from compliance.intake.discovery import BUNDLED_FIXTURES

    report = run_diff(base, head, list(inputs) or [BUNDLED_FIXTURES])
    emit(render("diff", fmt, report), output)
    ctx.exit(EXIT_FINDINGS if report.fails(fail_on_change) else EXIT_OK)
