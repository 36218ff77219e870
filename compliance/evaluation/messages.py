"""Findings in plain English: a rule's message template filled with the organisation's own values.

A template names measures and parameters (`{in_date} of {staff} staff ({coverage}%)`); how each
value reads is decided from typed values, once, for every rule: counts with thousands separators,
shares by the one display rule (`domain/display.py`: one decimal, and never on the wrong side of the
rule's threshold), yes/no as words, money as money, dates as dates, a range as what the return does
tell ("at most 80"), and an unreported value as "not reported" (never "not reported%").
`{measure:names}` asks the measure's kind to name the items behind it. What is still missing is
worked out by each kind as data (where in the return, and the question in words), and the message
only lists it. No measure name, path or parameter identifier reaches the text: `identifier_problems`
is the check that lint and the tests apply to every message.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from fractions import Fraction
from typing import Any

from compliance.catalogue.kinds import kind_of, measure_label
from compliance.catalogue.kinds.base import join_names
from compliance.catalogue.operators import Context
from compliance.catalogue.schema import Rule, comparisons
from compliance.domain.display import count_text, share_number
from compliance.domain.labels import lower_first, value_label
from compliance.evaluation.relevance import live_measures
from compliance.domain.model import SelfAssessment
from compliance.domain.outcomes import Outcome
from compliance.domain.ranges import Loc, MeasureResult, Number, Range
from compliance.evaluation.compiler import Branch
from compliance.evaluation.measures import describe_range, display_value, window_problem

NOT_REPORTED = "not reported"
NAME_SPECS = ("names",)


# --- how one value reads ------------------------------------------------------------------------------


def number(value: int | float | Fraction) -> str:
    """1234 -> '1,234'; 84.46 -> '84.5' (one decimal); 90.0 -> '90'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or float(value).is_integer():
        return count_text(int(value))
    return share_number(value)


def money(value: int | float) -> str:
    """Pounds: £86,000, £0.01."""
    return f"£{int(value):,}" if float(value).is_integer() else f"£{value:,.2f}"


def share(part: int, whole: int, threshold: Number | None = None) -> str:
    """'262 of 310 (84.5%)': a count with its share, the form every finding uses for proportions."""
    if not whole:
        return f"{number(part)} of 0"
    return f"{number(part)} of {number(whole)} ({share_number(Fraction(100 * part, whole), threshold)}%)"


def yes_no(value: Any) -> str:
    return "yes" if value else "no"


def date_text(value: dt.date | str) -> str:
    d = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.day} {d:%B %Y}"


def show(value: Any, unit: str | None = None, threshold: Number | None = None) -> str:
    """One value as a person reads it, by its unit."""
    if value is None:
        return NOT_REPORTED
    if unit == "flag":
        return yes_no(value)
    if unit == "date" and isinstance(value, (str, dt.date)):
        return date_text(value)
    if unit == "GBP" and isinstance(value, (int, float)):
        return money(value)
    if unit == "percent" and isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
        return share_number(value, threshold)
    if isinstance(value, (int, float, Fraction)):
        return number(value)
    return value_label(value) if isinstance(value, str) and re.fullmatch(r"[a-z0-9_]+", value) else str(value)


def thresholds(rule: Rule, params: dict[str, Any]) -> dict[str, Number]:
    """For each share the rule compares with a number or parameter, that number: a share is never
    shown on the wrong side of what it is judged against."""
    out: dict[str, Number] = {}
    if rule.threshold is not None:
        v = params.get(rule.threshold.parameter)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[rule.threshold.measure] = Fraction(repr(v)) if isinstance(v, float) else v

    for cond in (rule.condition, rule.applies_when, rule.escalate.when if rule.escalate else None):
        for _, left, right in comparisons(cond) if cond is not None else ():
            v = params.get(right) if isinstance(right, str) else right
            if isinstance(v, (int, float)) and not isinstance(v, bool) and left in rule.measures:
                out.setdefault(left, Fraction(repr(v)) if isinstance(v, float) else v)
    return out


def value_text(rule: Rule, name: str, r: Range, threshold: Number | None = None, unit: str | None = "") -> str:
    """A measure's value next to its label: '97.6%', 'yes', '£86,000', 'at most 80', 'not reported'
    (`unit`: the measure's, when the caller has it)."""
    m = rule.measures[name]
    words = kind_of(m).value_words(m, r)
    if words is not None:
        return words
    unit = kind_of(m).unit(m) if unit == "" else unit
    percent = unit == "percent"
    exact = r.lo if r.exact and r.text is None else None
    if exact is not None and percent:
        return f"{share_number(exact, threshold)}%"
    v = display_value(rule, name, r)
    if v is None and r.text is None and unit != "flag" and (r.lo or r.hi is not None):
        text = describe_range(r, percent, threshold)
        return f"{text}%" if percent else text
    return show(v, unit, threshold)


# --- templates -----------------------------------------------------------------------------------------


def fill(template: str, rule: Rule, results: dict[str, MeasureResult], params: dict[str, Any],
         ctx: Context | None, limits: dict[str, Number] | None = None) -> str:
    """A template with every placeholder read as a person would write it; `limits`: the rule's
    `thresholds` (worked out here when not given)."""
    limits = thresholds(rule, params) if limits is None else limits
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
            m, field, spec = rule.measures[field[:-6]], field[:-6], NAME_SPECS[0]  # `{x_items}`: {x:names}
        if m is not None and spec in NAME_SPECS:
            result = results.get(field)
            out.append(kind_of(m).names(m, result, ctx) if ctx is not None and result is not None else NOT_REPORTED)
            continue
        if m is not None:
            r = results[field].range if field in results else Range()
            unit = kind_of(m).unit(m)
            if r.exact or r.text is not None:
                v = display_value(rule, field, r)
                if spec and unit is None and isinstance(v, (int, float)) and not isinstance(v, bool):
                    out.append(format(v, spec))
                elif unit == "percent":
                    out.append(share_number(r.lo, limits.get(field)))  # type: ignore[arg-type]
                else:
                    out.append(show(v, unit))
                    one = v == 1 and not isinstance(v, bool) and unit is None
            elif r.text is None and unit != "flag" and (r.lo or r.hi is not None):
                # what the return does tell: "at least 2", "between 40 and 60", "at most 80"
                out.append(describe_range(r, unit == "percent", limits.get(field)))
            else:
                out.append(NOT_REPORTED)
                swallow_percent = True
            continue
        value = params.get(field)
        if value is None:
            out.append(NOT_REPORTED)
            swallow_percent = True
            continue
        unit = "GBP" if _money_parameter(rule, field) else "date" if isinstance(value, dt.date) else None
        if unit == "GBP" and out and out[-1].endswith("£"):
            out[-1] = out[-1][:-1]
        if spec and unit is None and isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(format(value, spec))
        else:
            out.append(show(value, unit))
            one = value == 1 and not isinstance(value, bool) and unit is None
    return tidy("".join(out))


_VERB = r"(?:were|was|are|is|have|has|had|reach|reaches|carry|carries|do|does|without)\b"
_NOT_A_NOUN = r"(?:of|for|in|and|or|by|at|to|on|from|with)\b"


_PLURAL_UNIT = re.compile(r"^( (?:working day|day|month|hour|year|episode|week|post|service|group|referral))s\b")


def _money_parameter(rule: Rule, name: str) -> bool:
    p = rule.parameters.get(name)
    return p is not None and (p.unit or "").strip() in ("£", "GBP", "pounds")


def tidy(text: str) -> str:
    """An unreported count reads as the sentence around it needs: a count and its share both
    unreported read once ('not reported of not reported (not reported)' -> 'not reported'), an
    unreported share in brackets is dropped, and inside a sentence an unreported count is 'an
    unreported number' ('an unreported number of staff', 'an unreported number were referred',
    'an unreported number of 200 staff'); before punctuation it stays 'not reported'."""
    text = re.sub(rf"{NOT_REPORTED} of {NOT_REPORTED}( \({NOT_REPORTED}\))?", NOT_REPORTED, text)
    text = text.replace(f" ({NOT_REPORTED})", "").replace(f"({NOT_REPORTED}; ", "(")
    text = re.sub(rf"\b{NOT_REPORTED} (?=of\b|{_VERB})", "an unreported number ", text)
    text = re.sub(rf"\b(only |Only )?{NOT_REPORTED} (?!{_NOT_A_NOUN})(?=[a-z])", lambda m: (m.group(1) or "") + "an unreported number of ", text)
    return re.sub(r"(^|[.!?] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


# --- what is still missing -----------------------------------------------------------------------------


def missing_inputs(rule: Rule, results: dict[str, MeasureResult], ctx: Context | None,
                   skip: set[str] | None = None, zero_out: list[str] | None = None) -> list[tuple[Loc, str]]:
    """What the rule needed and did not get, as (where in the return, the question in words), down
    to the inputs of shares; `skip`: measures that were reported but cannot decide (their window is
    wider than the standard's), said apart; `zero_out` collects the wholes that are 0."""
    skip = skip or set()
    params = ctx.params if ctx is not None else rule.parameter_values()
    out: list[tuple[Loc, str]] = []

    def known(name: str) -> bool:
        r = results[name].range if name in results else Range()
        return r.exact or r.text is not None

    def gaps(name: str) -> list[tuple[Loc, str]]:
        m = rule.measures[name]
        found = kind_of(m).missing(m, results[name], ctx) if ctx is not None and name in results else []
        return found or [((), measure_label(rule, name, params))]

    def sources(name: str) -> list[tuple[Loc, str]]:  # the unreported inputs behind a measure
        if known(name) or name in skip:
            return []
        m = rule.measures[name]
        return [g for n in m.derived_from for g in sources(n)] if m.derived_from else gaps(name)

    def windowed(name: str) -> bool:
        return name in skip or any(windowed(n) for n in rule.measures[name].derived_from if not known(n))

    # only inputs that could still change the outcome (given the organisation and what it reported);
    # should the walk leave none where the engine found the rule open, every open input is asked for
    live = None if ctx is None else live_measures(rule, results, params, _org_type(ctx))
    open_ = [n for n in rule.used_measures if not known(n) and n not in skip
             and (ctx is None or kind_of(rule.measures[n]).why_open(rule, rule.measures[n], ctx) is None)]
    if live is not None and any(n in live for n in open_):
        open_ = [n for n in open_ if n in live]
    zero: list[str] = []
    for name in open_:
        m = rule.measures[name]
        if m.derived_from:
            parts = sources(name)
            out += parts
            if not parts and not windowed(name):
                zero.append(lower_first(measure_label(rule, m.derived_from[-1], params)))
        else:
            out += gaps(name)
    if zero_out is not None:
        zero_out.extend(dict.fromkeys(zero))
    return list(dict.fromkeys(out))


def _org_type(ctx: Context) -> str | None:
    t = ctx.doc.organisation.type
    return None if t is None else getattr(t, "value", str(t))


def missing_sources(rule: Rule, results: dict[str, MeasureResult], doc: SelfAssessment | None = None,
                    params: dict[str, Any] | None = None) -> list[str]:
    """The missing inputs' questions in words (see `missing_inputs`)."""
    ctx = None if doc is None else Context(doc, rule.parameter_values() if params is None else params)
    zero: list[str] = []
    out = [label for _, label in missing_inputs(rule, results, ctx, zero_out=zero)]
    return list(dict.fromkeys(out + [f"{z} is 0, so no share can be worked out" for z in zero]))


def window_problems(rule: Rule, results: dict[str, MeasureResult], ctx: Context) -> dict[str, str]:
    """Measures reported with a window the standard cannot use, each with why."""
    needed = [x for n in rule.used_measures for x in [n, *rule.measures[n].derived_from]]
    out = {}
    live: set[str] | None = None
    for n in dict.fromkeys(needed):
        r = results[n].range
        m = rule.measures[n]
        if r.exact or r.text is not None:
            continue
        if m.window:
            p = window_problem(rule, n, ctx.doc, ctx.params)
        else:  # open for a reason no input can settle (a period spanning a cut-over), when it matters
            p = kind_of(m).why_open(rule, m, ctx)
            if p is not None:
                live = live_measures(rule, results, ctx.params, _org_type(ctx)) if live is None else live
                p = p if n in live else None
        if p:
            out[n] = p
    return out


def message(rule: Rule, branch: Branch, results: dict[str, MeasureResult], ctx: Context,
            limits: dict[str, Number] | None = None) -> str:
    doc, params = ctx.doc, ctx.params
    if branch.outcome == Outcome.insufficient_evidence:
        if branch.gate == "services":
            return "The services the organisation runs were not reported."
        windows = window_problems(rule, results, ctx)
        zero: list[str] = []
        missing = [label for _, label in missing_inputs(rule, results, ctx, set(windows), zero)]
        parts = [w[0].upper() + w[1:] + "." for w in dict.fromkeys(windows.values())]
        parts += ["Not reported: " + "; ".join(dict.fromkeys(missing)) + "."] if missing else []
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
    text = fill(template, rule, results, params, ctx, limits)
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
    coding of yes/no, an unfilled placeholder or a stray brace."""
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
    if re.search(r"%\s*%", text):
        problems.append("a doubled '%'")
    if rule is not None:
        for name in list(rule.parameters) + list(rule.measures):
            if "_" in name and re.search(rf"\b{re.escape(name)}\b", text):
                problems.append(f"identifier '{name}'")
    return list(dict.fromkeys(problems))


def template_problems(rule: Rule) -> list[tuple[str, str]]:
    """(outcome, problem) for each message of a rule that could render badly: rendered once with
    every measure unreported and once with every measure reported, without an organisation; and a
    '%' after a placeholder that is not a share."""
    out = []
    params = rule.parameter_values()
    for outcome, template in rule.messages:
        if template is None:
            continue
        for rng in (Range(), Range(1, 1)):
            results = {n: MeasureResult(rng) for n in rule.measures}
            text = fill(template, rule, results, params, None)
            for p in identifier_problems(text, rule):
                out.append((outcome, p))
            if re.sub(r"\{[a-z_]+(:[^}]*)?\}", "", text).count("{") or "}" in re.sub(r"\{[a-z_]+(:[^}]*)?\}", "", text):
                out.append((outcome, "a literal brace"))
        for literal_after, name in _fields_followed_by(template):
            m = rule.measures.get(name)
            if literal_after.startswith("%") and (m is None or kind_of(m).unit(m) != "percent"):
                param = rule.parameters.get(name)
                if param is None or (param.unit or "").strip() != "%":
                    out.append((outcome, f"'%' after {{{name}}}, which is not a share"))
    for name in rule.measures:  # evidence labels are read by people too
        for p in identifier_problems(measure_label(rule, name, params), rule):
            out.append((f"measures.{name}.description", p))
    return list(dict.fromkeys(out))


def _fields_followed_by(template: str) -> list[tuple[str, str]]:
    parsed = list(string.Formatter().parse(template))
    return [(parsed[i + 1][0], field) for i, (_, field, _, _) in enumerate(parsed[:-1]) if field is not None]


__all__ = ["message", "missing_inputs", "missing_sources", "measure_label", "fill", "identifier_problems",
           "template_problems", "number", "money", "share", "yes_no", "date_text", "join_names", "show",
           "value_text", "thresholds"]
