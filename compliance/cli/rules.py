"""`safeguard rules ...`: the rule author's tools."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from compliance.cli.options import SEVERITY_CHOICES, announce_overrides, rule_folders, rules_options
from compliance.domain.errors import Problem, RuleError



def _sources(rule: Any) -> list[str]:
    """The 'Sources' block of `rules show`, for organisation and area rules alike."""
    out = [click.style("Sources", bold=True)]
    for s in rule.sources:
        section_text = f", {s.section}" if s.section else ""
        out += _wrap(f"{s.document}{section_text} ({s.year}; {s.confidence.replace('_', ' ')})")
    return out + [""]


def _wrap(text: str) -> list[str]:
    """Lines of at most 80 columns, indented; textwrap is imported here, as only `rules show` wraps
    (its regular expressions were a tenth of what `rules list` adds to the command-line library)."""
    import textwrap

    return textwrap.wrap(text, width=80, initial_indent="  ", subsequent_indent="  ")


@click.group("rules")
def rules_group() -> None:
    """List, document, test and lint rule files."""


def _cached_listing(folders: list[Path], build: Callable[[], dict[str, list[dict]]]) -> dict[str, list[dict]]:
    """`rules list`'s rows without importing the rule model when no rule file changed.

    Listing rules is a lookup: it should start as fast as the command-line library itself, and
    importing pydantic and building the rule models costs more than that. The rows are kept in the
    one cache under every rule file's path and bytes; `build` (a full, validated load) runs on a
    miss, so an invalid rule is reported exactly as before and never cached.
    """
    from compliance.catalogue import cache
    from compliance.catalogue.files import BUNDLED_RULES, area_rule_files, rule_files
    from compliance.domain.errors import RuleError
    from compliance.intake.documents import read_bytes

    parts: list[str | bytes] = []
    for folder in folders or [BUNDLED_RULES]:
        for path in (rule_files(folder) + area_rule_files(folder)) if folder.is_dir() else []:
            parts += [f"{folder}\0{path}", read_bytes(path, RuleError)]  # bounded: a refusal names the file
    name = cache.key("listing", *parts)
    listing = cache.get(name)
    if not (isinstance(listing, dict) and all(isinstance(v, list) for v in listing.values())):
        listing = build()
        cache.put(name, listing)
    return listing


@rules_group.command("list")
@click.option("--area", help="Only rules of this area (e.g. training; `area` for the area rules, which "
                              "judge a local authority area across its organisations).")
@click.option("--severity", type=click.Choice(SEVERITY_CHOICES[:-1]), help="Only rules of this severity.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rules_options
def list_rules(area: str | None, severity: str | None, fmt: str, rule_dirs, no_bundled: bool) -> None:
    """One line per rule: id, scope (org: judged for each organisation; area: across the organisations
    serving a local authority area), severity, area and title."""
    folders = rule_folders(rule_dirs, no_bundled)

    def build() -> dict[str, list[dict]]:
        from compliance.catalogue.loading import load_area_rules, load_rules

        rs = load_rules(folders)
        rows = [{"id": r.id, "scope": "organisation", "severity": r.severity.value, "area": r.area,
                 "key_question": r.key_question.value, "title": r.title} for r in rs.rules]
        rows += [{"id": r.id, "scope": "area", "severity": r.severity.value, "area": "area",
                  "key_question": r.key_question.value, "title": r.title} for r in load_area_rules(folders)]
        return {"rows": rows, "overrides": [o.model_dump() for o in rs.overrides]}

    listing = _cached_listing(folders, build)
    announce_overrides([SimpleNamespace(**o) for o in listing["overrides"]])
    rows = [r for r in listing["rows"]
            if (area is None or r["area"] == area) and (severity is None or r["severity"] == severity)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        scope = "org" if r["scope"] == "organisation" else "area"
        click.echo(f"{r['id']}  {scope:<4} {r['severity']:<8} {r['area']:<19} {r['title']}"[:80])


def _area_rules_for_show(paths: tuple[Path, ...], rule_dirs, no_bundled: bool) -> dict:
    """Area rules by id (with their files) from the paths, or from the catalogue folders."""
    from compliance.app.checks import target_files
    from compliance.catalogue.loading import load_area_rule_file

    folders = list(paths) if paths else rule_folders(rule_dirs, no_bundled)
    _, files = target_files([p for p in folders if p.exists()])
    out = {}
    for f in files:
        rule = load_area_rule_file(f)
        out[rule.id] = (rule, f)
    return out


def _area_page(rule, file: Path) -> str:
    """An area rule's page, in the shape of an organisation rule's."""
    out = [click.style(f"{rule.id}: {rule.title}", bold=True),
           f"{rule.severity.value} | {rule.key_question.value} | area rule (judged across the organisations serving "
           f"a local authority area) | {file}", ""]

    def section(title: str, text: str) -> None:
        out.extend([click.style(title, bold=True), *_wrap(" ".join(text.split())), ""])

    section("Requirement", rule.requirement)
    section("Why", rule.rationale)
    items = rule.items
    over = f"each item of {items.path}" + (f" of organisations of type {', '.join(t.value for t in items.org_types)}"
                                             if items.org_types else "")
    section("Applies to", over)
    if rule.parameters:
        out.append(click.style("Parameters", bold=True))
        for name, p in rule.parameters.items():
            out += _wrap(f"{name} = {p.default}{p.unit or ''}: {p.description}")
        out.append("")
    out += _sources(rule)
    section("What to do", rule.remediation)
    section("Line of enquiry", rule.line_of_enquiry)
    section("Cases", "; ".join(f"{c.name} ({c.expect.value})" for c in rule.cases))
    return "\n".join(out).rstrip()


@rules_group.command("show")
@click.argument("rule_id")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@rules_options
def show(rule_id: str, paths: tuple[Path, ...], rule_dirs, no_bundled: bool) -> None:
    """The documentation page of one rule: from the bundled catalogue (with any --rules folders), or
    from the rule files and folders PATHS, as `rules test` and `rules lint` take them."""
    from ruamel.yaml import YAML

    from compliance.app.cases import case_input
    from compliance.evaluation.measures import describe_source
    from compliance.catalogue.loading import load_rule_paths, load_rules

    if paths:
        rs, ids = load_rule_paths(list(paths))
    else:
        rs = load_rules(rule_folders(rule_dirs, no_bundled))
        ids = [r.id for r in rs.rules]
    announce_overrides(rs.overrides)
    rule = rs.by_id.get(rule_id.upper()) if rule_id.upper() in ids else None
    area_rules = _area_rules_for_show(paths, rule_dirs, no_bundled)
    if rule is None and rule_id.upper() in area_rules:
        click.echo(_area_page(*area_rules[rule_id.upper()]))
        return
    if rule is None:
        import difflib  # only for a rule id that does not exist

        close = difflib.get_close_matches(rule_id.upper(), ids + list(area_rules), n=3)
        where = f" in {', '.join(map(str, paths))}" if paths else ""
        hint = f"; close matches: {', '.join(close)}" if close else "; `safeguard rules list` shows them all"
        raise RuleError(rule_id, [Problem(f"no rule with this id{where}{hint}")])
    out = [click.style(f"{rule.id}: {rule.title}", bold=True),
           f"{rule.severity.value} | {rule.key_question.value} | area {rule.area} | {rs.files[rule.id]}"]
    out += [f"Overrides the {'bundled ' if o.bundled else ''}rule of the same id in {o.replaces}"
            for o in rs.overrides if o.rule_id == rule.id] + [""]

    def section(title: str, text: str) -> None:
        out.extend([click.style(title, bold=True), *_wrap(" ".join(text.split())), ""])

    section("Requirement", rule.requirement)
    section("Why", rule.rationale)
    scope = ", ".join(t.value for t in rule.applies_to.org_types)
    if rule.applies_to.services:
        scope += "; running any of: " + ", ".join(s.value for s in rule.applies_to.services)
    section("Applies to", scope)
    if rule.depends_on:
        names = [f"{p} ({rs.by_id[p].title})" if p in rs.by_id else p for p in rule.depends_on]
        section("Depends on", "Not applicable wherever any of these is not applicable: " + "; ".join(names) + ".")
    if rule.parameters:
        out.append(click.style("Parameters", bold=True))
        for name, p in rule.parameters.items():
            rng = f" (range {p.min} to {p.max})" if p.min is not None or p.max is not None else ""
            out += _wrap(f"{name} = {p.default}{p.unit or ''}{rng}: {p.description}")
        out.append("")
    out.append(click.style("Data it reads", bold=True))
    for name, m in rule.measures.items():
        out += _wrap(f"{name}: {describe_source(m)}")
    out.append("")
    out += _sources(rule)
    section("What to do", rule.remediation)
    section("Line of enquiry", rule.line_of_enquiry)
    yaml = YAML()
    yaml.default_flow_style = False
    for outcome in ("met", "not_met"):
        case = next((c for c in rule.cases if c.expect.value == outcome and c.input), None)
        if case is None:
            continue
        buf = io.StringIO()
        data = case_input(rule, case)
        yaml.dump({k: v for k, v in data.items() if k not in ("schema_version", "organisation")} or data, buf)
        out.append(click.style(f"Example: {outcome.replace('_', ' ')} (case {case.name})", bold=True))
        out += ["  " + line for line in buf.getvalue().rstrip().splitlines()] + [""]
    click.echo("\n".join(out).rstrip())


check_format_option = click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json", "junit", "sarif", "github"]), default="text",
    show_default=True, help="text for people; json for tools; junit for CI test views; sarif for code scanning "
                            "(SARIF 2.1.0); github for GitHub Actions annotations.")
check_output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the results to this file (atomically) instead of standard output; the summary line still "
         "goes to standard error.")


def _targets(paths: tuple[Path, ...]) -> tuple[list[Path], str]:
    """What to check (the paths, ./rules, else the bundled catalogue, said so) and its description."""
    from compliance.app.checks import default_targets, describe_target

    targets, note = default_targets(list(paths))
    if note:
        click.echo(note, err=True)
    return targets, describe_target(targets)


def _emit_run(run, fmt: str, output: Path | None) -> None:
    """The results in the format asked; for a machine format, the summary also on stderr, so a
    person watching the CI log sees what was checked."""
    from compliance.cli.options import emit
    from compliance.formats.checks import render_checks

    emit(render_checks(run, fmt), output)
    if fmt != "text" or output is not None:
        click.echo(f"{run.target}: {run.summary}", err=True)


def _load_targets(targets: list[Path]):
    """(rule set with prerequisites or None, ids of the organisation rules to check, {area id: (rule, file)})."""
    from compliance.app.checks import is_area_folder, target_files
    from compliance.catalogue.loading import load_area_rule_file, load_rule_paths

    org_files, area_files = target_files(targets)
    org_targets = [p for p in targets if p.is_dir() and not is_area_folder(p)] + [p for p in targets if p in org_files]
    rs = None
    ids: list[str] = []
    if org_files:
        rs, ids = load_rule_paths(org_targets)
        announce_overrides(rs.overrides)
    area_rules = {r.id: (r, f) for f in area_files for r in [load_area_rule_file(f)]}
    return rs, ids, dict(sorted(area_rules.items()))


@rules_group.command("coverage")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@check_output_option
def coverage_command(paths: tuple[Path, ...], fmt: str, output: Path | None) -> None:
    """What the rules and their cases leave untouched (default: ./rules when there is one, else the
    bundled catalogue): the branches (met, not met, no evidence, not applicable, escalation) each
    rule's cases reach, the parameters no case sets, and the fields of the return no rule reads.

    \b
    Exit codes: 0 the report; 2 invalid rules or nothing to check; 3 internal error."""
    from compliance.app.coverage import coverage, render_text
    from compliance.cli.options import emit

    targets, target = _targets(paths)
    rs, ids, area_rules = _load_targets(targets)
    cov = coverage(rs, ids, list(area_rules.values()), target)
    emit(render_text(cov) if fmt == "text" else json.dumps(cov.to_json(), indent=2) + "\n", output)


@rules_group.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--mutate", is_flag=True,
              help="Mutation testing: change each comparison, parameter default and all/any in turn and "
                   "report every change no case notices (exit 1 if any).")
@check_format_option
@check_output_option
@click.pass_context
def test(ctx: click.Context, paths: tuple[Path, ...], mutate: bool, fmt: str, output: Path | None) -> None:
    """Run the test cases embedded in rule files and folders PATHS (default: ./rules when there is
    one, else the bundled catalogue), organisation and area rules alike.

    \b
    Exit codes: 0 every case passes (and, with --mutate, every mutant is killed); 1 a case fails, or
    (--mutate) a mutant survives; 2 invalid rules, nothing to check, or (--mutate) a case that fails
    on the rule itself, so its mutants cannot be judged; 3 internal error."""
    from compliance.app.cases import run_area_cases, run_cases
    from compliance.app.checks import mutate_run, test_run

    targets, target = _targets(paths)
    rs, ids, area_rules = _load_targets(targets)
    if mutate:
        from compliance.app.mutate import mutate_area_rule, mutate_rule

        scores = [mutate_rule(rs, rs.by_id[rid]) for rid in ids] if rs else []
        scores += [mutate_area_rule(r, f) for r, f in area_rules.values()]
        run = mutate_run(scores, target)
    else:
        results = (run_cases(rs, set(ids)) if rs else []) + run_area_cases([r for r, _ in area_rules.values()])
        rules = {**({rid: (rs.by_id[rid], rs.files[rid]) for rid in ids} if rs else {}), **area_rules}
        run = test_run(results, rules, list(ids) + sorted(area_rules), target)
    _emit_run(run, fmt, output)
    ctx.exit(run.exit_code())


@rules_group.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@check_format_option
@check_output_option
@click.pass_context
def lint(ctx: click.Context, paths: tuple[Path, ...], fmt: str, output: Path | None) -> None:
    """Check rule files and folders PATHS (default: ./rules when there is one, else the bundled
    catalogue) without an organisation: schema, ids, paths, dependencies, engine complexity,
    framework clauses, required cases, failing cases, unread parameters and mutants no case kills.
    Every problem of every file in one run, each with file, line and column.

    \b
    Exit codes: 0 no problem; 1 only weak rules (valid, but a required case is missing, a parameter
    is never read, a windowed count is read without its window, or a mutant survives); 2 an invalid
    rule (it would not load, cannot read what it means to, or a case of its own fails) or nothing to
    check; 3 internal error."""
    from compliance.app.checks import lint_run

    targets, target = _targets(paths)
    run = lint_run(targets, target)
    _emit_run(run, fmt, output)
    ctx.exit(run.exit_code())


@rules_group.command("new")
@click.argument("area")
@click.option("--id", "rule_id", metavar="XXX-NNN", help="The new rule's id (default: the area's prefix, next number).")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), default=Path("rules"), show_default=True,
              help="The rules folder to write into (the rule goes in FOLDER/AREA/ID.yaml).")
def new(area: str, rule_id: str | None, folder: Path) -> None:
    """Write a new rule of AREA from a skeleton that lints clean and kills its mutants: a share
    against a threshold, with its window checked and the four cases every rule needs (met, not met,
    insufficient evidence, not applicable). Replace each TODO, then `safeguard rules lint`."""
    from compliance.app.scaffold import new_rule

    path = new_rule(area, folder, rule_id.upper() if rule_id else None)
    click.echo(f"wrote {path}: replace each TODO, then run `safeguard rules lint` and `safeguard rules test --mutate`")


__all__ = ["rules_group"]
