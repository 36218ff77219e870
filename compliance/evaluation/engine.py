"""The only module that talks to durable-rules, and the guard around its sharp edges.

Each trap listed in ../shared/durable-rules-notes.md is made unreachable here (tests/test_engine_traps.py
shows each one):

* background timer threads that run actions late: no durable `Host` is ever built (its constructor
  starts them), so every action runs inside the assert call that triggered it;
* sessions keyed by a 32-bit hash of the sid, facts by a 32-bit hash of their id: one fixed sid,
  positional fact ids, one organisation at a time, and the session deleted after every evaluation;
* `delete_state` crashing when no action ever completed in a session: a sentinel fact whose rule
  always fires is asserted first;
* unparsable values silently dropping the rest of a batch (exponent floats, infinities, wide
  facts): `normalise` only lets through bounded ints, rounded finite floats and short strings;
* facts matching no rule, exceptions inside actions: turned into `EngineError`, never ignored;
* rulesets registered once per engine (their memory is never freed), under unique names;
* a join whose comparison with another fact is false reads past the end of its expression list
  (jruizgit/rules#381, fix #386 never merged): in `reduceExpressionSequence` a false last term of an
  `$and` skips the end marker, and the scan runs on through memory until it meets one by luck or
  segfaults (seen in `assert_facts` for area rules, in about one test run in fifteen, and every
  time once the heap was laid out differently). `guard_joins` ends every joining `$and` with a
  comparison that is always true (`JOIN_KEY`, which every fact of such a ruleset carries), so no
  false term is ever the last;
* forward chaining (`depends_on`): an action of a rule that others depend on asserts one outcome
  fact through the closure, with a fixed id of its own and only once per session (a branch can fire
  once per alternative of an `$or`, and asserting a fact twice raises), joined by positive patterns.

Speed: rulesets are registered, facts asserted and actions run by calling durable-rules' C module
with exactly the calls, in the order, that `Host`'s synchronous path makes (`create_ruleset` with
the definition's JSON, as `Ruleset` does when no storage callback is set; then
`assert_facts`, `start_action_for_state`, then `complete_and_start_action` after each action),
minus what only serves features never used here: closures with timers and leases, a new JSON
encoder per call, and `update_state` after every action. That call retracts the session-state fact
and asserts it again through the whole network so that rules can see what an action wrote into
`c.s`; no action here writes state and no compiled pattern can match the state fact (every one is
anchored on `t`), so it was 43 C round trips per organisation that changed nothing. Skipping it
also takes away the trap of a bare negative pattern re-matching the state after every action.
"""

from __future__ import annotations

import itertools
import math
from typing import Any
from collections.abc import Callable

import durable_rules_engine as _c
import orjson
from durable.engine import MessageNotHandledException, MessageObservedException

from compliance.evaluation.compiler import OUTCOME_FACT, OUTCOME_FACT_IDS, Branch, CompiledChunk
from compliance.domain.errors import EngineError

SID = "0"
# Area rules read which item facts a branch matched (compliance/evaluation/area.py).
MATCH_GATES = frozenset({"item_true", "item_false", "item_unknown", "conflict", "listed", "present", "trigger",
                         "supplied"})
SENTINEL = "@sentinel"
MAX_PROPERTIES = 100
MAX_INT = 2**52  # integers the engine compares exactly (see compiler.BIG)
MAX_TEXT = 200

_names = itertools.count()
JOIN_KEY = "@j"  # on every fact of a ruleset with joins; see guard_joins


def _encode(payload: Any) -> str:
    """What durable-rules' json.dumps(x, ensure_ascii=False) gives for a normalised fact, at a tenth
    of its cost (the encoder was 4% of a screening worker). Normalised facts hold only text keys,
    ints within MAX_INT, finite floats and short text, which both encoders write alike."""
    return orjson.dumps(payload).decode()


_decode = orjson.loads


def _references(cond: Any, aliases: set[str]) -> bool:
    """Whether a condition compares with a field of another pattern's fact (`{field: {alias: field}}`)."""
    if isinstance(cond, dict):
        if len(cond) == 1 and next(iter(cond)) in aliases and isinstance(next(iter(cond.values())), str):
            return True
        return any(_references(v, aliases) for v in cond.values())
    if isinstance(cond, list):
        return any(_references(v, aliases) for v in cond)
    return False


def guard_joins(spec: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The rule with every joining pattern's `$and` ended by an always-true comparison, and whether
    it joins at all (see the module's note on jruizgit/rules#381).

    A join's comparisons must sit in one flat `$and` (or be the pattern's only condition); one
    nested under `$or` or a second `$and` is refused, since the same skip would strike there.
    """
    patterns = spec.get("all")
    if not patterns or len(patterns) == 1:  # one pattern joins nothing (most rules: a start-up's worth of walks saved)
        return spec, False
    order = [next(iter(p)) for p in patterns]
    out, joins = [], False
    for p in patterns:
        alias, cond = next(iter(p.items()))
        others = set(order) - {alias}
        if not _references(cond, others):
            out.append(p)
            continue
        joins = True
        parts = cond["$and"] if set(cond) == {"$and"} else [cond]
        if any(_references(part, others) and set(part) & {"$and", "$or"} for part in parts):
            raise EngineError(f"a join compares inside a nested $and or $or, which durable-rules misreads: {p}")
        first = next(a for a in order if a != alias)  # the first pattern's fact (the second's, for the first)
        out.append({alias: {"$and": [*parts, {JOIN_KEY: {first: JOIN_KEY}}]}})
    return {**spec, "all": out}, joins


def normalise(fact: dict[str, Any]) -> dict[str, Any]:
    """A copy of the fact the engine is sure to parse, or EngineError naming the bad value."""
    if len(fact) > MAX_PROPERTIES:
        raise EngineError(f"fact {fact.get('t')!r} has {len(fact)} properties; at most {MAX_PROPERTIES}")
    out: dict[str, Any] = {}
    for key, value in fact.items():
        kind = type(value)  # the two kinds almost every value is, checked first
        if (kind is int and -MAX_INT <= value <= MAX_INT) or (kind is str and len(value) <= MAX_TEXT):
            out[key] = value
            continue
        if value is None:
            continue  # absent = not reported; rules test presence with $ex / $nex
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int):
            if abs(value) > MAX_INT:
                raise EngineError(f"value of {key!r} ({value}) is out of the engine's range")
        elif isinstance(value, float):
            if not math.isfinite(value) or abs(value) > MAX_INT:
                raise EngineError(f"value of {key!r} ({value}) is not a finite number in range")
            # Floats Python would print with an exponent make the engine drop the batch.
            value = round(value, 4)
            if abs(value) < 1e-4:
                value = 0.0
            if value == int(value):
                value = int(value)
        elif isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise EngineError(f"value of {key!r} is longer than {MAX_TEXT} characters")
        else:
            raise EngineError(f"value of {key!r} has unsupported type {type(value).__name__}")
        out[key] = value
    return out


class _Session:
    """What an action sees as `c`: asserting a fact into the running session, as durable's closure does.

    The facts the firing rule matched arrive as JSON text; only area rules read them (MATCH_GATES),
    so the text is decoded when `matched` is first read, not for every action (one decode per fired
    rule was a tenth of an organisation's engine time).
    """

    __slots__ = ("_handle", "_text", "_name", "_matched")
    _matched: dict[str, Any] | None

    def __init__(self, handle: int):
        self._handle = handle
        self._text, self._name, self._matched = "", "", None

    def start(self, text: str, name: str) -> None:
        self._text, self._name, self._matched = text, name, None

    @property
    def matched(self) -> dict[str, Any]:
        """The facts the firing rule matched, by pattern alias."""
        if self._matched is None:
            self._matched = _decode(self._text)[self._name]
        return self._matched

    def assert_fact(self, fact: dict[str, Any]) -> None:
        _result(_c.assert_fact(self._handle, _encode(fact)), fact)


def _rule_name(text: str, actions: dict[str, Any]) -> str:
    """The name of the rule an action message is for: its first key.

    durable-rules writes the message as `{"NAME":{...}}` and every name is one this module gave
    (rule ids, '#', digits and '.', never a quote or a backslash), so the name is read off the text;
    anything else is decoded in full.
    """
    if text.startswith('{"'):
        end = text.find('"', 2)
        name = text[2:end]
        if end > 2 and text.startswith('":', end) and name in actions:
            return name
    return next(iter(_decode(text)))


def _result(result: tuple[int, int], message: Any) -> int:
    """durable's Ruleset._handle_result: the state handle, or the engine's refusal as its exception."""
    if result[0] == 1:
        raise MessageNotHandledException(message)
    if result[0] == 2:
        raise MessageObservedException(message)
    return 0 if result[0] == 3 else result[1]


class Engine:
    """One durable-rules host with the compiled rules registered; evaluates one fact set at a time."""

    def __init__(self, chunks: list[CompiledChunk]):
        self._chunks: list[tuple[str, CompiledChunk]] = []
        self._handles: list[tuple[int, dict[str, Callable[[Any], None]]]] = []
        self._fired: list[Branch] = []
        # (branch, matched facts by alias) for branches whose facts matter, not only that they fired
        self.matches: list[tuple[Branch, dict[str, Any]]] = []
        self._errors: list[BaseException] = []
        self._announced: set[str] = set()
        self._joins: list[bool] = []  # per chunk: its facts carry JOIN_KEY
        for chunk in chunks:
            name = f"safeguard{next(_names)}"
            # durable-rules deletes "run" from each rule's dict and only reads the rest: a shallow
            # copy of each rule keeps the compiled definition intact (a deep copy cost 12 ms a start).
            definition: dict[str, Any] = {}
            actions: dict[str, Callable[[Any], None]] = {}
            joins = False
            for rule_name, spec in chunk.definition.items():
                branch = chunk.branches[rule_name]
                actions[rule_name] = self._action(branch, chunk.announced.get(branch.rule_id))
                guarded, joined = guard_joins(spec)
                joins = joins or joined
                definition[rule_name] = guarded
            definition[SENTINEL] = {"all": [{"m": {"t": SENTINEL}}]}
            actions[SENTINEL] = self._action(None)
            self._chunks.append((name, chunk))
            self._handles.append((_c.create_ruleset(name, _encode(definition)), actions))
            self._joins.append(joins)

    def _action(self, branch: Branch | None, announce_id: int | None = None) -> Callable[[Any], None]:
        # Exactly one positional parameter: durable-rules treats two as an asynchronous action.
        def run(c: Any) -> None:
            try:
                if branch is not None:
                    self._fired.append(branch)
                    if branch.gate in MATCH_GATES:
                        self.matches.append((branch, c.matched))
                    if announce_id is not None and branch.rule_id not in self._announced:
                        self._announced.add(branch.rule_id)
                        c.assert_fact({"sid": SID, "id": announce_id, "t": OUTCOME_FACT, "rule": branch.rule_id,
                                       "o": branch.outcome.value, "na": int(branch.outcome.value == "not_applicable")})
            except BaseException as e:  # an engine refusal of the outcome fact, or a bug: never ignored
                self._errors.append(e)

        return run

    @property
    def chunks(self) -> list[CompiledChunk]:
        return [c for _, c in self._chunks]

    def _assert(self, handle: int, actions: dict[str, Callable[[Any], None]], payload: Any, many: bool) -> None:
        """Assert, then run every action it made ready, in the engine's order (durable's do_actions)."""
        text = _encode(payload)
        state = _result(_c.assert_facts(handle, text) if many else _c.assert_fact(handle, text), payload)
        started = _c.start_action_for_state(handle, state)
        if not started:
            return
        text = started[1]
        session = _Session(handle)
        try:
            while True:
                name = _rule_name(text, actions)
                session.start(text, name)
                actions[name](session)
                text = _c.complete_and_start_action(handle, state)
                if not text:
                    return
        except BaseException:
            _c.abandon_action(handle, state)
            raise

    def run(self, facts_per_chunk: list[list[dict[str, Any]]]) -> list[Branch]:
        """Assert each chunk's facts in a fresh session; return the branches that fired."""
        if len(facts_per_chunk) != len(self._chunks):
            raise EngineError("one list of facts is needed for each compiled chunk")
        self._fired, self._errors, self.matches = [], [], []
        for (handle, actions), joins, facts in zip(self._handles, self._joins, facts_per_chunk):
            self._announced = set()
            if len(facts) >= OUTCOME_FACT_IDS:
                raise EngineError(f"at most {OUTCOME_FACT_IDS - 1} facts per chunk; their ids would meet the outcome facts'")
            batch = []
            for i, fact in enumerate(facts, start=1):
                clean = normalise(fact)
                clean["sid"], clean["id"] = SID, i
                if joins:
                    clean[JOIN_KEY] = 1
                batch.append(clean)
            self._assert(handle, actions, {"sid": SID, "id": 0, "t": SENTINEL}, many=False)
            try:
                if batch:
                    self._assert(handle, actions, batch, many=True)
            except MessageNotHandledException as e:
                raise EngineError(f"a fact matched no engine rule: {e.message}") from None
            except MessageObservedException as e:
                raise EngineError(f"a fact was asserted twice: {e.message}") from None
            finally:
                _c.delete_state(handle, SID)
        if self._errors:
            raise EngineError(f"an engine action failed: {self._errors[0]!r}")
        return list(self._fired)
