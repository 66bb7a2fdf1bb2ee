"""Run compiled rulesets in durable-rules: one session per case, every firing collected.

This is the only module that touches durable-rules. It uses the low-level API (no Host, no
background threads). The C extension has no locks of its own, so each Engine serialises its
calls with a lock: an Engine is safe to share between threads, though calls do not run in parallel.
"""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any, Iterable, Mapping

import durable_rules_engine as _durable

from followup_rules.engine.compiler import (Compiled, CompiledRule, dumps, durable_rule, fact_of, regex_fields,
    shards)

_names = itertools.count()
_SENTINEL = "sentinel"


class EngineError(RuntimeError):
    """durable-rules refused a ruleset or a fact that our compiler let through (a bug)."""


class _Shard:
    def __init__(self, rules: tuple[CompiledRule, ...]) -> None:
        self.keys = {f"r{i}": rule.key for i, rule in enumerate(rules)}
        definition = {f"r{i}": durable_rule(rule) for i, rule in enumerate(rules)}
        # durable's createStateNode leaves the action context uninitialised and deleteState frees
        # it: a session that never ran an action can crash on delete. This rule fires for every
        # fact, so each session runs its actions to the end, which clears the context first.
        definition[_SENTINEL] = {"all": [{"m": {"$nex": {"$s": 1}}}], "pri": 65535}
        fields = sorted({f for rule in rules for f in rule.fields if not f.startswith("m_")})
        self.inputs = [(fact_of(field), field) for field in fields]
        self.regexes = regex_fields(rules)
        self.name = f"followup{next(_names)}"
        try:
            self.handle = _durable.create_ruleset(self.name, dumps(definition))
        except Exception as exc:  # the extension raises its own error type
            raise EngineError(f"durable-rules refused shard {self.name}: {exc}") from exc

    def fact(self, sid: str, values: Mapping[str, Any]) -> str:
        """The JSON fact for one case: only the fields this shard's rules read."""
        data: dict[str, Any] = {"sid": sid}
        exotic = False
        for fact, field in self.inputs:
            value = values.get(fact)
            if value is not None:
                data[field] = value
                # json writes these floats with an exponent, which durable's parser rejects.
                exotic = exotic or type(value) is float and (abs(value) >= 1e16 or 0 < abs(value) < 1e-4)
        for name, fact, pattern in self.regexes:
            text = values.get(fact)
            data[name] = isinstance(text, str) and pattern.search(text) is not None
        return dumps(data) if exotic else json.dumps(data, ensure_ascii=False)

    def fire(self, sid: str, values: Mapping[str, Any]) -> set[str]:
        fired: set[str] = set()
        try:
            code, offset = _durable.assert_fact(self.handle, self.fact(sid, values))
            if code == 0:
                result = _durable.start_action_for_state(self.handle, offset)
                message = result[1] if result else None
                while message:
                    fired.update(self.keys[name] for name in _rule_names(message) if name != _SENTINEL)
                    message = _durable.complete_and_start_action(self.handle, offset)
            elif code != 1:
                raise EngineError(f"durable-rules returned code {code} for shard {self.name}")
        finally:
            _durable.delete_state(self.handle, sid)
        return fired


def _rule_names(message: str) -> Iterable[str]:
    # The message is {"<rule name>": {...}}; only the name matters.
    start = message.index('"') + 1
    return (message[start:message.index('"', start)],)


class Engine:
    """Evaluates facts against a set of compiled rulesets."""

    def __init__(self, compiled: Iterable[Compiled]) -> None:
        self.compiled = tuple(compiled)
        live = tuple(rule for c in self.compiled for rule in c.live)
        self._shards = [_Shard(group) for group in shards(live)]
        self._lock = threading.Lock()
        self._sessions = itertools.count()

    @property
    def shard_count(self) -> int:
        return len(self._shards)

    def fire(self, facts: Mapping[str, Any]) -> set[str]:
        """Keys (``ruleset/rule``) of every rule whose condition holds for `facts`."""
        fired: set[str] = set()
        with self._lock:
            sid = f"c{next(self._sessions)}"
            for shard in self._shards:
                fired |= shard.fire(sid, facts)
        return fired
