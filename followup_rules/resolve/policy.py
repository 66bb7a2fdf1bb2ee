"""The three policies that merge sources' windows for one action into one window.

Each source votes once (its rules' windows for the action, intersected). Every window has a close
(a soft one where the source gave none), so open-ended advice agrees only up to a stated point.

- **agreement** (default): when most sources have the action open (or upcoming, or overdue) at the
  moment evaluated, that is the state; without a majority, the earliest moment from now covered by
  the most windows decides. Sources whose windows contain the chosen moment back it; the merged
  window is their intersection, so every backer's window contains the target; the others dissent.
- **strictest**: never earlier than any source allows, never later than any source allows; if the
  windows do not meet, the latest-opening source's window.
- **precedence**: the first source in the precedence order that times the action.

The target is the earliest backer's own target inside the merged window (now, when the action is
open), moved to working hours (09:00-17:00 local, a business day if the window allows), never before
the moment evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.moments import when
from followup_rules.resolve.advice import Window

POLICIES = ("agreement", "strictest", "precedence")
_STATES = ("open", "upcoming", "overdue")


@dataclass(frozen=True)
class Stance:
    """One source's position on one action: its window (its rules' windows intersected)."""

    ruleset: str
    window: Window


@dataclass(frozen=True)
class Choice:
    """The merged window, the sources backing it, and why."""

    window: Window
    backers: tuple[str, ...]
    decision: str
    target: str


def intersect(windows: Sequence[Window]) -> Window | None:
    """The windows' common part (aiming at the latest of their aims inside it), or None when they
    do not meet."""
    if len(windows) == 1:
        return windows[0]
    opens = max(windows, key=lambda w: w.opens.timestamp()).opens
    closing = [w for w in windows if w.closes is not None]
    last = min(closing, key=lambda w: w.closes.timestamp()) if closing else None  # type: ignore[union-attr]
    closes = last.closes if last is not None else None
    if closes is not None and closes.timestamp() <= opens.timestamp():
        return None
    common = Window(opens, opens, closes, soft=last.soft if last is not None else False)
    aims = [w.target for w in windows if common.contains(w.target)]
    target = max(aims, key=lambda m: m.timestamp()) if aims else opens
    return Window(opens, target, closes, soft=common.soft)


def choose(stances: Sequence[Stance], policy: str, at: datetime, order: Sequence[str],
           calendar: BusinessCalendar) -> Choice:
    """The merged window for one action under `policy`."""
    if policy == "strictest":
        return _strictest(stances, at, calendar)
    if policy == "precedence":
        return _precedence(stances, at, order, calendar)
    return _agreement(stances, at, calendar)


def _agreement(stances: Sequence[Stance], at: datetime, calendar: BusinessCalendar) -> Choice:
    states = {s.ruleset: s.window.state(at) for s in stances}
    counts = {state: sum(1 for v in states.values() if v == state) for state in _STATES}
    n = len(stances)
    majority = next((state for state in _STATES if counts[state] * 2 > n), None)
    if majority == "open":
        moment: datetime | None = at
        decision = f"{counts['open']} of {n} sources have it open now, a majority: it is open"
    elif majority is not None:
        pool = [s for s in stances if states[s.ruleset] == majority]
        moment = _busiest(pool, at if majority == "upcoming" else None)
        decision = (f"{counts[majority]} of {n} sources say it is {majority}, a majority: the moment "
                    f"{'from now ' if majority == 'upcoming' else ''}most of them share decides")
    else:
        moment = _busiest(stances, at)
        decision = (f"no majority ({', '.join(f'{counts[s]} {s}' for s in _STATES if counts[s])}): the earliest "
                    "moment from now that the most sources share decides")
        if moment is None:
            moment = _busiest(stances, None)
            decision += "; every window has closed, so the one most of them shared"
    if moment is None:  # no window holds a moment, not even its opening: the earliest opening decides
        moment = min((s.window.opens for s in stances), key=lambda m: m.timestamp())
        decision += "; no window holds a moment, so the earliest opening"
    backers = [s for s in stances if s.window.contains(moment)] or [s for s in stances if s.window.opens == moment]
    return _settle(backers, moment, at, calendar, decision)


def _busiest(stances: Sequence[Stance], after: datetime | None) -> datetime | None:
    """The earliest moment (from `after`, if given) covered by the most windows; None if none is."""
    points = [s.window.opens for s in stances]
    if after is not None:
        points = [p for p in points if p.timestamp() > after.timestamp()] + [after]
    best, best_count = None, 0
    for point in sorted(points, key=lambda p: p.timestamp()):
        count = sum(1 for s in stances if s.window.contains(point))
        if count > best_count:
            best, best_count = point, count
    return best


def _strictest(stances: Sequence[Stance], at: datetime, calendar: BusinessCalendar) -> Choice:
    common = intersect([s.window for s in stances])
    if common is None:
        latest = max(stances, key=lambda s: s.window.opens.timestamp())
        common = latest.window
        decision = f"the windows do not meet: the latest-opening source ({latest.ruleset}) decides"
    else:
        decision = "never earlier or later than any source allows: the windows' common part"
    aims = [s.window.target for s in stances if common.contains(s.window.target)]
    moment = max(aims, key=lambda m: m.timestamp()) if aims else common.opens
    backers = [s for s in stances if s.window.contains(moment)] or [stances[0]]
    return _settle(backers, moment, at, calendar, decision, latest_target=True)


def _precedence(stances: Sequence[Stance], at: datetime, order: Sequence[str],
                calendar: BusinessCalendar) -> Choice:
    rank = {rid: i for i, rid in enumerate(order)}
    first = min(stances, key=lambda s: rank.get(s.ruleset, len(rank)))
    moment = first.window.target if first.window.target.timestamp() >= at.timestamp() else at
    if not first.window.contains(moment):
        moment = first.window.target
    backers = [s for s in stances if s.window.contains(moment)] or [first]
    if first not in backers:
        backers.insert(0, first)
    return _settle(backers, moment, at, calendar, f"{first.ruleset} comes first in the precedence order")


def _settle(backers: Sequence[Stance], moment: datetime, at: datetime, calendar: BusinessCalendar,
            decision: str, latest_target: bool = False) -> Choice:
    """The backers' common window with its target: now when it is open now, else a backer's own aim
    inside it (or the chosen moment), moved into working hours; never before `at` unless overdue."""
    common = intersect([s.window for s in backers]) or backers[0].window
    overdue = common.closes is not None and at.timestamp() >= common.closes.timestamp()
    floor = max((moment, common.opens) if overdue else (moment, at, common.opens), key=lambda m: m.timestamp())
    aims = [s.window.target for s in backers if common.contains(s.window.target)
            and s.window.target.timestamp() >= floor.timestamp()]
    if not overdue and common.contains(at) and moment.timestamp() <= at.timestamp():
        aim, why = floor, "now"
    elif aims:
        aim = (max if latest_target else min)(aims, key=lambda m: m.timestamp())
        why = "the " + ("latest" if latest_target else "earliest") + " aim of a backing source inside the window"
    else:
        aim, why = floor, "when the window opens"
    target = _working(aim, common, calendar)
    if target.timestamp() != aim.timestamp():
        why += f", moved into working hours ({when(target, target.tzinfo)})"  # type: ignore[arg-type]
    window = Window(common.opens, target, common.closes, soft=common.soft)
    return Choice(window, tuple(s.ruleset for s in backers), decision, why)


def _working(moment: datetime, window: Window, calendar: BusinessCalendar) -> datetime:
    """`moment`, or the first working-hours moment after it inside `window` (a business day if one
    fits); never a local midnight, which is no time to send anything."""
    for business_only in (True, False):
        found = calendar.working_moment(moment, window.closes, business_only=business_only)
        if found is not None:
            return found
    local = moment.astimezone(moment.tzinfo)
    if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
        return moment
    # No working hour fits (a window that ends before 09:00): the middle of what is left of it.
    end = window.closes if window.closes is not None else moment + timedelta(hours=12)
    middle = moment + (end - moment) / 2
    return middle.replace(minute=middle.minute - middle.minute % 15, second=0, microsecond=0)
