"""`safeguard template`: an Excel workbook of the return, for people who fill returns in spreadsheets."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli.options import ORG_TYPE_CHOICES, rule_folders, rules_options


@click.command()
@click.option("--type", "org_type", type=click.Choice(ORG_TYPE_CHOICES), required=True,
              help="The organisation type: the workbook asks only what the rules for this type read.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .xlsx file to write (atomically).")
@click.option("--from", "source", type=click.Path(path_type=Path),
              help="Fill the workbook from an existing return (YAML, JSON or a workbook), e.g. last year's: its "
                   "figures and notes, with the period moved on by a year.")
@click.option("--same-period", is_flag=True,
              help="With --from: keep the return's own period (to correct a return rather than start next year's).")
@click.option("--history", "history", type=click.Path(dir_okay=False, path_type=Path), envvar="SAFEGUARD_HISTORY",
              help="With --from: the history store whose recorded action plan is carried into next year's Action plan "
                   "sheet (its open actions) [default: the store safeguard assess --record writes to; env: "
                   "SAFEGUARD_HISTORY].")
@click.option("--services", "services", metavar="LIST",
              help="The services the organisation runs, in words or codes, separated by commas (e.g. 'emergency "
                   "department, maternity'): the workbook asks only about those [default: the services --from's return "
                   "lists, else every service].")
@rules_options
def template(org_type: str, output: Path, source: Path | None, rule_dirs: tuple[Path, ...], no_bundled: bool,
             same_period: bool, history: Path | None, services: str | None) -> None:
    """Write an Excel workbook to fill in and assess with `safeguard assess FILE.xlsx`.

    A sheet per section of the return (only those the rules for the organisation type read), one
    row per field with its description, dropdowns for choices and yes/no, whole-number and date
    validation, lists as tables, a cover sheet on filling it in.
    """
    from compliance.app.template import template_workbook
    from compliance.catalogue.loading import load_rules
    from compliance.domain.model import OrgType
    from compliance.intake.files import write_atomic

    ruleset = load_rules(rule_folders(rule_dirs, no_bundled))
    data = None
    if source is not None:
        from compliance.intake.returns import load_assessment

        from compliance.app.template import next_year

        assessment, _info = load_assessment(source)  # validated first: a template is never filled with errors
        data = assessment.model_dump(mode="python", exclude_unset=True)
        from compliance.app.template import open_plan, with_suggested_actions
        from compliance.evaluation.evaluator import Evaluator

        if not same_period:  # next year's plan: the open actions, recorded or the return's own
            org = assessment.organisation
            data, said = open_plan(data, history, org.id, org.period.end)
            if said:
                click.echo(said, err=True)
        data, added = with_suggested_actions(data, Evaluator(ruleset).evaluate(assessment))
        if added:
            click.echo(f"added {added} suggested action{'s' if added != 1 else ''} to the Action plan sheet, one for "
                       "each requirement not met without one (agree an owner and a due date for each)", err=True)
        if not same_period:
            data, moved = next_year(data)
            click.echo(moved, err=True)
    if services is not None:
        from compliance.app.template import with_services

        data = with_services(data or {"organisation": {"type": org_type}}, services)
    write_atomic(output, template_workbook(ruleset, OrgType(org_type), data, str(source)))
    click.echo(f"wrote {output} ({org_type} template)", err=True)
