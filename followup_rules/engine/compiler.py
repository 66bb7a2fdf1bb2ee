"""Compile checked rulesets into durable-rules definitions that stay inside the engine's limits.

Parameters are folded in, `not` is pushed down to the leaves (with the null semantics of
`conditions.test`), regular expressions become booleans computed in Python, and rules are sharded
so that no durable ruleset comes near the C core's limits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Union

from followup_rules.engine.conditions import evaluate, resolve_value
from followup_rules.core.vocabulary import anchor_fact
from followup_rules.core.ruleset import Condition, Rule, Ruleset, digest_of
from followup_rules.core.vocabulary import FACTS

COMPILER_VERSION = "1"
#: Rules per durable ruleset: far below the 64-satisfied-conditions and 512-node limits.
SHARD_RULES = 32
SHARD_TESTS = 384

_TRUE, _FALSE = "true", "false"
#: Anchors every case has: no implied "anchor known" test for them.
ALWAYS_KNOWN = frozenset({"at", "interview_start", "interview_end"})
Expr = Union[dict[str, Any], str]


@dataclass(frozen=True, eq=False)
class CompiledRule:
    """A rule ready for the engine: its citation, its durable expression and the fields it reads."""

    key: str
    ruleset: str
    rule: Rule
    condition: Condition | None
    expression: Expr
    fields: tuple[str, ...]
    tests: int


@dataclass(frozen=True, eq=False)
class Compiled:
    """A ruleset compiled with fixed parameters."""

    ruleset: Ruleset
    params: Mapping[str, Any]
    rules: tuple[CompiledRule, ...]
    digest: str

    @property
    def live(self) -> tuple[CompiledRule, ...]:
        """Rules that can fire (conditions that fold to false are kept only for explain)."""
        return tuple(r for r in self.rules if r.expression != _FALSE)


def field_name(fact: str) -> str:
    """The durable field for a fact: durable reserves `id`/`sid` and reads dots as paths."""
    return "f_" + fact.replace(".", "__")


def fact_of(field: str) -> str:
    """The fact a durable field holds (the inverse of `field_name`)."""
    return field[2:].replace("__", ".")


def regex_field(pattern: str) -> str:
    return "m_" + digest_of(pattern)[7:19]


def full_condition(ruleset: Ruleset, rule: Rule) -> Condition | None:
    """The rule's condition with the ruleset's `applies_when` and the window anchor's presence."""
    parts: list[Condition] = []
    if ruleset.applies_when is not None:
        parts.append(ruleset.applies_when)
    if rule.when is not None:
        parts.append(rule.when)
    window = rule.then.window
    if window is not None and window.anchor not in ALWAYS_KNOWN:
        parts.append(Condition("test", fact=anchor_fact(window.anchor), op="eq", value=True, implicit=True))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Condition("all", tuple(parts))


def compile_ruleset(ruleset: Ruleset, params: Mapping[str, Any] | None = None) -> Compiled:
    """Compile `ruleset` with `params` over its defaults; cached per process."""
    values = ruleset.param_values(params)
    return _compile(ruleset, tuple(sorted(values.items(), key=lambda kv: kv[0])))


@lru_cache(maxsize=256)
def _compile(ruleset: Ruleset, params: tuple[tuple[str, Any], ...]) -> Compiled:
    values = dict(params)
    rules = []
    for rule in ruleset.rules:
        condition = full_condition(ruleset, rule)
        fields: set[str] = set()
        expression = _TRUE if condition is None else _expr(condition, values, False, fields)
        tests = len(condition.leaves()) if condition else 0
        rules.append(CompiledRule(f"{ruleset.id}/{rule.id}", ruleset.id, rule, condition, expression,
                                  tuple(sorted(fields)), tests))
    digest = digest_of([ruleset.digest, params, COMPILER_VERSION])
    return Compiled(ruleset, values, tuple(rules), digest)


def durable_rule(rule: CompiledRule) -> dict[str, Any]:
    """The durable-rules definition of one live rule."""
    guard = {"$nex": {"$s": 1}}
    tests = [guard] if rule.expression == _TRUE else [rule.expression, guard]
    return {"all": [{"m": {"$and": tests}}], "pri": max(0, min(65535, rule.rule.priority))}


def shards(rules: tuple[CompiledRule, ...]) -> list[tuple[CompiledRule, ...]]:
    """Split rules into groups each small enough for one durable ruleset."""
    groups: list[list[CompiledRule]] = [[]]
    tests = 0
    for rule in rules:
        if groups[-1] and (len(groups[-1]) >= SHARD_RULES or tests + rule.tests > SHARD_TESTS):
            groups.append([])
            tests = 0
        groups[-1].append(rule)
        tests += rule.tests
    return [tuple(g) for g in groups if g]


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


def _nullable(fact: str) -> bool:
    definition = FACTS.get(fact)
    return definition is not None and definition.nullable


def _join(kind: str, parts: list[Expr]) -> Expr:
    stop, skip = (_FALSE, _TRUE) if kind == "$and" else (_TRUE, _FALSE)
    if stop in parts:
        return stop
    kept = [p for p in parts if p != skip]
    if not kept:
        return skip
    return kept[0] if len(kept) == 1 else {kind: kept}


_NEGATE = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le", "in": "not_in",
           "not_in": "in"}
_DURABLE_OPS = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte", "ne": "$neq"}


def _expr(cond: Condition, params: Mapping[str, Any], negate: bool, fields: set[str]) -> Expr:
    if cond.kind == "not":
        return _expr(cond.children[0], params, not negate, fields)
    if cond.kind in ("all", "any"):
        kind = "$and" if (cond.kind == "all") != negate else "$or"
        return _join(kind, [_expr(c, params, negate, fields) for c in cond.children])
    if cond.param is not None:
        passed = evaluate(cond, {}, params).passed != negate
        return _TRUE if passed else _FALSE
    fact = cond.fact or ""
    value = resolve_value(cond.value, params)
    op = cond.op
    if op == "matches":
        name = regex_field(value)
        fields.add(f"{name}:{fact}:{value}")
        return {name: not negate}
    if op == "exists":
        field = field_name(fact)
        fields.add(field)
        present = bool(value) != negate
        return {"$ex" if present else "$nex": {field: 1}}
    if negate:
        op = _NEGATE[op]
    field = field_name(fact)
    fields.add(field)
    nullable = _nullable(fact)
    if op == "eq":
        expr: Expr = {field: value}
    elif op == "in":
        expr = _join("$or", [{field: v} for v in value])
    elif op == "not_in":
        expr = _join("$and", [{"$neq": {field: v}} for v in value])
    else:
        expr = {_DURABLE_OPS[op]: {field: value}}
    if nullable and op in ("ne", "not_in") or nullable and negate and op in ("lt", "le", "gt", "ge"):
        expr = {"$or": [{"$nex": {field: 1}}, expr]}
    return expr


def regex_fields(rules: tuple[CompiledRule, ...]) -> list[tuple[str, str, re.Pattern[str]]]:
    """(field, fact, compiled pattern) for every `matches` test among `rules`."""
    seen: dict[str, tuple[str, str, re.Pattern[str]]] = {}
    for rule in rules:
        for entry in rule.fields:
            if entry.startswith("m_"):
                name, fact, pattern = entry.split(":", 2)
                seen[name] = (name, fact, re.compile(pattern))
    return list(seen.values())
