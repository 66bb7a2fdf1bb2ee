"""Compile checked rulesets into plain expressions any engine can run.

Parameters are folded in, `not` is pushed down to the leaves (each test keeps the result the
explain evaluator gives a null fact, `conditions.test`), `in` lists stay lists, and groups that
fold to a constant disappear. What an engine needs beyond this (durable-rules' field names, its
JSON, its limits) is the engine's business: see `engine.durable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Union

from followup_rules.core.ruleset import Condition, Rule, Ruleset, digest_of
from followup_rules.core.vocabulary import ALWAYS_KNOWN, anchor_fact
from followup_rules.engine.conditions import evaluate, resolve_value, test

COMPILER_VERSION = "2"

_NEGATE = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le", "in": "not_in",
           "not_in": "in", "matches": "not_matches", "not_matches": "matches"}


@dataclass(frozen=True)
class Test:
    """One comparison of a fact; `when_null` is its result when the fact has no value."""

    fact: str
    op: str  # eq ne lt le gt ge in not_in matches not_matches exists
    value: Any
    when_null: bool


@dataclass(frozen=True)
class Group:
    """All (`all`) or any (`any`) of its parts, each a Test or a Group, never empty."""

    kind: str
    parts: tuple[Expr, ...]


#: A compiled condition: a constant, a test, or a group of them.
Expr = Union[bool, Test, Group]


@dataclass(frozen=True, eq=False)
class CompiledRule:
    """A rule ready for an engine: its citation key, its expression, and how many tests it holds."""

    key: str
    ruleset: str
    rule: Rule
    condition: Condition | None
    expression: Expr
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
        return tuple(r for r in self.rules if r.expression is not False)


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
        expression = True if condition is None else _expr(condition, values, False)
        tests = len(condition.leaves()) if condition else 0
        rules.append(CompiledRule(f"{ruleset.id}/{rule.id}", ruleset.id, rule, condition, expression, tests))
    digest = digest_of([ruleset.digest, params, COMPILER_VERSION])
    return Compiled(ruleset, values, tuple(rules), digest)


def _expr(cond: Condition, params: Mapping[str, Any], negate: bool) -> Expr:
    if cond.kind == "not":
        return _expr(cond.children[0], params, not negate)
    if cond.kind in ("all", "any"):
        kind = "all" if (cond.kind == "all") != negate else "any"
        return _join(kind, [_expr(c, params, negate) for c in cond.children])
    if cond.param is not None:
        return evaluate(cond, {}, params).passed != negate
    value = resolve_value(cond.value, params)
    when_null = test(cond.op, None, value) != negate
    if cond.op == "exists":
        return Test(cond.fact or "", "exists", bool(value) != negate, when_null)
    return Test(cond.fact or "", _NEGATE[cond.op] if negate else cond.op, value, when_null)


def _join(kind: str, parts: list[Expr]) -> Expr:
    stop = kind != "all"  # False stops an `all`, True stops an `any`
    if stop in parts:
        return stop
    kept = [p for p in parts if p is not (not stop)]
    if not kept:
        return not stop
    return kept[0] if len(kept) == 1 else Group(kind, tuple(kept))


def leaves(expr: Expr) -> list[Test]:
    """Every test of an expression, in order."""
    if isinstance(expr, Test):
        return [expr]
    if isinstance(expr, Group):
        return [leaf for part in expr.parts for leaf in leaves(part)]
    return []
