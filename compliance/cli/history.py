"""`safeguard history`: what was recorded, period by period (list, show, trend, compare, actions, prune, export)."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli.options import emit, output_option
from compliance.domain.errors import Problem, UserError

FORMATS = ["text", "json", "markdown", "html"]

store_option = click.option(
    "--history", "history", type=click.Path(dir_okay=False, path_type=Path), envvar="SAFEGUARD_HISTORY",
    help="History store [default: $XDG_DATA_HOME/safeguard/history.sqlite or ~/.local/share/safeguard/"
         "history.sqlite; env: SAFEGUARD_HISTORY].")
format_option = click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)


def _store(path: Path | None, readonly: bool = True):
    from compliance.history.store import HistoryError, default_path, open_store

    store = open_store(path, create=False, readonly=readonly)
    if store is None:
        where = path or default_path()
        raise HistoryError(str(where), [Problem("no history store here yet (record runs with `safeguard assess "
                                                "--record` or `safeguard screen --record`)")])
    return store


def _not_found(path: Path | None, what: str) -> UserError:
    from compliance.history.store import HistoryError, default_path

    return HistoryError(str(path or default_path()), [Problem(what)])


def _out(fmt: str, model_json: str, doc, output: Path | None) -> None:
    from compliance.formats.history import render_doc

    from compliance.cli.options import terminal

    _color, width = terminal(output, True)  # the terminal's width (80 when not a terminal)
    emit(model_json if fmt == "json" else render_doc(doc, fmt, max(width, 80)), output)


@click.group("history")
def history_group() -> None:
    """Recorded assessments: trends, comparisons between periods, and the store itself.

    Periods, not runs, are the unit: the latest run recorded for an organisation and period is
    its current run; earlier ones are revisions (`history show RUN` lists them)."""


@history_group.command("list")
@click.argument("org", required=False)
@format_option
@output_option
@store_option
def list_cmd(org: str | None, fmt: str, output: Path | None, history: Path | None) -> None:
    """Every recorded period (of ORG, or of every organisation), with its current run."""
    from compliance.formats.history import list_doc, render_runs_json

    with _store(history) as store:
        org = store.spelling(org) or org if org else org
        rows = store.periods(org)
    if org and not rows:
        raise _not_found(history, f"no recorded periods for organisation {org}")
    _out(fmt, render_runs_json(rows) if fmt == "json" else "", list_doc(rows, org), output)


@history_group.command("show")
@click.argument("run")
@format_option
@output_option
@store_option
def show_cmd(run: str, fmt: str, output: Path | None, history: Path | None) -> None:
    """One run (id, or a unique prefix of 6+ characters): its findings and the other runs of its period."""
    import json

    from compliance.formats.history import show_doc

    with _store(history) as store:
        entry = store.run(run)
        if entry is None:
            raise _not_found(history, f"no run {run} (or the prefix matches several); `safeguard history list` shows them")
        revisions = store.revisions(entry.run_id)
    data = json.dumps({"run": entry.model_dump(mode="json"),
                       "runs_for_period": [{"run_id": r, "recorded_at": at, "current": cur} for r, at, cur in revisions]},
                      indent=2) + "\n"
    _out(fmt, data, show_doc(entry, revisions), output)


def _org_runs(store, org: str, history: Path | None):
    org = store.spelling(org) or org  # organisation codes match whatever their case
    runs = store.history([org]).get(org)
    if not runs:
        raise _not_found(history, f"no recorded periods for organisation {org}")
    return runs


@history_group.command("trend")
@click.argument("org")
@click.option("--rule", "rule_id", help="Only this rule.")
@format_option
@output_option
@store_option
def trend_cmd(org: str, rule_id: str | None, fmt: str, output: Path | None, history: Path | None) -> None:
    """ORG's outcome per period for each rule, and the measured value against its threshold."""
    from compliance.formats.history import render_json, trend_doc
    from compliance.history.trends import trend

    with _store(history) as store:
        t = trend(_org_runs(store, org, history), rule_id)
    if rule_id and not t.rows:
        raise _not_found(history, f"rule {rule_id} was never recorded for {org}")
    _out(fmt, render_json(t), trend_doc(t), output)


def _period(runs, wanted: str, history: Path | None, option: str):
    for r in runs:
        if wanted in (r.period, r.period_start.isoformat(), r.period_end.isoformat()):
            return r
    raise _not_found(history, f"{option} {wanted}: no such period recorded for {runs[0].org_id} (recorded: "
                              f"{', '.join(r.period for r in runs)}); give it as 2024/25 or a start or end date")


@history_group.command("compare")
@click.argument("org")
@click.option("--from", "from_period", required=True, help="Earlier period: 2024/25, or its start or end date.")
@click.option("--to", "to_period", required=True, help="Later period.")
@format_option
@output_option
@store_option
def compare_cmd(org: str, from_period: str, to_period: str, fmt: str, output: Path | None,
                history: Path | None) -> None:
    """Exactly the findings of ORG that changed between two periods: new failures, fixed, flipped
    severities and outcomes, changed values; unchanged failures are listed apart."""
    from compliance.formats.history import compare_doc, render_json
    from compliance.history.trends import compare

    with _store(history) as store:
        runs = _org_runs(store, org, history)
    c = compare(_period(runs, from_period, history, "--from"), _period(runs, to_period, history, "--to"))
    _out(fmt, render_json(c), compare_doc(c), output)


@history_group.command("actions")
@click.argument("org", required=False)
@click.option("--all", "everything", is_flag=True, help="Show done and closed actions too (by default only open ones).")
@click.option("--overdue", "overdue_only", is_flag=True, help="Only the actions overdue on the day of --as-of.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day an action counts as overdue from: due before it and not done [default: today].")
@format_option
@output_option
@store_option
def actions_cmd(org: str | None, everything: bool, overdue_only: bool, as_of, fmt: str, output: Path | None,
                history: Path | None) -> None:
    """Each organisation's action plan as last recorded (or ORG's): what is to be done for each
    requirement not met, by whom and when, its status, and what changed since the period before.
    Actions come from the Action plan sheet (or the actions list) of a return recorded with
    `safeguard assess FILE --record`; open ones are carried to the next year while the requirement is
    still not met, and closed when it is met."""
    import datetime as dt
    import json

    from compliance.app.history import store_path
    from compliance.formats.history import actions_doc, actions_json

    day = as_of.date() if as_of is not None else dt.date.today()
    with _store(history) as store:
        if org:
            org = store.spelling(org) or org
            runs = store.history([org]).get(org, [])
            if not runs:
                raise _not_found(history, f"no recorded periods for organisation {org}")
            latest = [runs[-1]]
        else:
            latest = [r[-1] for r in store.history().values()]
    plans = actions_json(latest, day, everything, overdue_only)
    data = json.dumps({"as_of": day.isoformat(), "organisations": plans}, indent=2) + "\n"
    _out(fmt, data, actions_doc(plans, day, str(store_path(history)), everything), output)


@history_group.command("where")
@store_option
def where_cmd(history: Path | None) -> None:
    """Print where the history store is (the file --history, $SAFEGUARD_HISTORY or the default names)."""
    from compliance.app.history import store_path

    path = store_path(history)
    click.echo(str(path))
    if not path.exists():
        click.echo("(no store there yet: record a run with safeguard assess --record)", err=True)


@history_group.command("prune")
@click.option("--keep", type=click.IntRange(min=1, max=1_000_000), required=True, help="Periods to keep per organisation (latest).")
@store_option
def prune_cmd(keep: int, history: Path | None) -> None:
    """Delete all but each organisation's KEEP latest periods (with their revisions), in one transaction."""
    with _store(history, readonly=False) as store:
        n = store.prune(keep)
    click.echo(f"deleted {n} run{'s' if n != 1 else ''}", err=True)


@history_group.command("export")
@output_option
@store_option
def export_cmd(output: Path | None, history: Path | None) -> None:
    """Every run, revisions too, as JSON lines (one run with its findings per line)."""
    with _store(history) as store:
        text = "".join(e.model_dump_json() + "\n" for e in store.export())
    emit(text, output)
