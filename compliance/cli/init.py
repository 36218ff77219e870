"""`safeguard init`: a commented starter return to fill in."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli.options import emit, output_option, rule_folders, rules_options
from compliance.domain.model import OrgType


@click.command("init")
@click.option("--type", "org_type", type=click.Choice([t.value for t in OrgType]), required=True,
              help="The kind of organisation: decides which sections the starter return asks for.")
@output_option
@rules_options
def init(org_type: str, output: Path | None, rule_dirs: tuple[Path, ...], no_bundled: bool) -> None:
    """Write a starter self-assessment: every section the rules for the type read, each field
    explained, every value left unreported (assessing it unchanged gives insufficient evidence)."""
    from compliance.app.starter import starter_return
    from compliance.catalogue.loading import load_rules

    ruleset = load_rules(rule_folders(rule_dirs, no_bundled))
    emit(starter_return(ruleset, OrgType(org_type)), output)
