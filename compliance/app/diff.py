"""What a change to the rules changes: rule definitions and the findings of the same organisations.

Pure comparison (no files, no engine): the CLI evaluates the inputs under both rule versions and
hands the findings here. A rule author's pull request then shows, finding by finding, what the
change does to real returns, next to the parameters that caused it.
"""

from __future__ import annotations

from pathlib import Path

import json
from typing import Any, Literal

from compliance.domain.base import Strict

from compliance.domain.result import FAILING, Finding
from compliance.domain.outcomes import Outcome, Severity
from compliance.catalogue.schema import Rule

# The parts of a rule that decide outcomes, severities and messages; prose (rationale, sources,
# remediation) is reviewed as text in the pull request itself.
BEHAVIOUR = ("severity", "applies_to", "parameters", "measures", "applies_when", "condition", "escalate", "messages")


class FieldChange(Strict):
    path: str  # dotted, e.g. parameters.threshold.default
    before: Any = None  # None: absent
    after: Any = None


class RuleChange(Strict):
    rule_id: str
    change: Literal["added", "removed", "changed"]
    title: str
    fields: list[FieldChange] = []


class Verdict(Strict):
    outcome: Outcome
    severity: Severity
    message: str


class FindingChange(Strict):
    organisation: str
    input: str
    rule_id: str
    before: Verdict | None  # None: the rule is new
    after: Verdict | None  # None: the rule was removed

    @property
    def what(self) -> list[str]:
        """Which of outcome, severity and message differ (all three for an added or removed rule)."""
        if self.before is None or self.after is None:
            return ["outcome", "severity", "message"]
        return [k for k in ("outcome", "severity", "message") if getattr(self.before, k) != getattr(self.after, k)]

    @property
    def kind(self) -> ChangeKind:
        """What a reader must act on: a new outcome, a new severity of a failing finding, or only words.

        A severity is only a verdict while the finding fails: `met (high) -> met (critical)` changes
        nothing anyone acts on, so it goes with the wording changes.
        """
        if self.before is None or self.after is None or self.before.outcome != self.after.outcome:
            return "outcome"
        if self.before.severity != self.after.severity and self.after.outcome in FAILING:
            return "severity"
        return "wording"


ChangeKind = Literal["outcome", "severity", "wording"]
# --fail-on-change LEVEL fails on changes of these kinds; `any` also fails on a rule change alone.
FAIL_ON_CHANGE = {"outcome": ("outcome",), "severity": ("outcome", "severity"), "any": ("outcome", "severity", "wording")}


class DiffReport(Strict):
    """`safeguard diff --format json`.

    `finding_changes` are the findings whose outcome (or, failing, severity) changed;
    `wording_changes` those where only the message (or a passing finding's severity) did, kept apart
    so a reviewer sees first what changes a verdict.
    """

    base: str
    head: str
    organisations: int
    rules_before: int
    rules_after: int
    rule_changes: list[RuleChange]
    finding_changes: list[FindingChange]
    wording_changes: list[FindingChange] = []

    @property
    def changed(self) -> bool:
        return bool(self.rule_changes or self.finding_changes or self.wording_changes)

    def fails(self, level: str | None) -> bool:
        """Whether --fail-on-change LEVEL (None: not given) makes this diff exit 1."""
        if level is None:
            return False
        if level == "any":
            return self.changed
        kinds = FAIL_ON_CHANGE[level]
        return any(c.kind in kinds for c in self.finding_changes)

    def rule_ids(self, change: str) -> list[str]:
        return [c.rule_id for c in self.rule_changes if c.change == change]


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings to dotted paths; lists stay whole (a condition's operands read as one value)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out if out or not prefix else {prefix: {}}
    return {prefix: value}


# The same for area rules: what they quantify over and what must hold of it.
AREA_BEHAVIOUR = ("severity", "parameters", "items", "check", "same", "listed_by", "requires", "messages")


def rule_behaviour(rule: Any) -> dict[str, Any]:
    fields = BEHAVIOUR if isinstance(rule, Rule) else AREA_BEHAVIOUR
    data = rule.model_dump(mode="json", include=set(fields), exclude_none=True, by_alias=True)
    return flatten(data)


def compare_rule(before: Rule, after: Rule) -> list[FieldChange]:
    a, b = rule_behaviour(before), rule_behaviour(after)
    return [FieldChange(path=p, before=a.get(p), after=b.get(p)) for p in sorted(a.keys() | b.keys())
            if a.get(p) != b.get(p)]


def compare_rules(base: list[Rule], head: list[Rule]) -> list[RuleChange]:
    old, new = {r.id: r for r in base}, {r.id: r for r in head}
    out = []
    for rid in sorted(old.keys() | new.keys()):
        if rid not in old:
            out.append(RuleChange(rule_id=rid, change="added", title=new[rid].title))
        elif rid not in new:
            out.append(RuleChange(rule_id=rid, change="removed", title=old[rid].title))
        else:
            fields = compare_rule(old[rid], new[rid])
            if fields:
                out.append(RuleChange(rule_id=rid, change="changed", title=new[rid].title, fields=fields))
    return out


def _verdict(f: Finding) -> Verdict:
    return Verdict(outcome=f.outcome, severity=f.severity, message=f.message)


def compare_findings(organisation: str, input: str, before: list[Finding], after: list[Finding]) -> list[FindingChange]:
    """One entry per rule whose outcome, severity or message differs, or that exists on one side only."""
    return compare_verdicts(organisation, input, {f.rule_id: _verdict(f) for f in before},
                            {f.rule_id: _verdict(f) for f in after})


def compare_verdicts(organisation: str, input: str, old: dict[str, Verdict], new: dict[str, Verdict]) -> list[FindingChange]:
    return [
        FindingChange(organisation=organisation, input=input, rule_id=rid, before=old.get(rid), after=new.get(rid))
        for rid in sorted(old.keys() | new.keys())
        if old.get(rid) != new.get(rid)
    ]


def show(value: Any) -> str:
    """A value as a rule author wrote it: JSON-ish, 'absent' when missing."""
    return "absent" if value is None else json.dumps(value, ensure_ascii=False)


def run_diff(base: str, head: str, inputs: list[Path]) -> DiffReport:
    """Evaluate the same returns under two versions of the rules (folders or REV:PATH in git)."""
    import tempfile

    from compliance.catalogue.loading import load_rules
    from compliance.catalogue.revisions import resolve_rules
    from compliance.evaluation.evaluator import Evaluator
    from compliance.intake.discovery import input_files
    from compliance.intake.returns import load_assessment

    from compliance.catalogue.loading import load_area_rules

    docs = [(path, load_assessment(path)[0]) for path in input_files(inputs)]  # every input is validated first
    with tempfile.TemporaryDirectory(prefix="safeguard-diff-") as tmp:
        base_dir, head_dir = resolve_rules(base, Path(tmp) / "base"), resolve_rules(head, Path(tmp) / "head")
        before = Evaluator(load_rules([base_dir]))
        after = Evaluator(load_rules([head_dir]))
        area_before, area_after = load_area_rules([base_dir]), load_area_rules([head_dir])
    changes = []
    for path, doc in docs:
        changes += compare_findings(doc.organisation.id, str(path), before.evaluate(doc), after.evaluate(doc))
    changes += _area_changes(docs, area_before, area_after)
    return DiffReport(
        base=base, head=head, organisations=len(docs),
        rules_before=len(before.ruleset.rules) + len(area_before), rules_after=len(after.ruleset.rules) + len(area_after),
        rule_changes=compare_rules([*before.ruleset.rules, *area_before], [*after.ruleset.rules, *area_after]),
        finding_changes=[c for c in changes if c.kind != "wording"],
        wording_changes=[c for c in changes if c.kind == "wording"],
    )


def _area_changes(docs: list, before: list, after: list) -> list[FindingChange]:
    """Area rules judged under both versions for every area the inputs name, as organisation rules
    are for every organisation: a change to an area rule shows in the diff like any other."""
    if not before and not after:
        return []
    from compliance.app.area import _message
    from compliance.evaluation.area import AreaEvaluator

    def verdicts(rules: list, members: list) -> dict[str, Verdict]:
        if not rules:
            return {}
        by_id = {r.id: r for r in rules}
        return {rid: Verdict(outcome=v.outcome, severity=by_id[rid].severity, message=_message(by_id[rid], v))
                for rid, (v, _) in AreaEvaluator(rules).evaluate(members).items()}

    out = []
    for la in sorted({a for _, d in docs for a in d.organisation.local_authorities}):
        members = [(p, d) for p, d in docs if la in d.organisation.local_authorities]
        returns = [d for _, d in members]
        out += compare_verdicts(f"area {la}", ", ".join(str(p) for p, _ in members),
                                verdicts(before, returns), verdicts(after, returns))
    return out
