"""`safeguard rules ...`: the rule author's tools."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import click

from compliance.domain.exit_policy import EXIT_FINDINGS, EXIT_INVALID, EXIT_OK
from compliance.cli.options import SEVERITY_CHOICES, announce_overrides, rule_folders, rules_options
from compliance.domain.errors import Problem, RuleError



def _wrap(text: str) -> list[str]:
    """Lines of at most 80 columns, indented; textwrap is imported here, as only `rules show` wraps
    (its regular expressions were a tenth of what `rules list` adds to the command-line library)."""
    import textwrap

    return textwrap.wrap(text, width=80, initial_indent="  ", subsequent_indent="  ")


@click.group("rules")
def rules_group() -> None:
    """List, document, test and lint rule files."""


@rules_group.command("list")
@click.option("--area", help="Only rules of this area (e.g. training).")
@click.option("--severity", type=click.Choice(SEVERITY_CHOICES[:-1]), help="Only rules of this severity.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rules_options
def list_rules(area: str | None, severity: str | None, fmt: str, rule_dirs, no_bundled: bool) -> None:
    """One line per rule."""
    from compliance.catalogue.cache import cached_listing

    folders = rule_folders(rule_dirs, no_bundled)

    def build() -> dict[str, list[dict]]:
        from compliance.catalogue.loading import load_rules

        rs = load_rules(folders)
        return {"rows": [{"id": r.id, "severity": r.severity.value, "area": r.area,
                          "key_question": r.key_question.value, "title": r.title} for r in rs.rules],
                "overrides": [o.model_dump() for o in rs.overrides]}

    listing = cached_listing(folders, build)
    announce_overrides([SimpleNamespace(**o) for o in listing["overrides"]])
    rows = [r for r in listing["rows"]
            if (area is None or r["area"] == area) and (severity is None or r["severity"] == severity)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"{r['id']}  {r['severity']:<8} {r['area']:<20} {r['title']}"[:80])


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
    if rule is None:
        import difflib  # only for a rule id that does not exist

        close = difflib.get_close_matches(rule_id.upper(), ids, n=3)
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
    out.append(click.style("Sources", bold=True))
    for s in rule.sources:
        section_text = f", {s.section}" if s.section else ""
        out += _wrap(f"{s.document}{section_text} ({s.year}; {s.confidence.replace('_', ' ')})")
    out.append("")
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


@rules_group.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--mutate", is_flag=True,
              help="Mutation testing: change each comparison, parameter default and all/any in turn and "
                   "report every change no case notices (exit 1 if any).")
@click.pass_context
def test(ctx: click.Context, paths: tuple[Path, ...], mutate: bool) -> None:
    """Run the test cases embedded in rule files (default: the bundled catalogue)."""
    from compliance.app.cases import run_area_cases, run_cases
    from compliance.catalogue.loading import BUNDLED_RULES, load_area_rules, load_rule_paths, load_rules

    if paths:
        rs, ids = load_rule_paths(list(paths))
        announce_overrides(rs.overrides)
    else:
        rs = load_rules()
        ids = [r.id for r in rs.rules]
    area_folders = [p for p in paths if p.is_dir()] if paths else [BUNDLED_RULES]
    if mutate:
        ctx.exit(_report_mutants(rs, set(ids), area_folders))
    area_rules = load_area_rules(area_folders)
    results = run_cases(rs, set(ids)) + run_area_cases(area_rules)
    passed = failed = 0
    for rule in [rs.by_id[rid] for rid in ids] + area_rules:
        mine = [r for r in results if r.rule_id == rule.id]
        bad = [r for r in mine if not r.passed]
        passed += len(mine) - len(bad)
        failed += len(bad)
        mark = click.style("PASS", fg="green") if not bad else click.style("FAIL", fg="red", bold=True)
        click.echo(f"{mark} {rule.id}  {len(mine) - len(bad)}/{len(mine)} cases")
        for r in bad:
            click.echo(f"     {r.case}: expected {r.expected}, got {r.actual}")
            click.echo(f"     - {r.expected}\n     + {r.actual}  ({r.message})")
    click.echo(f"{passed} passed, {failed} failed")
    ctx.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _shown(path: Path) -> str:
    """A path relative to the current folder when it is under it (shorter, and clickable in editors)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _percent(killed: int, total: int) -> str:
    return f"{100 * killed / total:.1f}%" if total else "no mutants"


def _report_mutants(rs, only: set[str], area_folders: list[Path]) -> int:
    """One line per rule (killed/total), each survivor with file:line, then the overall score."""
    from compliance.app.mutate import mutate_rules

    killed = total = 0
    bad = False
    for score in mutate_rules(rs, only, area_folders):
        killed += score.killed
        total += score.total
        if score.broken:
            bad = True
            click.echo(f"{click.style('FAIL', fg='red', bold=True)} {score.rule_id}  case {score.broken[0]} fails on "
                       "the rule itself (see `safeguard rules test`); mutants not run")
            continue
        mark = click.style("PASS", fg="green") if score.ok else click.style("FAIL", fg="red", bold=True)
        click.echo(f"{mark} {score.rule_id}  {score.killed}/{score.total} mutants killed "
                   f"({_percent(score.killed, score.total)})")
        for r in score.survivors:
            bad = True
            where = f"{_shown(score.file)}:{r.line}" if r.line else _shown(score.file)
            click.echo(f"     {where}: {r.mutation.where}: {r.mutation.description} survives (no case tells it apart)")
    click.echo(f"{killed}/{total} mutants killed ({_percent(killed, total)}), {total - killed} survived")
    return EXIT_FINDINGS if bad else EXIT_OK


@rules_group.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def lint(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Check rule files without an organisation: schema, ids, paths, dependencies, engine
    complexity, required cases, unread parameters and mutants no case kills.

    \b
    Exit codes: 0 no problem; 1 only weak rules (valid, but a required case is missing, a parameter
    is never read or a mutant survives); 2 an invalid rule (it would not load or cannot read what
    it means to); 3 internal error."""
    from compliance.app.lint import lint_paths
    from compliance.catalogue.loading import BUNDLED_RULES

    problems = lint_paths(list(paths) or [BUNDLED_RULES])
    for p in sorted(problems, key=lambda p: str(p.path)):
        click.echo(f"{p.path}: {p.problem.render()}")
    click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}")
    if any(p.invalid for p in problems):
        ctx.exit(EXIT_INVALID)
    ctx.exit(EXIT_FINDINGS if problems else EXIT_OK)


__all__ = ["rules_group"]
