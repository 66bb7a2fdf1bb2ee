"""Value sets: the values one fact may take, as lint reasons about them.

Numbers are intervals with open or closed bounds (whole numbers for int facts); bools, enums and
text are sets of values; either kind may include null.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

INF = math.inf


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


def number_text(x: float) -> str:
    """A number as messages show it: a whole number without a decimal point."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _value_text(v: Any) -> str:
    return "true" if v is True else "false" if v is False else str(v)


def _span_text(s: Span) -> str:
    if s.lo == s.hi:
        return "= " + number_text(s.lo)
    if s.lo == -INF:
        return ("<= " if s.hi_closed else "< ") + number_text(s.hi)
    if s.hi == INF:
        return (">= " if s.lo_closed else "> ") + number_text(s.lo)
    return (f"in {'[' if s.lo_closed else '('}{number_text(s.lo)}, {number_text(s.hi)}"
            f"{']' if s.hi_closed else ')'}")


@lru_cache(maxsize=65536)
def meet_sets(a: ValueSet, b: ValueSet) -> ValueSet:
    """The values in both `a` and `b` (cached: lint meets the same sets again and again)."""
    return a & b


@lru_cache(maxsize=65536)
def subset(a: ValueSet, b: ValueSet) -> bool:
    """Whether every value of `a` is in `b`."""
    return meet_sets(a, b.invert()).empty()


def everything(kind: str, null: bool = False, lo: float = -INF, hi: float = INF) -> ValueSet:
    """Every value a fact of type `kind` may take (numbers from `lo` to `hi`), with null if `null`."""
    if kind in ("int", "number"):
        return Numbers.of((Span(lo, hi, lo != -INF, hi != INF),), null, kind == "int")
    if kind == "bool":
        return Choices(frozenset({True, False}), False, null)
    return Choices(frozenset(), True, null)


def only(value: Any) -> ValueSet:
    """The set of `value` alone."""
    if isinstance(value, (bool, str)):
        return Choices(frozenset({value}))
    return Numbers.of((Span(value, value),))


NULL_NUMBER = Numbers((), True)
NULL_CHOICE = Choices(frozenset(), False, True)
TRUE, FALSE = Choices(frozenset({True})), Choices(frozenset({False}))


def at_least(n: float) -> Numbers:
    """The numbers from `n` up."""
    return Numbers.of((Span(n, INF, True, False),))
