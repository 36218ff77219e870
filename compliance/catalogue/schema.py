"""The rule format: rule files are data, validated against `Rule`.

A rule file is YAML validated against `Rule`. It declares *measures* (aggregates over paths of the
self-assessment, computed in Python by `evaluation/measures.py`), optional *gates* that put an organisation out
of scope, and a *condition* over the measures. `evaluation/compiler.py` turns gates and condition into
durable-rules rulesets; nothing in a rule file is ever executed as code.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal, Union
from collections.abc import Iterator

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from compliance.domain.model import OrgType, RoleKind, ServiceKind
from compliance.domain.base import Strict
from compliance.domain.outcomes import FrameworkMapping, KeyQuestion, Outcome, Severity, Source
from compliance.catalogue.kinds import EXTRAS, KINDS, Kind
from compliance.catalogue.operators import Compare, test_parameters
from compliance.catalogue.language import (FromFile, FiniteFloat, Name, Number, OneKey, Path_, RuleId, Scalar, _brief,
                                           _strict_number)

# Names the engine itself puts on every fact; a measure may not shadow them.
RESERVED = frozenset({"id", "sid", "t", "org_type", "svc_count"})
MAX_MEASURES = 40


ParamValue = Union[Number, dt.date, list[Annotated[str, Field(max_length=60)]]]  # noqa: UP007 (a runtime alias pydantic reads)


class Parameter(Strict):
    """A named value of a rule: a number, or a date (a cut-over), that a profile may change."""

    default: ParamValue
    min: ParamValue | None = None
    max: ParamValue | None = None
    unit: str | None = Field(default=None, max_length=30)
    description: str = Field(min_length=3, max_length=400)

    @model_validator(mode="after")
    def _default_in_range(self) -> Parameter:
        check_parameter_value(self, self.default)
        return self


def check_parameter_value(p: Parameter, value: Any) -> None:
    if isinstance(p.default, list):  # a list parameter: e.g. the posts an organisation type needs
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PydanticCustomError("param_type", "expected a list of codes, got {v}", {"v": _brief(value)})
        # codes of the same list as the default's (service kinds, roles): a misspelt one would match nothing
        for codes in ({k.value for k in ServiceKind}, {r.value for r in RoleKind}):
            unknown = [v for v in value if v not in codes]
            if p.default and set(p.default) <= codes and unknown:
                raise PydanticCustomError("param_code", "{u} is not one of the known codes: {c}",
                                          {"u": ", ".join(unknown), "c": ", ".join(sorted(codes))})
        return
    if isinstance(p.default, dt.date):
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                pass
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise PydanticCustomError("param_type", "expected a date (YYYY-MM-DD), got {v}", {"v": _brief(value)})
    else:
        _strict_number(value)
    if (p.min is not None and value < p.min) or (p.max is not None and value > p.max):
        raise PydanticCustomError(
            "param_range", "{v} is outside the range {lo} to {hi}", {"v": value, "lo": p.min, "hi": p.max}
        )


# --- measures ---------------------------------------------------------------------------------------

WhereValue = Union[Scalar, list[Scalar], Compare]  # noqa: UP007


class Window(Strict):
    """The window a reported count was made with, checked against the rule's parameter.

    A count of reviews "in time" made with a 7-day window cannot show that a 5-day standard is met,
    so a window wider than the parameter (`max`), or a different definition (`eq`: an age limit,
    "N episodes in M days"), makes the measure unknown: insufficient evidence, saying why.
    """

    path: Path_ | None = Field(default=None, description="Where the return states the window (a value path).")
    field: Name | None = Field(default=None, description="For list measures: the field of each item stating it.")
    max: Name | None = Field(default=None, description="Parameter the window may not exceed.")
    eq: Name | None = Field(default=None, description="Parameter the window must equal.")

    @model_validator(mode="after")
    def _one_each(self) -> Window:
        if (self.path is None) == (self.field is None) or (self.max is None) == (self.eq is None):
            raise PydanticCustomError("window", "a window has one of path/field and one of max/eq")
        return self

    @property
    def parameter(self) -> str:
        return self.max or self.eq  # type: ignore[return-value]


class Required(Strict):
    """Which key values a list must hold, as data: for every organisation, by organisation type, and
    by the services run. Each entry is a literal list or the name of a list parameter."""

    always: list[Scalar] | Name | None = None
    org_types: dict[OrgType, list[Scalar] | Name] = Field(default_factory=dict)
    services: dict[ServiceKind, list[Scalar] | Name] = Field(default_factory=dict)

    def parameter_names(self) -> list[str]:
        entries = [self.always, *self.org_types.values(), *self.services.values()]
        return [e for e in entries if isinstance(e, str)]


class Measure(Strict):
    """One number derived from the self-assessment. Exactly one of the kind fields is set."""

    value: Path_ | None = Field(default=None, description="A single reported value (booleans become 1/0).")
    sum: Path_ | None = Field(default=None, description="Sum of a field over the items of a list (path with []).")
    count: Path_ | None = Field(default=None, description="Number of items of a list (path ending in []).")
    min: Path_ | None = None
    max: Path_ | None = None
    distinct: Path_ | None = Field(default=None, description="Number of distinct values of a field over a list.")
    percent: tuple[Name, Name] | None = Field(
        default=None, description="100 * first / second, of two other measures; unknown when the second is 0."
    )
    months_since: Path_ | None = Field(default=None, description="Age of a date at the period end in months: `age <= N` exactly when the date is within N months.")
    year: Path_ | None = Field(default=None, description="The calendar year of a date (for cut-over dates).")
    total: list[Name] | None = Field(default=None, min_length=2, max_length=20,
                                     description="Sum of other measures; unknown when any of them is.")
    min_percent: Path_ | None = Field(
        default=None, description="Lowest per-item percentage over a list (path ending in []), of `fields`: [part, whole]; items with whole 0 are skipped."
    )
    fields: tuple[Name, Name] | None = None
    by: Name | None = Field(
        default=None, description="With `min_percent`: add parts and wholes up per value of this item field "
        "(one share per service, say) before taking the lowest.")
    on_or_after: Name | None = Field(
        default=None, description="With `value`: the part of a count over the period that falls on or after this date "
        "parameter. All of it when the period starts on or after the date, none when it ends before, and when the "
        "period contains the date, anything from none to all (a count cannot say when its episodes happened).")
    expect: Literal["services_run"] | None = Field(
        default=None, description="With `min_percent` and `by: service`: every service the organisation runs that "
        "the filter admits must have a line; a service run without one has no known share (not evidenced), so it "
        "can never pass unseen.")
    absent: Path_ | None = Field(
        default=None, description="How many of `values` do not appear as this field of the (filtered) list items."
    )
    values: list[Scalar] | None = None
    each: Path_ | None = Field(
        default=None, description="How many required values (`required`) have no item of this list (path ending in []) "
        "whose `key` field holds the value and that passes one of the `passes` alternatives.")
    key: Name | None = None
    required: Required | None = None
    passes: list[dict[Name, WhereValue]] | None = Field(default=None, min_length=1, max_length=8)
    labels: dict[str, Annotated[str, Field(max_length=80)]] | None = Field(
        default=None, description="How each required value is named in messages (default: the value with spaces).")
    where: dict[Name, WhereValue] | None = None
    window: list[Window] | None = Field(default=None, max_length=3,
                                        description="Windows the reported value must have been counted with.")
    description: str | None = Field(default=None, max_length=300)

    KINDS: ClassVar[tuple[str, ...]] = tuple(KINDS)

    @model_validator(mode="after")
    def _one_kind(self) -> Measure:
        kinds = [k for k in self.KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise PydanticCustomError(
                "measure_kind", "a measure has exactly one of {kinds}", {"kinds": ", ".join(self.KINDS)}
            )
        kind = KINDS[kinds[0]]
        for extra, owners in EXTRAS.items():
            if getattr(self, extra) is not None and kind.name not in owners:
                raise PydanticCustomError("measure_extra", "'{e}' goes with {o}, and only with it",
                                          {"e": extra, "o": " or ".join(f"'{o}'" for o in owners)})
        lacking = sorted(e for e in kind.required_extras if getattr(self, e) is None)
        if lacking:
            raise PydanticCustomError("measure_extra", "'{k}' needs {e}",
                                      {"k": kind.name, "e": " and ".join(f"'{e}'" for e in lacking)})
        kind.check(self)
        return self

    @cached_property
    def kind(self) -> str:
        """Read for every measure of every evaluation, so worked out once (cached_property writes
        the instance dict directly, which a frozen model allows)."""
        return next(k for k in self.KINDS if getattr(self, k) is not None)

    @property
    def spec(self) -> Kind:
        """The measure's kind: its arithmetic and words (see catalogue/kinds)."""
        return KINDS[self.kind]

    @cached_property
    def path(self) -> str | None:
        return self.spec.path(self)

    @cached_property
    def is_date(self) -> bool:
        """A day number to the engine, a date to people (read for every value shown)."""
        return self.spec.is_date(self)

    @cached_property
    def derived_from(self) -> tuple[str, ...]:
        """Other measures this one is computed from (read for every measure of every evaluation)."""
        return self.spec.derived_from(self)


# --- conditions -------------------------------------------------------------------------------------


class Arith(OneKey):
    add: tuple[Operand, Operand] | None = None
    sub: tuple[Operand, Operand] | None = None
    mul: tuple[Operand, Operand] | None = None
    div: tuple[Operand, Operand] | None = None

    ONE_KEY = "an arithmetic expression has exactly one of add, sub, mul, div"


class Text(Strict):
    text: str = Field(max_length=100, description="A literal piece of text (a bare string names a measure or parameter).")


Operand = Union[bool, int, FiniteFloat, Name, Text, Arith]  # noqa: UP007


class Condition(OneKey):
    """A boolean expression over measures. Exactly one key is set.

    Comparisons take `[measure, operand]`; the operand is a number, true/false, the name of a
    parameter or measure, `{text: ...}`, or arithmetic over operands.
    """

    all: list[Condition] | None = Field(default=None, min_length=1, max_length=20)
    any: list[Condition] | None = Field(default=None, min_length=1, max_length=20)
    not_: Condition | None = Field(default=None, alias="not")
    eq: tuple[Name, Operand] | None = None
    ne: tuple[Name, Operand] | None = None
    lt: tuple[Name, Operand] | None = None
    lte: tuple[Name, Operand] | None = None
    gt: tuple[Name, Operand] | None = None
    gte: tuple[Name, Operand] | None = None

    ONE_KEY = "a condition has exactly one of all, any, not, eq, ne, lt, lte, gt, gte"

    @property
    def op(self) -> str:
        name = next(iter(self.model_fields_set))
        return "not" if name == "not_" else name




def comparisons(c: Condition) -> Iterator[tuple[str, str, Any]]:
    """Every comparison of a condition, as (operator, measure, operand), in order: the one walk of
    the condition tree that checks, words and lint share."""
    if c.op in ("all", "any"):
        for sub in getattr(c, c.op):
            yield from comparisons(sub)
    elif c.op == "not":
        yield from comparisons(c.not_)  # type: ignore[arg-type]
    else:
        left, right = getattr(c, c.op)
        yield c.op, left, right


def condition_names(c: Condition) -> list[str]:
    """Every name (measure or parameter) a condition reads, in order of first use."""
    out: list[str] = []

    def operand(o: Any) -> None:
        if isinstance(o, str) and not isinstance(o, bool):
            out.append(o)
        elif isinstance(o, Arith):
            for x in getattr(o, o.op):
                operand(x)

    for _, left, right in comparisons(c):
        out.append(left)
        operand(right)
    return list(dict.fromkeys(out))


# --- the rule ---------------------------------------------------------------------------------------


class Scope(Strict):
    org_types: list[OrgType] = Field(default_factory=lambda: list(OrgType), min_length=1)
    services: list[ServiceKind] | None = Field(
        default=None, description="Applies only to organisations running at least one of these services."
    )


class Threshold(Strict):
    """The one number a finding is judged against, declared in the rule so that screening can scale
    a shortfall and reports can show it without guessing which parameter is "the threshold"."""

    measure: Name = Field(description="The measure compared with the threshold.")
    parameter: Name = Field(description="The parameter holding the threshold.")


class Escalation(Strict):
    when: Condition
    severity: Severity
    reason: str = Field(min_length=3, max_length=300)


class Messages(Strict):
    met: str = Field(min_length=3, max_length=400)
    not_met: str = Field(min_length=3, max_length=400)
    not_applicable: str | None = Field(default=None, max_length=400)


class Case(Strict):
    """An embedded test case: an input fragment (merged onto a minimal return) and the outcome."""

    name: str = Field(min_length=3, max_length=80, pattern=r"^[a-z0-9_]+$")
    org_type: OrgType | None = Field(default=None, description="Defaults to the rule's first organisation type.")
    input: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[Name, ParamValue] = Field(default_factory=dict)
    expect: Outcome
    severity: Severity | None = None

    @field_validator("input", mode="after")
    @classmethod
    def _dates_as_text(cls, value: dict[str, Any]) -> dict[str, Any]:
        """YAML gives dates, JSON (the rule cache) gives text; keep one form so both load alike."""
        def norm(v: Any) -> Any:
            if isinstance(v, dict):
                return {k: norm(x) for k, x in v.items()}
            if isinstance(v, list):
                return [norm(x) for x in v]
            return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v

        return norm(value)


class Rule(FromFile):
    id: RuleId
    title: str = Field(min_length=5, max_length=100)
    area: Name
    requirement: str = Field(min_length=10, max_length=1000)
    rationale: str = Field(min_length=10, max_length=2000)
    severity: Severity
    key_question: KeyQuestion
    applies_to: Scope = Field(default_factory=Scope)
    sources: list[Source] = Field(min_length=1, max_length=10)
    mappings: list[FrameworkMapping] = Field(
        default_factory=list, max_length=20,
        description="Where the requirement sits in CQC's single assessment framework, the SAAF, Working Together, "
                    "the section 11 standards and the Intercollegiate document, for reports grouped by framework.")
    parameters: dict[Name, Parameter] = Field(default_factory=dict)
    measures: dict[Name, Measure] = Field(min_length=1, max_length=MAX_MEASURES)
    applies_when: Condition | None = Field(
        default=None, description="Otherwise not applicable, e.g. no episodes of the kind in the period."
    )
    condition: Condition
    escalate: Escalation | None = None
    threshold: Threshold | None = None
    depends_on: list[RuleId] = Field(
        default_factory=list, max_length=5,
        description="Prerequisite rules: if any of them is not applicable, so is this rule.",
    )
    messages: Messages
    remediation: str = Field(min_length=10, max_length=1000)
    line_of_enquiry: str = Field(min_length=10, max_length=500, description="What an inspector should ask.")
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_resolve(self) -> Rule:
        clash = (set(self.measures) & set(self.parameters)) | (set(self.measures) & RESERVED) | (set(self.parameters) & RESERVED)
        if clash:
            raise PydanticCustomError("name_clash", "names used twice or reserved: {n}",
                                      {"n": ", ".join(sorted(clash)), "at": "measures"})
        for name, m in self.measures.items():
            for ref in where_parameters(m):
                if ref not in self.parameters:
                    raise PydanticCustomError(
                        "unknown_name", "measure '{m}' filters on '{r}', which is not a parameter",
                        {"m": name, "r": ref, "at": f"measures.{name}"})
        known = set(self.measures) | {"org_type"}
        order = list(self.measures)
        for name, m in self.measures.items():
            for ref in m.derived_from:
                # a percent or total may use another one declared above it (no cycles by construction)
                if ref not in self.measures or (self.measures[ref].derived_from and order.index(ref) >= order.index(name)):
                    raise PydanticCustomError(
                        "unknown_name", "measure '{m}' refers to '{r}', which is not a measure read from the return "
                        "or a percent/total declared above it", {"m": name, "r": ref, "at": f"measures.{name}"},
                    )
        for label, cond in (("condition", self.condition), ("applies_when", self.applies_when),
                            ("escalate.when", self.escalate.when if self.escalate else None)):
            if cond is None:
                continue
            for n in condition_names(cond):
                if n not in known and n not in self.parameters:
                    raise PydanticCustomError(
                        "unknown_name", "{label} uses '{n}', which is neither a measure nor a parameter",
                        {"label": label, "n": n, "at": label},
                    )
            _check_left_sides(cond, known, label)
        for outcome, template in self.messages:
            if template is None:
                continue
            for field in template_fields(template):
                named = field.endswith("_items") and self.measures.get(field[:-6]) is not None \
                    and bool(self.measures[field[:-6]].key)
                if field not in self.measures and field not in self.parameters and not named:
                    raise PydanticCustomError(
                        "unknown_name", "message '{o}' uses '{f}', which is neither a measure nor a parameter",
                        {"o": outcome, "f": "{" + field + "}", "at": f"messages.{outcome}"},
                    )
        if self.threshold is not None and (self.threshold.measure not in self.measures
                                           or self.threshold.parameter not in self.parameters):
            raise PydanticCustomError("unknown_name", "threshold names a measure and a parameter of this rule",
                                      {"at": "threshold"})
        if self.id in self.depends_on or len(set(self.depends_on)) != len(self.depends_on):
            raise PydanticCustomError("depends_on", "depends_on must list other rules, each once", {"at": "depends_on"})
        case_names = [c.name for c in self.cases]
        if len(set(case_names)) != len(case_names):
            raise PydanticCustomError("case_names", "case names must be unique", {"at": "cases"})
        for c in self.cases:
            unknown = set(c.parameters) - set(self.parameters)
            if unknown:
                raise PydanticCustomError(
                    "unknown_name", "case '{c}' sets unknown parameters: {u}",
                    {"c": c.name, "u": ", ".join(sorted(unknown)), "at": "cases"}
                )
        return self

    def parameter_values(self, overrides: dict[str, Any] | None = None) -> dict[str, ParamValue]:
        values = {k: p.default for k, p in self.parameters.items()}
        values.update(overrides or {})
        return values

    @cached_property
    def used_measures(self) -> list[str]:
        """Measures the gates and condition read (what must be reported), plus percent inputs."""
        names = []
        for cond in (self.applies_when, self.condition, self.escalate.when if self.escalate else None):
            if cond is not None:
                names += [n for n in condition_names(cond) if n in self.measures]
        return list(dict.fromkeys(names))


def where_parameters(m: Measure) -> list[str]:
    """Parameter names a measure's filter, windows and (for `each`) its requirement and tests read."""
    out = [w.parameter for w in m.window or []] + ([m.on_or_after] if m.on_or_after else [])
    out += m.required.parameter_names() if m.required else []
    tests = [v for alt in ([m.where or {}] + list(m.passes or [])) for v in alt.values()]
    return out + [p for v in tests for p in test_parameters(v)]


def _check_left_sides(c: Condition, measures: set[str], label: str) -> None:
    for op, left, _ in comparisons(c):
        if left not in measures:
            raise PydanticCustomError(
                "left_side", "{label}: the left side of '{op}' must be a measure, not '{n}'",
                {"label": label, "op": op, "n": left, "at": label},
            )


_FIELD = re.compile(r"^[a-z][a-z0-9_]*$")


def template_fields(template: str) -> list[str]:
    """Names a message template interpolates; only bare names, so a template can never reach attributes."""
    out = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise PydanticCustomError("template", "bad message template: {e}", {"e": str(e)}) from None
    for _, field, spec, conv in parsed:
        if field is None:
            continue
        if not _FIELD.match(field) or conv or (spec and not re.fullmatch(r"\.?[0-9]{0,2}[fd%]?|names", spec)):
            raise PydanticCustomError(
                "template", "message placeholders are bare names like {a}, {b} or {c}, not '{f}'",
                {"a": "{coverage}", "b": "{coverage:.1f}", "c": "{services:names}",
                 "f": "{" + field + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"},
            )
        out.append(field)
    return out
