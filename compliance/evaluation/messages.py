"""Findings in plain English: a rule's message template filled with the organisation's own values.

A template names measures and parameters (`{in_date} of {staff} staff ({coverage}%)`); how each
value reads is decided here, once, for every rule: counts with thousands separators, shares to one
decimal (truncated, so a share just under a standard never reads as meeting it), yes/no as words,
money as money, dates as dates, and an unreported value as "not reported" (never "not reported%").
`{measure:names}` names the items a list measure counts ("Eastmoor UTC and Westmoor ED"), the
values an `absent` measure found missing, or the lowest item of a `min_percent`. "Not reported"
findings list the human label of each missing field and, for list items, which item lacks it. No
measure name, path or parameter identifier reaches the text: `identifier_problems` is the check
that lint and the tests apply to every message.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from typing import Any

from compliance.catalogue.schema import Compare, Measure, Rule
from compliance.domain.labels import item_name, lower_first, unit_of, value_label
from compliance.domain.labels import label_of as _label_of
from compliance.domain.model import SelfAssessment
from compliance.domain.outcomes import Outcome
from compliance.evaluation.compiler import Branch
from compliance.evaluation.measures import (
    _split, absent_values, describe_each, possible_items, describe_range, describe_source, matching_items, missing_fields,
    window_problem,
)

NOT_REPORTED = "not reported"


def label_of(path: str) -> str:
    """The model's label, or for a path lint will reject anyway, its last name in words."""
    try:
        return _label_of(path)
    except KeyError:
        return path.replace("[]", "").split(".")[-1].replace("_", " ").capitalize()

NAME_SPECS = ("names",)


# --- how one value reads ------------------------------------------------------------------------------


def number(value: int | float) -> str:
    """1234 -> '1,234'; 84.46 -> '84.4' (one decimal, truncated towards zero, so it never rounds up
    across a standard); 90.0 -> '90'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    truncated = math.floor(abs(value) * 10 + 1e-9) / 10 * (1 if value >= 0 else -1)
    return f"{truncated:,.1f}".rstrip("0").rstrip(".")


def money(value: int | float) -> str:
    """Pounds: £86,000, £0.01."""
    return f"£{int(value):,}" if float(value).is_integer() else f"£{value:,.2f}"


def share(part: int | float, whole: int | float) -> str:
    """'262 of 310 (84.5%)': a count with its share, the form every finding uses for proportions."""
    return f"{number(part)} of {number(whole)} ({number(part * 100 / whole)}%)" if whole else f"{number(part)} of 0"


def yes_no(value: Any) -> str:
    return "yes" if value else "no"


def date_text(value: dt.date | str) -> str:
    d = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.day} {d:%B %Y}"


def join_names(names: list[str], limit: int = 6) -> str:
    """'A', 'A and B', 'A, B and C'; past `limit`, 'A, B, ... and 4 more'."""
    if not names:
        return "none"
    if len(names) > limit:
        names = names[:limit - 1] + [f"{len(names) - limit + 1} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def measure_unit(m: Measure) -> str | None:
    """How a measure's value reads: a single flag is yes/no, a date is a date, money is money."""
    try:
        if m.kind in ("value", "min", "max"):
            return unit_of(m.path)  # type: ignore[arg-type]
        if m.kind == "sum" and unit_of(m.path) == "GBP":  # type: ignore[arg-type]
            return "GBP"
    except KeyError:  # a path outside the model: lint reports it
        pass
    return None


def show(value: Any, unit: str | None = None) -> str:
    if value is None:
        return NOT_REPORTED
    if unit == "flag":
        return yes_no(value)
    if unit == "date" and isinstance(value, (str, dt.date)):
        return date_text(value)
    if unit == "GBP" and isinstance(value, (int, float)):
        return money(value)
    if isinstance(value, (int, float)):
        return number(value)
    return value_label(value) if isinstance(value, str) and re.fullmatch(r"[a-z0-9_]+", value) else str(value)


def evidence_text(m: Measure, value: Any) -> str:
    """A measure's value as a report shows it next to its label: '97.6%', 'yes', '£86,000', '4'."""
    text = show(value, measure_unit(m))
    return f"{text}%" if m.kind in ("percent", "min_percent") and value is not None else text


# --- templates -----------------------------------------------------------------------------------------


def item_names(m: Measure, doc: SelfAssessment, params: dict[str, Any]) -> str:
    """`{measure:names}`: the items behind a list measure, in the organisation's own names."""
    if m.kind == "absent":
        gone = absent_values(m, doc, params)
        return NOT_REPORTED if gone is None else join_names([value_label(v) for v in gone])
    if m.kind == "each":
        return describe_each(m, doc, params)
    items = matching_items(m, doc, params)
    if items is None:
        return NOT_REPORTED
    if m.kind == "distinct":  # the values counted, each with the items holding it ("A in sexual health")
        _, tail = _split(m.path)  # type: ignore[arg-type]
        held: dict[str, list[str]] = {}
        for i in items:
            v = getattr(i, tail[-1], None) if tail else None
            if v is not None:
                held.setdefault(show(v, None), []).append(item_name(i))
        return "; ".join(f"{v} in {join_names(names)}" for v, names in held.items()) or "none"
    if m.kind == "min_percent":
        part, whole = m.fields  # type: ignore[misc]
        if m.by is not None:  # groups added up per value of `by` (TRN-003: per service), named by it
            sums: dict[Any, list[int]] = {}
            for i in items:
                key, p, w = getattr(i, m.by), getattr(i, part), getattr(i, whole)
                if key is None or p is None or w is None:
                    continue
                sums.setdefault(key, [0, 0])
                sums[key][0] += p
                sums[key][1] += w
            shares = [(p * 100 / w, value_label(k)[:1].upper() + value_label(k)[1:]) for k, (p, w) in sums.items() if w]
        else:
            shares = [(getattr(i, part) * 100 / getattr(i, whole), item_name(i)) for i in items
                      if getattr(i, whole) and getattr(i, part) is not None]
        return min(shares)[1] if shares else "none"
    if not items and (maybe := possible_items(m, doc, params)):  # "at most 1 (possibly general practice)"
        return "possibly " + lower_first(join_names([item_name(i) for i in maybe]))
    return join_names([item_name(i) for i in items])


def fill(template: str, rule: Rule, values: dict[str, Any], params: dict[str, Any],
         doc: SelfAssessment | None) -> str:
    """A template with every placeholder read as a person would write it."""
    out: list[str] = []
    swallow_percent = one = False
    for literal, field, spec, _ in string.Formatter().parse(template):
        if swallow_percent and literal.startswith("%"):
            literal = literal[1:]
        if one:  # "within 1 working day", not "1 working days"
            literal = _PLURAL_UNIT.sub(r"\1", literal, count=1)
        out.append(literal)
        swallow_percent = one = False
        if field is None:
            continue
        m = rule.measures.get(field)
        if m is None and field.endswith("_items") and field[:-6] in rule.measures:
            m, spec = rule.measures[field[:-6]], NAME_SPECS[0]  # `{failing_posts_items}`: {failing_posts:names}
        if m is not None and spec in NAME_SPECS:
            out.append(item_names(m, doc, params) if doc is not None else NOT_REPORTED)
            continue
        value = values.get(field) if m is not None else params.get(field)
        known = (getattr(values, "ranges", None) or {}).get(field) if m is not None and value is None else None
        if value is None and known is not None and m.kind != "value" and known.text is None and (known.lo or known.hi is not None):
            # what the return does tell: "at least 2", "between 40 and 60"
            out.append(describe_range(known, m.kind in ("percent", "min_percent")))
        elif value is None:
            out.append(NOT_REPORTED)
            swallow_percent = True
        elif spec and isinstance(value, (int, float)) and not isinstance(value, bool) and measure_unit_or_none(m) is None:
            out.append(format(value, spec))
        else:
            unit = measure_unit_or_none(m) or ("GBP" if m is None and _money_parameter(rule, field) else None)
            if m is None and isinstance(value, dt.date):
                unit = "date"
            if unit == "GBP" and out and out[-1].endswith("£"):
                out[-1] = out[-1][:-1]
            out.append(show(value, unit))
            one = value == 1 and not isinstance(value, bool) and unit is None
    return tidy("".join(out))


_PLURAL_UNIT = re.compile(r"^( (?:working day|day|month|hour|year|episode|week))s\b")


def _money_parameter(rule: Rule, name: str) -> bool:
    p = rule.parameters.get(name)
    return p is not None and (p.unit or "").strip() in ("£", "GBP", "pounds")


def tidy(text: str) -> str:
    """A count and its share both unreported read once: 'not reported of not reported (not reported)'
    -> 'not reported'; 'not reported of 40 (not reported)' -> 'not reported of 40'."""
    text = re.sub(rf"{NOT_REPORTED} of {NOT_REPORTED}( \({NOT_REPORTED}\))?", NOT_REPORTED, text)
    text = text.replace(f" ({NOT_REPORTED})", "").replace(f"({NOT_REPORTED}; ", "(")
    return text


def measure_unit_or_none(m: Measure | None) -> str | None:
    return None if m is None else measure_unit(m)


# --- evidence labels -----------------------------------------------------------------------------------


def _filter_words(m: Measure, params: dict[str, Any]) -> str:
    head = ".".join(_split(m.path)[0]) if m.path else ""  # type: ignore[arg-type]
    words = []
    for field, want in (m.where or {}).items():
        label = lower_first(label_of(f"{head}[].{field}"))
        if isinstance(want, Compare):
            op = next(iter(want.model_fields_set))
            arg = getattr(want, op)
            arg = params.get(arg, arg) if isinstance(arg, str) and op not in ("eq", "ne", "in_", "not_in") else arg
            if op in ("in_", "not_in"):
                ref = label_of(".".join(_split(arg)[0]))
                words.append(f"{label} {'in' if op == 'in_' else 'not in'} {lower_first(ref)}")
            elif op == "months_before_end":
                words.append(f"{label} at least {number(arg)} months before the period end")
            elif op == "in_period":
                words.append(f"{label} in the period")
            else:
                sign = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}[op]
                words.append(f"{label} {sign} {show(arg)}")
        elif isinstance(want, list):
            words.append(f"{label}: {join_names([show(w) for w in want], limit=4).replace(' and ', ' or ')}")
        elif isinstance(want, bool):
            words.append(f"{label}: {yes_no(want)}" if label.startswith("whether") else label if want else f"not {label}")
        else:
            words.append(f"{label} {show(want)}")
    return "; ".join(words)


def measure_label(rule: Rule, name: str, params: dict[str, Any]) -> str:
    """What a measure is, in words, for the evidence a report shows next to its value."""
    m = rule.measures[name]
    if m.description:  # a parameter named in it reads as its value: "vacant for 3 whole months"
        return re.sub(r"\b[a-z][a-z0-9_]*\b", lambda w: show(params[w.group()]) if w.group() in params and "_" in w.group()
                      else w.group(), m.description.rstrip("."))
    if m.kind == "percent":
        num, den = (measure_label(rule, n, params) for n in m.percent)  # type: ignore[union-attr]
        return f"{num} as a share of {lower_first(den)}"
    if m.kind == "total":
        return " + ".join(measure_label(rule, n, params) for n in m.total)  # type: ignore[union-attr]
    head, tail = _split(m.path)  # type: ignore[arg-type]
    list_label = label_of(".".join(head))
    where = _filter_words(m, params)
    suffix = f" ({where})" if where else ""
    if m.kind == "value":
        return label_of(m.path)  # type: ignore[arg-type]
    if m.kind == "months_since":
        return f"Months from {lower_first(label_of(m.path))} to the period end"  # type: ignore[arg-type]
    if m.kind == "year":
        return f"Year of {lower_first(label_of(m.path))}"  # type: ignore[arg-type]
    if m.kind == "count":
        return f"Number of {lower_first(list_label)}{suffix}"
    if m.kind == "absent":
        return f"Not listed among {lower_first(list_label)}: {join_names([value_label(v) for v in m.values or []], limit=8)}{suffix}"
    if m.kind == "min_percent":
        part, whole = m.fields  # type: ignore[misc]
        return (f"Lowest share of {lower_first(label_of(f'{m.path}.{part}'))} in {lower_first(label_of(f'{m.path}.{whole}'))}"
                f" across {lower_first(list_label)}{suffix}")
    field = label_of(m.path)  # type: ignore[arg-type]
    if m.kind == "sum":
        return f"{field}{suffix}"
    kind = {"min": "Lowest", "max": "Highest", "distinct": "Different values of"}[m.kind]
    return f"{kind} {lower_first(field)}{suffix}"


# --- the finding's message -------------------------------------------------------------------------------


def missing_sources(rule: Rule, values: dict[str, Any], doc: SelfAssessment | None = None,
                    params: dict[str, Any] | None = None, zero_out: list[str] | None = None,
                    skip: set[str] | None = None) -> list[str]:
    """What the rule needed and did not get, in words, down to the inputs of shares; `skip`: measures
    that were reported but cannot decide (their window is wider than the standard's), said apart."""
    skip = skip or set()
    params = rule.parameter_values() if params is None else params
    out: list[str] = []

    def gaps(name: str) -> list[str]:
        m = rule.measures[name]
        if doc is not None:
            return missing_fields(m, doc, params) or [measure_label(rule, name, params)]
        return [measure_label(rule, name, params)]

    def sources(name: str) -> list[str]:  # the unreported inputs behind a measure, through shares and totals
        if values.get(name) is not None or name in skip:
            return []
        m = rule.measures[name]
        return [g for n in m.derived_from for g in sources(n)] if m.derived_from else gaps(name)

    def windowed(name: str) -> bool:
        return name in skip or any(windowed(n) for n in rule.measures[name].derived_from if values.get(n) is None)

    zero: list[str] = []
    for name in rule.used_measures:
        if values.get(name) is not None or name in skip:
            continue
        m = rule.measures[name]
        if m.derived_from:
            parts = sources(name)
            out += parts
            if not parts and not windowed(name):
                zero.append(lower_first(measure_label(rule, m.derived_from[-1], params)))
        else:
            out += gaps(name)
    if zero and zero_out is not None:
        zero_out.extend(dict.fromkeys(zero))
    elif zero:
        out += [f"{z} is 0, so no share can be worked out" for z in dict.fromkeys(zero)]
    return list(dict.fromkeys(out))


def message(rule: Rule, branch: Branch, values: dict[str, Any], params: dict[str, Any], doc: SelfAssessment) -> str:
    if branch.outcome == Outcome.insufficient_evidence:
        if branch.gate == "services":
            return "The services the organisation runs were not reported."
        needed = [x for n in rule.used_measures for x in [n, *rule.measures[n].derived_from]]
        windows = {n: p for n in dict.fromkeys(needed) if values.get(n) is None and rule.measures[n].window
                   for p in [window_problem(rule, n, doc, params)] if p}
        zero: list[str] = []
        missing = missing_sources(rule, values, doc, params, zero, skip=set(windows))
        parts = [w[0].upper() + w[1:] + "." for w in dict.fromkeys(windows.values())]
        parts += ["Not reported: " + "; ".join(missing) + "."] if missing else []
        parts += [f"No share can be worked out because {join_names(zero)} {'is' if len(zero) == 1 else 'are'} 0."] if zero else []
        return " ".join(parts)
    if branch.outcome == Outcome.not_applicable:
        if branch.gate == "org_type":
            types = join_names([value_label(t) for t in rule.applies_to.org_types], limit=8).replace(" and ", " or ")
            return f"Applies to {types} organisations; this is {an(value_label(doc.organisation.type))}."
        if branch.gate == "depends_on":
            return f"Depends on {branch.prerequisite}, which is not applicable to this organisation."
        if branch.gate == "services":
            kinds = join_names([value_label(s) for s in rule.applies_to.services or []], limit=8).replace(" and ", " or ")
            return f"Applies to organisations running {kinds}; none is reported."
        template = rule.messages.not_applicable or "Out of scope in this period."
    else:
        template = rule.messages.met if branch.outcome == Outcome.met else rule.messages.not_met
    text = fill(template, rule, values, params, doc)
    if branch.gate == "escalate" and rule.escalate is not None:
        text += f" Severity raised to {branch.severity.value}: {rule.escalate.reason}"
    return text


def an(noun: str) -> str:
    """'an acute trust' / 'a GP practice' for the organisation types."""
    noun = {"acute": "acute trust", "community": "community trust", "mental health": "mental health trust",
            "ambulance": "ambulance trust"}.get(noun, noun)
    return ("an " if noun[:1].lower() in "aeio" or noun.startswith("ICB") else "a ") + noun


# --- the check every message must pass --------------------------------------------------------------------

_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
_PATH = re.compile(r"\[\]|\b[a-z_]+\.[a-z_]+\.[a-z_]|\b(?:count|sum|absent|min_percent|distinct)\(")
_CODING = re.compile(r"\b[01]\s*=\s*(?:yes|no)\b|\(1 yes|\b1 = yes")


def identifier_problems(text: str, rule: Rule | None = None) -> list[str]:
    """Why a rendered message is not plain English: an identifier, a path, 'not reported%', a 0/1
    coding of yes/no, or an unfilled placeholder."""
    problems = []
    if f"{NOT_REPORTED}%" in text:
        problems.append("'not reported%'")
    for token in _SNAKE.findall(text):
        problems.append(f"identifier '{token}'")
    if _PATH.search(text):
        problems.append("a path expression")
    if _CODING.search(text):
        problems.append("0/1 coding of yes/no")
    if re.search(r"\{[a-z_]+(:[^}]*)?\}", text):
        problems.append("an unfilled placeholder")
    if rule is not None:
        for name in list(rule.parameters) + list(rule.measures):
            if "_" in name and re.search(rf"\b{re.escape(name)}\b", text):
                problems.append(f"identifier '{name}'")
    return list(dict.fromkeys(problems))


def template_problems(rule: Rule) -> list[tuple[str, str]]:
    """(outcome, problem) for each message of a rule that could render badly: rendered once with
    every measure unreported and once with every measure reported, without an organisation."""
    out = []
    params = rule.parameter_values()
    for outcome, template in rule.messages:
        if template is None:
            continue
        for values in ({n: None for n in rule.measures}, {n: 1 for n in rule.measures}):
            for p in identifier_problems(fill(template, rule, values, params, None), rule):
                out.append((outcome, p))
    for name in rule.measures:  # evidence labels are read by people too
        for p in identifier_problems(measure_label(rule, name, params), rule):
            out.append((f"measures.{name}.description", p))
    return list(dict.fromkeys(out))


__all__ = ["message", "missing_sources", "measure_label", "fill", "identifier_problems", "template_problems",
           "number", "money", "share", "yes_no", "date_text", "join_names", "show", "describe_source"]
