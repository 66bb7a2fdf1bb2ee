"""A hand-rolled, short-circuiting Python evaluator of compiled rules: the `if`-chain baseline.

Each rule's condition becomes one Python boolean expression (parameters folded in, the null
semantics of `conditions.test` kept), and all rules become one generated function, which is about
as fast as plain Python gets for these rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from followup_rules.core.ruleset import Condition
from followup_rules.engine.compiler import Compiled
from followup_rules.engine.conditions import evaluate, resolve_value

Evaluator = Callable[[Mapping[str, Any]], set[str]]


class _Writer:
    def __init__(self) -> None:
        self.names: dict[str, Any] = {}

    def constant(self, value: Any) -> str:
        name = f"c{len(self.names)}"
        self.names[name] = value
        return name

    def expr(self, cond: Condition, params: Mapping[str, Any]) -> str:
        if cond.kind == "not":
            return f"(not {self.expr(cond.children[0], params)})"
        if cond.kind in ("all", "any"):
            joiner = " and " if cond.kind == "all" else " or "
            return "(" + joiner.join(self.expr(c, params) for c in cond.children) + ")"
        if cond.param is not None:
            return "True" if evaluate(cond, {}, params).passed else "False"
        value = resolve_value(cond.value, params)
        get = f"f.get({cond.fact!r})"
        op = cond.op
        if op == "exists":
            return f"({get} is {'not ' if value else ''}None)"
        if op in ("eq", "ne", "in", "not_in"):
            # None never equals a rule's value, so these already have the null semantics.
            symbol = {"eq": "==", "ne": "!=", "in": "in", "not_in": "not in"}[op]
            operand = self.constant(frozenset(value) if op in ("in", "not_in") else value)
            return f"({get} {symbol} {operand})"
        if op == "matches":
            pattern = self.constant(re.compile(value))
            return f"(isinstance(x := {get}, str) and {pattern}.search(x) is not None)"
        symbol = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
        return f"((x := {get}) is not None and x {symbol} {self.constant(value)})"


def build(compiled: Sequence[Compiled]) -> Evaluator:
    """One function giving the keys of every rule of `compiled` whose condition holds."""
    writer = _Writer()
    lines = ["def fired(f):", "    out = set()"]
    for c in compiled:
        for rule in c.rules:
            test = "True" if rule.condition is None else writer.expr(rule.condition, c.params)
            lines.append(f"    if {test}:")
            lines.append(f"        out.add({rule.key!r})")
    lines.append("    return out")
    namespace: dict[str, Any] = dict(writer.names)
    exec(compile("\n".join(lines), "<pyrules>", "exec"), namespace)
    fired: Evaluator = namespace["fired"]
    return fired
