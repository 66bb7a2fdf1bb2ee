"""An Engine gives back what durable-rules holds for it when it is freed: its kept sessions, then its
rulesets (the C core keeps both until told, and a server sees many coaches' rulesets)."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from followup_rules.core._yaml import Document
from followup_rules.engine import durable
from followup_rules.engine.compiler import Compiled, compile_ruleset
from followup_rules.engine.durable import Engine
from followup_rules.rules.load import parse_ruleset

FACTS = {"interview.hours_since_end": 3.0, "application.industry": "tech"}


def coach(rules: int) -> Compiled:
    data = {"id": "coach", "version": "1.0.0", "title": "A coach's rules", "rules": [
        {"id": f"r{i}", "kind": "dont", "strength": "should", "topic": "tone", "says": "x", "quote": "x",
         "when": {"all": [{"fact": "interview.hours_since_end", "op": "lt", "value": i},
                          {"fact": "application.industry", "op": "in", "value": ["tech", "finance"]}]},
         "then": {"warning": "pushy_language"}} for i in range(rules)]}
    return compile_ruleset(parse_ruleset(Document("coach.yaml", data)))


class Spy:
    """durable_rules_engine, with its deletions recorded."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def delete_state(self, handle: int, sid: str) -> Any:
        self.calls.append(("delete_state", handle))
        return self.real.delete_state(handle, sid)

    def delete_ruleset(self, handle: int) -> Any:
        self.calls.append(("delete_ruleset", handle))
        return self.real.delete_ruleset(handle)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    watched = Spy(durable._durable)
    monkeypatch.setattr(durable, "_durable", watched)
    return watched


def test_an_engine_that_fired_deletes_each_shards_session_before_its_ruleset(spy: Spy) -> None:
    engine = Engine([coach(40)])
    assert engine.shard_count == 2
    assert engine.fire(FACTS) == {f"coach/r{i}" for i in range(4, 40)}
    handles = [shard.handle for shard in engine._shards]
    del engine
    gc.collect()
    assert spy.calls == [call for handle in handles for call in (("delete_state", handle), ("delete_ruleset", handle))]


def test_an_engine_that_never_fired_has_no_session_to_delete(spy: Spy) -> None:
    engine = Engine([coach(3)])
    handles = [shard.handle for shard in engine._shards]
    del engine
    gc.collect()
    assert spy.calls == [("delete_ruleset", handle) for handle in handles]
