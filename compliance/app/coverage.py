"""`safeguard rules coverage`: what the rules and their cases leave untouched, as `opa test
--coverage` shows for policies: fields of the return no rule reads, the branches (met, not met, no
evidence, not applicable, escalation) each rule's cases reach, and the parameters no case sets."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BRANCHES = ("met", "not_met", "insufficient_evidence", "not_applicable", "escalation")


@dataclass
class RuleCoverage:
    rule_id: str
    scope: str  # organisation | area
    file: Path
    # branch -> "reached", "not reached", or "not possible" (an unscoped rule is never not applicable)
    branches: dict[str, str]
    parameters_not_varied: list[str] = field(default_factory=list)

    @property
    def missed(self) -> list[str]:
        return [b for b, s in self.branches.items() if s == "not reached"]


@dataclass
class Coverage:
    target: str
    rules: list[RuleCoverage]
    unread_fields: list[str]
    fields_total: int

    def to_json(self) -> dict[str, Any]:
        return {"checked": self.target,
                "rules": [{"id": r.rule_id, "scope": r.scope, "file": str(r.file), "branches": r.branches,
                           "parameters_no_case_varies": r.parameters_not_varied} for r in self.rules],
                "fields": {"total": self.fields_total, "unread": self.unread_fields}}


def return_fields() -> list[str]:
    """Every leaf field of the return, as rule paths write them (`training.groups[].in_date`);
    the organisation's identity and the schema version are not evidence, so are left out."""
    from compliance.domain.model import SelfAssessment
    from compliance.domain.paths import models_in

    out: list[str] = []

    def walk(model: Any, prefix: str, depth: int) -> None:
        for name, f in model.model_fields.items():
            models = models_in(f.annotation)
            path = f"{prefix}{name}"
            if models and depth < 6:
                listy = "list[" in str(f.annotation) or "List[" in str(f.annotation)
                walk(models[0], path + ("[]." if listy else "."), depth + 1)
            else:
                out.append(path)

    walk(SelfAssessment, "", 0)
    return [p for p in out if not p.startswith(("organisation.", "schema_version"))]


def _norm(path: str) -> str:
    return path.rstrip(".")


def fields_read(rules: list, area_rules: list) -> set[str]:
    """Leaf paths the rules read: measure paths, filter, `passes`, `key` and window fields, and the
    area rules' item fields."""
    read: set[str] = set()
    for r in rules:
        for m in r.measures.values():
            path = m.path
            if not path:
                continue
            read.add(path)
            head = path[: path.rindex("[]") + 2] if "[]" in path else path.rsplit(".", 1)[0]
            item_fields = list(m.where or {}) + [f for alt in (m.passes or []) for f in alt] + ([m.key] if m.key else [])
            item_fields += list(m.fields or ())
            item_fields += [m.by] if m.by else []
            read.update(f"{head}.{f}" for f in item_fields)
            for w in m.window or []:
                read.add(w.path if w.path else f"{head}.{w.field}")
    for r in area_rules:
        head = r.items.path.rstrip(".")
        names = list(r.items.fields) + list(r.items.months_since) + list(r.items.label) + list(r.items.where or {})
        read.update(f"{head}.{n}" for n in names)
        if r.listed_by is not None:
            lb = r.listed_by.path
            read.add(f"{lb}.{r.listed_by.key}")
        if r.requires is not None:
            read.add(f"{head}.{r.requires.field}")
    return {_norm(p) for p in read}


def rule_coverage(ruleset, ids: list[str], area: list[tuple[Any, Path]]) -> list[RuleCoverage]:
    from compliance.app.cases import run_area_cases, run_cases
    from compliance.app.lint import is_scoped

    out = []
    results = run_cases(ruleset, set(ids)) if ruleset is not None else []
    for rid in ids:
        rule = ruleset.by_id[rid]
        mine = [r for r in results if r.rule_id == rid]
        reached = {r.actual.split("/")[0] for r in mine}
        branches = {b: "reached" if b in reached else "not reached" for b in BRANCHES[:4]}
        if not is_scoped(rule):
            branches["not_applicable"] = "not possible"
        if rule.escalate is None:
            branches["escalation"] = "not possible"
        else:
            sev = rule.escalate.severity.value
            hit = any(c.severity is not None and c.severity.value == sev and c.expect.value == "not_met"
                      and any(r.case == c.name and r.passed for r in mine) for c in rule.cases)
            branches["escalation"] = "reached" if hit else "not reached"
        varied = {p for c in rule.cases for p in c.parameters}
        out.append(RuleCoverage(rid, "organisation", ruleset.files[rid], branches,
                                [p for p in rule.parameters if p not in varied]))
    area_results = run_area_cases([r for r, _ in area])
    for rule, path in area:
        reached = {r.actual for r in area_results if r.rule_id == rule.id}
        branches = {b: "reached" if b in reached else "not reached" for b in BRANCHES[:4]}
        branches["escalation"] = "not possible"
        out.append(RuleCoverage(rule.id, "area", path, branches, list(rule.parameters)))
    return out


def coverage(ruleset, ids: list[str], area: list[tuple[Any, Path]], target: str) -> Coverage:
    rules = [ruleset.by_id[i] for i in ids] if ruleset is not None else []
    read = fields_read(rules, [r for r, _ in area])
    everything = return_fields()
    unread = [f for f in everything if f not in read]
    return Coverage(target, rule_coverage(ruleset, ids, area), unread, len(everything))


def render_text(cov: Coverage) -> str:
    mark = {"reached": "yes", "not reached": "NO", "not possible": "-"}
    head = f"{'rule':<9}{'met':<5}{'not met':<9}{'no evidence':<13}{'not applicable':<16}{'escalation':<12}parameters no case sets"
    lines = ["Branches each rule's cases reach (NO: add a case that reaches it; -: not possible for this rule)", head]
    for r in cov.rules:
        b = r.branches
        lines.append(f"{r.rule_id:<9}{mark[b['met']]:<5}{mark[b['not_met']]:<9}{mark[b['insufficient_evidence']]:<13}"
                     f"{mark[b['not_applicable']]:<16}{mark[b['escalation']]:<12}{', '.join(r.parameters_not_varied) or '-'}")
    lines += ["", f"Fields of the return no rule reads: {len(cov.unread_fields)} of {cov.fields_total}"]
    lines += [f"  {f}" for f in cov.unread_fields]
    missed = sum(len(r.missed) for r in cov.rules)
    lines.append(f"{cov.target}: {missed} branch{'es' if missed != 1 else ''} no case reaches, "
                 f"{len(cov.unread_fields)} field{'s' if len(cov.unread_fields) != 1 else ''} no rule reads")
    return "\n".join(lines) + "\n"
