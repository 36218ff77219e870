"""Checks on rule files that need no organisation: what `safeguard rules lint` reports.

Two kinds of problem, told apart by the exit code: a rule that is *invalid* (it would not load, or
could never read what it means to: schema, ids, paths into the input model, dependencies, engine
complexity) and a rule that is valid but *weak* (required cases missing, a parameter nothing reads,
a mutant no case kills: see mutate.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError

from compliance.domain.errors import Problem, RuleError
from compliance.evaluation.measures import path_problems
from compliance.domain.model import OrgType
from compliance.catalogue.schema import Rule, condition_names, where_parameters
from compliance.catalogue.area_schema import AreaRule
from compliance.catalogue.loading import InvalidRule, load_rule_file, load_rules, rule_files
from compliance.catalogue.explain import locate, parse_path, path_words
from compliance.domain.positions import LineMap

REQUIRED_OUTCOMES = ("met", "not_met", "insufficient_evidence")


def is_scoped(rule: Rule) -> bool:
    return (rule.applies_when is not None or rule.applies_to.services is not None or bool(rule.depends_on)
            or set(rule.applies_to.org_types) != set(OrgType))


def case_problems(rule: Rule) -> list[str]:
    """A rule must show it can be met, failed, left without evidence and (when scoped) put out of scope."""
    outcomes = {c.expect.value for c in rule.cases}
    needed = list(REQUIRED_OUTCOMES) + (["not_applicable"] if is_scoped(rule) else [])
    return [f"no case expecting {o}" for o in needed if o not in outcomes]


def mapping_problems(rule: Rule | AreaRule) -> tuple[list[str], list[str]]:
    """(invalid, weak): the same clause of one edition mapped twice is an error (the same clause of
    two editions is not: the Intercollegiate 4th and 5th editions side by side); a rule mapped to no
    framework cannot appear in a report grouped by framework, so it is weak."""
    from compliance.catalogue.explain import choices_text, framework_clauses, suggest

    seen: set[tuple[str, str, str]] = set()
    invalid = []
    clauses = framework_clauses()
    for m in rule.mappings:
        key = (m.framework, m.version.casefold(), m.clause.casefold())
        if key in seen:
            invalid.append(f"mapping to {m.framework} '{m.clause}' is listed twice")
        seen.add(key)
        known = clauses.get(m.framework)
        if known is not None and m.clause not in known:
            invalid.append(f"'{m.clause}' is not a clause of {m.framework}{suggest(m.clause, known)} "
                           f"(its clauses: {choices_text(known, '; ')})")
    return invalid, ([] if rule.mappings else ["no framework mapping (see `mappings:` in the rule format)"])


def message_problems(rule: Rule) -> list[tuple[str, str]]:
    """Messages are read by people: one that could show an identifier, a path, 'not reported%' or a
    0/1 coding of yes/no (rendered with every value reported and with none) is a rule error."""
    from compliance.evaluation.messages import template_problems

    return template_problems(rule)


def unused_parameters(rule: Rule) -> list[str]:
    read: set[str] = set()
    for cond in (rule.condition, rule.applies_when, rule.escalate.when if rule.escalate else None):
        if cond is not None:
            read.update(condition_names(cond))
    for m in rule.measures.values():
        read.update(where_parameters(m))
    return [p for p in rule.parameters if p not in read]


def _mapping_problem(rule: Rule | AreaRule, text: str) -> Problem:
    """A mapping problem at the mapping it is about (located to line and column later)."""
    i = next((i for i, m in enumerate(rule.mappings) if f"'{m.clause}'" in text), None)
    if "is not a clause of" in text and i is not None:
        return Problem(text, f"mappings[{i}].clause", code="framework-clause")
    return Problem(text, f"mappings[{i}]" if i is not None else "mappings", code="mapping")


@dataclass
class LintProblem:
    path: Path
    problem: Problem
    invalid: bool  # True: the rule cannot be used as written; False: valid but weakly tested or dead


def lint_paths(paths: list[Path]) -> list[LintProblem]:
    """Every problem in every rule file under the paths, so one run shows them all."""
    from compliance.catalogue.files import AREA_FOLDER

    files: list[Path] = []
    for p in paths:  # area rules (an area folder, or a file in one) are linted by _area_problems alone
        if not (p.name if p.is_dir() else p.parent.name) == AREA_FOLDER:
            files += rule_files(p) if p.is_dir() else [p]
    found: list[tuple[Path, Problem]] = []
    weak: list[tuple[Path, Problem]] = []
    sound: list[Rule] = []
    seen: dict[str, Path] = {}
    lines: dict[Path, LineMap] = {}  # each file's line map, from its one reading
    loaded: list[Rule] = []
    for path in files:
        folder = next((p for p in paths if p.is_dir() and p in path.parents), None)
        try:
            rule = load_rule_file(path, folder)
        except InvalidRule as e:
            found += [(path, pr) for pr in e.problems]
            found += [(path, pr) for pr in locate(partial_path_problems(e.document.data), e.document)]
            lines[path] = e.document.lines
            continue
        except RuleError as e:
            found += [(path, pr) for pr in e.problems]
            continue
        lines[path] = rule.lines

        def line(*loc: str | int, rule: Rule = rule) -> int | None:
            return rule.lines.line_of(loc)

        if rule.id in seen:
            found.append((path, Problem(f"rule id {rule.id} is also defined in {seen[rule.id]}", "id", line("id"),
                                        code="duplicate-id")))
        seen[rule.id] = path
        loaded.append(rule)
        found += [(path, path_words(p, None)) for p in path_problems(rule)]
        for name in unused_parameters(rule):
            weak.append((path, Problem(f"parameter '{name}' is never read, so changing it changes nothing",
                                        f"parameters.{name}", line("parameters", name), code="unread-parameter")))
        weak += [(path, p) for p in unwindowed_counts(rule)]
        try:
            from compliance.evaluation.compiler import compile_rules

            # Alone, without its prerequisites (checked below across all files): its own size only.
            compile_rules([rule.model_copy(update={"depends_on": []})], {rule.id: rule.parameter_values()})
        except Exception as e:  # CompileError: too complex or invalid arithmetic
            found.append((path, Problem(str(e), "condition", line("condition"), code="complexity")))
        else:
            if not any(f == path for f, _ in found):
                sound.append(rule)  # only a rule with no problem of its own can be mutated meaningfully
        for where, text in message_problems(rule):
            loc = where.split(".") if where.startswith("measures.") else ["messages", where]
            found.append((path, Problem(f"{'.'.join(loc)} could render {text}; write it in plain words",
                                        ".".join(loc), line(*loc), code="message")))
        for text in case_problems(rule):
            weak.append((path, Problem(text, "cases", line("cases"), code="missing-case")))
        bad_maps, no_maps = mapping_problems(rule)
        found += [(path, _mapping_problem(rule, t)) for t in bad_maps]
        weak += [(path, Problem(t, "mappings", None, code="mapping")) for t in no_maps]
    dependencies = _dependency_problems(loaded, seen)
    for _, pr in dependencies:
        pr.code = pr.code or "dependency"
    found += dependencies
    if not dependencies:
        weak += _mutant_problems(sound, seen)
    area_found, area_weak = _area_problems(paths, lines)
    found += area_found
    weak += area_weak
    # A failing case means the rule does not do what its author says it does: an error, not a weakness.
    found += [(p, pr) for p, pr in weak if pr.code == "failing-case"]
    weak = [(p, pr) for p, pr in weak if pr.code != "failing-case"]
    for path, pr in found + weak:  # a line and column for every problem that names a place in its file
        if pr.column is None and path in lines:
            pr.line, pr.column = _place(pr, lines[path])
    return ([LintProblem(p, pr, True) for p, pr in found] + [LintProblem(p, pr, False) for p, pr in weak])


def _place(pr: Problem, lines: LineMap) -> tuple[int | None, int | None]:
    """Where a problem with a field path is in its file (a problem made elsewhere has a line only)."""
    if not pr.path:
        return pr.line or 1, 1
    line, column = lines.position(parse_path(pr.path))
    return (line, column) if pr.line is None or pr.line == line else (pr.line, pr.column)


def unwindowed_counts(rule: Rule) -> list[Problem]:
    """A count the return states together with the window it was counted in (`in_date` beside
    `renewal_months`) read without `window:` counts training done 120 months ago as in date: warn.
    Which fields carry a window is read from the return model (a field whose description names a
    window field of the same item), so the check follows the format."""
    from compliance.catalogue.explain import windowed_fields

    out = []
    for name, m in rule.measures.items():
        if m.path is None or m.window:
            continue
        field = m.path.rsplit(".", 1)[-1]
        head = m.path[: -len(field)].rstrip(".")
        window = windowed_fields(head).get(field)
        if window:
            out.append(Problem(f"measure '{name}' reads '{field}', which the return states with its window "
                               f"'{window}', but does not check it: add window: [{{field: {window}, max: PARAMETER}}] "
                               f"(without it, a count made over any window passes)", f"measures.{name}",
                               code="unwindowed-count"))
    return out


def partial_path_problems(data: Any) -> list[Problem]:
    """Path problems of the measures that are valid on their own, for a rule that is not valid as a
    whole (so a path typo shows in the same run as every other problem)."""
    from compliance.catalogue.schema import Measure
    from compliance.evaluation.measures import check_paths

    measures = data.get("measures") if isinstance(data, dict) else None
    if not isinstance(measures, dict):
        return []
    ok = {}
    for name, raw in measures.items():
        try:
            ok[name] = Measure.model_validate(raw)
        except ValidationError:
            # Invalid elsewhere (its filter, say): its path alone is still worth checking now.
            for key, value in raw.items() if isinstance(raw, dict) else []:
                try:
                    ok[name] = Measure.model_validate({key: value})
                    break
                except ValidationError:
                    continue
    out = []
    for text in check_paths(SimpleNamespace(measures=ok)):  # type: ignore[arg-type]
        name = text.split("'")[1] if text.startswith("measure '") else ""
        out.append(path_words(Problem(text, f"measures.{name}" if name else "measures"), data))
    return out





AREA_OUTCOMES = ("met", "not_met", "not_applicable")  # not every area rule can lack evidence


def _area_problems(paths: list[Path], lines: dict[Path, LineMap]
                   ) -> tuple[list[tuple[Path, Problem]], list[tuple[Path, Problem]]]:
    """The area rules' own checks: they load, their cases cover the outcomes and pass, every
    parameter is read, and no mutant survives (area rules are data like the others)."""
    from compliance.app.cases import run_area_cases
    from compliance.app.mutate import mutate_area_rule
    from compliance.catalogue.loading import AREA_FOLDER, area_rule_files, load_area_rule_file

    files = [f for p in paths for f in (area_rule_files(p.parent) if p.is_dir() and p.name == AREA_FOLDER else
                                        area_rule_files(p) if p.is_dir() else [p] if p.parent.name == AREA_FOLDER else [])]
    found: list[tuple[Path, Problem]] = []
    weak: list[tuple[Path, Problem]] = []
    seen: dict[str, Path] = {}
    for path in files:
        try:
            rule = load_area_rule_file(path)
        except RuleError as e:
            found += [(path, pr) for pr in e.problems]
            continue
        doc = lines[path] = rule.lines
        if rule.id in seen:
            found.append((path, Problem(f"rule id {rule.id} is also defined in {seen[rule.id]}", "id", doc.line_of(("id",)),
                                        code="duplicate-id")))
            continue
        seen[rule.id] = path
        bad_maps, no_maps = mapping_problems(rule)
        found += [(path, _mapping_problem(rule, t)) for t in bad_maps]
        weak += [(path, Problem(t, "mappings", None, code="mapping")) for t in no_maps]
        outcomes = {c.expect.value for c in rule.cases}
        weak += [(path, Problem(f"no case expecting {o}", "cases", doc.line_of(("cases",)), code="missing-case"))
                 for o in AREA_OUTCOMES if o not in outcomes and not (o == "not_applicable" and rule.always_applies)]
        weak += [(path, Problem(f"parameter '{n}' is never read, so changing it changes nothing", f"parameters.{n}",
                                doc.line_of(("parameters", n)), code="unread-parameter"))
                 for n in rule.parameters if n not in rule.parameters_read]
        failing = [r for r in run_area_cases([rule]) if not r.passed]
        names = [c.name for c in rule.cases]
        found += [(path, Problem(f"case '{r.case}' expects {r.expected}, the rule gives {r.actual}",
                                 f"cases[{names.index(r.case)}]", None, code="failing-case")) for r in failing]
        if not failing:
            weak += [(path, Problem(f"no case notices the mutant '{m.mutation.description}': add a case it gets "
                                    "wrong", m.mutation.where, m.line, code="surviving-mutant"))
                     for m in mutate_area_rule(rule, path).survivors]
    return found, weak


def _mutant_problems(rules: list[Rule], files: dict[str, Path]) -> list[tuple[Path, Problem]]:
    """Each mutant no case kills, as a problem at its line (prerequisites may come from the catalogue)."""
    from compliance.app.mutate import mutate_rule
    from compliance.catalogue.loading import RuleSet

    by_id = {r.id: r for r in rules}
    all_files = dict(files)
    if any(p not in by_id for r in rules for p in r.depends_on):
        bundled = load_rules()
        for rid, r in bundled.by_id.items():
            if rid not in files:
                by_id[rid] = r
                all_files[rid] = bundled.files[rid]
    ruleset = RuleSet(list(by_id.values()), all_files, "")
    out = []
    for rule in rules:
        if any(p not in by_id for p in rule.depends_on):
            continue  # a prerequisite with a problem of its own: reported there
        score = mutate_rule(ruleset, rule)
        path = files[rule.id]
        names = [c.name for c in rule.cases]
        for case in score.broken:
            out.append((path, Problem(f"case '{case}' fails on the rule itself (see `safeguard rules test`), so "
                                      "mutants were not checked", f"cases[{names.index(case)}]", None,
                                      code="failing-case")))
        for survivor in score.survivors:
            out.append((path, Problem(f"no case notices the mutant '{survivor.mutation.description}': add a case it "
                                      "gets wrong (e.g. one at, or just past, the threshold)", survivor.mutation.where,
                                      survivor.line,
                                      code="surviving-mutant")))
    return out


def _dependency_problems(rules: list[Rule], files: dict[str, Path]) -> list[tuple[Path, Problem]]:
    """Unknown prerequisites and cycles; local rules may depend on bundled ones."""
    from compliance.catalogue.dependencies import dependency_errors

    known: set[str] = set()
    if any(r.depends_on for r in rules):
        try:
            known = set(load_rules().by_id)
        except RuleError:
            known = set()  # a broken bundled catalogue is reported when it is linted itself
    return dependency_errors(rules, files, known)
