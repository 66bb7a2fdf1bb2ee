"""Moments: aware instants, local dates and wall-clock times in the candidate's timezone.

Every instant handled here is timezone-aware. Arithmetic on elapsed time and every comparison is
done in UTC, because Python adds and compares two datetimes that share a tzinfo by their wall
clocks, which is wrong across a DST change.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo

_ONE_MICROSECOND = timedelta(microseconds=1)


def check_aware(moment: datetime, what: str) -> None:
    """Refuse naive datetimes: their instant is unknown."""
    if not isinstance(moment, datetime):
        raise ValueError(f"{what} must be a datetime, got {type(moment).__name__}")
    if moment.utcoffset() is None:
        raise ValueError(f"{what} {moment.isoformat()} has no timezone; read it with parse_moment first")


def utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def _resolve_local(naive: datetime, tz: tzinfo) -> datetime:
    """The instant a local wall-clock time means in `tz`.

    An ambiguous time (clocks go back) is its first occurrence; a time the clocks skip is the first
    instant after the gap, i.e. the moment of the change.
    """
    earlier = naive.replace(tzinfo=tz, fold=0)
    instant = utc(earlier)
    if instant.astimezone(tz).replace(tzinfo=None) == naive:
        return instant.astimezone(tz)
    # In a gap, fold=1 reads the time with the offset after the change (an instant before it) and
    # fold=0 with the offset before it (an instant after it): the change lies between the two.
    low, high = sorted((utc(naive.replace(tzinfo=tz, fold=1)), instant))
    while high - low > _ONE_MICROSECOND:
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.astimezone(tz)


def local_date(moment: datetime, tz: tzinfo) -> date:
    """The calendar date of `moment` in `tz`."""
    check_aware(moment, "moment")
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


def days_later(moment: datetime, days: int, tz: tzinfo) -> datetime:
    """The same local wall-clock time `days` calendar days later, in `tz`."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    return _resolve_local(local + timedelta(days=days), tz)


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


def format_moment(moment: datetime) -> str:
    """E.g. "2025-03-07 11:00 EST"; seconds only when present."""
    pattern = "%Y-%m-%d %H:%M:%S" if moment.second or moment.microsecond else "%Y-%m-%d %H:%M"
    return f"{moment.strftime(pattern)} {moment.tzname()}"


def when(moment: datetime | None, tz: tzinfo) -> str:
    """A moment for people, in `tz`: "Fri 2025-03-07 15:00 EST"; "—" for none."""
    return moment.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z") if moment else "—"
