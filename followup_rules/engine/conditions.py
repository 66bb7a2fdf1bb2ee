"""Plain-Python evaluation of condition trees, every branch shown (the explain evaluator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from followup_rules.core.patterns import matches
from followup_rules.core.ruleset import Condition, ParamRef


@dataclass(frozen=True)
class Support:
    """A leaf test that helped a condition hold; `negated` when it did so by failing under `not`."""

    condition: Condition
    actual: Any
    expected: Any
    negated: bool


@dataclass(frozen=True)
class Outcome:
    """A condition's result with the values that decided it; groups hold their children's."""

    condition: Condition
    passed: bool
    actual: Any = None
    expected: Any = None
    children: tuple["Outcome", ...] = ()

    def failing_tests(self) -> list["Outcome"]:
        """The leaf tests that made this outcome false (or, under `not`, true)."""
        if self.condition.kind == "test":
            return [] if self.passed else [self]
        if self.condition.kind == "not":
            return [self] if not self.passed else []
        return [leaf for child in self.children if not child.passed for leaf in child.failing_tests()]

    def supporting(self, negated: bool = False) -> list[Support]:
        """The leaf tests on a passing path of this outcome: what made the condition hold."""
        c = self.condition
        if c.kind == "test":
            return [Support(c, self.actual, self.expected, negated)] if self.passed else []
        if not self.passed:
            return []
        if c.kind == "not":
            # the inner condition failed; its failing tests are what the condition saw
            return [Support(o.condition, o.actual, o.expected, not negated)
                    for o in self.children[0].failing_tests() if o.condition.kind == "test"]
        return [s for child in self.children for s in child.supporting(negated)]

    def to_dict(self) -> dict[str, Any]:
        c = self.condition
        if c.kind == "test":
            out: dict[str, Any] = {"fact": c.fact} if c.fact is not None else {"param": c.param}
            out.update(op=c.op, expected=self.expected, actual=self.actual, passed=self.passed)
            if c.implicit:
                out["implicit"] = True
            return out
        return {c.kind: [child.to_dict() for child in self.children], "passed": self.passed}


def resolve_value(value: Any, params: Mapping[str, Any]) -> Any:
    return params[value.name] if isinstance(value, ParamRef) else value


def test(op: str, actual: Any, expected: Any) -> bool:
    """One comparison with the engine's null semantics: null fails all but `ne`, `not_in`, `exists`."""
    if op == "exists":
        return (actual is not None) == bool(expected)
    if actual is None:
        return op in ("ne", "not_in")
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "matches":
        return matches(expected, actual)
    if op == "lt":
        return bool(actual < expected)
    if op == "le":
        return bool(actual <= expected)
    if op == "gt":
        return bool(actual > expected)
    if op == "ge":
        return bool(actual >= expected)
    raise ValueError(f"unknown operator {op!r}")


Predicate = Callable[[Mapping[str, Any]], bool]

#: Comparisons a predicate makes without `test`'s dispatch; null facts fail them all.
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, e: bool(a == e), "in": lambda a, e: a in e,
    "lt": lambda a, e: bool(a < e), "le": lambda a, e: bool(a <= e),
    "gt": lambda a, e: bool(a > e), "ge": lambda a, e: bool(a >= e),
}


def predicate(condition: Condition, params: Mapping[str, Any]) -> Predicate:
    """`evaluate(condition, facts, params).passed` as a function of the facts, built once for
    screening many fact sets (short-circuited, nothing recorded)."""
    if condition.kind == "test":
        expected = resolve_value(condition.value, params)
        if condition.param is not None:
            constant = test(condition.op, params.get(condition.param), expected)
            return lambda facts: constant
        fact, op = condition.fact or "", condition.op
        compare = _COMPARE.get(op)
        if compare is not None:
            return lambda facts: (actual := facts.get(fact)) is not None and compare(actual, expected)
        return lambda facts: test(op, facts.get(fact), expected)
    children = tuple(predicate(child, params) for child in condition.children)
    if condition.kind == "all":
        return lambda facts: all(child(facts) for child in children)
    if condition.kind == "any":
        return lambda facts: any(child(facts) for child in children)
    inner = children[0]
    return lambda facts: not inner(facts)


def evaluate(condition: Condition, facts: Mapping[str, Any], params: Mapping[str, Any]) -> Outcome:
    """Evaluate every node of `condition` (no short-circuit)."""
    if condition.kind == "test":
        expected = resolve_value(condition.value, params)
        actual = params.get(condition.param) if condition.param is not None else facts.get(condition.fact or "")
        return Outcome(condition, test(condition.op, actual, expected), actual, expected)
    children = tuple(evaluate(child, facts, params) for child in condition.children)
    if condition.kind == "all":
        passed = all(c.passed for c in children)
    elif condition.kind == "any":
        passed = any(c.passed for c in children)
    else:
        passed = not children[0].passed
    return Outcome(condition, passed, children=children)


def flip_hint(outcome: Outcome) -> str:
    """What value of the tested fact would turn a failing test into a passing one."""
    c, expected = outcome.condition, outcome.expected
    subject = c.fact if c.fact is not None else f"parameter {c.param}"
    if c.kind == "not":
        inner = outcome.children[0].condition.describe()
        return f"passes when `{inner}` is false"
    hints = {
        "eq": f"{subject} = {expected!r}",
        "ne": f"{subject} anything but {expected!r}",
        "lt": f"{subject} < {expected!r}",
        "le": f"{subject} <= {expected!r}",
        "gt": f"{subject} > {expected!r}",
        "ge": f"{subject} >= {expected!r}",
        "in": f"{subject} one of {expected!r}",
        "not_in": f"{subject} none of {expected!r}",
        "exists": f"{subject} {'set' if expected else 'unset'}",
        "matches": f"{subject} text matching /{expected}/",
    }
    return "would pass with " + hints[c.op]
