"""Time arithmetic for rule windows: hours, calendar days and business days in the candidate's zone.

Every instant handled here is timezone-aware. Arithmetic on elapsed time and every comparison is
done in UTC, because Python adds and compares two datetimes that share a tzinfo by their wall
clocks, which is wrong across a DST change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache

from followup_rules._cache import cached
from followup_rules.vocabulary import UNITS

#: Local hour at which a day-based window's target falls.
TARGET_HOUR = 10

#: Step between the samples taken to find DST changes; no zone changes its offset twice within it.
_DST_SCAN_STEP = timedelta(hours=6)

_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)

# Names of holidays are read in this language where the country offers it, so that notes read the
# same in every country (the rest of the output is English).
_HOLIDAY_LANGUAGE = "en_US"


@lru_cache(maxsize=None)
def _normalize_region(country: str, subdivision: str | None) -> tuple[str, str | None]:
    """Validate a country/subdivision pair and return it spelled as `holidays` expects."""
    key = f"region-{_holidays_version()}-{country}-{subdivision}.json".replace("/", "_")
    outcome = cached(key, lambda: _region_or_error(country, subdivision))
    if "error" in outcome:
        raise ValueError(outcome["error"])
    return outcome["country"], outcome["subdivision"]


def _region_or_error(country: str, subdivision: str | None) -> dict[str, str | None]:
    try:
        code, subdiv = _check_region(country, subdivision)
    except ValueError as exc:
        return {"error": str(exc)}
    return {"country": code, "subdivision": subdiv}


@lru_cache(maxsize=1)
def _holidays_version() -> str:
    """A key that changes when the `holidays` package does, found without importing it."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("holidays")
    origin = spec.origin if spec and spec.origin else ""
    try:
        return f"{os.stat(origin).st_mtime_ns:x}"
    except OSError:
        return "none"


def _check_region(country: str, subdivision: str | None) -> tuple[str, str | None]:
    # Imported here: `holidays` takes about 70 ms to import, and only calendars with a country need it.
    import holidays

    code = country.strip().upper()
    try:
        # One country's module only: listing every supported country imports them all (~150 ms).
        entity = holidays.country_holidays(code, years=[])
    except NotImplementedError:
        raise ValueError(
            f"unknown country code {country!r} for public holidays; "
            "use an ISO 3166-1 code supported by the `holidays` package, such as 'US', 'GB' or 'DE'"
        ) from None
    if subdivision is None or not subdivision.strip():
        return code, None
    aliases: dict[str, str] = getattr(entity, "subdivisions_aliases", {}) or {}
    by_folded = {alias.casefold(): code for alias, code in aliases.items()}
    by_folded.update({name.casefold(): name for name in entity.subdivisions})
    wanted = subdivision.strip()
    if wanted.casefold() in by_folded:
        return code, by_folded[wanted.casefold()]
    codes = ", ".join(entity.subdivisions) or "none"
    raise ValueError(
        f"unknown subdivision {subdivision!r} of country {code} for public holidays; "
        f"known subdivisions: {codes}"
    )


@lru_cache(maxsize=None)
def _holidays_in_year(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """Public holidays of one country/subdivision in one year, by date (names in English if offered)."""
    key = f"holidays-{_holidays_version()}-{country}-{subdivision}-{year}.json"
    stored = cached(key, lambda: {d.isoformat(): name for d, name in _load_holidays(country, subdivision, year).items()})
    return {date.fromisoformat(d): name for d, name in stored.items()}


def _load_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    import holidays  # here for the same reason as in _check_region

    entity = holidays.country_holidays(country, subdiv=subdivision, years=[])
    language = _HOLIDAY_LANGUAGE if _HOLIDAY_LANGUAGE in entity.supported_languages else None
    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year, language=language))


class BusinessCalendar:
    """Mon–Fri minus public holidays of a country/subdivision (package `holidays`); no country = no holidays."""

    def __init__(self, country: str | None = None, subdivision: str | None = None) -> None:
        """Check the codes now, so a typo fails where the case is loaded; holidays load lazily per year."""
        if country is None or not country.strip():
            if subdivision is not None and subdivision.strip():
                raise ValueError(f"subdivision {subdivision!r} given without a country for public holidays")
            self.country: str | None = None
            self.subdivision: str | None = None
        else:
            self.country, self.subdivision = _normalize_region(country, subdivision)

    def __repr__(self) -> str:
        return f"BusinessCalendar(country={self.country!r}, subdivision={self.subdivision!r})"

    @property
    def label(self) -> str:
        """Which holidays count, as shown to a person, e.g. "public holidays of US-CA"."""
        if self.country is None:
            return "no public holidays (no country given)"
        region = self.country if self.subdivision is None else f"{self.country}-{self.subdivision}"
        return f"public holidays of {region}"

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's name on `day` (several joined by "; "), or None."""
        if self.country is None:
            return None
        return _holidays_in_year(self.country, self.subdivision, day.year).get(day)

    def is_business_day(self, day: date) -> bool:
        """True for Monday to Friday unless a public holiday."""
        return day.weekday() < 5 and self.holiday_name(day) is None

    def _reason_not_business(self, day: date) -> str:
        """Why `day` is not a business day, e.g. "weekend" or "Memorial Day"."""
        name = self.holiday_name(day)
        parts = (["weekend"] if day.weekday() >= 5 else []) + ([name] if name is not None else [])
        return ", ".join(parts)

    def add_business_days(self, day: date, n: int) -> tuple[date, list[str]]:
        """The n-th business day after `day` (n >= 0; n == 0 returns `day`), plus notes of each skipped
        day, e.g. "skipped 2025-05-26 (Memorial Day)", "skipped 2025-05-24 (weekend)".

        A negative n gives the |n|-th business day before `day`, with the skipped days in the order
        they were passed.
        """
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        notes: list[str] = []
        current = day
        while remaining:
            current += step
            if self.is_business_day(current):
                remaining -= 1
            else:
                notes.append(f"skipped {current.isoformat()} ({self._reason_not_business(current)})")
        return current, notes

    def business_days_between(self, start: date, end: date) -> int:
        """Business days d with start < d <= end; negative if end < start."""
        if end < start:
            return -self.business_days_between(end, start)
        count = 0
        current = start
        while current < end:
            current += _ONE_DAY
            count += self.is_business_day(current)
        return count


def _check_aware(moment: datetime, what: str) -> None:
    """Refuse naive datetimes: their instant is unknown."""
    if not isinstance(moment, datetime):
        raise ValueError(f"{what} must be a datetime, got {type(moment).__name__}")
    if moment.utcoffset() is None:
        raise ValueError(f"{what} {moment.isoformat()} has no timezone; read it with parse_moment first")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def _resolve_local(naive: datetime, tz: tzinfo) -> datetime:
    """The instant a local wall-clock time means in `tz`.

    An ambiguous time (clocks go back) is its first occurrence; a time the clocks skip is the first
    instant after the gap, i.e. the moment of the change.
    """
    earlier = naive.replace(tzinfo=tz, fold=0)
    instant = _utc(earlier)
    if instant.astimezone(tz).replace(tzinfo=None) == naive:
        return instant.astimezone(tz)
    # In a gap, fold=1 reads the time with the offset after the change (an instant before it) and
    # fold=0 with the offset before it (an instant after it): the change lies between the two.
    low, high = sorted((_utc(naive.replace(tzinfo=tz, fold=1)), instant))
    while high - low > _ONE_MICROSECOND:
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.astimezone(tz)


def local_date(moment: datetime, tz: tzinfo) -> date:
    """The calendar date of `moment` in `tz`."""
    _check_aware(moment, "moment")
    return moment.astimezone(tz).date()


def days_between(a: datetime, b: datetime, tz: tzinfo) -> int:
    """Local date of b minus local date of a, in days."""
    return (local_date(b, tz) - local_date(a, tz)).days


def start_of_day(day: date, tz: tzinfo) -> datetime:
    """00:00 local on `day`; if 00:00 does not exist (DST), the first instant of the day that does."""
    return _resolve_local(datetime.combine(day, time(0)), tz)


def at_local(day: date, hour: int, tz: tzinfo) -> datetime:
    """`hour`:00 local on `day`; a repeated hour is its first occurrence, a skipped one the gap's end."""
    return _resolve_local(datetime.combine(day, time(hour)), tz)


def parse_moment(text: str, tz: tzinfo) -> datetime:
    """Read an ISO 8601 date-time (or date, meaning its start) as an instant shown in `tz`.

    A time without an offset is local time in `tz`.
    """
    if not isinstance(text, str):
        raise ValueError(
            f"expected an ISO 8601 date-time string, got {type(text).__name__} {text!r} "
            "(quote timestamps in YAML)"
        )
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise ValueError(
            f"{text!r} is not an ISO 8601 date-time (expected e.g. 2025-03-07T11:00:00-05:00 "
            f"or 2025-03-07T11:00): {error}"
        ) from None
    if parsed.utcoffset() is None:
        return _resolve_local(parsed, tz)
    return parsed.astimezone(tz)


def _format_moment(moment: datetime) -> str:
    """E.g. "2025-03-07 11:00 EST"; seconds only when present."""
    pattern = "%Y-%m-%d %H:%M:%S" if moment.second or moment.microsecond else "%Y-%m-%d %H:%M"
    return f"{moment.strftime(pattern)} {moment.tzname()}"


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
        _check_aware(at, "at")
        moment = _utc(at)
        if moment < _utc(self.opens):
            return "upcoming"
        if self.closes is not None and moment >= _utc(self.closes):
            return "overdue"
        return "open"


def _offset_changes(start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """Instants T with start < T <= end at which the UTC offset of `tz` changes."""
    low, high = _utc(start), _utc(end)
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
        before = (_utc(change) - _ONE_MICROSECOND).astimezone(tz)
        shift = _offset(change) - _offset(before)
        direction = "forward" if shift > timedelta(0) else "back"
        minutes = abs(shift) // timedelta(minutes=1)
        amount = _plural(minutes // 60, "hour") if minutes % 60 == 0 else _plural(minutes, "minute")
        where = "inside the window" if _utc(change) > _utc(opens) else "between the anchor and the opening"
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
        return (_utc(anchor_instant) + timedelta(hours=hours)).astimezone(tz)

    target_hours = spec.opens if spec.target is None else spec.target
    opens, target = plus(spec.opens), plus(target_hours)
    default = " (no target given, so the opening offset)" if spec.target is None else ""
    if spec.closes is None:
        closes, closes_step = None, "closes: never (the window stays open)"
    else:
        closes = plus(spec.closes)
        closes_step = (
            f"closes = anchor + {_plural(spec.closes, 'hour')} = {_format_moment(closes)} (exclusive)"
        )
    return _Placed(
        opens=opens,
        opens_step=f"opens = anchor + {_plural(spec.opens, 'hour')} = {_format_moment(opens)}",
        target=target,
        target_step=f"target = anchor + {_plural(target_hours, 'hour')}{default} = {_format_moment(target)}",
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
            f"closes = end of {closes_day.isoformat()} ({closes_how}) = {_format_moment(closes)} (exclusive)"
        )
    return _Placed(
        opens=opens,
        opens_step=f"opens = start of {opens_day.isoformat()} ({opens_how}) = {_format_moment(opens)}",
        target=target,
        target_step=(
            f"target = {_format_moment(target)} ({TARGET_HOUR}:00 local on {target_day.isoformat()}; "
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
    _check_aware(anchor, "anchor")
    anchor_day = local_date(anchor, tz)
    if anchor_is_date:
        anchor_instant = start_of_day(anchor_day + _ONE_DAY, tz)
        anchor_step = (
            f"anchor {spec.anchor} = {anchor_day.isoformat()} (a date; as an instant, the end of that "
            f"day = {_format_moment(anchor_instant)})"
        )
    else:
        anchor_instant = anchor.astimezone(tz)
        anchor_step = f"anchor {spec.anchor} = {_format_moment(anchor_instant)}"
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
        and _utc(target) < _utc(anchor_instant)
        and (placed.closes is None or _utc(anchor_instant) < _utc(placed.closes))
    ):
        # A target of day 0 must not aim at a moment already past when the anchor happened.
        target = anchor_instant
        target_step += f"; that is before the anchor, so target = the anchor {_format_moment(target)}"
    steps += [placed.opens_step, target_step, placed.closes_step]

    end = _utc(target) if placed.closes is None else _utc(placed.closes) - _ONE_MICROSECOND
    start = min(_utc(anchor_instant), _utc(placed.opens))
    steps += _dst_notes(start, placed.opens, end, tz, spec.unit)
    return PlacedWindow(opens=placed.opens, target=target, closes=placed.closes, steps=tuple(steps))
