"""Business days: Monday to Friday minus the public holidays of a country or subdivision.

Holidays come from the `holidays` package, imported only when a calendar with a country needs them,
and are cached on disk per year (`_cache`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from followup_rules.core._cache import cached
from followup_rules.core.moments import at_local

#: Local hours (start inclusive, end exclusive) in which a message is suggested or a call placed.
WORKING_HOURS = (9, 17)

_ONE_DAY = timedelta(days=1)


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

    def working_moment(self, start: datetime, until: datetime | None = None,
                       hours: tuple[int, int] = WORKING_HOURS, business_only: bool = True) -> datetime | None:
        """The first moment at or after `start` (aware) inside `hours` local time, on a business day
        unless `business_only` is false, and before `until`; None when there is none."""
        tz = start.tzinfo
        assert tz is not None, "aware moments only"
        local = start.astimezone(tz)
        day = local.date()
        while until is None or at_local(day, hours[0], tz) < until:
            if not business_only or self.is_business_day(day):
                opens, closes = at_local(day, hours[0], tz), at_local(day, hours[1], tz)
                moment = max(opens, local) if day == local.date() else opens
                if moment < closes and (until is None or moment < until):
                    return moment
            day += _ONE_DAY
            if until is None and day > local.date() + timedelta(days=400):
                return None  # no business day in a year: a calendar of only holidays
        return None

