"""The durable-rules engine agrees with the explain evaluator, at any size that passes validation."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup_rules.core._yaml import Document
from followup_rules.core.problems import UserError
from followup_rules.core.vocabulary import ANCHORS, FACTS, anchor_fact
from followup_rules.engine.compiler import compile_ruleset
from followup_rules.engine.conditions import evaluate, predicate
from followup_rules.engine.durable import Engine, dumps, shards
from followup_rules.rules.load import parse_ruleset

NUMBERS = [-1.5, 0, 0.25, 1, 2, 3, 7, 7.0, 23.99, 24, 24.0, 48, 48.0, 48.01, 168, 5e-05, 2e16]
TEXTS = ["", "Dear Pat, ASAP!!!", "thanks for your time", "Following up on the role", "ok 👍"]
PATTERNS = [r"(?i)\basap\b", r"!{2,}", r"^Dear", r"time$", r"[0-9]"]


def fact_values(fact: Any) -> list[Any]:
    if fact.type == "bool":
        return [True, False]
    if fact.type == "int":
        return [-1, 0, 1, 2, 3, 5, 7, 14]
    if fact.type == "number":
        return NUMBERS
    if fact.type == "enum":
        return list(fact.values)
    return TEXTS


def random_test(rng: random.Random) -> dict[str, Any]:
    fact = FACTS[rng.choice(sorted(FACTS))]
    values = fact_values(fact)
    ops = ["eq", "ne", "in", "not_in"]
    if fact.type in ("int", "number"):
        ops += ["lt", "le", "gt", "ge"]
    if fact.nullable:
        ops.append("exists")
    if fact.type == "string":
        ops = ["matches", "exists"]
    op = rng.choice(ops)
    if op == "exists":
        value: Any = rng.choice([True, False])
    elif op == "matches":
        value = rng.choice(PATTERNS)
    elif op in ("in", "not_in"):
        value = rng.sample(values, k=min(len(values), rng.randint(1, 3)))
    else:
        value = rng.choice(values)
    return {"fact": fact.name, "op": op, "value": value}


def random_condition(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    roll = rng.random()
    if depth >= 2 or roll < 0.45:
        if rng.random() < 0.08:
            return {"param": "flag", "op": "eq", "value": rng.choice([True, False])}
        return random_test(rng)
    if roll < 0.6:
        return {"not": random_condition(rng, depth + 1)}
    kind = "all" if roll < 0.82 else "any"
    return {kind: [random_condition(rng, depth + 1) for _ in range(rng.randint(1, 3))]}


def random_ruleset(count: int, seed: int) -> Any:
    rng = random.Random(seed)
    rules = []
    for i in range(count):
        rule: dict[str, Any] = {"id": f"r{i}", "kind": "dont", "strength": "should", "topic": "tone",
                                "says": f"Generated rule {i}.", "quote": "generated",
                                "then": {"warning": "pushy_language"}}
        if rng.random() > 0.03:
            rule["when"] = random_condition(rng)
        rules.append(rule)
    data = {"id": f"generated-{count}", "version": "1.0.0", "title": "Generated",
            "parameters": {"flag": {"type": "bool", "default": True, "description": "A folded parameter."}},
            "rules": rules}
    return parse_ruleset(Document(f"generated-{count}.yaml", data))


def facts_strategy() -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, fact in FACTS.items():
        base = st.sampled_from(fact_values(fact))
        fields[name] = st.one_of(st.none(), base) if fact.nullable else base
    for anchor in ANCHORS:
        fields[anchor_fact(anchor)] = st.booleans()
    return st.fixed_dictionaries(fields)


def evaluator_fired(compiled: Any, facts: dict[str, Any]) -> set[str]:
    return {r.key for r in compiled.rules
            if r.condition is None or evaluate(r.condition, facts, compiled.params).passed}


GENERATED = compile_ruleset(random_ruleset(150, seed=7))
ENGINE = Engine([GENERATED])


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_strategy())
def test_engine_matches_explain_evaluator(facts: dict[str, Any]) -> None:
    assert ENGINE.fire(facts) == evaluator_fired(GENERATED, facts)


PREDICATES = [(r.key, predicate(r.condition, GENERATED.params)) for r in GENERATED.rules if r.condition is not None]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_strategy())
def test_predicates_match_the_explain_evaluator(facts: dict[str, Any]) -> None:
    fired = evaluator_fired(GENERATED, facts)
    assert {key for key, holds in PREDICATES if holds(facts)} == {r.key for r in GENERATED.rules
                                                                   if r.condition is not None and r.key in fired}


def test_four_hundred_rules_compile_shard_and_evaluate_exactly() -> None:
    compiled = compile_ruleset(random_ruleset(400, seed=11))
    engine = Engine([compiled])
    assert engine.shard_count >= 400 // 32
    rng = random.Random(3)
    for _ in range(300):
        facts = {name: rng.choice(fact_values(f) + ([None] if f.nullable else [])) for name, f in FACTS.items()}
        facts.update({anchor_fact(a): rng.random() < 0.5 for a in ANCHORS})
        assert engine.fire(facts) == evaluator_fired(compiled, facts)


def test_rules_satisfied_by_every_case_do_not_hit_the_64_condition_limit() -> None:
    data = {"id": "always", "version": "1.0.0", "title": "Always",
            "rules": [{"id": f"r{i}", "kind": "do", "strength": "may", "topic": "tone", "says": "x", "quote": "x",
                       "when": {"fact": "interview.ended", "op": "eq", "value": True},
                       "then": {"action": "continue_job_search"}} for i in range(200)]}
    compiled = compile_ruleset(parse_ruleset(Document("always.yaml", data)))
    facts = {name: fact_values(f)[0] for name, f in FACTS.items()}
    facts["interview.ended"] = True
    assert len(Engine([compiled]).fire(facts)) == 200


def test_floats_are_written_without_exponents() -> None:
    assert dumps({"a": 5e-05, "b": 1e16, "c": 0.1}) == '{"a":0.00005,"b":10000000000000000,"c":0.1}'


def test_shards_stay_small() -> None:
    compiled = compile_ruleset(random_ruleset(100, seed=5))
    groups = shards(compiled.live)
    assert all(len(g) <= 32 and sum(r.tests for r in g) <= 384 for g in groups)
    assert sum(len(g) for g in groups) == len(compiled.live)


def test_an_oversized_rule_is_rejected_by_validation() -> None:
    many = [{"fact": "draft.words", "op": "gt", "value": i} for i in range(30)]
    data = {"id": "big", "version": "1.0.0", "title": "Big",
            "rules": [{"id": "big", "kind": "do", "strength": "may", "topic": "tone", "says": "x", "quote": "x",
                       "when": {"all": many}, "then": {"action": "continue_job_search"}}]}
    with pytest.raises(UserError, match="FR033"):
        parse_ruleset(Document("big.yaml", data))


def test_many_multi_shard_engines_in_one_process_do_not_crash() -> None:
    # A session that ran no action used to be deleted with an uninitialised context: a crash in
    # about half of such processes. It runs in a subprocess so a crash fails the test, not the run.
    import subprocess
    import sys

    script = (
        "from followup_rules.engine.durable import Engine\n"
        "from tests.engine.test_engine import random_ruleset, fact_values\n"
        "from followup_rules.engine.compiler import compile_ruleset\n"
        "from followup_rules.core.vocabulary import FACTS\n"
        "compiled = compile_ruleset(random_ruleset(70, seed=2))\n"
        "facts = {n: fact_values(f)[0] for n, f in FACTS.items()}\n"
        "for _ in range(40):\n"
        "    Engine([compiled]).fire(facts)\n"
    )
    for _ in range(4):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]


def test_the_largest_rules_the_validator_accepts_build_and_fire_exactly() -> None:
    """Rules of 24 tests once `in` lists are expanded, five of them from `applies_when`, nullable facts
    with their null checks, 300 of them: every shard builds, and the engine agrees with the evaluator."""
    nullable = [f for f in FACTS.values() if f.nullable and f.type in ("int", "number")][:4]
    rules = []
    for i in range(300):
        tests: list[dict[str, Any]] = [
            {"fact": "draft.kind", "op": "in", "value": list(FACTS["draft.kind"].values)[:7]},
            {"fact": "candidate.last_channel", "op": "not_in", "value": list(FACTS["candidate.last_channel"].values)[:6]},
        ] + [{"fact": f.name, "op": "ne", "value": i * 10 + k} for k, f in enumerate(nullable)] + [
            {"fact": "interview.ended", "op": "eq", "value": True}, {"fact": "thank_you.sent", "op": "eq", "value": bool(i % 2)}]
        rules.append({"id": f"r{i}", "kind": "dont", "strength": "should", "topic": "tone", "says": "x", "quote": "x",
                      "when": {"all": tests}, "then": {"warning": "pushy_language"}})
    data = {"id": "largest", "version": "1.0.0", "title": "Largest", "rules": rules,
            "applies_when": {"fact": "application.industry", "op": "in", "value": list(FACTS["application.industry"].values)}}
    ruleset = parse_ruleset(Document("largest.yaml", data))
    assert max(len(r.when.leaves()) for r in ruleset.rules if r.when) == 8
    compiled = compile_ruleset(ruleset)
    engine = Engine([compiled])
    rng = random.Random(5)
    for _ in range(100):
        facts = {name: rng.choice(fact_values(f) + ([None] if f.nullable else [])) for name, f in FACTS.items()}
        facts.update({anchor_fact(a): rng.random() < 0.5 for a in ANCHORS})
        assert engine.fire(facts) == evaluator_fired(compiled, facts)
