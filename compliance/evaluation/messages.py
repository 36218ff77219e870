"""What a finding says: its message from the rule's templates, and what was not reported.

Kept apart from the evaluator because wording changes far more often than evaluation, and a
reader's complaint about a message should never need the engine to be understood."""

from __future__ import annotations

from typing import Any

from compliance.evaluation.compiler import Branch
from compliance.evaluation.measures import describe_each, describe_range, describe_source, window_problem
from compliance.domain.model import SelfAssessment
from compliance.domain.outcomes import Outcome
from compliance.catalogue.schema import Rule


def _fmt(value: Any) -> str:
    if value is None:
        return "not reported"
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def _number(value: Any) -> Any:
    if isinstance(value, float) and value == int(value):
        return int(value)
    return _fmt(value) if value is None else value


def missing_sources(rule: Rule, values: dict[str, Any]) -> list[str]:
    """The reported values a rule needed and did not get, down to the inputs of percentages."""
    out = []
    for name in rule.used_measures:
        if values.get(name) is not None:
            continue
        m = rule.measures[name]
        if m.derived_from:
            parts = [src for n in m.derived_from if values.get(n) is None for src in _sources(rule, n, values)]
            out += parts or [f"{describe_source(rule.measures[m.derived_from[-1]])} is 0, so {name} cannot be computed"]
        else:
            out.append(describe_source(m))
    return list(dict.fromkeys(out))


def _sources(rule: Rule, name: str, values: dict[str, Any]) -> list[str]:
    """Where the unreported values behind a measure are in the return, through percents and totals."""
    m = rule.measures[name]
    if not m.derived_from:
        return [] if values.get(name) is not None else [describe_source(m)]
    return [src for n in m.derived_from for src in _sources(rule, n, values)]


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return "not reported"


def message(rule: Rule, branch: Branch, values: dict[str, Any], params: dict[str, Any], doc: SelfAssessment) -> str:
    shown = _Values({k: _number(v) for k, v in {**values, **params}.items()})
    for name, m in rule.measures.items():  # an `each` measure names its failing items
        if m.kind == "each":
            shown[f"{name}_items"] = describe_each(m, doc, params)
    # A value the return leaves open is shown as what is known of it ("at least 2").
    for name, r in (getattr(values, "ranges", None) or {}).items():
        if values.get(name) is None:
            kind = rule.measures[name].kind
            shown[name] = "not reported" if kind == "value" else describe_range(r, kind in ("percent", "min_percent"))
    if branch.outcome == Outcome.insufficient_evidence:
        if branch.gate == "services":
            return "The services the organisation runs were not reported."
        needed = [x for n in rule.used_measures for x in [n, *rule.measures[n].derived_from]]
        windows = list(dict.fromkeys(p for n in needed if values.get(n) is None and rule.measures[n].window
                                     for p in [window_problem(rule.measures[n], doc, params)] if p))
        missing = [s for s in missing_sources(rule, values) if not any(s in w for w in windows)]
        parts = [w[0].upper() + w[1:] + "." for w in windows] + (
            ["Not reported: " + "; ".join(missing) + "."] if missing else [])
        return " ".join(parts)
    if branch.outcome == Outcome.not_applicable:
        if branch.gate == "org_type":
            types = ", ".join(t.value for t in rule.applies_to.org_types)
            return f"Applies to {types} organisations; this is {doc.organisation.type.value}."
        if branch.gate == "depends_on":
            return f"Depends on {branch.prerequisite}, which is not applicable to this organisation."
        if branch.gate == "services":
            kinds = ", ".join(s.value for s in rule.applies_to.services or [])
            return f"Applies to organisations running {kinds}; none is reported."
        template = rule.messages.not_applicable or "Out of scope in this period."
    else:
        template = rule.messages.met if branch.outcome == Outcome.met else rule.messages.not_met
    try:
        text = template.format_map(shown)
    except (ValueError, TypeError):  # a numeric format spec applied to "not reported"
        text = template.format_map(_Values({k: _fmt(v) for k, v in shown.items()}))
    if branch.gate == "escalate" and rule.escalate is not None:
        text += f" Severity raised to {branch.severity.value}: {rule.escalate.reason}"
    return text
