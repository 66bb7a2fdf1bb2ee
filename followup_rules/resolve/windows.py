"""Rule windows placed on the time line: offsets in hours, calendar days or business days from an anchor.

Arithmetic on elapsed time is done in UTC (see `moments`); day offsets count local dates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any, Mapping

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import Case
from followup_rules.core.moments import at_local, check_aware, days_later, format_moment, local_date, start_of_day, utc
from followup_rules.core.ruleset import Rule
from followup_rules.core.vocabulary import TIMED_STEPS, UNITS
from followup_rules.engine.conditions import resolve_value
from followup_rules.facts.derive import Facts
from followup_rules.resolve.advice import Window

#: Local hour at which a day-based window's target falls.
TARGET_HOUR = 10
#: The ruleset parameter naming a source's "reasonable timeframe", and the default (ARCHITECTURE.md).
REASONABLE_TIMEFRAME = "reasonable_timeframe_days"
DEFAULT_REASONABLE_DAYS = 7

#: Step between the samples taken to find DST changes; no zone changes its offset twice within it.
_DST_SCAN_STEP = timedelta(hours=6)

_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _plural(value: float, unit: str) -> str:
    return f"{_format_number(value)} {unit}{'' if abs(value) == 1 else 's'}"


@dataclass(frozen=True)
class WindowSpec:
    """A window as a rule states it: offsets from an anchor in hours, calendar days or business days."""

    anchor: str
    unit: str
    opens: float
    target: float | None
    closes: float | None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown window unit {self.unit!r}; expected one of {', '.join(UNITS)}")
        for name in ("opens", "target", "closes"):
            value = getattr(self, name)
            if value is None and name != "opens":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"window {name} must be a finite number, got {value!r}")
            if self.unit != "hours" and not float(value).is_integer():
                raise ValueError(f"window {name} must be a whole number of {self.unit}, got {value!r}")
        target = self.opens if self.target is None else self.target
        if target < self.opens:
            raise ValueError(f"window target ({target}) is before it opens ({self.opens})")
        if self.closes is not None and self.closes < target:
            raise ValueError(f"window closes ({self.closes}) before its target ({target})")


@dataclass(frozen=True)
class PlacedWindow:
    """A window on the time line: tz-aware instants in the candidate's zone, and how each was found."""

    opens: datetime
    target: datetime
    closes: datetime | None
    steps: tuple[str, ...]

    def state(self, at: datetime) -> str:
        """The state at `at`: "upcoming" before `opens`, "overdue" from `closes` on, else "open"."""
        check_aware(at, "at")
        moment = utc(at)
        if moment < utc(self.opens):
            return "upcoming"
        if self.closes is not None and moment >= utc(self.closes):
            return "overdue"
        return "open"


def _offset_changes(start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """Instants T with start < T <= end at which the UTC offset of `tz` changes."""
    low, high = utc(start), utc(end)
    return [change.astimezone(tz) for year in range(low.year, high.year + 1)
            for change in _year_changes(tz, year) if low < change <= high]


@lru_cache(maxsize=256)
def _year_changes(tz: tzinfo, year: int) -> tuple[datetime, ...]:
    """Every instant (UTC) in a UTC calendar year at which the offset of `tz` changes."""
    changes: list[datetime] = []
    low = datetime(year, 1, 1, tzinfo=timezone.utc)
    last = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    while low < last:
        high = min(low + _DST_SCAN_STEP, last)
        if low.astimezone(tz).utcoffset() != high.astimezone(tz).utcoffset():
            before, after = low, high
            offset = before.astimezone(tz).utcoffset()
            while after - before > _ONE_MICROSECOND:
                middle = before + (after - before) / 2
                if middle.astimezone(tz).utcoffset() == offset:
                    before = middle
                else:
                    after = middle
            changes.append(after)
        low = high
    return tuple(changes)


def _offset(moment: datetime) -> timedelta:
    offset = moment.utcoffset()
    assert offset is not None, "aware moments only"
    return offset


def _dst_notes(start: datetime, opens: datetime, end: datetime, tz: tzinfo, unit: str) -> list[str]:
    """One note per offset change between `start` and `end`, saying what it does to the window."""
    notes: list[str] = []
    for change in _offset_changes(start, end, tz):
        before = (utc(change) - _ONE_MICROSECOND).astimezone(tz)
        shift = _offset(change) - _offset(before)
        direction = "forward" if shift > timedelta(0) else "back"
        minutes = abs(shift) // timedelta(minutes=1)
        amount = _plural(minutes // 60, "hour") if minutes % 60 == 0 else _plural(minutes, "minute")
        where = "inside the window" if utc(change) > utc(opens) else "between the anchor and the opening"
        effect = (
            "hours are real elapsed time, so local clock times shift"
            if unit == "hours"
            else "days are local dates, so boundaries stay at local midnight"
        )
        notes.append(
            f"note: DST change on {change.date().isoformat()} {where} ({before.tzname()} -> "
            f"{change.tzname()}, clocks go {direction} {amount}; {effect})"
        )
    return notes


@dataclass(frozen=True)
class _Placed:
    """A window's three instants, each with the step that explains it (target not yet held to the anchor)."""

    opens: datetime
    opens_step: str
    target: datetime
    target_step: str
    closes: datetime | None
    closes_step: str


def _place_hours(spec: WindowSpec, anchor_instant: datetime, tz: tzinfo) -> _Placed:
    """Offsets are real elapsed hours from the anchor instant."""

    def plus(hours: float) -> datetime:
        return (utc(anchor_instant) + timedelta(hours=hours)).astimezone(tz)

    target_hours = spec.opens if spec.target is None else spec.target
    opens, target = plus(spec.opens), plus(target_hours)
    default = " (no target given, so the opening offset)" if spec.target is None else ""
    if spec.closes is None:
        closes, closes_step = None, "closes: never (the window stays open)"
    else:
        closes = plus(spec.closes)
        closes_step = (
            f"closes = anchor + {_plural(spec.closes, 'hour')} = {format_moment(closes)} (exclusive)"
        )
    return _Placed(
        opens=opens,
        opens_step=f"opens = anchor + {_plural(spec.opens, 'hour')} = {format_moment(opens)}",
        target=target,
        target_step=f"target = anchor + {_plural(target_hours, 'hour')}{default} = {format_moment(target)}",
        closes=closes,
        closes_step=closes_step,
    )


def _day_at(
    spec: WindowSpec, anchor_day: date, offset: float, calendar: BusinessCalendar
) -> tuple[date, str]:
    """The date `offset` days or business days after the anchor date, and how it was reached."""
    count = int(offset)
    sign = "+" if count >= 0 else "-"
    if spec.unit == "days":
        return anchor_day + timedelta(days=count), f"anchor date {sign} {_plural(abs(count), 'day')}"
    day, skipped = calendar.add_business_days(anchor_day, count)
    how = f"{sign}{_plural(abs(count), 'business day')}" if count else "anchor date itself, 0 business days"
    if skipped:
        how += ", skipped " + ", ".join(note.removeprefix("skipped ") for note in skipped)
    return day, how


def _place_days(spec: WindowSpec, anchor_day: date, tz: tzinfo, calendar: BusinessCalendar) -> _Placed:
    """Offsets count local dates (or business days); boundaries are local midnights, the target 10:00."""
    opens_day, opens_how = _day_at(spec, anchor_day, spec.opens, calendar)
    opens = start_of_day(opens_day, tz)
    target_offset = spec.opens if spec.target is None else spec.target
    target_day, target_how = _day_at(spec, anchor_day, target_offset, calendar)
    target = at_local(target_day, TARGET_HOUR, tz)
    default = "; no target given, so the opening offset" if spec.target is None else ""
    if spec.closes is None:
        closes, closes_step = None, "closes: never (the window stays open)"
    else:
        closes_day, closes_how = _day_at(spec, anchor_day, spec.closes, calendar)
        closes = start_of_day(closes_day + _ONE_DAY, tz)
        closes_step = (
            f"closes = end of {closes_day.isoformat()} ({closes_how}) = {format_moment(closes)} (exclusive)"
        )
    return _Placed(
        opens=opens,
        opens_step=f"opens = start of {opens_day.isoformat()} ({opens_how}) = {format_moment(opens)}",
        target=target,
        target_step=(
            f"target = {format_moment(target)} ({TARGET_HOUR}:00 local on {target_day.isoformat()}; "
            f"{target_how}{default})"
        ),
        closes=closes,
        closes_step=closes_step,
    )


def place_window(
    spec: WindowSpec, anchor: datetime, anchor_is_date: bool, tz: tzinfo, calendar: BusinessCalendar
) -> PlacedWindow:
    """Place `spec` relative to `anchor` in zone `tz`.

    `anchor_is_date` marks an anchor that is a calendar date (e.g. a decision date): its local date
    counts, and as an instant it is the end of that date.
    """
    check_aware(anchor, "anchor")
    anchor_day = local_date(anchor, tz)
    if anchor_is_date:
        anchor_instant = start_of_day(anchor_day + _ONE_DAY, tz)
        anchor_step = (
            f"anchor {spec.anchor} = {anchor_day.isoformat()} (a date; as an instant, the end of that "
            f"day = {format_moment(anchor_instant)})"
        )
    else:
        anchor_instant = anchor.astimezone(tz)
        anchor_step = f"anchor {spec.anchor} = {format_moment(anchor_instant)}"
    steps = [anchor_step]

    if spec.unit == "hours":
        placed = _place_hours(spec, anchor_instant, tz)
    else:
        zone = getattr(tz, "key", None) or str(tz)
        steps.append(
            f"business days in {zone} = Monday-Friday minus {calendar.label}"
            if spec.unit == "business_days"
            else f"days are local dates in {zone}"
        )
        placed = _place_days(spec, anchor_day, tz, calendar)
    target, target_step = placed.target, placed.target_step
    if (
        spec.unit != "hours"
        and not anchor_is_date
        and utc(target) < utc(anchor_instant)
        and (placed.closes is None or utc(anchor_instant) < utc(placed.closes))
    ):
        # A target of day 0 must not aim at a moment already past when the anchor happened.
        target = anchor_instant
        target_step += f"; that is before the anchor, so target = the anchor {format_moment(target)}"
    steps += [placed.opens_step, target_step, placed.closes_step]

    end = utc(target) if placed.closes is None else utc(placed.closes) - _ONE_MICROSECOND
    start = min(utc(anchor_instant), utc(placed.opens))
    steps += _dst_notes(start, placed.opens, end, tz, spec.unit)
    return PlacedWindow(opens=placed.opens, target=target, closes=placed.closes, steps=tuple(steps))


def place(rule: Rule, params: Mapping[str, Any], facts: Facts, case: Case,
          calendar: BusinessCalendar) -> Window | None:
    """The rule's window placed in time for this case, or None if it has none.

    A timed step that the rule leaves open-ended closes softly, a reasonable timeframe after its
    target (`soft_close`): open-ended advice agrees only up to a stated point, and can become
    overdue. Networking and what the candidate does alone (keep searching) stay open.
    """
    spec = rule.then.window
    if spec is None:
        return None
    anchor = facts.anchors[spec.anchor]
    if isinstance(anchor, datetime):
        instant, is_date = anchor, False
    else:
        instant, is_date = start_of_day(anchor, case.timezone), True
    opens, target, closes = (resolve_value(v, params) for v in (spec.opens, spec.target, spec.closes))
    placed = place_window(WindowSpec(spec.anchor, spec.unit, float(opens),
                                     None if target is None else float(target),
                                     None if closes is None else float(closes)),
                          instant, is_date, case.timezone, calendar)
    window = Window(placed.opens, placed.target, placed.closes, tuple(placed.steps))
    if window.closes is not None or rule.then.action not in TIMED_STEPS:
        return window
    return soft_close(window, params, case.timezone)


def reasonable_days(params: Mapping[str, Any]) -> int:
    """A source's "reasonable timeframe": its `reasonable_timeframe_days` parameter, else 7 days."""
    value = params.get(REASONABLE_TIMEFRAME)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else DEFAULT_REASONABLE_DAYS


def soft_close(window: Window, params: Mapping[str, Any], tz: tzinfo) -> Window:
    """`window` closed a reasonable timeframe after its target, marked soft."""
    days = reasonable_days(params)
    closes = days_later(window.target, days, tz)
    step = (f"closes: the source gives no close; soft close = target + {_plural(days, 'day')} "
            f"(a reasonable timeframe) = {format_moment(closes)} (exclusive)")
    steps = tuple(s for s in window.steps if not s.startswith("closes: never")) + (step,)
    return Window(window.opens, window.target, closes, steps, soft=True)
