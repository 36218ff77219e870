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
from compliance.domain.calendar import months_between, months_elapsed

ITEM, LISTING, REQUIRED = "/i", "/l", "/r"


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
    code), the organisations expected to report the items' list that did not (as labels), and the
    entries each organisation must list (`items.required`) as (organisation id, its label, key)."""

    items: list[Item]
    listings: list[tuple[str, str]]
    unreported: list[tuple[str, str]]  # (organisation id, label)
    required: list[tuple[str, str, str]] = field(default_factory=list)


def _list_words(path: str) -> str:
    """'risk_assessment.exploitation_tools[]' as a reader calls it: 'exploitation risk tools'."""
    from compliance.domain.labels import label_or_name, lower_first

    return lower_first(label_or_name(path.replace("[]", "")))


def _period_side(start: dt.date, end: dt.date, cutover: Any) -> bool | None:
    """True for a period starting on or after the cut-over, false for one ending before it, None
    (unknown) for one that contains it: its counts cannot say which side of the date they fall."""
    date = cutover if isinstance(cutover, dt.date) else dt.date.fromisoformat(str(cutover))
    return True if start >= date else False if end < date else None


def _required_keys(rule: AreaRule, doc: SelfAssessment, params: dict[str, Any]) -> list[str]:
    req = rule.items.required
    if req is None:
        return []
    lists: list[Any] = [req.org_types[doc.organisation.type]] if doc.organisation.type in req.org_types else []
    runs = {_scalar(s.kind) for s in (doc.services or [])}
    lists += [n for kind, n in req.services.items() if kind in runs]
    return list(dict.fromkeys(str(k) for n in lists
                              for k in (params.get(n, rule.parameters[n].default) if isinstance(n, str) else n)))


def gather(rule: AreaRule, docs: list[SelfAssessment], params: dict[str, Any] | None = None) -> Gathered:
    """The rule's items and listings in return order (see Gathered)."""
    params = params if params is not None else {k: p.default for k, p in rule.parameters.items()}
    head, _, tail = rule.items.path.partition("[]")
    head_parts = [p for p in head.split(".") if p]
    items: list[Item] = []
    listings: list[tuple[str, str]] = []
    unreported: list[tuple[str, str]] = []
    required: list[tuple[str, str, str]] = []
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
        silent = found is None or (rule.items.empty_is_unreported and "[]" in rule.items.path and not list(found))
        if silent and org.type in rule.items.expected_from:
            unreported.append((org.id, f"{org.name} ({org.id}): {_list_words(rule.items.path)}"))
            continue
        if found is not None:
            required += [(org.id, f"{org.name} ({org.id})", k) for k in _required_keys(rule, doc, params)]
        if "[]" in rule.items.path:
            raw = [] if found is None else list(found)
        else:
            raw = [] if found is None and rule.items.reported_only else [found]
        for obj in raw:
            values = {f: _scalar(getattr(obj, f, None)) if obj is not None else None for f in rule.items.fields}
            for f, meaning in rule.items.unstated.items():
                values[f] = meaning if values.get(f) is None else values[f]
            for f in rule.items.label + ([rule.items.required.key] if rule.items.required else []):
                values.setdefault(f, _scalar(getattr(obj, f, None)) if obj is not None else None)
            for f in rule.items.months_since:
                d = getattr(obj, f, None) if obj is not None else None
                values[f"{f}_months"] = None if d is None else months_elapsed(d, org.period.end)
            for f in rule.items.full_months_since:
                d = getattr(obj, f, None) if obj is not None else None
                values[f"{f}_full_months"] = None if d is None else max(months_between(d, org.period.end), 0)
            if rule.items.cutover is not None:
                values["period_after_cutover"] = _period_side(org.period.start, org.period.end,
                                                              params[rule.items.cutover])
            if rule.items.where and any(values.get(k, _scalar(getattr(obj, k, None))) not in
                                        (params[allowed] if isinstance(allowed, str) else allowed)
                                        for k, allowed in rule.items.where.items()):
                continue
            shown = [str(values[f]).replace("_", " ") for f in rule.items.label if values.get(f) is not None]
            label = f"{org.name} ({org.id})" + (f": {', '.join(shown)}" if shown else "")
            items.append(Item(org.id, org.name, values, label))
    return Gathered(items, listings, unreported, required)


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
        for i, v in enumerate(rule.requires.when):
            add(f"{rule.id}/when/{i}", [{"m": _and([item_t, {rule.requires.field: v}])}], "trigger",
                Outcome.met, str(v))
    if rule.items.required is not None:  # an entry an organisation must list, and its item in that list
        key = rule.items.required.key
        add(f"{rule.id}/supplied", [
            {"a": {"t": rule.id + REQUIRED}},
            {"b": _and([item_t, {"org": {"a": "org"}}, {key: {"a": "key"}}])},
        ], "supplied", Outcome.met)
    return CompiledChunk(definition=definition, branches=branches, rule_ids=[rule.id])


def _facts(rule: AreaRule, g: Gathered) -> list[dict[str, Any]]:
    """Items, then listings, then required entries: a fact's id is its 1-based position here."""
    out = [{"t": rule.id + ITEM, "org": it.org_id, **it.values} for it in g.items]
    out += [{"t": rule.id + LISTING, "holder": holder, "code": code} for holder, code in g.listings]
    out += [{"t": rule.id + REQUIRED, "org": org, "key": key} for org, _, key in g.required]
    return out


def _field_words(rule: AreaRule, f: str) -> str:
    """An item field as a reader calls it: the exploitation tools' 'tool' is 'exploitation risk tool'."""
    from compliance.domain.labels import label_or_name, lower_first

    return lower_first(label_or_name(rule.items.path.replace("[]", "") + "." + f))


def silence_matters(rule: AreaRule) -> bool:
    """Whether an organisation that did not report could change an outcome the others decide
    otherwise than by failing: it could hold an item that fails a check, a different value, an
    unlisted provider or an unfilled required entry. For `requires` alone it could only add
    values, so once every required value is present its silence decides nothing."""
    return rule.check is not None or bool(rule.same) or rule.listed_by is not None or rule.items.required is not None


def verdict(rule: AreaRule, gathered: Gathered, matches: list[tuple[Branch, dict[str, Any]]]) -> AreaVerdict:
    """The area's outcome from what the engine matched (fact ids are 1-based positions, see _facts).

    Three-valued, as the organisation rules are: a definite failure decides whoever is silent; a
    silent organisation leaves the area without evidence only where it could change the outcome."""
    items, listings = gathered.items, gathered.listings
    false_ids, unknown_ids, listed_ids, supplied_ids = set(), set(), set(), set()
    present, triggers = set(), set()
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
        elif branch.gate == "trigger":
            triggers.add(branch.prerequisite)
        elif branch.gate == "supplied":
            supplied_ids.add(matched["a"]["id"])
    by_id = dict(enumerate(items, start=1))
    failing: list[str] = []
    unknown: list[str] = []
    bad_orgs: set[str] = set()
    unknown_orgs: set[str] = set()
    for i in sorted(false_ids, key=lambda i: by_id[i].label):
        failing.append(by_id[i].label)
        bad_orgs.add(by_id[i].org_id)
    first_required = len(items) + len(listings) + 1
    req = rule.items.required
    for j, (org, label, key) in enumerate(gathered.required, start=first_required):
        if j not in supplied_ids and req is not None:
            failing.append(f"{label}: " + req.unlisted.replace("{entry}", req.labels.get(key, key.replace("_", " "))))
            bad_orgs.add(org)
    for f in dict.fromkeys(f for _, _, f in sorted(conflicts)):
        pair = sorted({i for a, b, g in conflicts if g == f for i in (a, b)})
        by_value: dict[str, list[str]] = {}
        for i in pair:
            by_value.setdefault(str(by_id[i].values[f]), []).append(by_id[i].label)
            bad_orgs.add(by_id[i].org_id)
        failing.append(f"{len(by_value)} different {_field_words(rule, f)}s: "
                       + "; ".join(f"{v} in {', '.join(sorted(labels))}" for v, labels in sorted(by_value.items())))
    holders_present = bool(listings)
    if rule.listed_by is not None and holders_present:
        for i, it in sorted(by_id.items(), key=lambda kv: kv[1].label):
            if i not in listed_ids:
                failing.append(f"{it.label} is not on the list of any {_types(rule.listed_by.org_types)} of the area")
                bad_orgs.add(it.org_id)
    applicable = bool(items)
    if rule.requires is not None:
        applicable = bool(triggers) if rule.requires.when else bool(items)
        missing = [str(v) for v in rule.requires.values if str(v) not in present]
        if not applicable:
            pass  # no ED or UTC reported: nothing to require, unless a silent organisation runs one
        elif missing and gathered.unreported:  # a silent organisation might run it: no evidence, not a gap
            unknown.extend(f"a {m.replace('_', ' ')} service in the area" for m in missing)
        elif missing:
            failing.extend(f"No {m.replace('_', ' ')} service reported in the area" for m in missing)
    for i in sorted(unknown_ids - false_ids, key=lambda i: by_id[i].label):
        unknown.append(by_id[i].label)
    # A silent organisation counts where it could change the outcome (see silence_matters), or
    # where it might run what makes a `requires` rule apply at all.
    could_change = silence_matters(rule) or (rule.requires is not None and (not applicable or bool(unknown)))
    if could_change:
        unknown += sorted(label for _, label in gathered.unreported)
        unknown_orgs |= {org for org, _ in gathered.unreported}
    if rule.listed_by is not None and items and not holders_present:
        unknown.append(f"the list of providers of any {_types(rule.listed_by.org_types)} of the area")
        unknown_orgs |= {it.org_id for it in items}
    if failing:
        outcome = Outcome.not_met
    elif unknown:
        outcome = Outcome.insufficient_evidence
    elif not applicable or (not items and not gathered.required):
        outcome = Outcome.not_applicable
    else:
        outcome = Outcome.met
    unknown_orgs |= {by_id[i].org_id for i in unknown_ids - false_ids}
    # Each organisation's share: its failures, else what it left unknown, else met (a silent one
    # that could not change the outcome has no share).
    involved: list[str] = [org for org, _ in gathered.unreported if org in unknown_orgs]
    involved += [org for org, _, _ in gathered.required] + [it.org_id for it in items]
    by_org = {org: (Outcome.not_met if org in bad_orgs else
                    Outcome.insufficient_evidence if org in unknown_orgs else Outcome.met)
              for org in dict.fromkeys(involved)}
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
        gathered = [gather(r, docs, self.params[r.id]) for r in self.rules]
        self.engine.run([_facts(r, g) for r, g in zip(self.rules, gathered)])
        matches: dict[str, list[tuple[Branch, dict[str, Any]]]] = {r.id: [] for r in self.rules}
        for branch, matched in self.engine.matches:
            matches[branch.rule_id].append((branch, matched))
        return {r.id: (verdict(r, g, matches[r.id]), g.items) for r, g in zip(self.rules, gathered)}
