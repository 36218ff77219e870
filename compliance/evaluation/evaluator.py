"""From a validated self-assessment to findings: derive facts, run the engine, read its verdicts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, NamedTuple
from collections.abc import Callable

from compliance.evaluation.compiler import Branch, CompileError, compile_cached, fact_fields
from compliance.evaluation.engine import Engine
from compliance.domain.errors import EngineError, Problem, RuleError
from compliance.domain.result import (FAILING, Evidence, Finding, MissingInput, Provenance, ThresholdResult, Waiver,
                                      sort_findings)
from compliance.evaluation.measures import (MeasureResult, Range, compute_results, describe_source, display_value,
                                           path_problems, service_count)
from compliance.intake.documents import format_loc
from compliance.domain.model import SelfAssessment
from compliance.domain.outcomes import Outcome, Severity
from compliance.catalogue.kinds import kind_of, measure_label
from compliance.catalogue.operators import Context
from compliance.catalogue.schema import Rule
from compliance.catalogue.loading import RuleSet
from compliance.evaluation.messages import message, missing_inputs, thresholds, value_text, window_problems


class Compared(NamedTuple):
    """The declared threshold and the value compared with it, as scoring reads a ThresholdResult."""

    actual: Any
    required: Any


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule's outcome (after any waiver), severity and measures: the stage a Finding is dressed
    from, and what screening scores (it scores thousands of organisations and prints findings for a
    few, so the message, evidence descriptions and sources are made only for those it prints)."""

    rule: Rule
    outcome: Outcome
    severity: Severity
    ranges: dict[str, Range]
    parameters: dict[str, Any]
    evaluated: Outcome  # the outcome before any waiver
    branch: Branch
    results: dict[str, MeasureResult]

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @property
    def area(self) -> str:
        return self.rule.area

    @property
    def line_of_enquiry(self) -> str:
        return self.rule.line_of_enquiry

    @property
    def failing(self) -> bool:
        return self.outcome in FAILING

    @property
    def threshold(self) -> Compared | None:
        t = self.rule.threshold  # only a failing one is read, so its value is worked out only then
        return None if t is None else Compared(display_value(self.rule, t.measure, self.ranges[t.measure]),
                                               self.parameters[t.parameter])


class Evaluator:
    """Compiled rules registered in one engine; reuse it for many organisations (one at a time)."""

    def __init__(self, ruleset: RuleSet, parameters: dict[str, dict[str, Any]] | None = None,
                 waivers: dict[str, Waiver] | None = None):
        self.ruleset = ruleset
        self.waivers = waivers or {}
        overrides = parameters or {}
        self.params = {r.id: r.parameter_values(overrides.get(r.id)) for r in ruleset.rules}
        # (measure, where it comes from, whether the condition reads it): the same for every organisation
        self.sources = {r.id: [(name, describe_source(m), name in r.used_measures,
                                measure_label(r, name, self.params[r.id]), kind_of(m).unit(m))
                               for name, m in r.measures.items()]
                        for r in ruleset.rules}
        # what each share is judged against, so it is never shown on the wrong side of it
        self.limits = {r.id: thresholds(r, self.params[r.id]) for r in ruleset.rules}
        for r in ruleset.rules:
            broken = path_problems(r)
            if broken:
                raise RuleError(str(ruleset.files.get(r.id, r.id)), broken)
        try:
            chunks = compile_cached(ruleset.rules, self.params, ruleset.content_key)
        except CompileError as e:
            file = ruleset.files.get(e.rule_id)
            line = ruleset.by_id[e.rule_id].lines.line_of(("condition",)) if e.rule_id in ruleset.by_id else None
            raise RuleError(str(file or e.rule_id), [Problem(str(e), "condition", line)]) from None
        self.engine = Engine(chunks)

    def evaluate(self, doc: SelfAssessment, where: Callable[[tuple], str | None] | None = None,
                 provenance: Callable[[str], Provenance | None] | None = None,
                 verdicts: list[Verdict] | None = None) -> list[Finding]:
        """Findings in the order people read them; `where` says where a part of the return is
        entered (a workbook cell, a file's line), for the inputs still missing; `provenance` which
        extract a value of the return was counted from, when it was measured from records;
        `verdicts` this return's verdicts when the caller has them (screening scores them first)."""
        return [self.finding(v, Context(doc, v.parameters), where, provenance)
                for v in (self.verdicts(doc) if verdicts is None else verdicts)]

    def verdicts(self, doc: SelfAssessment) -> list[Verdict]:
        """Each rule's outcome (waivers applied here, and only here), severity and measures, in the
        findings' order; findings are dressed from these (`finding`)."""
        out = []
        for rule, branch, results in self._run(doc):
            waiver = self.waivers.get(rule.id)
            # a waiver sets aside a requirement that applies; one that does not apply stays not applicable
            live = waiver is not None and not waiver.expired and branch.outcome != Outcome.not_applicable
            outcome = Outcome.waived if live else branch.outcome
            out.append(Verdict(rule, outcome, branch.severity, {n: r.range for n, r in results.items()},
                               self.params[rule.id], branch.outcome, branch, results))
        return sort_findings(out)

    def facts(self, doc: SelfAssessment) -> tuple[list[list[dict[str, Any]]], dict[str, dict[str, MeasureResult]]]:
        """The facts the engine is given, per ruleset chunk, and each rule's measures (the
        benchmark times the engine on exactly these)."""
        facts_per_chunk = []
        measures: dict[str, dict[str, MeasureResult]] = {}
        org_type = doc.organisation.type.value
        for chunk in self.engine.chunks:
            facts = []
            for rid in chunk.rule_ids:
                rule = self.ruleset.by_id[rid]
                results = measures[rid] = compute_results(rule, doc, self.params[rid])
                fact = {"t": rid, "org_type": org_type, "svc_count": service_count(rule, doc)}
                fact.update(fact_fields(chunk.fields[rid], {n: r.range for n, r in results.items()}))
                facts.append(fact)
            facts_per_chunk.append(facts)
        return facts_per_chunk, measures

    def _run(self, doc: SelfAssessment) -> list[tuple[Rule, Branch, dict[str, MeasureResult]]]:
        """Each rule with the one branch that fired for it and its measures."""
        facts_per_chunk, measures = self.facts(doc)
        fired: dict[str, list[Branch]] = defaultdict(list)
        for branch in self.engine.run(facts_per_chunk):
            fired[branch.rule_id].append(branch)
        out = []
        for rule in self.ruleset.rules:
            # A branch may fire once per alternative of its pattern that holds; branches of one
            # rule exclude each other, so more than one *distinct* branch is a bug.
            got = list(dict.fromkeys(fired.get(rule.id, [])))
            if len(got) != 1:
                raise EngineError(
                    f"rule {rule.id} produced {len(got)} outcomes ({', '.join(b.outcome.value for b in got) or 'none'}); "
                    "exactly one was expected"
                )
            out.append((rule, got[0], measures[rule.id]))
        return out

    def finding(self, v: Verdict, ctx: Context, where: Callable[[tuple], str | None] | None = None,
                provenance: Callable[[str], Provenance | None] | None = None) -> Finding:
        """A verdict dressed for people: its message, its evidence as data (each value's exact
        range, unit and words, shares by the one display rule), and what is still to report, each
        input with its place in the return. A waived rule keeps the outcome it was evaluated as."""
        rule, params, results = v.rule, v.parameters, v.results
        limits = self.limits[rule.id]
        text = message(rule, v.branch, results, ctx, limits)
        if v.outcome == Outcome.waived:
            text = f"Waived (evaluated as {v.evaluated.value.replace('_', ' ')}): {text}"
        evidence = []
        for name, source, used, label, unit in self.sources[rule.id]:
            r = v.ranges[name]
            m = rule.measures[name]
            evidence.append(Evidence(
                measure=name, label=label, value=display_value(rule, name, r), source=source, used=used,
                text=value_text(rule, name, r, limits.get(name), unit), low=_plain(r.lo), high=_plain(r.hi),
                unit=unit or ("text" if r.text is not None else "count"),
                reported=r.exact or r.text is not None,
                provenance=provenance(m.path) if provenance is not None and m.path else None))
        missing: list[MissingInput] = []
        if v.evaluated == Outcome.insufficient_evidence and v.branch.gate != "services":
            skip = set(window_problems(rule, results, ctx))
            missing = [MissingInput(path=format_loc(loc) if loc else "", label=label,
                                    enter_at=where(loc) if where is not None and loc else None)
                       for loc, label in missing_inputs(rule, results, ctx, skip)]
        elif v.evaluated == Outcome.insufficient_evidence:
            missing = [MissingInput(path="services", label="The services the organisation runs",
                                    enter_at=where(("services",)) if where is not None else None)]
        return Finding(
            rule_id=rule.id,
            title=rule.title,
            area=rule.area,
            outcome=v.outcome,
            evaluated_outcome=v.evaluated if v.outcome == Outcome.waived else None,
            severity=v.severity,
            key_question=rule.key_question,
            message=text,
            evidence=evidence,
            parameters=params,
            remediation=rule.remediation,
            line_of_enquiry=rule.line_of_enquiry,
            sources=rule.sources,
            mappings=rule.mappings,
            waiver=self.waivers.get(rule.id),
            missing=missing,
            threshold=None if rule.threshold is None else ThresholdResult(
                measure=rule.threshold.measure, parameter=rule.threshold.parameter,
                actual=_plain(_exact_number(v.ranges[rule.threshold.measure])),
                required=params[rule.threshold.parameter]),
        )


def _exact_number(r: Range) -> Any:
    return r.lo if r.exact and r.text is None else None


def _plain(v: Any) -> int | float | None:
    """An exact bound as JSON carries it."""
    if v is None or isinstance(v, int):
        return v
    return v.numerator if v.denominator == 1 else float(v)
