"""Mutation testing of rules: would the rule's own cases notice if its logic were slightly wrong?

A case that passes proves little unless some case would fail when the rule is changed in the way a
rule author most often gets it wrong: a boundary (`gte` where `gt` was meant), an inverted test
(`eq` for `ne`), a threshold off by one step of its unit, or `all` for `any`. Each such change is a
*mutant*; a mutant that none of the rule's cases tells apart from the real rule "survives", which
means the cases do not pin that part of the rule down (typically: no case at or just below a
threshold). `safeguard rules test --mutate` reports survivors with the rule's file and line.

Mutants are made on the rule's data (its validated form dumped with aliases, the same shape as the
YAML), found by shape rather than by field name, so new parts of the rule language that reuse the
comparison and `all`/`any` forms are mutated too. A mutant that is no longer a valid rule, or that
does not compile, is not counted: it is not a rule anyone could write.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from compliance.app.cases import case_input
from compliance.catalogue.dependencies import with_prerequisites
from compliance.catalogue.loading import RuleSet
from compliance.catalogue.area_schema import AreaRule
from compliance.catalogue.kinds import KINDS
from compliance.catalogue.operators import OPERATORS
from compliance.catalogue.schema import Case, Rule
from compliance.domain.errors import EngineError, RuleError
from compliance.domain.model import SelfAssessment
from compliance.evaluation.evaluator import Evaluator

# Boundary and inversion swaps (the classic relational-operator mutations) of conditions, and each
# filter operator's and measure kind's own mutation partner, from their registries.
SWAPS = {"gte": "gt", "gt": "gte", "lte": "lt", "lt": "lte", "eq": "ne", "ne": "eq"}
SWAPS |= {o.name: o.swap for o in OPERATORS.values() if o.swap is not None}
KIND_SWAPS = {k.name: k.swap for k in KINDS.values() if k.swap is not None}
QUANTIFIERS = {"all": "any", "any": "all"}
# Parts of a rule that hold no logic (prose, examples) or are mutated on their own terms.
NOT_LOGIC = frozenset({"id", "title", "area", "requirement", "rationale", "severity", "key_question",
                       "sources", "messages", "remediation", "line_of_enquiry", "cases", "parameters",
                       "depends_on", "applies_to"})

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Mutation:
    rule_id: str
    loc: Loc
    description: str

    @property
    def where(self) -> str:
        from compliance.intake.documents import format_loc

        return format_loc(self.loc)


@dataclass
class MutantResult:
    mutation: Mutation
    status: Literal["killed", "survived", "invalid"]
    detail: str = ""  # the case that killed it, or why it is invalid
    line: int | None = None


@dataclass
class RuleScore:
    rule_id: str
    file: Path
    results: list[MutantResult] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # cases that fail on the rule itself
    rule: Rule | AreaRule | None = None  # what was mutated, whose line map places cases and survivors

    @property
    def killed(self) -> int:
        return sum(r.status == "killed" for r in self.results)

    @property
    def total(self) -> int:
        return sum(r.status != "invalid" for r in self.results)

    @property
    def survivors(self) -> list[MutantResult]:
        return [r for r in self.results if r.status == "survived"]

    @property
    def ok(self) -> bool:
        return not self.broken and not self.survivors


def step_of(value: int | float) -> int | decimal.Decimal:
    """The smallest step of a default as written: 1 for whole numbers, 0.1 for 2.5, 0.05 for 1.25."""
    if isinstance(value, int) or float(value).is_integer():
        return 1
    exponent = decimal.Decimal(repr(float(value))).normalize().as_tuple().exponent
    return decimal.Decimal(1).scaleb(int(exponent))


def _stepped(value: int | float, sign: int) -> int | float:
    step = step_of(value)
    if isinstance(step, int):
        return value + sign * step if isinstance(value, int) else float(value) + sign * step
    return float(decimal.Decimal(repr(float(value))) + sign * step)


def _parameter_steps(p: Any) -> Iterator[tuple[Any, str]]:
    """Each smallest change of a default, as (the new default as data, what changed): a number by
    its step, a date (a cut-over) by a day, a list of codes by leaving out one code."""
    d = p.default
    if isinstance(d, bool):
        return
    if isinstance(d, (int, float)):
        for sign in (1, -1):
            new = _stepped(d, sign)
            if not ((p.min is not None and new < p.min) or (p.max is not None and new > p.max)):
                yield new, f"{d} -> {new}"
    elif isinstance(d, dt.date):
        for days in (1, -1):
            new_date = d + dt.timedelta(days=days)
            yield new_date.isoformat(), f"{d} -> {new_date}"
    elif isinstance(d, list):
        for code in d:
            yield [c for c in d if c != code], f"without {code}"


def mutations(rule: Rule | AreaRule) -> Iterator[tuple[Mutation, dict[str, Any]]]:
    """Every mutant of the rule (an organisation's or an area's) as (what changed, the mutated rule's data)."""
    data = rule.model_dump(mode="json", by_alias=True, exclude_unset=True)
    for name, p in rule.parameters.items():
        for new, shown in _parameter_steps(p):
            mutant = copy.deepcopy(data)
            mutant["parameters"][name]["default"] = new
            yield Mutation(rule.id, ("parameters", name, "default"), f"parameter {name} default {shown}"), mutant
    read: set[str] = set()
    if isinstance(rule, Rule):
        read = set(rule.used_measures)
        read |= {d for n in list(read) for d in rule.measures[n].derived_from}
    for key, value in data.items():
        if key in NOT_LOGIC:
            continue
        if key == "measures":  # a measure only a message shows decides nothing
            value = {n: m for n, m in value.items() if n in read}
            for name, m in value.items():
                for kind, other in KIND_SWAPS.items():
                    if kind in m and isinstance(rule, Rule):
                        mutant = copy.deepcopy(data)
                        mutant["measures"][name] = {(other if k == kind else k): v for k, v in m.items()}
                        yield Mutation(rule.id, ("measures", name, kind), f"{kind} -> {other}"), mutant
        for loc, replace, text in _logic_mutations(value, (key,)):
            mutant = copy.deepcopy(data)
            _set(mutant, loc, replace)
            yield Mutation(rule.id, loc, text), mutant
    if isinstance(rule, AreaRule):
        for loc, replace, text in _area_mutations(data):
            mutant = copy.deepcopy(data)
            _set(mutant, loc, replace)
            yield Mutation(rule.id, loc, text), mutant


# An area rule's own logic beyond its check: who must report, what must be present or listed, what
# absence means. Each is mutated by leaving out one entry (or switching a flag off), so a case must
# show each organisation type's silence, each required value and each required entry mattering.
AREA_LISTS: tuple[Loc, ...] = (("items", "expected_from"), ("items", "required", "org_types"),
                               ("items", "required", "services"), ("items", "unstated"), ("requires", "values"),
                               ("requires", "when"), ("listed_by", "org_types"), ("same",))
AREA_FLAGS: tuple[Loc, ...] = (("items", "empty_is_unreported"), ("items", "reported_only"))


def _area_mutations(data: dict[str, Any]) -> Iterator[tuple[Loc, Any, str]]:
    def at(loc: Loc) -> Any:
        node: Any = data
        for part in loc:
            node = node.get(part) if isinstance(node, dict) else None
        return node

    for loc in AREA_LISTS:
        node = at(loc)
        if isinstance(node, list):
            for x in node:
                yield loc, [y for y in node if y != x], f"without {x}"
        elif isinstance(node, dict):
            for k in node:
                yield loc, {j: v for j, v in node.items() if j != k}, f"without {k}"
    for loc in AREA_FLAGS:
        if at(loc) is True:
            yield loc, False, "true -> false"


def _logic_mutations(node: Any, loc: Loc) -> Iterator[tuple[Loc, Any, str]]:
    """(where, the replacement node, what changed) for each comparison and quantifier under node."""
    if isinstance(node, list):
        for i, x in enumerate(node):
            yield from _logic_mutations(x, loc + (i,))
        return
    if not isinstance(node, dict):
        return
    if len(node) == 1:
        (op, arg), = node.items()
        if op in SWAPS:
            yield loc, {SWAPS[op]: arg}, f"{op} -> {SWAPS[op]}"
        elif op in QUANTIFIERS and isinstance(arg, list) and len(arg) > 1:
            yield loc, {QUANTIFIERS[op]: arg}, f"{op} -> {QUANTIFIERS[op]}"
    for k, v in node.items():
        yield from _logic_mutations(v, loc + (k,))


def _set(data: Any, loc: Loc, value: Any) -> None:
    for part in loc[:-1]:
        data = data[part]
    data[loc[-1]] = value


class _Runner:
    """A rule's cases against a rule (or a mutant of it), with its prerequisites at their defaults.

    One Evaluator per distinct set of case parameters, compiled from the mutated rule and its
    prerequisites only; the case returns are validated once and shared by every mutant.
    """

    def __init__(self, ruleset: RuleSet, rule: Rule):
        self.ruleset = ruleset
        self.rule = rule
        self.docs: list[tuple[Case, SelfAssessment | None]] = []
        for case in rule.cases:
            try:
                self.docs.append((case, SelfAssessment.model_validate(case_input(rule, case))))
            except ValidationError:
                self.docs.append((case, None))

    def failing_case(self, candidate: Rule, first: str | None = None) -> str | None:
        """The name of a case the candidate rule gets wrong (trying `first` first), or None."""
        needed = [candidate] + [r for r in with_prerequisites(self.rule, self.ruleset.by_id) if r.id != candidate.id]
        rs = RuleSet(needed, {r.id: self.ruleset.files[r.id] for r in needed}, self.ruleset.digest)
        evaluators: dict[str, Evaluator] = {}
        order = sorted(self.docs, key=lambda cd: cd[0].name != first)
        for case, doc in order:
            if doc is None:
                return case.name
            key = repr(sorted(case.parameters.items()))  # list parameters are not hashable
            if key not in evaluators:
                evaluators[key] = Evaluator(rs, {candidate.id: dict(case.parameters)})
            try:
                finding = next(f for f in evaluators[key].evaluate(doc) if f.rule_id == candidate.id)
            except EngineError:
                return case.name
            if finding.outcome != case.expect or (case.severity is not None and finding.severity != case.severity):
                return case.name
        return None


class _AreaRunner:
    """An area rule's cases against the rule or a mutant: one AreaEvaluator per candidate."""

    def __init__(self, rule: AreaRule):
        from compliance.app.cases import area_case_returns

        self.cases = [(case, area_case_returns(case)) for case in rule.cases]

    def failing_case(self, candidate: AreaRule, first: str | None = None) -> str | None:
        from compliance.evaluation.area import AreaEvaluator

        evaluator = AreaEvaluator([candidate])
        for case, docs in sorted(self.cases, key=lambda cd: cd[0].name != first):
            try:
                verdict, _ = evaluator.evaluate(docs)[candidate.id]
            except EngineError:
                return case.name
            if verdict.outcome != case.expect:
                return case.name
        return None


def mutate_rule(ruleset: RuleSet, rule: Rule) -> RuleScore:
    return _score(rule, ruleset.files[rule.id], _Runner(ruleset, rule))


def mutate_area_rule(rule: AreaRule, path: Path) -> RuleScore:
    return _score(rule, path, _AreaRunner(rule))


def _score(rule: Rule | AreaRule, path: Path, runner: _Runner | _AreaRunner) -> RuleScore:
    score = RuleScore(rule.id, path, rule=rule)
    broken = runner.failing_case(rule)  # type: ignore[arg-type]
    if broken is not None:
        score.broken.append(broken)
        return score
    last: str | None = None
    for mutation, data in mutations(rule):
        try:
            mutant = type(rule).model_validate(data)
            killer = runner.failing_case(mutant, last)  # type: ignore[arg-type]
        except ValidationError as e:
            score.results.append(MutantResult(mutation, "invalid", f"not a valid rule: {e.errors()[0]['msg']}"))
            continue
        except RuleError as e:
            score.results.append(MutantResult(mutation, "invalid", f"does not compile: {e}"))
            continue
        if killer is None:
            score.results.append(MutantResult(mutation, "survived"))
        else:
            last = killer
            score.results.append(MutantResult(mutation, "killed", killer))
    for r in score.survivors:
        r.line = rule.lines.line_of(r.mutation.loc)
    return score


def mutate_rules(ruleset: RuleSet, only: set[str] | None = None,
                 area_folders: Sequence[Path] = ()) -> list[RuleScore]:
    """Scores of every rule (or those in `only`), then of the area rules of `area_folders`, in id order."""
    from compliance.catalogue.loading import area_rule_files, load_area_rules

    scores = [mutate_rule(ruleset, r) for r in ruleset.rules if only is None or r.id in only]
    if area_folders:
        paths = {p.stem: p for folder in area_folders for p in area_rule_files(folder)}
        scores += [mutate_area_rule(r, paths[r.id]) for r in load_area_rules(list(area_folders))]
    return scores
