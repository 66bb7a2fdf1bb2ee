"""Merging the sources' positions: one action per kind of advice, one caution per warning code.

Actions of different sources are the same advice when action, follow-up ordinal and expectation
code agree. The window comes from the policy (`resolve.policy`); recipients, content and style come
from the sources that back it, with one style constraint per code (the strictest); an action
without a window adds its content and citation to the timed advice it joins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.ruleset import Style
from followup_rules.core.vocabulary import STATUS_ACTIONS
from followup_rules.resolve.advice import (
    Action,
    Caution,
    Citation,
    Dissent,
    Expectation,
    MergeTrace,
    Position,
    SourceResult,
    Window,
    strongest,
)
from followup_rules.resolve.policy import Stance, choose, intersect

SEVERITIES = ("info", "warning", "error")
#: Paragraphs a ``concise`` style allows when the rule gives no number (ARCHITECTURE.md).
CONCISE_PARAGRAPHS = 3


def merge_actions(results: Sequence[SourceResult], policy: str, at: datetime, order: Sequence[str],
                  calendar: BusinessCalendar, primary: tuple[str, ...] = ()) -> list[Action]:
    """One merged action per kind of advice, in the order the sources first give them; `primary`
    (the primary contact) wins a tie between the recipients sources name for a status question."""
    rank = {rid: i for i, rid in enumerate(order)}
    groups: dict[tuple[Any, ...], list[Action]] = {}
    for result in sorted(results, key=lambda r: rank.get(r.ruleset, len(rank))):
        for action in result.actions:
            groups.setdefault(action.key, []).append(action)
    return [_merge_group(actions, policy, at, order, calendar, primary) for actions in groups.values()]


def _ruleset(action: Action) -> str:
    return action.by[0].ruleset


def _stances(timed: Sequence[Action]) -> list[Stance]:
    """Each source's window for the action: its rules' windows intersected (the first if they miss)."""
    by_source: dict[str, list[Window]] = {}
    for action in timed:
        assert action.window is not None
        by_source.setdefault(_ruleset(action), []).append(action.window)
    return [Stance(rid, intersect(ws) or ws[0]) for rid, ws in by_source.items()]


def _merge_group(actions: list[Action], policy: str, at: datetime, order: Sequence[str],
                 calendar: BusinessCalendar, primary: tuple[str, ...]) -> Action:
    timed = [a for a in actions if a.window is not None]
    stances = _stances(timed)
    rules: dict[str, list[str]] = {}
    for a in actions:
        rules.setdefault(_ruleset(a), []).extend(c.rule for c in a.by)
    windows = {s.ruleset: s.window for s in stances}
    positions = tuple(Position(rid, tuple(dict.fromkeys(found)), windows.get(rid),
                               windows[rid].state(at) if rid in windows else None) for rid, found in rules.items())
    if not timed:
        trace = MergeTrace(policy, positions, "no source times it: it stands whenever it applies", "none",
                           tuple(dict.fromkeys(_ruleset(a) for a in actions)), ())
        return _combined(actions, actions, None, "open", (), trace, primary)
    choice = choose(stances, policy, at, order, calendar)
    backing = set(choice.backers)
    backers = [a for a in timed if _ruleset(a) in backing]
    joiners = [a for a in actions if a.window is None]
    dissenters = [a for a in timed if _ruleset(a) not in backing]
    dissent = tuple(Dissent(c.rule, c.source, c.says, c.window) for a in dissenters for c in a.by)
    why = tuple((_ruleset(a), _why_not(a.window, choice.window)) for a in dissenters if a.window is not None)
    trace = MergeTrace(policy, positions, choice.decision, choice.target, choice.backers,
                       tuple(dict.fromkeys(why)))
    return _combined(backers + joiners, backers, choice.window, choice.window.state(at), dissent, trace, primary)


def _why_not(own: Window, merged: Window) -> str:
    """Why a source's window does not back the merged target."""
    if own.opens.timestamp() > merged.target.timestamp():
        return f"its window opens later ({own.says()})"
    return f"its window has closed by then ({own.says()})"


def _combined(actions: list[Action], timed: list[Action], window: Window | None, state: str,
              dissent: tuple[Dissent, ...], trace: MergeTrace, primary: tuple[str, ...]) -> Action:
    first = (timed or actions)[0]
    if first.action in STATUS_ACTIONS:
        # One contact for status questions (several sources warn against asking more people): the
        # recipient most backers name; on a tie the primary contact, else the first backer's.
        votes = [a.to for a in actions if a.to]
        to = max(votes, key=lambda v: (votes.count(v), v == primary)) if votes else first.to
    else:
        to = tuple(dict.fromkeys(p for a in actions for p in a.to))
    include = tuple(dict.fromkeys(i for a in actions for i in a.include))
    overrides = tuple(dict.fromkeys(o for a in actions for o in a.overridden_by))
    by = tuple(c for a in actions for c in a.by)
    return Action(first.action, to, first.channel, window, state, include, merge_styles(a.style for a in actions),
                  first.ordinal, first.code, by, dissent, overrides, strength=strongest(c.strength for c in by),
                  about=first.about, about_name=first.about_name, trace=trace)


def merge_styles(styles: Iterable[Iterable[Style]]) -> tuple[Style, ...]:
    """One constraint per style code, the strictest (the fewest paragraphs), in first-seen order."""
    merged: dict[str, Style] = {}
    for group in styles:
        for style in group:
            seen = merged.get(style.code)
            if seen is None or _paragraphs(style) < _paragraphs(seen):
                merged[style.code] = style
    return tuple(merged.values())


def _paragraphs(style: Style) -> int:
    if style.max_paragraphs is not None:
        return style.max_paragraphs
    return CONCISE_PARAGRAPHS if style.code == "concise" else 1_000_000


def merge_cautions(cautions: Sequence[Caution]) -> list[Caution]:
    """One caution per warning code and subject, citing every rule that raised it, at the highest severity."""
    groups: dict[tuple[str, str], list[Caution]] = {}
    for caution in cautions:
        groups.setdefault((caution.code, caution.subject), []).append(caution)
    return [Caution(code, max((c.severity for c in group), key=SEVERITIES.index),
                    tuple(cite for c in group for cite in c.by),
                    {k: v for c in group for k, v in c.evidence.items()}, subject,
                    next((c.note for c in group if c.note), ""))
            for (code, subject), group in sorted(groups.items())]


def merge_expectations(results: Sequence[SourceResult]) -> tuple[Expectation, ...]:
    """One expectation per code, citing every rule that set it."""
    found: dict[str, list[Citation]] = {}
    for result in results:
        for expectation in result.expectations:
            found.setdefault(expectation.code, []).extend(expectation.by)
    return tuple(Expectation(code, tuple(by)) for code, by in sorted(found.items()))
