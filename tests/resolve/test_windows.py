"""Tests of the window time arithmetic: business days, calendar days, hours, DST and parsing."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.limits import window_order
from followup_rules.core.moments import at_local, days_between, local_date, parse_moment, start_of_day
from followup_rules.resolve import windows
from followup_rules.resolve.windows import PlacedWindow, WindowSpec, place_window

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc
US = BusinessCalendar("US")
NO_HOLIDAYS = BusinessCalendar()

#: Zones with ordinary DST, DST changes at midnight (Santiago, Havana), half-hour DST (Lord Howe),
#: a skipped calendar day (Apia, 2011-12-30), no DST, and a fixed offset.
ZONES: tuple[tzinfo, ...] = (
    NEW_YORK,
    BERLIN,
    ZoneInfo("Europe/London"),
    ZoneInfo("America/Santiago"),
    ZoneInfo("America/Havana"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Pacific/Apia"),
    ZoneInfo("Asia/Kolkata"),
    UTC,
    timezone(timedelta(hours=-5)),
)
CALENDARS = (NO_HOLIDAYS, US, BusinessCalendar("DE"), BusinessCalendar("DE", "BY"), BusinessCalendar("GB"))


def ny(text: str) -> datetime:
    return parse_moment(text, NEW_YORK)


def hours_between(a: datetime, b: datetime) -> float:
    return (b.astimezone(UTC) - a.astimezone(UTC)) / timedelta(hours=1)


# --- business days ------------------------------------------------------------------------------


def test_friday_interview_one_business_day_window_lands_on_monday() -> None:
    spec = WindowSpec(anchor="interview_end", unit="business_days", opens=1, target=None, closes=1)
    window = place_window(spec, ny("2025-03-07T11:00"), False, NEW_YORK, US)
    assert window.opens == ny("2025-03-10T00:00")
    assert window.target == ny("2025-03-10T10:00")
    assert window.closes == ny("2025-03-11T00:00")
    assert window.opens.strftime("%A") == "Monday"
    assert any("skipped 2025-03-08 (weekend), 2025-03-09 (weekend)" in step for step in window.steps)


def test_memorial_day_is_skipped_and_named() -> None:
    day, notes = US.add_business_days(date(2025, 5, 23), 1)
    assert day == date(2025, 5, 27)
    assert notes == [
        "skipped 2025-05-24 (weekend)",
        "skipped 2025-05-25 (weekend)",
        "skipped 2025-05-26 (Memorial Day)",
    ]
    spec = WindowSpec(anchor="decision_date", unit="business_days", opens=1, target=1, closes=2)
    window = place_window(spec, ny("2025-05-23T00:00"), True, NEW_YORK, US)
    assert window.opens == ny("2025-05-27T00:00")
    assert window.closes == ny("2025-05-29T00:00")
    assert any("2025-05-26 (Memorial Day)" in step for step in window.steps)


def test_thanksgiving_is_skipped_and_named() -> None:
    spec = WindowSpec(anchor="interview_end", unit="business_days", opens=0, target=1, closes=1)
    window = place_window(spec, ny("2025-11-26T15:00"), False, NEW_YORK, US)
    assert window.target == ny("2025-11-28T10:00")
    assert window.closes == ny("2025-11-29T00:00")
    assert any("skipped 2025-11-27 (Thanksgiving Day)" in step for step in window.steps)


def test_german_national_holiday_is_skipped() -> None:
    germany = BusinessCalendar("DE")
    day, notes = germany.add_business_days(date(2025, 10, 2), 1)
    assert day == date(2025, 10, 6)
    assert notes[0] == "skipped 2025-10-03 (German Unity Day)"
    assert germany.holiday_name(date(2025, 10, 3)) == "German Unity Day"


def test_subdivision_holidays_count_only_in_that_subdivision() -> None:
    friday = date(2025, 1, 3)  # Epiphany (Monday 2025-01-06) is a holiday in Bavaria, not nationally
    assert BusinessCalendar("DE").add_business_days(friday, 1)[0] == date(2025, 1, 6)
    bavaria = BusinessCalendar("de", "by")
    assert (bavaria.country, bavaria.subdivision) == ("DE", "BY")
    assert bavaria.add_business_days(friday, 1)[0] == date(2025, 1, 7)
    assert BusinessCalendar("DE", "Bayern").subdivision == "BY"


def test_weekend_holiday_is_named_with_the_weekend() -> None:
    _, notes = US.add_business_days(date(2026, 7, 2), 2)  # 2026-07-03 is the observed holiday
    assert notes == [
        "skipped 2026-07-03 (Independence Day (observed))",
        "skipped 2026-07-04 (weekend, Independence Day)",
        "skipped 2026-07-05 (weekend)",
    ]


def test_no_country_means_weekends_only() -> None:
    christmas = date(2025, 12, 25)
    assert NO_HOLIDAYS.is_business_day(christmas)
    assert NO_HOLIDAYS.holiday_name(christmas) is None
    assert not US.is_business_day(christmas)
    assert not NO_HOLIDAYS.is_business_day(date(2025, 12, 27))


def test_zero_business_days_is_the_day_itself_even_on_a_weekend() -> None:
    saturday = date(2025, 3, 8)
    assert US.add_business_days(saturday, 0) == (saturday, [])


def test_negative_business_days_count_backwards() -> None:
    assert US.add_business_days(date(2025, 5, 27), -1) == (
        date(2025, 5, 23),
        ["skipped 2025-05-26 (Memorial Day)", "skipped 2025-05-25 (weekend)", "skipped 2025-05-24 (weekend)"],
    )


def test_business_days_between_counts_end_not_start() -> None:
    assert US.business_days_between(date(2025, 5, 23), date(2025, 5, 27)) == 1
    assert US.business_days_between(date(2025, 5, 27), date(2025, 5, 23)) == -1
    assert US.business_days_between(date(2025, 5, 20), date(2025, 5, 20)) == 0
    assert NO_HOLIDAYS.business_days_between(date(2025, 5, 23), date(2025, 5, 27)) == 2


def test_unknown_country_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown country code 'XX'"):
        BusinessCalendar("XX")


def test_unknown_subdivision_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown subdivision 'ZZ' of country US.*CA"):
        BusinessCalendar("US", "ZZ")
    with pytest.raises(ValueError, match="without a country"):
        BusinessCalendar(None, "CA")


def test_holidays_load_lazily_once_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    years: list[object] = []
    real = holidays.country_holidays

    def counting(*args: object, **kwargs: object) -> holidays.HolidayBase:
        if kwargs.get("years") != []:
            years.append(kwargs.get("years"))
        return real(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    calendar = BusinessCalendar("FR")
    assert years == []
    for day in (date(2087, 1, 1), date(2087, 7, 14), date(2087, 12, 24)):
        calendar.is_business_day(day)
    BusinessCalendar("FR").holiday_name(date(2087, 5, 1))
    assert years == [2087]
    calendar.is_business_day(date(2088, 1, 1))
    assert years == [2087, 2088]


# --- calendar days and DST ----------------------------------------------------------------------


def test_day_window_across_spring_forward_keeps_local_midnights() -> None:
    spec = WindowSpec(anchor="interview_end", unit="days", opens=0, target=1, closes=1)
    window = place_window(spec, ny("2025-03-08T15:00"), False, NEW_YORK, US)
    assert window.opens.isoformat() == "2025-03-08T00:00:00-05:00"
    assert window.target.isoformat() == "2025-03-09T10:00:00-04:00"
    assert window.closes is not None
    assert window.closes.isoformat() == "2025-03-10T00:00:00-04:00"
    assert hours_between(window.opens, window.closes) == 47
    assert window.steps[-1] == (
        "note: DST change on 2025-03-09 inside the window (EST -> EDT, clocks go forward 1 hour; "
        "days are local dates, so boundaries stay at local midnight)"
    )


def test_day_window_across_fall_back_keeps_local_midnights() -> None:
    spec = WindowSpec(anchor="interview_end", unit="days", opens=0, target=0, closes=1)
    window = place_window(spec, ny("2025-11-01T09:00"), False, NEW_YORK, US)
    assert window.opens.isoformat() == "2025-11-01T00:00:00-04:00"
    assert window.closes is not None
    assert window.closes.isoformat() == "2025-11-03T00:00:00-05:00"
    assert hours_between(window.opens, window.closes) == 49
    assert window.steps[-1].startswith(
        "note: DST change on 2025-11-02 inside the window (EDT -> EST, clocks go back 1 hour;"
    )


def test_window_without_dst_change_has_no_dst_note() -> None:
    spec = WindowSpec(anchor="interview_end", unit="days", opens=0, target=0, closes=1)
    window = place_window(spec, ny("2025-03-05T09:00"), False, NEW_YORK, US)
    assert not any("DST" in step for step in window.steps)


def test_day_target_is_ten_local_but_never_before_the_anchor() -> None:
    spec = WindowSpec(anchor="interview_end", unit="days", opens=0, target=0, closes=1)
    morning = place_window(spec, ny("2025-03-05T08:00"), False, NEW_YORK, US)
    assert morning.target == ny("2025-03-05T10:00")
    afternoon = place_window(spec, ny("2025-03-05T15:30"), False, NEW_YORK, US)
    assert afternoon.target == ny("2025-03-05T15:30")
    assert any("before the anchor, so target = the anchor 2025-03-05 15:30 EST" in s for s in afternoon.steps)
    as_date = place_window(spec, ny("2025-03-05T15:30"), True, NEW_YORK, US)
    assert as_date.target == ny("2025-03-05T10:00")


def test_day_window_steps_show_anchor_and_offsets() -> None:
    spec = WindowSpec(anchor="interview_end", unit="days", opens=0, target=0, closes=1)
    window = place_window(spec, ny("2025-03-07T11:00"), False, NEW_YORK, US)
    assert window.steps[0] == "anchor interview_end = 2025-03-07 11:00 EST"
    assert "opens = start of 2025-03-07 (anchor date + 0 days) = 2025-03-07 00:00 EST" in window.steps
    assert (
        "closes = end of 2025-03-08 (anchor date + 1 day) = 2025-03-09 00:00 EST (exclusive)" in window.steps
    )


def test_negative_day_offsets_before_a_decision_date() -> None:
    spec = WindowSpec(anchor="decision_date", unit="days", opens=-3, target=-2, closes=-1)
    window = place_window(spec, ny("2025-06-20T00:00"), True, NEW_YORK, US)
    assert window.opens == ny("2025-06-17T00:00")
    assert window.target == ny("2025-06-18T10:00")
    assert window.closes == ny("2025-06-20T00:00")


def test_soft_close_window_never_closes() -> None:
    spec = WindowSpec(anchor="decision_date", unit="business_days", opens=1, target=2, closes=None)
    window = place_window(spec, ny("2025-03-07T00:00"), True, NEW_YORK, US)
    assert window.closes is None
    assert "closes: never (the window stays open)" in window.steps
    assert window.state(ny("2035-01-01T00:00")) == "open"


# --- hours --------------------------------------------------------------------------------------


def test_24_hour_window_across_spring_forward_is_24_real_hours() -> None:
    spec = WindowSpec(anchor="interview_end", unit="hours", opens=0, target=None, closes=24)
    window = place_window(spec, ny("2025-03-08T12:00"), False, NEW_YORK, US)
    assert window.closes is not None
    assert hours_between(window.opens, window.closes) == 24
    assert window.closes.isoformat() == "2025-03-09T13:00:00-04:00"
    assert window.target == window.opens
    assert any("hours are real elapsed time" in step for step in window.steps)


def test_24_hour_window_across_fall_back_is_24_real_hours() -> None:
    spec = WindowSpec(anchor="interview_end", unit="hours", opens=0, target=12, closes=24)
    window = place_window(spec, ny("2025-11-01T12:00"), False, NEW_YORK, US)
    assert window.closes is not None
    assert window.closes.isoformat() == "2025-11-02T11:00:00-05:00"
    assert hours_between(window.opens, window.target) == 12


def test_hours_from_a_date_anchor_start_at_the_end_of_that_date() -> None:
    spec = WindowSpec(anchor="decision_date", unit="hours", opens=0, target=24, closes=48)
    window = place_window(spec, ny("2025-06-20T15:00"), True, NEW_YORK, US)
    assert window.opens == ny("2025-06-21T00:00")
    assert window.target == ny("2025-06-22T00:00")
    assert window.steps[0].startswith("anchor decision_date = 2025-06-20 (a date; as an instant, the end")


def test_fractional_hours() -> None:
    spec = WindowSpec(anchor="at", unit="hours", opens=0.5, target=None, closes=None)
    window = place_window(spec, ny("2025-06-20T15:00"), False, NEW_YORK, US)
    assert window.opens == ny("2025-06-20T15:30")
    assert "opens = anchor + 0.5 hours = 2025-06-20 15:30 EDT" in window.steps


# --- state --------------------------------------------------------------------------------------


def test_state_opens_inclusive_closes_exclusive() -> None:
    spec = WindowSpec(anchor="interview_end", unit="days", opens=1, target=1, closes=1)
    window = place_window(spec, ny("2025-06-02T11:00"), False, NEW_YORK, US)
    tick = timedelta(microseconds=1)
    assert window.closes is not None
    assert window.state(window.opens - tick) == "upcoming"
    assert window.state(window.opens) == "open"
    assert window.state(window.closes - tick) == "open"
    assert window.state(window.closes) == "overdue"


def test_state_compares_instants_not_wall_clocks() -> None:
    # 01:45 EDT comes before 01:30 EST on the fall-back night, though its wall clock is later.
    closes = datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=NEW_YORK)
    opens, target = ny("2025-11-01T00:00"), ny("2025-11-01T10:00")
    window = PlacedWindow(opens=opens, target=target, closes=closes, steps=())
    assert window.state(datetime(2025, 11, 2, 1, 45, fold=0, tzinfo=NEW_YORK)) == "open"
    assert window.state(datetime(2025, 11, 2, 1, 45, fold=1, tzinfo=NEW_YORK)) == "overdue"
    assert window.state(datetime(2025, 11, 2, 6, 30, tzinfo=UTC)) == "overdue"
    assert window.state(datetime(2025, 11, 2, 6, 29, tzinfo=UTC)) == "open"


def test_state_refuses_naive_moment() -> None:
    window = PlacedWindow(opens=ny("2025-11-01T00:00"), target=ny("2025-11-01T10:00"), closes=None, steps=())
    with pytest.raises(ValueError, match="no timezone"):
        window.state(datetime(2025, 11, 1))


# --- parsing and local days ---------------------------------------------------------------------


def test_naive_timestamp_is_read_in_the_candidate_zone() -> None:
    assert ny("2025-03-07T11:00:00") == datetime(2025, 3, 7, 16, 0, tzinfo=UTC)
    assert parse_moment("2025-03-07T11:00:00", BERLIN) == datetime(2025, 3, 7, 10, 0, tzinfo=UTC)
    assert ny("2025-07-07 11:00").utcoffset() == timedelta(hours=-4)


def test_timestamp_with_offset_keeps_its_instant() -> None:
    moment = parse_moment("2025-03-07T11:00:00+01:00", NEW_YORK)
    assert moment == datetime(2025, 3, 7, 10, 0, tzinfo=UTC)
    assert moment.isoformat() == "2025-03-07T05:00:00-05:00"
    assert parse_moment("2025-03-07T10:00:00Z", NEW_YORK) == moment


def test_date_only_is_the_start_of_that_local_day() -> None:
    assert ny("2025-03-07") == datetime(2025, 3, 7, 5, 0, tzinfo=UTC)


def test_local_times_skipped_or_repeated_by_dst() -> None:
    assert ny("2025-03-09T02:30").isoformat() == "2025-03-09T03:00:00-04:00"
    assert ny("2025-11-02T01:30").isoformat() == "2025-11-02T01:30:00-04:00"


@pytest.mark.parametrize("text", ["", "tomorrow", "2025-13-01", "2025-03-07T25:00", "07/03/2025"])
def test_bad_timestamp_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO 8601 date-time"):
        parse_moment(text, NEW_YORK)


def test_non_string_timestamp_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="expected an ISO 8601 date-time string, got datetime"):
        parse_moment(datetime(2025, 3, 7), NEW_YORK)  # type: ignore[arg-type]


def test_start_of_day_when_midnight_does_not_exist() -> None:
    santiago = ZoneInfo("America/Santiago")  # clocks jumped from 00:00 to 01:00 on 2023-09-03
    assert start_of_day(date(2023, 9, 3), santiago).isoformat() == "2023-09-03T01:00:00-03:00"
    assert start_of_day(date(2023, 9, 4), santiago).isoformat() == "2023-09-04T00:00:00-03:00"


def test_start_of_day_when_midnight_repeats_is_the_first_midnight() -> None:
    havana = ZoneInfo("America/Havana")  # clocks went from 01:00 back to 00:00 on 2023-11-05
    first = start_of_day(date(2023, 11, 5), havana)
    assert first.isoformat() == "2023-11-05T00:00:00-04:00"


def test_at_local_is_dst_safe() -> None:
    assert at_local(date(2025, 3, 9), 10, NEW_YORK).isoformat() == "2025-03-09T10:00:00-04:00"
    assert at_local(date(2025, 3, 8), 10, NEW_YORK).isoformat() == "2025-03-08T10:00:00-05:00"


def test_days_between_uses_local_dates() -> None:
    late = ny("2025-03-07T23:30")
    early = ny("2025-03-08T00:30")
    assert days_between(late, early, NEW_YORK) == 1
    assert days_between(late, early, UTC) == 0
    assert local_date(late, UTC) == date(2025, 3, 8)


# --- spec validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"unit": "weeks"}, "unknown window unit 'weeks'"),
        ({"unit": "days", "opens": 0.5}, "whole number of days"),
        ({"opens": 2, "target": 1}, r"target \(1\) is before it opens"),
        ({"target": 3, "closes": 2}, r"closes \(2\) before its target"),
        ({"opens": 3, "closes": 2}, r"closes \(2\) before its target \(3\)"),
        ({"opens": float("nan")}, "finite number"),
        ({"closes": True}, "finite number"),
    ],
)
def test_invalid_spec_is_rejected(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "anchor": "interview_end", "unit": "hours", "opens": 0, "target": None, "closes": 24,
    }
    values.update(fields)
    with pytest.raises(ValueError, match=message):
        WindowSpec(**values)  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------------

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
calendars = st.sampled_from(CALENDARS)
zones = st.sampled_from(ZONES)
moments = st.datetimes(
    min_value=datetime(2005, 1, 1), max_value=datetime(2035, 12, 31), timezones=zones, allow_imaginary=False
)


@settings(max_examples=300, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=60), calendar=calendars)
def test_property_add_business_days_inverts_business_days_between(
    start: date, n: int, calendar: BusinessCalendar
) -> None:
    result, notes = calendar.add_business_days(start, n)
    assert calendar.is_business_day(result)
    assert calendar.business_days_between(start, result) == n
    assert len(notes) == (result - start).days - n


@settings(max_examples=300, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=60), calendar=calendars)
def test_property_negative_business_days_count_back(start: date, n: int, calendar: BusinessCalendar) -> None:
    result, _ = calendar.add_business_days(start, -n)
    assert calendar.is_business_day(result)
    # Exactly n business days lie in [result, start).
    day = timedelta(days=1)
    assert calendar.business_days_between(result - day, start - day) == n


@st.composite
def specs(draw: st.DrawFn, units: tuple[str, ...] = ("hours", "days", "business_days")) -> WindowSpec:
    unit = draw(st.sampled_from(units))
    if unit == "hours":
        offsets = st.floats(min_value=-72, max_value=400, allow_nan=False, allow_infinity=False)
    else:
        offsets = st.integers(min_value=-10 if unit == "days" else 0, max_value=30)
    first, second, third = sorted(draw(st.lists(offsets, min_size=3, max_size=3)))
    target = draw(st.sampled_from((None, second)))
    closes = draw(st.sampled_from((None, third)))
    return WindowSpec(anchor="interview_end", unit=unit, opens=first, target=target, closes=closes)


@settings(max_examples=400, deadline=None)
@given(spec=specs(), anchor=moments, anchor_is_date=st.booleans(), tz=zones, calendar=calendars)
def test_property_window_is_ordered(
    spec: WindowSpec, anchor: datetime, anchor_is_date: bool, tz: tzinfo, calendar: BusinessCalendar
) -> None:
    window = place_window(spec, anchor, anchor_is_date, tz, calendar)
    opens, target = window.opens.astimezone(UTC), window.target.astimezone(UTC)
    assert opens <= target
    if window.closes is not None:
        assert target <= window.closes.astimezone(UTC)
    assert window.opens.tzinfo is tz and window.target.tzinfo is tz
    assert window.steps[0].startswith("anchor interview_end = ")
    if spec.unit != "hours":
        assert opens == start_of_day(local_date(window.opens, tz), tz).astimezone(UTC)
        if window.closes is not None:
            closes = window.closes.astimezone(UTC)
            assert closes == start_of_day(local_date(window.closes, tz), tz).astimezone(UTC)
            if opens < closes:
                assert window.state(window.opens) == "open"
    if window.closes is not None and not window_order(spec.unit, spec.opens, spec.target, spec.closes):
        assert opens < window.closes.astimezone(UTC), "a window the validator accepts holds a moment"


@settings(max_examples=300, deadline=None)
@given(spec=specs(units=("hours",)), anchor=moments, tz=zones)
def test_property_hour_windows_span_real_hours(spec: WindowSpec, anchor: datetime, tz: tzinfo) -> None:
    window = place_window(spec, anchor, False, tz, NO_HOLIDAYS)
    if spec.closes is not None:
        assert window.closes is not None
        assert hours_between(window.opens, window.closes) == pytest.approx(spec.closes - spec.opens, abs=1e-6)
    assert hours_between(anchor, window.opens) == pytest.approx(spec.opens, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(a=moments, b=moments, tz=zones)
def test_property_days_between_is_antisymmetric(a: datetime, b: datetime, tz: tzinfo) -> None:
    assert days_between(a, b, tz) == -days_between(b, a, tz)
    assert days_between(a, a, tz) == 0


@settings(max_examples=300, deadline=None)
@given(moment=moments, tz=zones)
def test_property_parse_moment_round_trips(moment: datetime, tz: tzinfo) -> None:
    parsed = parse_moment(moment.isoformat(), tz)
    # Compared in UTC: Python never finds a repeated wall-clock time equal to a time in another zone.
    assert parsed.astimezone(UTC) == moment.astimezone(UTC)
    wall_clock = parsed.replace(tzinfo=None)
    # A repeated wall-clock time reads as its first occurrence, so compare wall clocks.
    assert parse_moment(wall_clock.isoformat(), tz).replace(tzinfo=None) == wall_clock


@settings(max_examples=300, deadline=None)
@given(day=dates, tz=zones)
def test_property_start_of_day_is_first_instant_of_the_day(day: date, tz: tzinfo) -> None:
    start = start_of_day(day, tz)
    before = (start.astimezone(UTC) - timedelta(microseconds=1)).astimezone(tz)
    assert before.date() < day
    assert start.date() >= day


def test_dst_scan_finds_every_change_of_a_year() -> None:
    changes = windows._offset_changes(ny("2025-01-01T00:00"), ny("2026-01-01T00:00"), NEW_YORK)
    assert [change.isoformat() for change in changes] == [
        "2025-03-09T03:00:00-04:00",
        "2025-11-02T01:00:00-05:00",
    ]
