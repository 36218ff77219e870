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
    show_default=True, help="Folder of fixture returns; expected outcomes live in ../expected/, wording in "
                            "../expected/wording/.",
)
# What `check` calls each kind of expected file, in the order it reports them: a wording change is
# never listed among the outcome changes.
HEADINGS = {"outcomes": "Outcome or severity changes", "wording": "Wording changes"}


def snapshot_rules(rule_dirs: tuple[Path, ...], no_bundled: bool) -> list[Path]:
    """The rules the snapshots are made with, found as `rules lint|test` find theirs: with no --rules,
    the project's ./rules when there is one (on its own: it is the catalogue being changed), else
    the bundled catalogue; said on stderr either way, so nobody mistakes one for the other."""
    if rule_dirs or no_bundled:
        return rule_folders(rule_dirs, no_bundled)
    from compliance.app.checks import default_targets, describe_target

    targets, note = default_targets([])
    click.echo(note or f"note: snapshots made with the rules in ./rules ({describe_target(targets)})", err=True)
    return targets


@click.group("snapshot")
def snapshot_group() -> None:
    """Compare or rewrite the expected findings of the fixture organisations.

    With the project's ./rules when there is one (as `rules lint` and `rules test`), else the
    bundled catalogue; --rules and --no-bundled choose the rules as `assess` does."""


@snapshot_group.command("check")
@fixtures_option
@profile_option
@rules_options
@click.pass_context
def check(ctx: click.Context, fixtures: Path, profile: Path | None, rule_dirs, no_bundled: bool) -> None:
    """Exit 1 and show a diff if any fixture's findings differ from its expected files: changes of
    outcome (or severity) first, then changes of wording, each under its own heading."""
    from compliance.app.snapshot import compare_fixtures

    evaluator, _ = make_evaluator(snapshot_rules(rule_dirs, no_bundled), profile)
    snapshots = compare_fixtures(evaluator, fixtures)
    missing = [s for s in snapshots if not s.path.is_file()]
    for s in missing:  # said as what it is, with what to do, not as a diff against nothing
        click.echo(f"{s.path}: no snapshot yet: run `safeguard snapshot update` (then review and commit it)")
    changed = [s for s in snapshots if s.changed and s.path.is_file()]  # outcomes before wording
    counts = {kind: sum(s.kind == kind for s in changed) for kind in HEADINGS}
    for kind, heading in HEADINGS.items():
        if counts[kind]:
            click.echo(f"{heading}: {counts[kind]} fixture(s)")
        for s in (s for s in changed if s.kind == kind):
            click.echo("".join(difflib.unified_diff(s.expected.splitlines(True), s.actual.splitlines(True),
                                                    str(s.path), f"{s.path} (now)")), nl=False)
    said = [f"{len({s.fixture for s in changed})} fixture(s) differ from their expected findings "
            f"(outcomes in {counts['outcomes']}, wording in {counts['wording']})"] if changed else []
    said += [f"{len({s.fixture for s in missing})} fixture(s) have no snapshot yet"] if missing else []
    click.echo("; ".join(said) if said else "all fixtures match")
    ctx.exit(EXIT_FINDINGS if changed or missing else EXIT_OK)


@snapshot_group.command("update")
@fixtures_option
@profile_option
@rules_options
def update(fixtures: Path, profile: Path | None, rule_dirs, no_bundled: bool) -> None:
    """Rewrite the expected findings (review the diff before committing)."""
    from compliance.intake.files import write_atomic
    from compliance.app.snapshot import compare_fixtures

    evaluator, _ = make_evaluator(snapshot_rules(rule_dirs, no_bundled), profile)
    for s in compare_fixtures(evaluator, fixtures):
        if s.changed:
            s.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(s.path, s.actual)
            click.echo(f"updated {s.path}")
