"""Rule, profile and weights errors in the rule language's own words, all at once, each located.

pydantic reports what its validators saw: one error per branch of a union (six for `gte: [coverage,
98%]`), regular expressions, class names, internal field names (`not_`), and a model's own checks
only once every field is valid (so a misspelt name appears only after other fixes). This layer
post-processes those errors and adds the checks that need only the raw document:

* errors at one place become one problem that lists what the place takes ("a number, true or false,
  a measure or parameter name, {text: ...} or {add|sub|mul|div: [a, b]}");
* a pattern is said in words, a field or operator by the name written in rule files (its alias);
* an unknown field, operator, measure kind, choice or name gets "did you mean" (difflib) and the
  list of valid choices, read from the models' own fields, so it follows the models as they change;
* every name a condition, message, threshold, filter or case reads is checked on the raw document,
  so all unknown names come in one run, whatever else is wrong;
* every problem gets a line and column (a missing field: where its parent starts).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, ValidationError, model_validator

from compliance.domain.errors import Problem
from compliance.domain.paths import models_in
from compliance.intake.documents import Document, format_loc

Loc = tuple


# --- places in a document -----------------------------------------------------------------------------


def position(doc: Document | None, loc: Iterable[str | int], value: bool = False) -> tuple[int | None, int | None]:
    """1-based (line, column) of the deepest part of `loc` present in the document (see LineMap.position)."""
    return (None, None) if doc is None else doc.lines.position(loc, value)


def parse_path(path: str) -> Loc:
    """'measures.in_date.where.level' or 'condition.gte[1]' back into a location tuple."""
    out: list[str | int] = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        out.append(int(part[1:-1]) if part.startswith("[") else part)
    return tuple(out)


def locate(problems: list[Problem], doc: Document | None) -> list[Problem]:
    """Give every problem with a field path a line and column (problems made elsewhere have lines only)."""
    for p in problems:
        if p.column is None and doc is not None:
            line, column = position(doc, parse_path(p.path)) if p.path else (p.line or 1, 1)
            if p.line is None or p.line == line:
                p.line, p.column = line, column
    return problems


def suggest(word: Any, choices: Iterable[str]) -> str:
    """"; did you mean 'x'?" when a choice is close to what was written."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def choices_text(choices: Iterable[str], sep: str = ", ") -> str:
    items = sorted(set(choices))
    return sep.join(items) if len(items) <= 40 else sep.join(items[:40]) + sep + "..."


# --- what the models accept, in rule-file words ---------------------------------------------------------


def field_names(model: type[BaseModel]) -> list[str]:
    """The names written in files: the alias where there is one (`not`, `in`), never the Python name."""
    return [f.alias or name for name, f in model.model_fields.items()]


def _pattern_words() -> dict[str, str]:
    """Each pattern of the rule format, said in words (read from the annotated types themselves, so
    a changed pattern keeps its words)."""
    from compliance.catalogue import area_schema, schema

    named = ((schema, "Name", "a name (lower-case letters, digits and _, starting with a letter; at most 40)"),
             (schema, "RuleId", "a rule id such as TRN-001 (three capital letters, a dash, three digits)"),
             (schema, "Path_", "a path into the return such as training.groups[].in_date"),
             (area_schema, "AreaRuleId", "an area rule id such as ARE-001"))
    out = {}
    for module, name, words in named:
        for meta in getattr(getattr(module, name, None), "__metadata__", ()):
            for m in getattr(meta, "metadata", ()):
                if getattr(m, "pattern", None):
                    out[m.pattern] = words
    return out


_PATTERNS: dict[str, str] | None = None


def pattern_words(pattern: str) -> str:
    global _PATTERNS
    if _PATTERNS is None:
        _PATTERNS = _pattern_words()
    if pattern in _PATTERNS:
        return _PATTERNS[pattern]
    if pattern == r"^[a-z0-9_]+$":
        return "lower-case letters, digits and _"
    return "text in the form this field takes (see `safeguard schema --what rule`)"


def _union_members(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _union_members(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [m for a in typing.get_args(annotation) for m in _union_members(a)]
    return [annotation]


def models_at(model: type[BaseModel], loc: Loc) -> list[type[BaseModel]]:
    """Every model that can sit at `loc` (through unions, lists, tuples and dicts), for suggestions."""
    current: list[Any] = [model]
    for part in loc:
        nxt: list[Any] = []
        for ann in current:
            for a in _union_members(ann):
                if isinstance(a, type) and issubclass(a, BaseModel):
                    if isinstance(part, str):
                        f = next((f for n, f in a.model_fields.items() if part in (n, f.alias)), None)
                        if f is not None:
                            nxt.append(f.annotation)
                    continue
                origin = typing.get_origin(a)
                args = typing.get_args(a)
                if origin in (list, tuple) and isinstance(part, int):
                    nxt.append(args[min(part, len(args) - 1)] if origin is tuple and args and args[-1] is not Ellipsis
                               else args[0] if args else Any)
                elif origin is dict and isinstance(part, str) and len(args) == 2:
                    nxt.append(args[1])
        current = nxt
    return [m for ann in current for a in _union_members(ann) for m in models_in(a)
            if isinstance(a, type) and issubclass(a, BaseModel)] or \
           [m for ann in current for m in models_in(ann)]


def _model_words(m: type[BaseModel]) -> str:
    names = field_names(m)
    if len(names) == 1:
        return f"{{{names[0]}: ...}}"
    return "{" + "|".join(names) + ": ...}" if len(names) <= 6 else f"a mapping of {', '.join(names[:6])}, ..."


def _alternative(err: dict, models: dict[str, type[BaseModel]]) -> str:
    kind = err["type"]
    if kind in ("bool_type", "bool_parsing"):
        return "true or false"
    if kind in ("int_type", "int_parsing", "float_type", "float_parsing", "number_type", "int_from_float",
                "finite_number", "number_finite"):
        return "a number"
    if kind == "string_pattern_mismatch":
        return pattern_words((err.get("ctx") or {}).get("pattern", ""))
    if kind == "string_type":
        return "text"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return "a date (YYYY-MM-DD)"
    if kind in ("list_type", "tuple_type"):
        return "a list"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        tag = next((_tag_model(p, models) for p in reversed(err["loc"]) if _tag_model(p, models)), None)
        return _model_words(models[tag]) if tag else "a mapping"
    if kind == "literal_error":
        return "one of " + ", ".join(_expected_choices(err))
    return _plain(err["msg"])


def _tag_model(part: Any, models: dict[str, type[BaseModel]]) -> str | None:
    """The model a union-branch tag names: 'Text', or 'function-after[_one(), Arith]'."""
    if not isinstance(part, str):
        return None
    if part in models:
        return part
    m = re.search(r"(\w+)\]$", part)
    return m.group(1) if m and m.group(1) in models else None


def _expected_choices(err: dict) -> list[str]:
    expected = str((err.get("ctx") or {}).get("expected", ""))
    return re.findall(r"'([^']*)'", expected) or [x.strip() for x in re.split(r",| or ", expected) if x.strip()]


def _plain(msg: str) -> str:
    msg = msg.removeprefix("Value error, ")
    msg = msg.replace("Input should be", "expected").replace("input should be", "expected")
    return re.sub(r"String should match pattern '[^']*'", "text in the form this field takes", msg)


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else type(value).__name__


def _raw_comparisons(c: Any, loc: Loc, comparisons: Any) -> Iterator[tuple[str, list, Loc]]:
    """Every comparison of a condition as written (before validation): (operator, its arguments,
    where the operator stands), through all/any/not; the one walk of both rule kinds' raw checks."""
    if not isinstance(c, dict):
        return
    for op, arg in c.items():
        if op in ("all", "any") and isinstance(arg, list):
            for i, sub in enumerate(arg):
                yield from _raw_comparisons(sub, loc + (op, i), comparisons)
        elif op == "not":
            yield from _raw_comparisons(arg, loc + (op,), comparisons)
        elif op in comparisons and isinstance(arg, list):
            yield op, arg, loc + (op,)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- translating a ValidationError -------------------------------------------------------------------------


def _present(data: Any, loc: tuple) -> tuple[Loc, list[str]]:
    """(the part of `loc` that exists in the document, the union-branch tags pydantic added)."""
    clean: list[str | int] = []
    tags: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            clean.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            clean.append(part)
            node = node[part]
        elif part == "[key]":
            clean.append(part)
            node = None
        else:
            tags.append(str(part))
    return tuple(clean), tags


def _all_models(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    out: dict[str, type[BaseModel]] = {}
    stack: list[type[BaseModel]] = [model]
    while stack:
        m = stack.pop()
        if m.__name__ in out:
            continue
        out[m.__name__] = m
        for f in m.model_fields.values():
            stack += models_in(f.annotation)
    return out


def explain(model: type[BaseModel], exc: ValidationError, doc: Document | None, data: Any = None) -> list[Problem]:
    """The errors of validating `data` (default: the document's) against `model`, one problem a place."""
    data = doc.data if data is None and doc is not None else data
    models = _all_models(model)
    groups: dict[Loc, list[tuple[dict, list[str]]]] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        at = (err.get("ctx") or {}).get("at")
        if err["type"] == "missing":
            clean, tags = _present(data, loc[:-1])
            clean = clean + (loc[-1],)
        else:
            clean, tags = _present(data, loc)
        if isinstance(at, str) and at:
            clean = clean + parse_path(at)
        groups.setdefault(clean, []).append((dict(err), tags))
    out = []
    for loc, errs in groups.items():
        deeper = any(other[: len(loc)] == loc and len(other) > len(loc) for other in groups)
        if deeper and all(isinstance(e.get("input"), dict) and e["type"].endswith("_type") for e, _ in errs):
            continue  # a mapping where plain values are also allowed: its own problems, inside it, say more
        out.append(_problem(model, models, loc, errs, doc, data))
    return out


def _problem(model: type[BaseModel], models: dict[str, type[BaseModel]], loc: Loc,
             errs: list[tuple[dict, list[str]]], doc: Document | None, data: Any) -> Problem:
    kinds = {e["type"] for e, _ in errs}
    first, tags = errs[0]
    got = first.get("input")
    shown_loc = tuple(p for p in loc if p != "[key]")
    path = format_loc(shown_loc)
    code = "schema"
    if "extra_forbidden" in kinds:
        containers = [models[t] for _, ts in errs for t in (_tag_model(x, models) for x in ts) if t] \
            or models_at(model, loc[:-1])
        allowed = sorted({n for m in containers for n in field_names(m)})
        what = _what_key(containers)
        msg = f"unknown {what} '{loc[-1]}'{suggest(loc[-1], allowed)}"
        msg += f" (valid here: {choices_text(allowed)})" if allowed else ""
        code = "unknown-field"
    elif kinds == {"missing"}:
        parent = format_loc(shown_loc[:-1])
        msg = f"'{loc[-1]}' is required{' in ' + parent if parent else ''} but missing"
        code = "missing-field"
    elif "[key]" in loc:
        msg = f"'{loc[-2] if len(loc) > 1 else got}' is not a valid name here: expected " + \
              " or ".join(dict.fromkeys(_alternative(e, models) for e, _ in errs))
    elif kinds <= {"literal_error", "enum"}:
        choices = [c for e, _ in errs for c in _expected_choices(e)]
        msg = f"{_show(got)} is not one of the choices here{suggest(got, choices)} (choices: {choices_text(choices)})"
        code = "unknown-choice"
    elif len(errs) == 1:
        msg = _single(first)
    else:
        alternatives = list(dict.fromkeys(_alternative(e, models) for e, _ in errs))
        msg = f"expected {', '.join(alternatives[:-1])} or {alternatives[-1]}" if len(alternatives) > 1 \
            else f"expected {alternatives[0]}"
        msg += f" (got {_show(got)})" + _hint(got)
    if kinds == {"missing"}:
        line, column = position(doc, loc[:-1])
    else:
        line, column = position(doc, loc, value=code != "unknown-field")
    return Problem(msg, path, line, column, code=code)


def _what_key(containers: list[type[BaseModel]]) -> str:
    """What a key of this mapping is called in the rule language: an operator, a kind, a field."""
    if containers and all(getattr(m, "ONE_KEY", None) for m in containers):
        return "operator"
    from compliance.catalogue.kinds import KINDS

    if containers and any(set(KINDS) & set(field_names(m)) for m in containers):
        return "measure kind or field"
    return "field"


def _single(err: dict) -> str:
    kind = err["type"]
    got = err.get("input")
    if kind == "string_pattern_mismatch":
        return f"expected {pattern_words((err.get('ctx') or {}).get('pattern', ''))} (got {_show(got)})"
    if kind == "one_key":
        keys = list(got) if isinstance(got, dict) else []
        return f"{_plain(err['msg'])}; this one has {', '.join(keys) if keys else 'none'}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        # only the kind of value: a file that is not a rule at all (/etc/passwd) is never quoted
        return f"expected a mapping of fields (got {_kind_of(got)})"
    alt = _alternative(err, {})
    if alt == _plain(err["msg"]):
        return alt + ("" if got is None or isinstance(got, (dict, list)) else f" (got {_show(got)})")
    return f"expected {alt} (got {_show(got)})" + _hint(got)


def _hint(got: Any) -> str:
    if isinstance(got, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*%\s*", got):
        return f": write {got.strip().rstrip('%').strip()} (shares are percentages without the % sign)"
    return ""


# --- names the raw rule reads -------------------------------------------------------------------------------


def _condition_ops() -> tuple[set[str], set[str]]:
    """(logical operators, comparison operators) of conditions, read from the Condition model."""
    from compliance.catalogue.schema import Condition

    names = set(field_names(Condition))
    logical = {n for n in names if n in ("all", "any", "not")}
    return logical, names - logical


def name_problems(data: Any, doc: Document | None) -> list[Problem]:
    """Every name a rule reads that it does not declare, with "did you mean" and the names it has.
    Works on the raw document, so it reports all of them even when other parts are invalid."""
    from compliance.catalogue.kinds import KINDS
    from compliance.catalogue.operators import OPERATORS
    from compliance.catalogue.schema import template_fields

    if not isinstance(data, dict):
        return []
    measures = [k for k in (data.get("measures") or {}) if isinstance(k, str)] if isinstance(data.get("measures"), dict) else []
    params = [k for k in (data.get("parameters") or {}) if isinstance(k, str)] if isinstance(data.get("parameters"), dict) else []
    known = set(measures) | set(params) | {"org_type"}
    _, comparisons = _condition_ops()
    name_re = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
    out: list[Problem] = []

    def problem(msg: str, loc: Loc) -> None:
        line, column = position(doc, loc)
        out.append(Problem(msg, format_loc(loc), line, column, code="unknown-name"))

    def unknown(name: str, loc: Loc, kinds: str, choices: list[str], written: str | None = None) -> None:
        what = {"measures": "a measure", "parameters": "a parameter"}.get(kinds, "a measure or parameter")
        have = f" ({kinds}: {choices_text(choices)})" if choices else f" (the rule has no {kinds})"
        problem(f"'{written or name}' is not {what} of this rule{suggest(name, choices)}{have}", loc)

    def operand(x: Any, loc: Loc) -> None:
        if isinstance(x, str) and name_re.match(x) and x not in known:
            unknown(x, loc, "measures and parameters", measures + params)
        elif isinstance(x, dict) and len(x) == 1:
            (op, args), = x.items()
            if isinstance(args, list):
                for i, a in enumerate(args):
                    operand(a, loc + (op, i))

    def walk(c: Any, loc: Loc) -> None:
        for op, arg, at in _raw_comparisons(c, loc, comparisons):
            if arg:
                left = arg[0]
                if isinstance(left, str) and name_re.match(left) and left not in measures and left != "org_type":
                    if left in params:
                        problem(f"the left side of '{op}' must be a measure, and '{left}' is a parameter "
                                f"(write [measure, {left}])", at + (0,))
                    else:
                        unknown(left, at + (0,), "measures", measures)
                if len(arg) > 1:
                    operand(arg[1], at + (1,))

    for key in ("condition", "applies_when"):
        walk(data.get(key), (key,))
    esc = data.get("escalate")
    if isinstance(esc, dict):
        walk(esc.get("when"), ("escalate", "when"))
    messages = data.get("messages")
    if isinstance(messages, dict):
        items = [f"{m}_items" for m in measures]
        for outcome, text in messages.items():
            if not isinstance(text, str):
                continue
            try:
                fields = template_fields(text)
            except Exception:  # noqa: BLE001 - a malformed template is the schema's to report
                continue
            for f in fields:
                if f not in known and f not in items:
                    unknown(f, ("messages", outcome), "measures and parameters", measures + params, "{" + f + "}")
    threshold = data.get("threshold")
    if isinstance(threshold, dict):
        if isinstance(threshold.get("measure"), str) and threshold["measure"] not in measures:
            unknown(threshold["measure"], ("threshold", "measure"), "measures", measures)
        if isinstance(threshold.get("parameter"), str) and threshold["parameter"] not in params:
            unknown(threshold["parameter"], ("threshold", "parameter"), "parameters", params)
    for name, m in (data.get("measures") or {}).items() if isinstance(data.get("measures"), dict) else []:
        if not isinstance(m, dict):
            continue
        for kind in (k for k, v in KINDS.items() if v.derived):  # computed from other measures
            refs = m.get(kind)
            if isinstance(refs, list):
                for i, r in enumerate(refs):
                    if isinstance(r, str) and r not in measures:
                        unknown(r, ("measures", name, kind, i), "measures", measures)
        for where_key in ("where",):
            where = m.get(where_key)
            if isinstance(where, dict):
                for fld, test in where.items():
                    if isinstance(test, dict):
                        for op, arg in test.items():
                            operator = OPERATORS.get(op)
                            if operator is not None and operator.parameter(arg) is not None and arg not in params:
                                unknown(arg, ("measures", name, where_key, fld, op), "parameters", params)
    for i, case in enumerate(data.get("cases") or [] if isinstance(data.get("cases"), list) else []):
        if isinstance(case, dict) and isinstance(case.get("parameters"), dict):
            for p in case["parameters"]:
                if p not in params:
                    unknown(p, ("cases", i, "parameters", p), "parameters", params)
    return out


# --- measure paths, said with the return's own names --------------------------------------------------------


_NOT_A_FIELD = re.compile(r"^measure '(?P<m>[^']+)': (?P<path>\S+): '(?P<bad>[^']+)' is not a field of (?P<cls>\w+)$")
_NOT_ITEM_FIELD = re.compile(r"^measure '(?P<m>[^']+)': '(?P<label>\w+)' field '(?P<bad>[^']+)' is not a field of the list items$")


def path_words(problem: Problem, data: Any) -> Problem:
    """'training.groups[].indate: 'indate' is not a field of StaffGroup' -> in the return's words,
    with did-you-mean and the fields there are (never a class name)."""
    from compliance.domain.model import SelfAssessment
    from compliance.domain.paths import model_at

    m = _NOT_A_FIELD.match(problem.message)
    if m:
        path, bad = m["path"], m["bad"]
        parts = path.replace("[]", "").split(".")
        prefix = parts[: parts.index(bad)] if bad in parts else parts[:-1]
        model, _ = model_at(SelfAssessment, prefix)
        fields = list(model.model_fields) + list(model.model_computed_fields) if model else []
        where = path[: path.index(bad)].rstrip(".") if bad in path else ".".join(prefix)
        problem.message = (f"measure '{m['m']}': '{bad}' is not a field of {where or 'the return'}"
                           f"{suggest(bad, fields)} (fields: {choices_text(fields)})")
        problem.code = "path"
        return problem
    m = _NOT_ITEM_FIELD.match(problem.message)
    if m and isinstance(data, dict):
        raw = ((data.get("measures") or {}).get(m["m"]) or {})
        path = next((v for v in raw.values() if isinstance(v, str) and "[]" in v), "") if isinstance(raw, dict) else ""
        head = path[: path.rindex("[]")] if "[]" in path else ""
        model, _ = model_at(SelfAssessment, head.split(".")) if head else (None, None)
        fields = list(model.model_fields) + list(model.model_computed_fields) if model else []
        problem.message = (f"measure '{m['m']}': '{m['label']}' field '{m['bad']}' is not a field of the items of "
                           f"{head}[]{suggest(m['bad'], fields)} (fields: {choices_text(fields)})")
    problem.code = problem.code or "path"
    return problem


def rule_problems(model: type[BaseModel], exc: ValidationError, doc: Document) -> list[Problem]:
    """Every problem of a rule file that does not validate: the translated schema errors and every
    unknown name, each once (`rules lint` adds the paths of the measures valid on their own)."""
    found = explain(model, exc, doc)
    names = name_problems(doc.data, doc)
    if names:  # ours name every unknown name, with suggestions; the model's own check names the first
        found = [p for p in found if not (p.code == "schema" and ("neither a measure nor a parameter" in p.message
                                                                  or "which is not a parameter" in p.message
                                                                  or "left side of" in p.message
                                                                  or "which is not a measure" in p.message
                                                                  or "sets unknown parameters" in p.message
                                                                  or "threshold names" in p.message))]
    found += names
    seen: set[tuple] = set()
    unique = []
    for p in sorted(found, key=lambda p: (p.line or 0, p.column or 0, p.path)):
        key = (p.path, p.message)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def windowed_fields(head: str) -> dict[str, str]:
    """For the model at `head` (a path with or without []), each count and the field stating the
    window it was counted with, as the return model declares them (`windows`)."""
    from compliance.domain.model import SelfAssessment
    from compliance.domain.paths import model_at

    parts = [p for p in head.replace("[]", "").split(".") if p]
    model, _ = model_at(SelfAssessment, parts)
    windows = getattr(model, "windows", None) or {}
    return {count: fields[0] for count, fields in windows.items() if fields}


class FrameworkClause(BaseModel):
    """One clause of framework_clauses.yaml, with how far it was checked against the project's
    reference material (the file's header says what each status means)."""

    model_config = {"extra": "forbid", "frozen": True}
    clause: str
    status: typing.Literal["named", "cited", "unverified"]
    basis: str | list[str] | None = None  # named: the reference's words; cited: requirement ids

    @model_validator(mode="after")
    def _basis_fits_status(self) -> FrameworkClause:
        wanted: dict[str, type] = {"named": str, "cited": list, "unverified": type(None)}
        if not isinstance(self.basis, wanted[self.status]) or self.basis == []:
            raise ValueError(f"{self.clause!r}: a {self.status} clause needs "
                             + {"named": "its words in the reference material as basis", "cited": "requirement ids as basis",
                                "unverified": "no basis"}[self.status])
        return self


def framework_clause_entries() -> dict[str, list[FrameworkClause]]:
    """The clauses each framework has, with their status (framework_clauses.yaml, shipped with the package)."""
    from pathlib import Path

    from compliance.domain.errors import RuleError
    from compliance.intake.documents import read_document

    doc = read_document(Path(__file__).with_name("framework_clauses.yaml"), RuleError)
    return {k: [FrameworkClause.model_validate(c) for c in v] for k, v in (doc.data or {}).items()}


def framework_clauses() -> dict[str, list[str]]:
    """The names of the clauses each framework has: what a rule's mappings may name."""
    return {k: [c.clause for c in v] for k, v in framework_clause_entries().items()}


def area_name_problems(data: Any, doc: Document | None) -> list[Problem]:
    """An area rule's names (its `check`, `same` and `requires`) that are neither item fields nor
    parameters, each at its place, with "did you mean" and the names it has."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), dict):
        return []
    items = data["items"]

    def names(key: str) -> list[str]:
        value = items.get(key)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    fields = names("fields") + [f"{m}_months" for m in names("months_since")] + names("label")
    params = [k for k in data.get("parameters") or {} if isinstance(k, str)] if isinstance(data.get("parameters"), dict) else []
    out: list[Problem] = []

    def check(name: Any, loc: Loc, choices: list[str]) -> None:
        if isinstance(name, str) and re.match(r"^[a-z][a-z0-9_]{0,39}$", name) and name not in choices:
            line, column = position(doc, loc, value=True)
            out.append(Problem(f"'{name}' is neither an item field nor a parameter of this rule{suggest(name, choices)} "
                               f"(item fields, as items.fields, months_since and label give them, and parameters: "
                               f"{choices_text(choices)})", format_loc(loc), line, column, code="unknown-name"))

    _, comparisons = _condition_ops()

    def walk(c: Any, loc: Loc) -> None:
        for _, arg, at in _raw_comparisons(c, loc, comparisons):
            for i, x in enumerate(arg[:2]):
                check(x, at + (i,), fields + params)

    walk(data.get("check"), ("check",))
    for i, name in enumerate(data.get("same") or [] if isinstance(data.get("same"), list) else []):
        check(name, ("same", i), fields)
    if isinstance(data.get("requires"), dict):
        check(data["requires"].get("field"), ("requires", "field"), fields)
    return out
