"""What `rules lint`, `rules test` and `rules test --mutate` found, as one model every output format
(text, JSON, JUnit, SARIF, GitHub annotations) renders, so CI and a person read the same results.

Also where those commands look when given no path: the project's `./rules` when there is one (what
is in front of the author), else the bundled catalogue, said so; and an empty target is an error
(exit 2) for every rules command alike, as ruff and sqlfluff fail on nothing to check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from compliance.catalogue.area_schema import AreaRule
    from compliance.catalogue.schema import Rule

from compliance.domain.errors import Problem, RuleError

Level = Literal["error", "warning"]

# Stable ids of the kinds of problem (SARIF ruleId, JSON `code`), each with what it means.
CODES: dict[str, str] = {
    "file": "The file cannot be read as a rule file: YAML syntax, size, encoding or characters.",
    "schema": "The rule does not follow the rule format.",
    "unknown-field": "A field, operator or measure kind that the rule format does not have.",
    "unknown-name": "A measure or parameter name that the rule does not declare.",
    "unknown-choice": "A value that is not one of the choices allowed here.",
    "missing-field": "A required field is missing.",
    "path": "A measure path that does not name fields of the return.",
    "file-name": "The file name or folder does not match the rule's id or area.",
    "duplicate-id": "Two rule files define the same id.",
    "dependency": "An unknown or cyclic prerequisite.",
    "complexity": "Too complex for the engine, or invalid arithmetic.",
    "message": "A message that could show an identifier, a path or a coding to a reader.",
    "mapping": "A framework mapping that is unknown, duplicated or missing.",
    "framework-clause": "A framework clause that is not one of the framework's own clauses.",
    "missing-case": "A required case (met, not met, no evidence, not applicable) is missing.",
    "unread-parameter": "A parameter nothing reads.",
    "unwindowed-count": "A count the return states with a window, read without checking the window.",
    "failing-case": "A case whose expected outcome the rule does not give.",
    "surviving-mutant": "A change to the rule that no case notices.",
}


@dataclass
class Issue:
    """One problem, located: a failing case and a surviving mutant are issues like a schema error."""

    code: str
    message: str
    level: Level
    file: Path | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""  # the field path inside the rule file

    @classmethod
    def of(cls, file: Path | None, problem: Problem, level: Level) -> Issue:
        """A problem with no code of its own is a schema problem when it names a field, else the file's."""
        code = problem.code or ("schema" if problem.path else "file")
        return cls(code, problem.message, level, file, problem.line, problem.column, problem.path)

    def where(self) -> str:
        return Problem(self.message, self.path, self.line, self.column).where()


@dataclass
class Check:
    """One thing checked (a rule file, a case, a rule's mutants): a test to JUnit, passed or not."""

    suite: str  # the rule id, or the file when it has no readable id
    name: str
    file: Path | None
    issues: list[Issue] = field(default_factory=list)
    detail: str = ""  # shown beside a passing check in text (e.g. "5/5 mutants killed")

    @property
    def failed(self) -> bool:
        return bool(self.issues)


@dataclass
class CheckRun:
    command: Literal["lint", "test", "mutate"]
    target: str  # what was checked, e.g. "48 rule files in rules"
    checks: list[Check]
    summary: str = ""

    @property
    def issues(self) -> list[Issue]:
        return [i for c in self.checks for i in c.issues]

    def exit_code(self) -> int:
        """2 when a rule is invalid or a case fails (the rule is wrong as written); 1 when only
        warnings (a weak rule, a surviving mutant); 0 otherwise. `rules test` reports a failing case
        as a test failure, exit 1, as test runners do."""
        from compliance.domain.exit_policy import EXIT_FINDINGS, EXIT_INVALID, EXIT_OK

        levels = {i.level for i in self.issues}
        if self.command == "test":
            return EXIT_FINDINGS if levels else EXIT_OK
        return EXIT_INVALID if "error" in levels else EXIT_FINDINGS if levels else EXIT_OK


# --- what to check ----------------------------------------------------------------------------------


def default_targets(paths: list[Path]) -> tuple[list[Path], str | None]:
    """The paths given, else `./rules` when it is a folder, else the bundled catalogue; and a note
    to print when the bundled catalogue stands in (so nobody mistakes it for their own rules)."""
    from compliance.catalogue.files import BUNDLED_RULES

    if paths:
        return paths, None
    local = Path("rules")
    if local.is_dir():
        return [local], None
    return [BUNDLED_RULES], f"note: no ./rules folder here: checking the bundled catalogue ({BUNDLED_RULES})"


def is_area_file(path: Path) -> bool:
    from compliance.catalogue.files import AREA_FOLDER

    return path.is_file() and path.parent.name == AREA_FOLDER


def is_area_folder(path: Path) -> bool:
    """A catalogue's `area/` folder given on its own: every rule file in it is an area rule."""
    from compliance.catalogue.files import AREA_FOLDER

    return path.is_dir() and path.name == AREA_FOLDER


def target_files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(organisation rule files, area rule files) under the paths, each once."""
    from compliance.catalogue.files import rule_files
    from compliance.catalogue.loading import area_rule_files

    org: list[Path] = []
    area: list[Path] = []
    for p in paths:
        if is_area_folder(p):
            area += sorted(f for f in p.glob("*.y*ml") if f.is_file())
        elif p.is_dir():
            org += rule_files(p)
            area += area_rule_files(p)
        elif is_area_file(p):
            area.append(p)
        else:
            org.append(p)
    return list(dict.fromkeys(org)), list(dict.fromkeys(area))


def describe_target(paths: list[Path]) -> str:
    """'48 rule files in rules' (or an exit-2 error when there is nothing to check)."""
    org, area = target_files(paths)
    n = len(org) + len(area)
    where = ", ".join(_shown(p) for p in paths)
    if n == 0:
        raise RuleError(where, [Problem("no rule files (*.yaml) found: nothing to check")])
    return f"{n} rule file{'s' if n != 1 else ''} in {where}"


def _shown(path: Path) -> str:
    """A path relative to the current folder when it is under it (shorter, and clickable in editors)."""
    try:
        return str(path.resolve().relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


shown = _shown


# --- building a run from each command's results ------------------------------------------------------


def lint_run(paths: list[Path], target: str) -> CheckRun:
    from compliance.app.lint import lint_paths

    problems = lint_paths(paths)
    by_file: dict[Path, list[Issue]] = {}
    org, area = target_files(paths)
    for f in org + area:
        by_file.setdefault(f, [])
    for p in problems:
        by_file.setdefault(p.path, []).append(Issue.of(p.path, p.problem, "error" if p.invalid else "warning"))
    checks = [Check(f.stem, _shown(f), f, sorted(issues, key=lambda i: (i.line or 0, i.column or 0)))
              for f, issues in sorted(by_file.items(), key=lambda kv: str(kv[0]))]
    n = len(problems)
    return CheckRun("lint", target, checks, f"{n} problem{'s' if n != 1 else ''}")


def case_place(rule: Rule | AreaRule | None, case: str) -> tuple[str, int | None, int | None]:
    """(field path, line, column) of a case in its rule file, by name, from the rule's line map."""
    if rule is None:
        return "cases", None, None
    names = [c.name for c in rule.cases]
    if case not in names:
        return "cases", *rule.lines.position(("cases",))
    return f"cases[{names.index(case)}]", *rule.lines.position(("cases", names.index(case)))


def test_run(results: list, rules: dict[str, tuple[Rule | AreaRule, Path]], rule_ids: list[str], target: str
             ) -> CheckRun:
    """One check per case; a failing case is an issue at the case's line."""
    checks = []
    passed = failed = 0
    for rid in rule_ids:
        rule, file = rules.get(rid, (None, None))
        for r in [r for r in results if r.rule_id == rid]:
            issues = []
            if not r.passed:
                failed += 1
                at, line, column = case_place(rule, r.case)
                issues.append(Issue("failing-case", f"case '{r.case}' expects {r.expected}, the rule gives "
                                    f"{r.actual} ({r.message})", "error", file, line, column, at))
            else:
                passed += 1
            checks.append(Check(rid, r.case, file, issues))
    return CheckRun("test", target, checks, f"{passed} passed, {failed} failed")


def mutate_run(scores: list, target: str) -> CheckRun:
    """One check per rule; a survivor is a warning at its line, a case failing on the rule itself an error."""
    checks = []
    killed = total = 0
    for s in scores:
        issues = []
        for c in s.broken:
            at, line, column = case_place(s.rule, c)
            issues.append(Issue("failing-case", f"case '{c}' fails on the rule itself (see `safeguard rules test`); "
                                "mutants not run", "error", s.file, line, column, at))
        issues += [Issue("surviving-mutant", f"{r.mutation.description} survives (no case tells it apart): add a "
                         "case it gets wrong (e.g. one at, or just past, the threshold)", "warning", s.file, r.line,
                         None, r.mutation.where) for r in s.survivors]
        killed += s.killed
        total += s.total
        checks.append(Check(s.rule_id, "mutants", s.file, issues,
                            f"{s.killed}/{s.total} mutants killed ({_percent(s.killed, s.total)})"))
    return CheckRun("mutate", target, checks,
                    f"{killed}/{total} mutants killed ({_percent(killed, total)}), {total - killed} survived")


def _percent(killed: int, total: int) -> str:
    return f"{100 * killed / total:.1f}%" if total else "no mutants"
