"""From a validated self-assessment to findings: derive facts, run the engine, read its verdicts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .compiler import Branch, CompileError, compile_rules
from .engine import Engine
from .errors import EngineError, Problem, RuleError
from .findings import Evidence, Finding, Waiver, sort_findings
from .measures import compute, describe_source, service_count
from .model import SelfAssessment
from .rules import Outcome, Rule, RuleSet


class Evaluator:
    """Compiled rules registered in one engine; reuse it for many organisations (one at a time)."""

    def __init__(self, ruleset: RuleSet, parameters: dict[str, dict[str, Any]] | None = None,
                 waivers: dict[str, Waiver] | None = None):
        self.ruleset = ruleset
        self.waivers = waivers or {}
        overrides = parameters or {}
        self.params = {r.id: r.parameter_values(overrides.get(r.id)) for r in ruleset.rules}
        # (measure, where it comes from, whether the condition reads it): the same for every organisation
        self.sources = {r.id: [(name, describe_source(m), name in r.used_measures) for name, m in r.measures.items()]
                        for r in ruleset.rules}
        try:
            chunks = compile_rules(ruleset.rules, self.params)
        except CompileError as e:
            raise RuleError(str(ruleset.files.get(e.rule_id, e.rule_id)), [Problem(str(e), "condition")]) from None
        self.engine = Engine(chunks)

    def evaluate(self, doc: SelfAssessment) -> list[Finding]:
        facts_per_chunk = []
        measures: dict[str, dict[str, Any]] = {}
        for chunk in self.engine.chunks:
            facts = []
            for rid in chunk.rule_ids:
                rule = self.ruleset.by_id[rid]
                values = compute(rule, doc, self.params[rid])
                measures[rid] = values
                fact = {"t": rid, "org_type": doc.organisation.type.value, "svc_count": service_count(rule, doc)}
                fact.update((n, values[n]) for n in rule.used_measures)
                facts.append(fact)
            facts_per_chunk.append(facts)
        fired: dict[str, list[Branch]] = defaultdict(list)
        for branch in self.engine.run(facts_per_chunk):
            fired[branch.rule_id].append(branch)
        findings = []
        for rule in self.ruleset.rules:
            # A branch may fire once per alternative of its pattern that holds; branches of one
            # rule exclude each other, so more than one *distinct* branch is a bug.
            got = list(dict.fromkeys(fired.get(rule.id, [])))
            if len(got) != 1:
                raise EngineError(
                    f"rule {rule.id} produced {len(got)} outcomes ({', '.join(b.outcome.value for b in got) or 'none'}); "
                    "exactly one was expected"
                )
            findings.append(self._finding(rule, got[0], measures[rule.id], doc))
        return sort_findings(findings)

    def _finding(self, rule: Rule, branch: Branch, values: dict[str, Any], doc: SelfAssessment) -> Finding:
        """The rule is always evaluated; a live waiver changes the outcome but keeps the real result."""
        params = self.params[rule.id]
        text = message(rule, branch, values, params, doc)
        outcome = branch.outcome
        waiver = self.waivers.get(rule.id)
        if waiver is not None and not waiver.expired:
            text = f"Waived (evaluated as {outcome.value}): {text}"
            outcome = Outcome.waived
        evidence = [
            Evidence(measure=name, value=values[name], source=source, used=used)
            for name, source, used in self.sources[rule.id]
        ]
        return Finding(
            rule_id=rule.id,
            title=rule.title,
            area=rule.area,
            outcome=outcome,
            severity=branch.severity,
            key_question=rule.key_question,
            message=text,
            evidence=evidence,
            parameters=params,
            remediation=rule.remediation,
            line_of_enquiry=rule.line_of_enquiry,
            sources=rule.sources,
            waiver=waiver,
        )


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
            parts = [describe_source(rule.measures[n]) for n in m.derived_from if values.get(n) is None]
            out += parts or [f"{describe_source(rule.measures[m.derived_from[-1]])} is 0, so {name} cannot be computed"]
        else:
            out.append(describe_source(m))
    return list(dict.fromkeys(out))


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return "not reported"


def message(rule: Rule, branch: Branch, values: dict[str, Any], params: dict[str, Any], doc: SelfAssessment) -> str:
    shown = _Values({k: _number(v) for k, v in {**values, **params}.items()})
    if branch.outcome == Outcome.insufficient_evidence:
        if branch.gate == "services":
            return "The services the organisation runs were not reported."
        return "Not reported: " + "; ".join(missing_sources(rule, values)) + "."
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
