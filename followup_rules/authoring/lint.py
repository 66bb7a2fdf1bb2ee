"""Lint rulesets: rules that can never fire, rules a more general rule shadows, rules whose advice
contradicts another rule's under conditions that can hold together, and unused parameters.

Reasoning is per fact, over value sets: intervals with open or closed bounds for numbers (whole
numbers for int facts), sets of values for bools, enums and text, each with or without null. A
condition becomes a union of boxes (its disjunctive normal form, `not` pushed down to the tests with
the engine's null semantics); a box maps each fact it constrains to the values the fact may take.
A small model of how facts are derived (`_links`, `_BOUNDS`) keeps boxes no case can produce, such
as a first-thank-you time without a thank-you, from counting as overlaps.

Parameters tested with `{param: ..}` are free variables of their declared type, so every reading a
profile may choose is considered; parameter values inside fact tests and windows take the default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from followup_rules.engine.compiler import full_condition
from followup_rules.core.problems import Problem
from followup_rules.core.ruleset import Condition, ParamRef, Rule, Ruleset, Then, WindowDef
from followup_rules.rules.load import load_ruleset
from followup_rules.rules.validate import ruleset_files
from followup_rules.core.vocabulary import FACTS

INF = math.inf
#: Disjuncts one condition may expand to before lint gives up on the rule (FR057).
MAX_BOXES = 1024
#: Regions shown in one message; the JSON output carries them all.
SHOWN_REGIONS = 3

CODES: dict[str, str] = {
    "FR050": "a rule can never fire: its tests contradict each other",
    "FR051": "a rule is shadowed: a more general rule of its ruleset gives the same advice",
    "FR052": "two rules of one ruleset give contradictory advice under conditions that can hold together",
    "FR053": "two rulesets of one source give contradictory advice under conditions that can hold together",
    "FR054": "two sources give contradictory advice under conditions that can hold together (by design)",
    "FR055": "a window counted in calendar days opens before a warning measured in elapsed time clears",
    "FR056": "a parameter is declared but no condition or window uses it",
    "FR057": "a rule's condition is too complex to lint",
}

#: Warnings (and the one action) that advise against an action: following the action where the
#: other rule holds is contradictory advice. Warnings on the message itself (MESSAGE_WARNINGS) count
#: only where the message following the action would raise them; the others judge the state.
OPPOSED: dict[str, frozenset[str]] = {
    "send_follow_up": frozenset({"follow_up_too_early", "too_many_follow_ups", "stop_following_up"}),
    "place_call": frozenset({"call_after_email", "calling_too_frequently"}),
    "send_thank_you": frozenset({"thank_you_too_early"}),
    "notify_competing_offer": frozenset({"unverified_competing_offer"}),
}
MESSAGE_WARNINGS = frozenset({"follow_up_too_early", "thank_you_too_early", "call_after_email",
                              "unverified_competing_offer"})

#: What a draft following an action is: its `draft.kind`, and its channels when the rule names none.
_DRAFT_OF: dict[str, tuple[str, tuple[str, ...]]] = {
    "send_follow_up": ("follow_up", ()),
    "place_call": ("follow_up", ("phone_call", "voicemail")),
    "send_thank_you": ("thank_you", ()),
    "notify_competing_offer": ("competing_offer_notice", ()),
}

#: Draft facts that measure time from a window's anchor, how each measures it (elapsed hours,
#: elapsed days as a number, calendar dates apart, business days apart), and whether the window
#: bounds it on both sides or only from below (facts counted from an earlier moment than the anchor:
#: messages are sent after the interview ends).
_TIMING: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "interview_end": (("draft.hours_after_interview", "hours", True), ("draft.days_after_interview", "dates", True)),
    "decision_date": (("draft.days_after_decision", "dates", True),
                      ("draft.business_days_after_decision", "business", True)),
    "last_follow_up": (("draft.days_since_last_follow_up", "dates", True),
                       ("draft.hours_after_interview", "hours", False), ("draft.days_after_interview", "dates", False)),
    "last_thank_you": (("draft.days_since_last_thank_you", "dates", True),
                       ("draft.hours_after_interview", "hours", False), ("draft.days_after_interview", "dates", False)),
}

#: Anchors every case has.
_ALWAYS_ANCHORS = frozenset({"interview_start", "interview_end", "at"})
#: Int facts that may be negative (date differences) or have a fixed range; other ints count things.
_INT_RANGES: dict[str, tuple[float, float]] = {
    "interview.days_since": (-INF, INF), "interview.business_days_since": (-INF, INF),
    "follow_up.first_days_after_decision": (-INF, INF), "follow_up.first_days_after_interview": (-INF, INF),
    "draft.days_after_interview": (-INF, INF), "draft.days_after_decision": (-INF, INF),
    "draft.business_days_after_decision": (-INF, INF), "draft.local_hour": (0, 23),
}


# -- value sets -------------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Span:
    """An interval of numbers; infinite bounds are open."""

    lo: float
    hi: float
    lo_closed: bool = True
    hi_closed: bool = True

    def empty(self) -> bool:
        return self.lo > self.hi or (self.lo == self.hi and not (self.lo_closed and self.hi_closed))

    def whole(self) -> "Span":
        """The same whole numbers, with closed bounds."""
        lo = self.lo if math.isinf(self.lo) else (
            math.ceil(self.lo) if self.lo_closed else math.floor(self.lo) + 1)
        hi = self.hi if math.isinf(self.hi) else (
            math.floor(self.hi) if self.hi_closed else math.ceil(self.hi) - 1)
        return Span(lo, hi, not math.isinf(lo), not math.isinf(hi))


@dataclass(frozen=True)
class Numbers:
    """A set of numbers (sorted disjoint spans), perhaps with null; `whole` keeps only integers."""

    spans: tuple[Span, ...]
    null: bool = False
    whole: bool = False

    @staticmethod
    def of(spans: Iterable[Span], null: bool = False, whole: bool = False) -> "Numbers":
        kept = sorted((s.whole() if whole else s) for s in spans)
        kept = [Span(s.lo, s.hi, s.lo_closed and s.lo != -INF, s.hi_closed and s.hi != INF) for s in kept]
        merged: list[Span] = []
        for s in kept:
            if s.empty():
                continue
            if merged:
                last = merged[-1]
                touches = s.lo < last.hi or (s.lo == last.hi and (last.hi_closed or s.lo_closed)) or (
                    whole and s.lo == last.hi + 1)
                if touches:
                    if (s.hi, s.hi_closed) > (last.hi, last.hi_closed):
                        merged[-1] = Span(last.lo, s.hi, last.lo_closed, s.hi_closed)
                    continue
            merged.append(s)
        return Numbers(tuple(merged), null, whole)

    def __and__(self, other: "ValueSet") -> "Numbers":
        assert isinstance(other, Numbers)
        spans = []
        for a in self.spans:
            for b in other.spans:
                lo, lo_closed = max((a.lo, not a.lo_closed), (b.lo, not b.lo_closed))
                hi, hi_closed = min((a.hi, a.hi_closed), (b.hi, b.hi_closed))
                spans.append(Span(lo, hi, not lo_closed, hi_closed))
        return Numbers.of(spans, self.null and other.null, self.whole or other.whole)

    def invert(self) -> "Numbers":
        """Every number (and null) not in this set."""
        gaps, lo, lo_closed = [], -INF, False
        for s in self.spans:
            gaps.append(Span(lo, s.lo, lo_closed, not s.lo_closed))
            lo, lo_closed = s.hi, not s.hi_closed
        gaps.append(Span(lo, INF, lo_closed, False))
        return Numbers.of(gaps, not self.null, self.whole)

    def empty(self) -> bool:
        return not self.spans and not self.null

    def hull(self) -> tuple[float, float]:
        return (self.spans[0].lo, self.spans[-1].hi) if self.spans else (INF, -INF)

    def describe(self) -> str:
        if self.spans == (Span(-INF, INF, False, False),):
            return "set" + (" or null" if self.null else "")
        parts = [_span_text(s) for s in self.spans] + (["null"] if self.null else [])
        return " or ".join(parts) if parts else "nothing"


@dataclass(frozen=True)
class Choices:
    """A set of bools, enum values or texts, perhaps with null; `exclude` means all values but these."""

    values: frozenset[Any]
    exclude: bool = False
    null: bool = False

    def __and__(self, other: "ValueSet") -> "Choices":
        assert isinstance(other, Choices)
        null = self.null and other.null
        if self.exclude and other.exclude:
            return Choices(self.values | other.values, True, null)
        if self.exclude:
            return Choices(other.values - self.values, False, null)
        if other.exclude:
            return Choices(self.values - other.values, False, null)
        return Choices(self.values & other.values, False, null)

    def invert(self) -> "Choices":
        return Choices(self.values, not self.exclude, not self.null)

    def empty(self) -> bool:
        return not self.values and not self.exclude and not self.null

    def describe(self) -> str:
        shown = sorted(_value_text(v) for v in self.values)
        if self.exclude:
            text = "anything but " + ", ".join(shown) if shown else "any value"
        elif len(shown) == 1:
            text = "= " + shown[0]
        else:
            text = "in {" + ", ".join(shown) + "}" if shown else ""
        if self.null:
            text = f"{text} or null" if text else "null"
        return text or "nothing"


ValueSet = Numbers | Choices


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _value_text(v: Any) -> str:
    return "true" if v is True else "false" if v is False else str(v)


def _span_text(s: Span) -> str:
    if s.lo == s.hi:
        return "= " + _number_text(s.lo)
    if s.lo == -INF:
        return ("<= " if s.hi_closed else "< ") + _number_text(s.hi)
    if s.hi == INF:
        return (">= " if s.lo_closed else "> ") + _number_text(s.lo)
    return (f"in {'[' if s.lo_closed else '('}{_number_text(s.lo)}, {_number_text(s.hi)}"
            f"{']' if s.hi_closed else ')'}")


@lru_cache(maxsize=65536)
def meet_sets(a: ValueSet, b: ValueSet) -> ValueSet:
    """The values in both `a` and `b` (cached: lint meets the same sets again and again)."""
    return a & b  # type: ignore[operator]


@lru_cache(maxsize=65536)
def subset(a: ValueSet, b: ValueSet) -> bool:
    """Whether every value of `a` is in `b`."""
    return meet_sets(a, b.invert()).empty()


def _everything(kind: str, null: bool = False, lo: float = -INF, hi: float = INF) -> ValueSet:
    if kind in ("int", "number"):
        return Numbers.of((Span(lo, hi, lo != -INF, hi != INF),), null, kind == "int")
    if kind == "bool":
        return Choices(frozenset({True, False}), False, null)
    return Choices(frozenset(), True, null)


def _is(value: Any) -> ValueSet:
    if isinstance(value, (bool, str)):
        return Choices(frozenset({value}))
    return Numbers.of((Span(value, value),))


_NULL_NUMBER = Numbers((), True)
_NULL_CHOICE = Choices(frozenset(), False, True)
_TRUE, _FALSE = Choices(frozenset({True})), Choices(frozenset({False}))


def _at_least(n: float) -> Numbers:
    return Numbers.of((Span(n, INF, True, False),))


# -- the fact model ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Link:
    """What the fact derivation guarantees: when `fact` takes only values in `premise`,
    `then` takes only values in `conclusion` (and, contrapositively, the reverse)."""

    fact: str
    premise: ValueSet
    then: str
    conclusion: ValueSet
    says: str
    also: tuple[tuple[str, ValueSet], ...] = ()  # further premises; such a link is used forward only


def _links() -> tuple[_Link, ...]:
    links: list[_Link] = []

    def when(fact: str, premise: ValueSet, says: str, **then: ValueSet) -> None:
        for name, conclusion in then.items():
            links.append(_Link(fact, premise, name.replace("__", "."), conclusion, says))

    when("thank_you.sent", _FALSE, "without a thank-you there is no thank-you time, mail or anchor",
         thank_you__count=_is(0), thank_you__hours_after_interview=_NULL_NUMBER, thank_you__mailed=_FALSE,
         thank_you__same_text_to_several=_FALSE, draft__days_since_last_thank_you=_NULL_NUMBER)
    when("thank_you.sent", _TRUE, "a thank-you has a time and is an anchor",
         thank_you__count=_at_least(1), thank_you__hours_after_interview=_at_least(-INF))
    when("anchor.last_thank_you", _TRUE, "the last thank-you is known only once one is sent",
         thank_you__sent=_TRUE)
    when("follow_up.count", _is(0), "without a follow-up in this round there is no first or last follow-up",
         follow_up__first_days_after_decision=_NULL_NUMBER, follow_up__first_days_after_interview=_NULL_NUMBER,
         follow_up__first_hours_after_interview=_NULL_NUMBER, follow_up__hours_since_last=_NULL_NUMBER,
         draft__days_since_last_follow_up=_NULL_NUMBER, follow_up__to_non_primary=_FALSE,
         anchor__first_follow_up=_FALSE, anchor__last_follow_up=_FALSE)
    when("follow_up.count", _at_least(1), "a follow-up in this round has a time and is an anchor",
         follow_up__first_days_after_interview=_at_least(-INF), follow_up__first_hours_after_interview=_at_least(-INF),
         follow_up__hours_since_last=_at_least(-INF))
    when("decision_date.known", _FALSE, "without a decision date nothing is counted from it",
         follow_up__first_days_after_decision=_NULL_NUMBER, draft__days_after_decision=_NULL_NUMBER,
         draft__business_days_after_decision=_NULL_NUMBER, decision_date__passed=_FALSE,
         decision_date__updated=_FALSE, anchor__decision_date=_FALSE)
    when("anchor.decision_date", _FALSE, "the decision date is an anchor once known", decision_date__known=_FALSE)
    when("draft.present", _FALSE, "without a draft every draft fact is empty",
         draft__kind=_is("none"), draft__channel=_is("none"), draft__hours_after_interview=_NULL_NUMBER,
         draft__days_after_interview=_NULL_NUMBER, draft__days_after_decision=_NULL_NUMBER,
         draft__business_days_after_decision=_NULL_NUMBER, draft__days_since_last_follow_up=_NULL_NUMBER,
         draft__days_since_last_thank_you=_NULL_NUMBER, draft__local_hour=_NULL_NUMBER,
         draft__before_no_contact=_FALSE, draft__body=_NULL_CHOICE)
    when("draft.present", _TRUE, "a draft has a kind, a channel and a send time",
         draft__kind=_is("none").invert() & _everything("string"),
         draft__channel=_is("none").invert() & _everything("string"),
         draft__hours_after_interview=_at_least(-INF), draft__days_after_interview=_at_least(-INF),
         draft__local_hour=_at_least(-INF))
    when("rejection.received", _FALSE, "without a rejection there is nothing to answer",
         rejection__responded=_FALSE, anchor__rejection=_FALSE)
    when("anchor.rejection", _FALSE, "a rejection is an anchor", rejection__received=_FALSE)
    when("instructions.no_contact_before", _FALSE, "without a no-contact date nothing is before it",
         instructions__no_contact_active=_FALSE, draft__before_no_contact=_FALSE, anchor__no_contact_before=_FALSE)
    when("anchor.no_contact_before", _FALSE, "a no-contact date is an anchor", instructions__no_contact_before=_FALSE)
    when("instructions.present", _FALSE, "without instructions none of their parts is set",
         instructions__no_contact_before=_FALSE, instructions__contact=_FALSE, instructions__channel=_is("none"),
         instructions__materials_count=_is(0))
    when("competing_offer.status", _is("none"), "without a competing offer it has no time",
         competing_offer__before_decision=_FALSE, anchor__competing_offer=_FALSE)
    when("anchor.competing_offer", _FALSE, "a competing offer is an anchor",
         competing_offer__status=_is("none"))
    when("interview.ended", _FALSE, "nothing is sent after an interview that has not ended",
         thank_you__sent=_FALSE, follow_up__total=_is(0))
    when("interview.in_progress", _TRUE, "an interview in progress has not ended", interview__ended=_FALSE)
    when("materials.requested_pending", _at_least(1), "requested materials have a request time",
         anchor__materials_requested=_TRUE)
    joint = (
        ("decision_date.known", "follow_up.count", _at_least(1), "follow_up.first_days_after_decision"),
        ("decision_date.known", "draft.present", _TRUE, "draft.days_after_decision"),
        ("decision_date.known", "draft.present", _TRUE, "draft.business_days_after_decision"),
        ("thank_you.sent", "draft.present", _TRUE, "draft.days_since_last_thank_you"),
        ("draft.present", "follow_up.count", _at_least(1), "draft.days_since_last_follow_up"),
    )
    for fact, other, values, then in joint:
        links.append(_Link(fact, _TRUE, then, _at_least(-INF), f"{then} is set when both {fact} and {other} are",
                           ((other, values),)))
    return tuple(links)


@dataclass(frozen=True)
class Relation:
    """`left` = the sum of `right` (bools count 1), or, with kind `le`, `left` + `shift` <= `right[0]`;
    it holds between values, so it says nothing while either side may be null."""

    kind: str
    left: str
    right: tuple[str, ...]
    shift: float = 0.0

    def __str__(self) -> str:
        if self.kind == "sum":
            return f"{self.left} = {' + '.join(self.right)}"
        return f"{self.left}{f' + {_number_text(self.shift)}' if self.shift else ''} <= {self.right[0]}"


#: Sums and orders between counts, and a draft is sent after every message already sent.
_BOUNDS: tuple[Relation, ...] = (
    Relation("sum", "outreach.count", ("thank_you.sent", "follow_up.count")),
    Relation("le", "follow_up.count", ("follow_up.total",)),
    Relation("le", "follow_up.recipient_count", ("follow_up.count",)),
    Relation("le", "calls.since_last_reply", ("calls.count",)),
    Relation("le", "thank_you.hours_after_interview", ("draft.hours_after_interview",)),
    Relation("le", "follow_up.first_hours_after_interview", ("draft.hours_after_interview",)),
    Relation("le", "follow_up.first_days_after_interview", ("draft.days_after_interview",)),
    Relation("le", "follow_up.first_days_after_decision", ("draft.days_after_decision",)),
)
#: In the nominal reading of time every day is a business day.
_NOMINAL_BOUNDS: tuple[Relation, ...] = (
    Relation("le", "draft.business_days_after_decision", ("draft.days_after_decision",)),
    Relation("le", "draft.days_after_decision", ("draft.business_days_after_decision",)),
)
#: Facts placing a window's anchor (at or after it, for the first of several messages) in a measure
#: a draft fact also uses: a draft inside the window lies the window's opening offset further.
_ANCHOR_AT: dict[str, tuple[tuple[str, str, str], ...]] = {
    "last_follow_up": (("follow_up.first_hours_after_interview", "draft.hours_after_interview", "hours"),
                       ("follow_up.first_days_after_interview", "draft.days_after_interview", "dates"),
                       ("follow_up.first_days_after_decision", "draft.days_after_decision", "dates")),
    "last_thank_you": (("thank_you.hours_after_interview", "draft.hours_after_interview", "hours"),),
}


# -- boxes and conditions ---------------------------------------------------------------------------

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
        self.steps: dict[str, list[tuple[_Link, bool]]] = {}
        for link in _links():
            self.steps.setdefault(link.fact, []).append((link, False))
            for fact, _ in link.also:
                self.steps.setdefault(fact, []).append((link, False))
            if not link.also:
                self.steps.setdefault(link.then, []).append((link, True))
        self.bounds = _BOUNDS + (_NOMINAL_BOUNDS if nominal else ())

    def domain(self, key: str) -> ValueSet:
        if key in self.domains:
            return self.domains[key]
        if key.startswith("anchor."):
            found: ValueSet = _TRUE if key[7:] in _ALWAYS_ANCHORS else _everything("bool")
        else:
            fact = FACTS[key]
            if fact.type == "enum":
                found = Choices(frozenset(fact.values), False, fact.nullable)
            elif fact.type == "int":
                lo, hi = _INT_RANGES.get(key, (0, INF))
                found = _everything("int", fact.nullable, lo, hi)
            else:
                found = _everything(fact.type, fact.nullable)
        self.domains[key] = found
        return found

    def leaf(self, ruleset: Ruleset, test: Condition) -> tuple[str, ValueSet]:
        """The key a test constrains and the values that pass it."""
        if test.param is not None:
            key = f"{ruleset.id}:{test.param}"
            param = ruleset.parameters[test.param]
            self.domains.setdefault(key, _everything(param.type))
        elif test.op == "matches":
            key = f"{test.fact} matches /{test.value}/"
            self.domains.setdefault(key, _everything("bool"))
            return key, _TRUE
        else:
            key = test.fact or ""
        domain = self.domain(key)
        value = test.value
        if isinstance(value, ParamRef):
            value = ruleset.parameters[value.name].default
        op = test.op
        if op == "exists":
            passing: ValueSet = (domain & (_NULL_NUMBER if isinstance(domain, Numbers) else _NULL_CHOICE))
            return key, (domain & passing.invert()) if value else passing  # type: ignore[operator]
        if op in ("eq", "ne"):
            passing = _is(value)
        elif op in ("in", "not_in"):
            passing = (Choices(frozenset(value)) if isinstance(domain, Choices)
                       else Numbers.of(Span(v, v) for v in value))
        else:
            lo, hi = (value, INF) if op in ("gt", "ge") else (-INF, value)
            passing = Numbers.of((Span(lo, hi, op == "ge", op == "le"),))
        if op in ("ne", "not_in"):
            passing = passing.invert()
        return key, domain & passing  # type: ignore[operator]

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
                values = self.domain(key) & values.invert()  # type: ignore[operator]
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


# -- findings ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """One lint finding: the problem to show, what kind it is, the rules and the region of facts."""

    problem: Problem
    kind: str
    rules: tuple[str, ...] = ()
    regions: tuple[Mapping[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self.problem.to_dict(), "kind": self.kind, "rules": list(self.rules),
                "regions": [dict(r) for r in self.regions]}


def _where(ruleset: Ruleset, path: tuple[Any, ...], key: bool = False) -> tuple[int, int]:
    if ruleset.doc is None or not ruleset.doc.marks:
        return (1, 1)
    if key and tuple(path) in ruleset.doc.key_marks:
        return ruleset.doc.key_marks[tuple(path)]
    return ruleset.doc.where(path)


def _problem(ruleset: Ruleset, path: tuple[Any, ...], code: str, severity: str, message: str,
             hint: str = "", key: bool = False) -> Problem:
    line, column = _where(ruleset, path, key)
    return Problem(ruleset.path, line, column, code, message, hint, severity)


def _outcome(then: Then) -> tuple[Any, ...]:
    return (then.action, then.warning, then.window, then.to, then.channel, then.ordinal, then.code,
            then.late_warning, then.severity)


def _adds_nothing(narrow: Then, wide: Then) -> bool:
    """Whether `narrow` gives nothing beyond `wide`: the same outcome, no other content or style."""
    return (_outcome(narrow) == _outcome(wide) and set(narrow.include) <= set(wide.include)
            and set(narrow.style) <= set(wide.style) and set(narrow.evidence) <= set(wide.evidence))


def _region_text(regions: Sequence[Sequence[tuple[str, str]]]) -> str:
    shown = ["; ".join(f"{k} {v}" for k, v in r) or "always" for r in regions[:SHOWN_REGIONS]]
    more = f" (and {len(regions) - SHOWN_REGIONS} more regions)" if len(regions) > SHOWN_REGIONS else ""
    return " | ".join(shown) + more


def _offset(ruleset: Ruleset, value: float | ParamRef | None) -> float | None:
    if isinstance(value, ParamRef):
        return float(ruleset.parameters[value.name].default)
    return None if value is None else float(value)


def _timing_span(unit: str, measure: str, opens: float, closes: float | None, nominal: bool) -> Span | None:
    """When a message sent inside a window is, in `measure` (elapsed hours or days, calendar dates or
    business days apart); `nominal` counts a calendar day as 24 hours from the anchor."""
    end = INF if closes is None else closes
    if unit == "hours":
        scale = {"hours": 1.0, "days": 1 / 24}.get(measure)
        return None if scale is None else Span(opens * scale, end * scale, True, False)
    if (unit, measure) in (("days", "dates"), ("business_days", "business")):
        return Span(opens, end, True, closes is not None)
    if measure == "dates":
        return Span(opens, INF, True, False)
    if measure == "business":
        return None
    scale = 24.0 if measure == "hours" else 1.0
    hi = INF if closes is None or unit == "business_days" else (closes + 1) * scale
    return Span(opens * scale, hi, True, False) if nominal else Span((opens - 1) * scale, hi, False, False)


_TIMING_WARNINGS = frozenset({"follow_up_too_early", "thank_you_too_early"})


def follow_region(ruleset: Ruleset, then: Then, nominal: bool) -> Dnf:
    """The draft of a message following the action of `then`, sent inside its window."""
    assert then.action is not None
    kind, channels = _DRAFT_OF[then.action]
    sets: dict[str, ValueSet] = {"draft.present": _TRUE, "draft.kind": _is(kind)}
    if then.channel or channels:
        sets["draft.channel"] = Choices(frozenset((then.channel,) if then.channel else channels))
    window = then.window
    timed: dict[str, ValueSet] = {}
    relations: list[Relation] = []
    if window is not None:
        opens = _offset(ruleset, window.opens) or 0.0
        closes = _offset(ruleset, window.closes)
        # With one follow-up in the round, the first follow-up is the last one.
        anchor = "last_follow_up" if window.anchor == "first_follow_up" else window.anchor
        for fact, measure, bounded in _TIMING.get(anchor, ()):
            span = _timing_span(window.unit, measure, opens, closes, nominal)
            if span is not None:
                span = span if bounded else Span(span.lo, INF, span.lo_closed, False)
                timed[fact] = Numbers.of((span,), False, FACTS[fact].type == "int")
        for placed, fact, measure in _ANCHOR_AT.get(anchor, ()):
            span = _timing_span(window.unit, measure, opens, closes, nominal)
            if span is not None:
                relations.append(Relation("le", placed, (fact,), span.lo))
    reason = (f"following {then.action} {_window_text(window)}",)
    boxes: tuple[Box, ...]
    if window is not None and window.anchor == "first_follow_up":
        boxes = (Box({**sets, **timed, "follow_up.count": _is(1)}), Box({**sets, "follow_up.count": _at_least(2)}))
    else:
        boxes = (Box({**sets, **timed}),)
    return Dnf(tuple(Box(b.sets, {k: reason for k in b.sets}, tuple(relations)) for b in boxes))


def _window_text(window: WindowDef | None) -> str:
    if window is None:
        return "at any time"
    closes = "no deadline" if window.closes is None else _param_text(window.closes)
    return f"from {window.anchor} + {_param_text(window.opens)} to {closes} {window.unit}"


def _param_text(value: float | ParamRef | None) -> str:
    return f"{{param: {value.name}}}" if isinstance(value, ParamRef) else _number_text(value or 0)


@dataclass
class _Rule:
    ruleset: Ruleset
    rule: Rule
    dnf: Dnf | None  # None when too complex

    @property
    def cite(self) -> str:
        return self.ruleset.cite(self.rule)


class Linter:
    """Lints a set of rulesets together."""

    def __init__(self, rulesets: Sequence[Ruleset]) -> None:
        self.rulesets = list(rulesets)
        self.space = Space()
        self.nominal = Space(self.space.domains, nominal=True)
        self.findings: list[Finding] = []
        self.rules: list[_Rule] = []
        self._negated: dict[int, Dnf | None] = {}

    def run(self) -> list[Finding]:
        for ruleset in self.rulesets:
            for rule in ruleset.rules:
                self.rules.append(self._prepare(ruleset, rule))
            self._unused(ruleset)
        live = [r for r in self.rules if r.dnf is not None and r.dnf.boxes]
        self._shadowed(live)
        self._contradictions(live)
        return sorted(self.findings, key=lambda f: f.problem)

    def _add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def _prepare(self, ruleset: Ruleset, rule: Rule) -> _Rule:
        cite = ruleset.cite(rule)
        try:
            dnf = self.space.dnf(ruleset, full_condition(ruleset, rule))
        except TooComplex:
            self._add(Finding(_problem(ruleset, rule.path, "FR057", "info",
                                       f"rule {cite} expands to more than {MAX_BOXES} cases; lint skipped it",
                                       "split it into several rules"), "too_complex", (cite,)))
            return _Rule(ruleset, rule, None)
        if not dnf.boxes:
            reasons = "; ".join(dnf.conflicts[:SHOWN_REGIONS]) + (
                f" (and {len(dnf.conflicts) - SHOWN_REGIONS} more)" if len(dnf.conflicts) > SHOWN_REGIONS else "")
            self._add(Finding(_problem(ruleset, rule.path, "FR050", "error",
                                       f"rule {cite} can never fire: {reasons}",
                                       "remove the contradictory test or split the rule"), "impossible", (cite,)))
        return _Rule(ruleset, rule, dnf)

    def implies(self, a: _Rule, b: _Rule) -> bool:
        """Whether every case that fires `a` fires `b`."""
        assert a.dnf is not None
        if id(b.rule) not in self._negated:
            try:
                self._negated[id(b.rule)] = self.space.dnf(b.ruleset, full_condition(b.ruleset, b.rule), True)
            except TooComplex:
                self._negated[id(b.rule)] = None
        negated = self._negated[id(b.rule)]
        try:
            return negated is not None and not self.space.both(a.dnf, negated).boxes
        except TooComplex:
            return False

    def _shadowed(self, live: list[_Rule]) -> None:
        for i, narrow in enumerate(live):
            for j, wide in enumerate(live):
                if i == j or narrow.ruleset is not wide.ruleset:
                    continue
                if not _adds_nothing(narrow.rule.then, wide.rule.then) or not self.implies(narrow, wide):
                    continue
                mutual = _adds_nothing(wide.rule.then, narrow.rule.then) and self.implies(wide, narrow)
                if mutual and j > i:
                    continue
                then = narrow.rule.then
                what = f"{then.action or then.warning}" + (f" {_window_text(then.window)}" if then.window else "")
                line, _ = _where(wide.ruleset, wide.rule.path)
                assert narrow.dnf is not None
                shown = self._tested(narrow)
                regions = tuple(dict.fromkeys(tuple(sorted(
                    (k, v) for k, v in self.space.region(b).items() if k in shown)) for b in narrow.dnf.boxes))
                self._add(Finding(_problem(
                    narrow.ruleset, narrow.rule.path, "FR051", "warning",
                    f"rule {narrow.cite} is shadowed by {wide.cite}: wherever it fires ({_region_text(regions)}), "
                    f"{wide.cite} {'equally' if mutual else 'also'} fires with the same {what}",
                    f"{wide.cite} is at line {line}; drop {narrow.rule.id} or merge its quote into it"),
                    "shadowed", (narrow.cite, wide.cite), tuple(dict(r) for r in regions)))
                break

    def _contradictions(self, live: list[_Rule]) -> None:
        for doer in live:
            then = doer.rule.then
            against = OPPOSED.get(then.action or "")
            if not against:
                continue
            for other in live:
                said = other.rule.then.warning or other.rule.then.action
                if other is doer or said not in against:
                    continue
                if then.window is None and said in _TIMING_WARNINGS:
                    # A windowless action claims no timing: it joins the timed advice of the sources.
                    continue
                self._contradiction(doer, other, str(said))

    def _contradiction(self, doer: _Rule, other: _Rule, said: str) -> None:
        assert doer.dnf is not None and other.dnf is not None
        space = self.space
        then = doer.rule.then
        same = doer.ruleset is other.ruleset
        try:
            against = other.dnf
            if said in MESSAGE_WARNINGS:
                against = space.both(against, self._without_draft(other))
            wide = space.both(space.both(doer.dnf, follow_region(doer.ruleset, then, False)), against)
            if not wide.boxes:
                return
            exact = self.nominal.both(self.nominal.both(doer.dnf, follow_region(doer.ruleset, then, True)), against)
        except TooComplex:
            return
        if same:
            code, severity = ("FR052", "error") if exact.boxes else ("FR055", "warning")
        elif doer.ruleset.source_file and doer.ruleset.source_file == other.ruleset.source_file:
            code, severity = "FR053", "warning"
        else:
            code, severity = "FR054", "info"
        boxes = exact.boxes if code == "FR052" else wide.boxes
        shown = self._tested(doer) | self._tested(other)
        regions = tuple(dict.fromkeys(tuple(sorted(
            (k, v) for k, v in space.region(b).items() if k in shown)) for b in boxes))
        verb = "warns" if other.rule.then.warning else "says"
        message = (f"{doer.cite} recommends {then.action} {_window_text(then.window)} while {other.cite} "
                   f"{verb} {said}; both hold where {_region_text(regions)}")
        if code == "FR055":
            hint = ("the two agree when a day is 24 hours from the anchor and every day a business day, so they "
                    "clash only at day boundaries, weekends or holidays; count the window and the warning "
                    "in the same unit")
        else:
            line, _ = _where(other.ruleset, other.rule.path)
            hint = f"{other.cite} is at {other.ruleset.path}:{line}"
        self._add(Finding(_problem(doer.ruleset, doer.rule.path, code, severity, message, hint),
                          "contradiction", (doer.cite, other.cite), tuple(dict(r) for r in regions)))

    def _without_draft(self, rule: _Rule) -> Dnf:
        """The states in which `rule` stays silent while no draft is written: a warning on a message
        contradicts an action only where the message following the action raises it."""
        silent = self.space.dnf(rule.ruleset, full_condition(rule.ruleset, rule.rule), negate=True)
        no_draft = self.space.both(silent, Dnf((Box({"draft.present": _FALSE}, {"draft.present": ("no draft",)}),)))
        return Dnf(tuple(Box({k: v for k, v in b.sets.items() if not k.startswith("draft.")},
                             {k: v for k, v in b.why.items() if not k.startswith("draft.")})
                         for b in no_draft.boxes))

    def _tested(self, rule: _Rule) -> set[str]:
        """The facts and parameters a rule's own tests (not the implied anchor tests) look at."""
        cond = full_condition(rule.ruleset, rule.rule)
        leaves = [leaf for leaf in cond.leaves() if not leaf.implicit] if cond is not None else []
        return {self.space.leaf(rule.ruleset, leaf)[0] for leaf in leaves}

    def _unused(self, ruleset: Ruleset) -> None:
        used: set[str] = set()
        conditions = [ruleset.applies_when] + [r.when for r in ruleset.rules]
        for cond in conditions:
            for leaf in cond.leaves() if cond is not None else ():
                if leaf.param is not None:
                    used.add(leaf.param)
                if isinstance(leaf.value, ParamRef):
                    used.add(leaf.value.name)
        for rule in ruleset.rules:
            window = rule.then.window
            for value in (window.opens, window.target, window.closes) if window else ():
                if isinstance(value, ParamRef):
                    used.add(value.name)
        for name in ruleset.parameters:
            if name not in used:
                self._add(Finding(_problem(ruleset, ("parameters", name), "FR056", "warning",
                                           f"parameter {name!r} of {ruleset.id} is never used",
                                           "use it in a condition or window, or remove it", key=True),
                                  "unused_parameter"))


def lint(rulesets: Sequence[Ruleset]) -> list[Finding]:
    """Every finding within and across `rulesets`, sorted by position."""
    return Linter(rulesets).run()


def lint_paths(paths: Sequence[str] = ()) -> list[Finding]:
    """Lint the ruleset files in `paths` (folders searched; default: the shipped rulesets)."""
    return lint([load_ruleset(Path(file)) for file in ruleset_files(paths)])


def text(findings: Sequence[Finding]) -> str:
    """Findings for people, one per line, and a count by severity."""
    lines = [f"{f.problem.severity}: {f.problem}" for f in findings]
    counts = {s: sum(1 for f in findings if f.problem.severity == s) for s in ("error", "warning", "info")}
    lines.append(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} info")
    return "\n".join(lines) + "\n"
