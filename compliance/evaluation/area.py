"""Area rules in the engine: item facts from every organisation of an area, matched by durable-rules.

Python derives one fact per item (a service, a role, an organisation) and one per list entry that
can vouch for an item (an ICB's list of providers). The engine then does the matching, including
joins across facts of *different organisations*: two items whose tools differ, an item and the
entry that lists it, an item that supplies a required service. Every pattern is positive (no
`$not`), so what fires does not depend on the order facts arrive in (durable-rules' negation only
sees facts already asserted); the property test permutes the returns to prove it.

What fired is read back as a closed-world verdict over the whole area, once every fact is in: an
item that failed, two items that disagree, an item no list vouches for, or a required value no
item supplies makes the area fail; otherwise an item that could not be judged leaves it without
evidence. That last step is fixed, not rule logic: the rules say what to match, and the engine
matches it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from compliance.catalogue.area_schema import AreaRule
from compliance.domain.model import SelfAssessment
from compliance.domain.outcomes import Outcome
from compliance.evaluation.compiler import Branch, CompiledChunk, _and, _Compiler
from compliance.evaluation.engine import Engine
from compliance.domain.calendar import months_elapsed

ITEM, LISTING = "/i", "/l"


@dataclass(frozen=True)
class Item:
    """One thing an area rule judges, and whose it is."""

    org_id: str
    org_name: str
    values: dict[str, Any]
    label: str


@dataclass
class AreaVerdict:
    """What the engine's matches say about one area rule."""

    outcome: Outcome
    failing: list[str] = field(default_factory=list)  # why, item by item, in plain words
    unknown: list[str] = field(default_factory=list)
    by_org: dict[str, Outcome] = field(default_factory=dict)  # each organisation's share of it
    items: int = 0


def _scalar(v: Any) -> Any:
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _walk(obj: Any, parts: list[str]) -> Any:
    for p in parts:
        if obj is None:
            return None
        obj = getattr(obj, p, None)
    return obj


@dataclass
class Gathered:
    """What the returns give an area rule: its items, the codes listed for `listed_by` as (holder,
    code), and the organisations expected to report the items' list that did not (as labels)."""

    items: list[Item]
    listings: list[tuple[str, str]]
    unreported: list[tuple[str, str]]  # (organisation id, label)


def gather(rule: AreaRule, docs: list[SelfAssessment]) -> Gathered:
    """The rule's items and listings in return order (see Gathered)."""
    head, _, tail = rule.items.path.partition("[]")
    head_parts = [p for p in head.split(".") if p]
    items: list[Item] = []
    listings: list[tuple[str, str]] = []
    unreported: list[tuple[str, str]] = []
    for doc in docs:
        org = doc.organisation
        lb = rule.listed_by
        if lb is not None and org.type in lb.org_types:
            lhead = [p for p in lb.path.partition("[]")[0].split(".") if p]
            for entry in _walk(doc, lhead) or []:
                code = getattr(entry, lb.key, None)
                if code is not None:
                    listings.append((org.id, str(code)))
        if rule.items.org_types is not None and org.type not in rule.items.org_types:
            continue
        found = _walk(doc, head_parts)
        if found is None and org.type in rule.items.expected_from:
            unreported.append((org.id, f"{org.name} ({org.id}): {rule.items.path.replace('[]', '')} not reported"))
        if "[]" in rule.items.path:
            raw = [] if found is None else list(found)
        else:
            raw = [] if found is None and rule.items.reported_only else [found]
        for obj in raw:
            values = {f: _scalar(getattr(obj, f, None)) if obj is not None else None for f in rule.items.fields}
            for f in rule.items.label:
                values.setdefault(f, _scalar(getattr(obj, f, None)) if obj is not None else None)
            for f in rule.items.months_since:
                d = getattr(obj, f, None) if obj is not None else None
                values[f"{f}_months"] = None if d is None else months_elapsed(d, org.period.end)
            if rule.items.where and any(values.get(k, _scalar(getattr(obj, k, None))) not in allowed
                                        for k, allowed in rule.items.where.items()):
                continue
            shown = [str(values[f]).replace("_", " ") for f in rule.items.label if values.get(f) is not None]
            label = f"{org.name} ({org.id})" + (f": {', '.join(shown)}" if shown else "")
            items.append(Item(org.id, org.name, values, label))
    return Gathered(items, listings, unreported)


def _types(types: list) -> str:
    return " or ".join("ICB" if t.value == "icb" else t.value.replace("_", " ") for t in types)


def compile_area_rule(rule: AreaRule, params: dict[str, Any]) -> CompiledChunk:
    """The rule's engine rules: per-item verdicts, and joins for `same`, `listed_by` and `requires`."""
    item_t = {"t": rule.id + ITEM}
    definition: dict[str, dict[str, Any]] = {}
    branches: dict[str, Branch] = {}

    def add(name: str, patterns: list[dict[str, Any]], gate: str, outcome: Outcome, note: str | None = None) -> None:
        definition[name] = {"all": patterns}
        branches[name] = Branch(rule.id, outcome, gate, rule.severity, note)

    if rule.check is not None:
        yes, no, unknown = _Compiler(rule, params).tri(rule.check)  # type: ignore[arg-type]
        for name, pattern, gate, outcome in (("true", yes, "item_true", Outcome.met),
                                             ("false", no, "item_false", Outcome.not_met),
                                             ("unknown", unknown, "item_unknown", Outcome.insufficient_evidence)):
            if pattern is not None:
                add(f"{rule.id}/{name}", [{"m": _and([item_t, pattern])}], gate, outcome)
    else:
        add(f"{rule.id}/item", [{"m": item_t}], "item_true", Outcome.met)
    for f in rule.same:
        add(f"{rule.id}/missing/{f}", [{"m": _and([item_t, {"$nex": {f: 1}}])}], "item_unknown",
            Outcome.insufficient_evidence)
        add(f"{rule.id}/same/{f}", [
            {"a": _and([item_t, {"$ex": {f: 1}}])},
            {"b": _and([item_t, {"$ex": {f: 1}}, {"$neq": {f: {"a": f}}}])},
        ], "conflict", Outcome.not_met, f)
    if rule.listed_by is not None:
        add(f"{rule.id}/listed", [
            {"a": item_t},
            {"b": _and([{"t": rule.id + LISTING}, {"code": {"a": "org"}}])},
        ], "listed", Outcome.met)
        add(f"{rule.id}/listing", [{"m": {"t": rule.id + LISTING}}], "listing", Outcome.met)
    if rule.requires is not None:
        for i, v in enumerate(rule.requires.values):
            add(f"{rule.id}/present/{i}", [{"m": _and([item_t, {rule.requires.field: v}])}], "present",
                Outcome.met, str(v))
    return CompiledChunk(definition=definition, branches=branches, rule_ids=[rule.id])


def _facts(rule: AreaRule, items: list[Item], listings: list[tuple[str, str]]) -> list[dict[str, Any]]:
    out = [{"t": rule.id + ITEM, "org": it.org_id, **it.values} for it in items]
    out += [{"t": rule.id + LISTING, "holder": holder, "code": code} for holder, code in listings]
    return out


def verdict(rule: AreaRule, gathered: Gathered, matches: list[tuple[Branch, dict[str, Any]]]) -> AreaVerdict:
    """The area's outcome from what the engine matched (fact ids are 1-based positions)."""
    items, listings = gathered.items, gathered.listings
    false_ids, unknown_ids, listed_ids, present = set(), set(), set(), set()
    conflicts: set[tuple[int, int, str]] = set()
    for branch, matched in matches:
        if branch.gate == "item_false":
            false_ids.add(matched["m"]["id"])
        elif branch.gate == "item_unknown":
            unknown_ids.add(matched["m"]["id"])
        elif branch.gate == "conflict":
            a, b = sorted((matched["a"]["id"], matched["b"]["id"]))
            conflicts.add((a, b, branch.prerequisite or ""))
        elif branch.gate == "listed":
            listed_ids.add(matched["a"]["id"])
        elif branch.gate == "present":
            present.add(branch.prerequisite)
    by_id = dict(enumerate(items, start=1))
    failing: list[str] = []
    unknown: list[str] = []
    bad_orgs: set[str] = set()
    unknown_orgs: set[str] = set()
    for i in sorted(false_ids, key=lambda i: by_id[i].label):
        failing.append(by_id[i].label)
        bad_orgs.add(by_id[i].org_id)
    for f in dict.fromkeys(f for _, _, f in sorted(conflicts)):
        involved = sorted({i for a, b, g in conflicts if g == f for i in (a, b)})
        by_value: dict[str, list[str]] = {}
        for i in involved:
            by_value.setdefault(str(by_id[i].values[f]), []).append(by_id[i].label)
            bad_orgs.add(by_id[i].org_id)
        failing.append(f"{len(by_value)} different values of {f.replace('_', ' ')}: "
                       + "; ".join(f"{v} in {', '.join(sorted(labels))}" for v, labels in sorted(by_value.items())))
    holders_present = bool(listings)
    if rule.listed_by is not None and holders_present:
        for i, it in sorted(by_id.items(), key=lambda kv: kv[1].label):
            if i not in listed_ids:
                failing.append(f"{it.label} is not on the list of any {_types(rule.listed_by.org_types)} of the area")
                bad_orgs.add(it.org_id)
    if rule.requires is not None:
        missing = [str(v) for v in rule.requires.values if str(v) not in present]
        # An organisation that did not report the list might run what is missing: no evidence, not a gap.
        (unknown if gathered.unreported else failing).extend(
            f"no {m.replace('_', ' ')} service reported in the area" for m in missing)
    for i in sorted(unknown_ids - false_ids, key=lambda i: by_id[i].label):
        unknown.append(by_id[i].label)
    unknown += sorted(label for _, label in gathered.unreported)
    unknown_orgs |= {org for org, _ in gathered.unreported}
    if rule.listed_by is not None and items and not holders_present:
        unknown.append(f"no {_types(rule.listed_by.org_types)} return of the area lists its providers")
        unknown_orgs |= {it.org_id for it in items}
    if not items and not gathered.unreported:
        outcome = Outcome.not_applicable
    elif failing:
        outcome = Outcome.not_met
    elif unknown:
        outcome = Outcome.insufficient_evidence
    else:
        outcome = Outcome.met
    unknown_orgs |= {by_id[i].org_id for i in unknown_ids - false_ids}
    by_org: dict[str, Outcome] = {org: Outcome.insufficient_evidence for org, _ in gathered.unreported}
    for it in items:
        by_org[it.org_id] = (Outcome.not_met if it.org_id in bad_orgs else
                             Outcome.insufficient_evidence if it.org_id in unknown_orgs else
                             by_org.get(it.org_id, Outcome.met))
    return AreaVerdict(outcome, failing, unknown, by_org, len(items))


class AreaEvaluator:
    """Area rules registered in one engine; evaluates one area (its returns) at a time."""

    def __init__(self, rules: list[AreaRule], parameters: dict[str, dict[str, Any]] | None = None):
        self.rules = sorted(rules, key=lambda r: r.id)
        overrides = parameters or {}
        self.params = {r.id: {**{k: p.default for k, p in r.parameters.items()}, **overrides.get(r.id, {})}
                       for r in self.rules}
        self.engine = Engine([compile_area_rule(r, self.params[r.id]) for r in self.rules])

    def evaluate(self, docs: list[SelfAssessment]) -> dict[str, tuple[AreaVerdict, list[Item]]]:
        gathered = [gather(r, docs) for r in self.rules]
        self.engine.run([_facts(r, g.items, g.listings) for r, g in zip(self.rules, gathered)])
        matches: dict[str, list[tuple[Branch, dict[str, Any]]]] = {r.id: [] for r in self.rules}
        for branch, matched in self.engine.matches:
            matches[branch.rule_id].append((branch, matched))
        return {r.id: (verdict(r, g, matches[r.id]), g.items) for r, g in zip(self.rules, gathered)}
