"""`safeguard snapshot check|update`: the fixtures' golden findings, for rule authors' CI."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from compliance.domain.exit_policy import EXIT_FINDINGS, EXIT_OK
from compliance.app.evaluators import make_evaluator
from compliance.cli.options import profile_option, rule_folders, rules_options

fixtures_option = click.option(
    "--fixtures", type=click.Path(file_okay=False, path_type=Path), default=Path("fixtures/organisations"),
    show_default=True, help="Folder of fixture returns; expected findings live in ../expected/.",
)


@click.group("snapshot")
def snapshot_group() -> None:
    """Compare or rewrite the expected findings of the fixture organisations."""


@snapshot_group.command("check")
@fixtures_option
@profile_option
@rules_options
@click.pass_context
def check(ctx: click.Context, fixtures: Path, profile: Path | None, rule_dirs, no_bundled: bool) -> None:
    """Exit 1 and show a diff if any fixture's findings differ from its expected file."""
    from compliance.app.snapshot import compare_fixtures, expected_path

    evaluator, _ = make_evaluator(rule_folders(rule_dirs, no_bundled), profile)
    changed = missing = 0
    for path, expected, actual in compare_fixtures(evaluator, fixtures):
        target = expected_path(path)
        if not target.is_file():
            missing += 1
            click.echo(f"{target}: no snapshot yet: run `safeguard snapshot update` (then review and commit it)")
        elif expected != actual:
            changed += 1
            click.echo("".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                    str(target), f"{target} (now)")), nl=False)
    said = [f"{changed} fixture(s) differ from their expected findings"] if changed else []
    said += [f"{missing} fixture(s) have no snapshot yet"] if missing else []
    click.echo("; ".join(said) if said else "all fixtures match")
    ctx.exit(EXIT_FINDINGS if changed or missing else EXIT_OK)


@snapshot_group.command("update")
@fixtures_option
@profile_option
@rules_options
def update(fixtures: Path, profile: Path | None, rule_dirs, no_bundled: bool) -> None:
    """Rewrite the expected findings (review the diff before committing)."""
    from compliance.intake.files import write_atomic
    from compliance.app.snapshot import compare_fixtures, expected_path

    evaluator, _ = make_evaluator(rule_folders(rule_dirs, no_bundled), profile)
    for path, expected, actual in compare_fixtures(evaluator, fixtures):
        if expected != actual:
            target = expected_path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, actual)
            click.echo(f"updated {target}")
