"""Run compiled rulesets in durable-rules: one kept session per shard, every firing collected.

This is the only module that knows durable-rules and its dialect: field names, JSON, regular
expressions computed in Python, and shards that keep each durable ruleset far from the C core's
limits. It uses the low-level API (no Host, no background threads). The extension has no locks of
its own, so each Engine serialises its calls: an Engine is safe to share between threads, though
calls do not run in parallel.

Each shard keeps one session for the life of the process: a case's fact is asserted, its firings
collected, and the fact retracted, which leaves the session as it was (twice as fast as creating
and deleting a session per case, and memory stays flat). A session that fails is deleted, and the
next case starts a new one.
"""

from __future__ import annotations

import itertools
import json
import threading
import weakref
from typing import Any, Iterable, Mapping

import durable_rules_engine as _durable
import orjson

from followup_rules.core.patterns import matches
from followup_rules.core.ruleset import digest_of
from followup_rules.core.vocabulary import FACTS
from followup_rules.engine.compiler import Compiled, CompiledRule, Expr, Group, Test, leaves

#: Rules per durable ruleset: far below the 64-satisfied-conditions and 512-node limits; fields
#: per fact below its 252 (`sid` and the engine's own take a few).
SHARD_RULES = 32
SHARD_TESTS = 384
SHARD_FIELDS = 200

_names = itertools.count()
_SENTINEL = "sentinel"
# Every rule carries this test: without it a rule the engine's own state object satisfies loops.
_GUARD = {"$nex": {"$s": 1}}
_OPS = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte", "ne": "$neq"}


class EngineError(RuntimeError):
    """durable-rules refused a ruleset or a fact that our compiler let through (a bug)."""


def field_name(fact: str) -> str:
    """The durable field for a fact: durable reserves `id`/`sid` and reads dots as paths."""
    return "f_" + fact.replace(".", "__")


def regex_field(pattern: str) -> str:
    """The boolean field that holds whether a fact matches `pattern` (durable's own regexes differ)."""
    return "m_" + digest_of(pattern)[7:19]


def _nullable(fact: str) -> bool:
    definition = FACTS.get(fact)
    return definition is not None and definition.nullable


def _join(kind: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {kind: parts}


def durable_expr(expr: Expr) -> dict[str, Any] | None:
    """The durable condition for an expression (None for a constant true)."""
    if expr is True or expr is False:
        return None
    if isinstance(expr, Group):
        parts = [part for p in expr.parts if (part := durable_expr(p)) is not None]
        return _join("$and" if expr.kind == "all" else "$or", parts)
    assert isinstance(expr, Test)
    if expr.op in ("matches", "not_matches"):
        return {regex_field(expr.value): expr.op == "matches"}
    field = field_name(expr.fact)
    if expr.op == "exists":
        return {"$ex" if expr.value else "$nex": {field: 1}}
    if expr.op == "eq":
        test: dict[str, Any] = {field: expr.value}
    elif expr.op == "in":
        test = _join("$or", [{field: v} for v in expr.value])
    elif expr.op == "not_in":
        test = _join("$and", [{"$neq": {field: v}} for v in expr.value])
    else:
        test = {_OPS[expr.op]: {field: expr.value}}
    # durable fails every comparison on a missing field; a test that holds for null says so.
    if expr.when_null and _nullable(expr.fact):
        test = {"$or": [{"$nex": {field: 1}}, test]}
    return test


def durable_rule(rule: CompiledRule) -> dict[str, Any]:
    """The durable-rules definition of one live rule; priority is unsigned 16-bit, lower first."""
    condition = durable_expr(rule.expression)
    tests = [_GUARD] if condition is None else [condition, _GUARD]
    return {"all": [{"m": {"$and": tests}}], "pri": max(0, min(65535, rule.rule.priority))}


def conditions(rule: CompiledRule) -> int:
    """The durable conditions a rule becomes: `in` lists expanded, null checks and the guard included."""
    def count(node: Any) -> int:
        if isinstance(node, dict):
            return sum(count(v) for v in node.values()) if set(node) <= {"$and", "$or"} else 1
        if isinstance(node, list):
            return sum(count(v) for v in node)
        return 0

    return count(durable_rule(rule)["all"][0]["m"])


def shards(rules: tuple[CompiledRule, ...]) -> list[tuple[CompiledRule, ...]]:
    """Split rules into groups each small enough for one durable ruleset: rules, conditions and
    fields (a fact may not have more than 252) all bounded."""
    groups: list[list[CompiledRule]] = [[]]
    tests = 0
    fields: set[str] = set()
    for rule in rules:
        size = conditions(rule)
        needs = _fields(rule)
        if groups[-1] and (len(groups[-1]) >= SHARD_RULES or tests + size > SHARD_TESTS
                           or len(fields | needs) > SHARD_FIELDS):
            groups.append([])
            tests = 0
            fields = set()
        groups[-1].append(rule)
        tests += size
        fields |= needs
    return [tuple(g) for g in groups if g]


def _fields(rule: CompiledRule) -> set[str]:
    return {regex_field(t.value) if t.op in ("matches", "not_matches") else field_name(t.fact)
            for t in leaves(rule.expression)}


def dumps(value: Any) -> str:
    """JSON in the form durable's parser accepts: floats in fixed notation, never exponents."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        return text if "e" not in text and "E" not in text else format(value, ".9f").rstrip("0")
    if isinstance(value, (int, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    return "[" + ",".join(dumps(v) for v in value) + "]"


class _Shard:
    def __init__(self, rules: tuple[CompiledRule, ...]) -> None:
        self.keys = {f"r{i}": rule.key for i, rule in enumerate(rules)}
        definition = {f"r{i}": durable_rule(rule) for i, rule in enumerate(rules)}
        # durable's createStateNode leaves the action context uninitialised and deleteState frees
        # it: a session that never ran an action can crash on delete. This rule fires for every
        # fact, so each session runs its actions to the end, which clears the context first.
        definition[_SENTINEL] = {"all": [{"m": _GUARD}], "pri": 65535}
        tests = [t for rule in rules for t in leaves(rule.expression)]
        facts = sorted({t.fact for t in tests if t.op not in ("matches", "not_matches")})
        self.inputs = [(fact, field_name(fact)) for fact in facts]
        self.regexes = sorted({(regex_field(t.value), t.fact, t.value) for t in tests
                               if t.op in ("matches", "not_matches")})
        self.name = f"followup{next(_names)}"
        self.sid = "s0"
        self.session = False  # whether the kept session exists (made by the first fact)
        try:
            self.handle = _durable.create_ruleset(self.name, dumps(definition))
        except Exception as exc:  # the extension raises its own error type
            raise EngineError(f"durable-rules refused shard {self.name}: {exc}") from exc

    def fact(self, values: Mapping[str, Any]) -> str:
        """The JSON fact for one case: only the fields this shard's rules read."""
        data: dict[str, Any] = {"sid": self.sid}
        exotic = False
        for fact, field in self.inputs:
            value = values.get(fact)
            if value is not None:
                data[field] = value
                # json writes these floats with an exponent, which durable's parser rejects.
                exotic = exotic or type(value) is float and (abs(value) >= 1e16 or 0 < abs(value) < 1e-4)
        for name, fact, pattern in self.regexes:
            text = values.get(fact)
            data[name] = matches(pattern, text)
        return dumps(data) if exotic else orjson.dumps(data).decode()

    def fire(self, values: Mapping[str, Any]) -> set[str]:
        fired: set[str] = set()
        fact = self.fact(values)
        code, offset = _durable.assert_fact(self.handle, fact)
        self.session = True
        try:
            if code == 0:
                result = _durable.start_action_for_state(self.handle, offset)
                message = result[1] if result else None
                while message:
                    fired.update(self.keys[name] for name in _rule_names(message) if name != _SENTINEL)
                    message = _durable.complete_and_start_action(self.handle, offset)
            elif code != 1:
                raise EngineError(f"durable-rules returned code {code} for shard {self.name}")
            _durable.retract_fact(self.handle, fact)
        except BaseException:
            # The session may hold this fact or a broken action: start the next case afresh.
            _durable.delete_state(self.handle, self.sid)
            self.sid, self.session = f"s{next(_names)}", False
            raise
        return fired


def _delete(made: list[_Shard]) -> None:
    for shard in made:
        # delete_ruleset leaves a session's state allocated (about 640 KiB a shard): delete it first.
        if shard.session:
            _durable.delete_state(shard.handle, shard.sid)
        _durable.delete_ruleset(shard.handle)
    made.clear()


def _rule_names(message: str) -> Iterable[str]:
    # The message is {"<rule name>": {...}}; only the name matters.
    start = message.index('"') + 1
    return (message[start:message.index('"', start)],)


class Engine:
    """Evaluates facts against a set of compiled rulesets.

    Its durable rulesets are deleted when the Engine is (the C core keeps them, and their handles,
    of which there are 131,071, until then): a process that sees many rulesets keeps only the
    engines it still holds.
    """

    def __init__(self, compiled: Iterable[Compiled]) -> None:
        self.compiled = tuple(compiled)
        live = tuple(rule for c in self.compiled for rule in c.live)
        self._shards: list[_Shard] = []
        # Registered first, so that shards made before a refused one are deleted too.
        weakref.finalize(self, _delete, self._shards).atexit = False
        for group in shards(live):
            self._shards.append(_Shard(group))
        self._lock = threading.Lock()

    @property
    def shard_count(self) -> int:
        return len(self._shards)

    def fire(self, facts: Mapping[str, Any]) -> set[str]:
        """Keys (``ruleset/rule``) of every rule whose condition holds for `facts`."""
        fired: set[str] = set()
        with self._lock:
            for shard in self._shards:
                fired |= shard.fire(facts)
        return fired
