"""`safeguard diff`: what a change to the rules does to the findings of the same organisations."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from compliance.domain.exit_policy import EXIT_FINDINGS, EXIT_OK
from compliance.cli.options import emit, output_option

RULES_HELP = "Rules folder, or REV:PATH of a folder in git (e.g. origin/main:rules, HEAD~1:rules)."


@click.command("diff")
@click.option("--base", required=True, metavar="RULES", help="The rules before the change. " + RULES_HELP)
@click.option("--head", required=True, metavar="RULES", help="The rules after the change. " + RULES_HELP)
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="markdown suits a pull-request comment; json suits tools.")
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
    from compliance.app.diff import DiffReport, compare_findings, compare_rules
    from compliance.formats.diff_report import RENDERERS
    from compliance.evaluation.evaluator import Evaluator
    from compliance.intake.discovery import input_files
    from compliance.intake.returns import load_assessment
    from compliance.catalogue.revisions import resolve_rules
    from compliance.catalogue.loading import load_rules

    files = input_files(list(inputs) or [Path("fixtures/organisations")])
    docs = [(path, load_assessment(path)[0]) for path in files]  # every input is validated before anything runs
    with tempfile.TemporaryDirectory(prefix="safeguard-diff-") as tmp:
        before = Evaluator(load_rules([resolve_rules(base, Path(tmp) / "base")]))
        after = Evaluator(load_rules([resolve_rules(head, Path(tmp) / "head")]))
    changes = []
    for path, doc in docs:
        changes += compare_findings(doc.organisation.id, str(path), before.evaluate(doc), after.evaluate(doc))
    report = DiffReport(
        base=base, head=head, organisations=len(docs),
        rules_before=len(before.ruleset.rules), rules_after=len(after.ruleset.rules),
        rule_changes=compare_rules(before.ruleset.rules, after.ruleset.rules), finding_changes=changes,
    )
    emit(RENDERERS[fmt](report), output)
    ctx.exit(EXIT_FINDINGS if fail_on_change and report.changed else EXIT_OK)
