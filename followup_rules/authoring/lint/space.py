"""The condition space: conditions as unions of boxes, and the reasoning over them.

A condition becomes a union of boxes (its disjunctive normal form, `not` pushed down to the tests with
the engine's null semantics); a box maps each fact it constrains to the values the fact may take.

Parameters tested with `{param: ..}` are free variables of their declared type, so every reading a
profile may choose is considered; parameter values inside fact tests and windows take the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from followup_rules.authoring.lint._fact_model import (
    ALWAYS_ANCHORS,
    BOUNDS,
    INT_RANGES,
    NOMINAL_BOUNDS,
    Link,
    Relation,
    links,
)
from followup_rules.authoring.lint.value_sets import (
    INF,
    NULL_CHOICE,
    NULL_NUMBER,
    TRUE,
    Choices,
    Numbers,
    Span,
    ValueSet,
    everything,
    meet_sets,
    only,
    subset,
)
from followup_rules.core.ruleset import Condition, ParamRef, Ruleset
from followup_rules.core.vocabulary import FACTS

#: Disjuncts one condition may expand to before lint gives up on the rule (FR057).
MAX_BOXES = 1024


@dataclass(frozen=True)
class Box:
    """Facts and the values each may take; `why` lists the tests behind each fact's values."""

    sets: Mapping[str, ValueSet] = field(default_factory=dict)
    why: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class Dnf:
    """A condition as a union of boxes, with the reasons of the boxes that came out empty."""

    boxes: tuple[Box, ...]
    conflicts: tuple[str, ...] = ()


class TooComplex(Exception):
    """A condition expands to more than MAX_BOXES disjuncts."""


class Space:
    """The facts and parameters of the rulesets being linted, and the reasoning over them; a
    `nominal` space reads time ideally: a day is 24 hours from the anchor and every day a business day."""

    def __init__(self, domains: dict[str, ValueSet] | None = None, nominal: bool = False) -> None:
        self.domains: dict[str, ValueSet] = {} if domains is None else domains
        self.steps: dict[str, list[tuple[Link, bool]]] = {}
        for link in links():
            self.steps.setdefault(link.fact, []).append((link, False))
            for fact, _ in link.also:
                self.steps.setdefault(fact, []).append((link, False))
            if not link.also:
                self.steps.setdefault(link.then, []).append((link, True))
        self.bounds = BOUNDS + (NOMINAL_BOUNDS if nominal else ())

    def domain(self, key: str) -> ValueSet:
        if key in self.domains:
            return self.domains[key]
        if key.startswith("anchor."):
            found: ValueSet = TRUE if key[7:] in ALWAYS_ANCHORS else everything("bool")
        else:
            fact = FACTS[key]
            if fact.type == "enum":
                found = Choices(frozenset(fact.values), False, fact.nullable)
            elif fact.type == "int":
                lo, hi = INT_RANGES.get(key, (0, INF))
                found = everything("int", fact.nullable, lo, hi)
            else:
                found = everything(fact.type, fact.nullable)
        self.domains[key] = found
        return found

    def leaf(self, ruleset: Ruleset, test: Condition) -> tuple[str, ValueSet]:
        """The key a test constrains and the values that pass it."""
        if test.param is not None:
            key = f"{ruleset.id}:{test.param}"
            param = ruleset.parameters[test.param]
            self.domains.setdefault(key, everything(param.type))
        elif test.op == "matches":
            key = f"{test.fact} matches /{test.value}/"
            self.domains.setdefault(key, everything("bool"))
            return key, TRUE
        else:
            key = test.fact or ""
        domain = self.domain(key)
        value = test.value
        if isinstance(value, ParamRef):
            value = ruleset.parameters[value.name].default
        op = test.op
        if op == "exists":
            passing: ValueSet = (domain & (NULL_NUMBER if isinstance(domain, Numbers) else NULL_CHOICE))
            return key, (domain & passing.invert()) if value else passing
        if op in ("eq", "ne"):
            passing = only(value)
        elif op in ("in", "not_in"):
            passing = (Choices(frozenset(value)) if isinstance(domain, Choices)
                       else Numbers.of(Span(v, v) for v in value))
        else:
            lo, hi = (value, INF) if op in ("gt", "ge") else (-INF, value)
            passing = Numbers.of((Span(lo, hi, op == "ge", op == "le"),))
        if op in ("ne", "not_in"):
            passing = passing.invert()
        return key, domain & passing

    def dnf(self, ruleset: Ruleset, cond: Condition | None, negate: bool = False) -> Dnf:
        """`cond` (or its negation) as a union of boxes; no condition always holds."""
        if cond is None:
            return Dnf(() if negate else (Box(),))
        return self._expand(ruleset, cond, negate)

    def _expand(self, ruleset: Ruleset, cond: Condition, negate: bool) -> Dnf:
        if cond.kind == "not":
            return self._expand(ruleset, cond.children[0], not negate)
        if cond.kind == "test":
            key, values = self.leaf(ruleset, cond)
            text = cond.describe()
            if negate:
                values = self.domain(key) & values.invert()
                text = f"not ({text})"
            if values.empty():
                return Dnf((), (f"{key}: {text} leaves no value",))
            settled = self.settle(Box({key: values}, {key: (text,)}))
            return Dnf((), (settled,)) if isinstance(settled, str) else Dnf((settled,))
        parts = [self._expand(ruleset, child, negate) for child in cond.children]
        if (cond.kind == "all") != negate:
            result = Dnf((Box(),))
            for part in parts:
                result = self.both(result, part)
            return result
        boxes = tuple(box for part in parts for box in part.boxes)
        if len(boxes) > MAX_BOXES:
            raise TooComplex()
        return Dnf(boxes, tuple(c for part in parts for c in part.conflicts))

    def both(self, a: Dnf, b: Dnf) -> Dnf:
        """The conjunction of two unions of boxes."""
        boxes: list[Box] = []
        conflicts = list(a.conflicts) + list(b.conflicts)
        for x in a.boxes:
            for y in b.boxes:
                met = self.meet(x, y)
                if isinstance(met, str):
                    conflicts.append(met)
                else:
                    boxes.append(met)
                    if len(boxes) > MAX_BOXES:
                        raise TooComplex()
        return Dnf(tuple(boxes), tuple(dict.fromkeys(conflicts)))

    def meet(self, a: Box, b: Box) -> Box | str:
        """The intersection of two boxes, or the reason it is empty."""
        sets, why = dict(a.sets), dict(a.why)
        changed: set[str] = set()
        for key, values in b.sets.items():
            if key in sets:
                met = meet_sets(sets[key], values)
                if met == sets[key]:
                    continue
                sets[key] = met
                why[key] = tuple(dict.fromkeys(why[key] + b.why[key]))
                if met.empty():
                    return f"{key}: " + " and ".join(why[key]) + " leave no value"
            else:
                sets[key], why[key] = values, b.why[key]
            changed.add(key)
        # `a` is settled already: only what `b` changed can narrow further.
        return self.settle(Box(sets, why, tuple(dict.fromkeys(a.relations + b.relations))), changed)

    def settle(self, box: Box, pending: set[str] | None = None) -> Box | str:
        """`box` narrowed by what the fact derivation guarantees, or the reason no case fits it;
        `pending` names the facts whose values changed since the box was last settled."""
        sets, why = dict(box.sets), dict(box.why)
        relations = self.bounds + box.relations
        pending = set(sets) if pending is None else set(pending)
        while True:
            while pending:
                key = pending.pop()
                for link, contra in self.steps.get(key, ()):
                    src, cond = (link.then, link.conclusion) if contra else (link.fact, link.premise)
                    if src not in sets or not all(f in sets and subset(sets[f], v) for f, v in link.also):
                        continue
                    if not (meet_sets(sets[src], cond).empty() if contra else subset(sets[src], cond)):
                        continue
                    dst = link.fact if contra else link.then
                    target = link.premise.invert() if contra else link.conclusion
                    old = sets.get(dst, self.domain(dst))
                    new = meet_sets(meet_sets(old, self.domain(dst)), target)
                    if new == old:
                        continue
                    sets[dst] = new
                    premises = why[src] + tuple(t for f, _ in link.also for t in why[f])
                    why[dst] = tuple(dict.fromkeys(why.get(dst, ()) + premises + (f"({link.says})",)))
                    if new.empty():
                        return f"{dst}: " + " and ".join(why[dst]) + " leave no value"
                    pending.add(dst)
            narrowed = self._bounds(sets, why, relations)
            if isinstance(narrowed, str):
                return narrowed
            if not narrowed:
                return Box(sets, why, box.relations)
            pending = narrowed

    def _bounds(self, sets: dict[str, ValueSet], why: dict[str, tuple[str, ...]],
                relations: tuple[Relation, ...]) -> set[str] | str:
        """Narrow `sets` by the relations; the facts narrowed, or the reason no value is left."""
        changed: set[str] = set()
        for relation in relations:
            kind, left, right = relation.kind, relation.left, relation.right
            names = (left, *right)
            if not any(n in sets for n in names):
                continue
            current = {n: sets.get(n, self.domain(n)) for n in names}
            if any(isinstance(v, Numbers) and v.null for v in current.values()):
                continue  # a relation between values says nothing while one side may be null
            lo = {n: self._range(v)[0] for n, v in current.items()}
            hi = {n: self._range(v)[1] for n, v in current.items()}
            if kind == "sum":
                limits = {left: (sum(lo[n] for n in right), sum(hi[n] for n in right))}
                for n in right:
                    rest = [m for m in right if m != n]
                    limits[n] = (lo[left] - sum(hi[m] for m in rest), hi[left] - sum(lo[m] for m in rest))
            else:
                shift = relation.shift
                limits = {left: (-INF, hi[right[0]] - shift), right[0]: (lo[left] + shift, INF)}
            for name, (a, b) in limits.items():
                old = sets.get(name, self.domain(name))
                new = self._clip(old, a, b)
                if new == old:
                    continue
                sets[name] = new
                why[name] = tuple(dict.fromkeys(why.get(name, ()) + tuple(
                    t for n in names if n != name for t in why.get(n, ()))
                    + (f"({relation})",)))
                changed.add(name)
                if new.empty():
                    return f"{name}: " + " and ".join(why[name]) + " leave no value"
        return changed

    @staticmethod
    def _range(values: ValueSet) -> tuple[float, float]:
        if isinstance(values, Choices):
            ints = [int(v) for v in values.values if isinstance(v, bool)]
            return (min(ints), max(ints)) if ints else (INF, -INF)
        return values.hull()

    @staticmethod
    def _clip(values: ValueSet, lo: float, hi: float) -> ValueSet:
        if lo == -INF and hi == INF:
            return values
        if isinstance(values, Choices):
            return Choices(frozenset(v for v in values.values if lo <= int(v) <= hi), values.exclude, values.null)
        return values & Numbers.of((Span(lo, hi, lo != -INF, hi != INF),), True)

    def region(self, box: Box) -> dict[str, str]:
        """The facts a box constrains, each with the values it may take."""
        return {key: values.describe() for key, values in sorted(box.sets.items())
                if values != self.domain(key)}
