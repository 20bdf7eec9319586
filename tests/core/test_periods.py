"""Reporting periods: presets in a zone, custom ranges, the 400-day limit, month/day spans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.errors import InvalidInput
from gateway.core.periods import (
    MAX_RANGE_DAYS,
    Period,
    PeriodError,
    PeriodPreset,
    custom_period,
    month_and_day_spans,
    preset_period,
    resolve_period,
)

PARIS = ZoneInfo("Europe/Paris")
UTC_ZONE = ZoneInfo("UTC")


# --- presets ---------------------------------------------------------------------------------


def test_this_month_in_paris_spans_local_midnights() -> None:
    period = preset_period(
        PeriodPreset.THIS_MONTH, today=date(2025, 3, 15), zone=PARIS, anchor_day=1
    )
    assert (period.first_day, period.end_day) == (date(2025, 3, 1), date(2025, 4, 1))
    assert period.last_day == date(2025, 3, 31)
    assert period.preset is PeriodPreset.THIS_MONTH
    # 1 March 00:00 in Paris is CET (+01:00): 28 February 23:00 UTC.
    assert period.start == datetime(2025, 2, 28, 23, 0, tzinfo=UTC)
    # 1 April 00:00 in Paris is CEST (+02:00, DST began 30 March): 31 March 22:00 UTC.
    assert period.end == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)
    # The DST month is one hour short: 31 days x 24 h - 1 h (subtracting in UTC, since Python
    # subtracts wall-clock times when both sides share a tzinfo).
    assert period.end.astimezone(UTC) - period.start.astimezone(UTC) == timedelta(hours=31 * 24 - 1)
    assert len(period.days()) == 31


def test_last_month_crosses_the_year() -> None:
    period = preset_period(
        PeriodPreset.LAST_MONTH, today=date(2025, 1, 10), zone=UTC_ZONE, anchor_day=1
    )
    assert (period.first_day, period.end_day) == (date(2024, 12, 1), date(2025, 1, 1))
    assert period.days()[0] == date(2024, 12, 1)
    assert period.days()[-1] == date(2024, 12, 31)


def test_last_month_of_march_is_february_in_a_leap_year() -> None:
    period = preset_period(
        PeriodPreset.LAST_MONTH, today=date(2024, 3, 31), zone=PARIS, anchor_day=1
    )
    assert (period.first_day, period.end_day) == (date(2024, 2, 1), date(2024, 3, 1))
    assert len(period.days()) == 29


@pytest.mark.parametrize(
    ("today", "current", "previous"),
    [
        # Anchor 15: on the 10th the period began on the 15th of the month before.
        (
            date(2025, 1, 10),
            (date(2024, 12, 15), date(2025, 1, 15)),
            (date(2024, 11, 15), date(2024, 12, 15)),
        ),
        # On the anchor day itself a new period starts.
        (
            date(2025, 1, 15),
            (date(2025, 1, 15), date(2025, 2, 15)),
            (date(2024, 12, 15), date(2025, 1, 15)),
        ),
        (
            date(2025, 1, 31),
            (date(2025, 1, 15), date(2025, 2, 15)),
            (date(2024, 12, 15), date(2025, 1, 15)),
        ),
    ],
)
def test_billing_period_presets_follow_the_anchor(
    today: date, current: tuple[date, date], previous: tuple[date, date]
) -> None:
    cur = preset_period(PeriodPreset.CURRENT_BILLING_PERIOD, today=today, zone=PARIS, anchor_day=15)
    prev = preset_period(
        PeriodPreset.PREVIOUS_BILLING_PERIOD, today=today, zone=PARIS, anchor_day=15
    )
    assert (cur.first_day, cur.end_day) == current
    assert (prev.first_day, prev.end_day) == previous
    assert PeriodPreset.CURRENT_BILLING_PERIOD.follows_billing
    assert not PeriodPreset.THIS_MONTH.follows_billing


# --- custom ranges ---------------------------------------------------------------------------


def test_custom_period_is_inclusive_of_to() -> None:
    period = custom_period(date(2025, 2, 27), date(2025, 3, 2), zone=UTC_ZONE)
    assert period.preset is None
    assert period.end_day == date(2025, 3, 3)
    assert period.days() == [
        date(2025, 2, 27),
        date(2025, 2, 28),
        date(2025, 3, 1),
        date(2025, 3, 2),
    ]


def test_custom_single_day() -> None:
    period = custom_period(date(2025, 5, 5), date(2025, 5, 5), zone=PARIS)
    assert period.days() == [date(2025, 5, 5)]
    # 5 May is CEST (+02:00): the day runs from 4 May 22:00 UTC for exactly 24 hours.
    assert period.start == datetime(2025, 5, 4, 22, 0, tzinfo=UTC)
    assert period.end.astimezone(UTC) - period.start.astimezone(UTC) == timedelta(hours=24)


def test_four_hundred_days_are_allowed_and_one_more_is_not() -> None:
    first = date(2024, 1, 1)
    # 2024 is a leap year: 2024-01-01 + 366 days = 2025-01-01; + 33 more = 2025-02-03.
    # So 2024-01-01 .. 2025-02-03 inclusive is 366 + 33 + 1 = 400 days.
    last_allowed = date(2025, 2, 3)
    assert MAX_RANGE_DAYS == 400
    assert len(custom_period(first, last_allowed, zone=UTC_ZONE).days()) == 400
    with pytest.raises(PeriodError) as caught:
        custom_period(first, date(2025, 2, 4), zone=UTC_ZONE)
    assert caught.value.field == "to"
    assert "400" in str(caught.value)
    assert str(caught.value).startswith("to: ")


def test_to_before_from_is_refused_naming_to() -> None:
    with pytest.raises(PeriodError) as caught:
        custom_period(date(2025, 3, 2), date(2025, 3, 1), zone=UTC_ZONE)
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.field == "to"
    assert [p.field for p in error.problems] == ["to"]
    assert error.batch is False


# --- resolve_period --------------------------------------------------------------------------


def _resolve(preset: PeriodPreset | None, first: date | None, last: date | None) -> Period:
    return resolve_period(
        preset=preset, first=first, last=last, today=date(2025, 6, 10), zone=PARIS, anchor_day=1
    )


@pytest.mark.parametrize(
    ("preset", "first", "last", "field"),
    [
        (PeriodPreset.THIS_MONTH, date(2025, 1, 1), None, "period"),
        (PeriodPreset.THIS_MONTH, None, date(2025, 1, 1), "period"),
        (None, None, None, "period"),
        # Only `from` given: `to` is what is missing.
        (None, date(2025, 1, 1), None, "to"),
        # Only `to` given: `from` is what is missing.
        (None, None, date(2025, 1, 1), "from"),
    ],
)
def test_resolve_period_errors_name_the_field(
    preset: PeriodPreset | None, first: date | None, last: date | None, field: str
) -> None:
    with pytest.raises(PeriodError) as caught:
        _resolve(preset, first, last)
    assert caught.value.field == field
    assert caught.value.problems[0].field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_resolve_period_with_preset_or_dates() -> None:
    by_preset = _resolve(PeriodPreset.LAST_MONTH, None, None)
    assert (by_preset.first_day, by_preset.end_day) == (date(2025, 5, 1), date(2025, 6, 1))
    by_dates = _resolve(None, date(2025, 1, 1), date(2025, 1, 31))
    assert (by_dates.first_day, by_dates.end_day) == (date(2025, 1, 1), date(2025, 2, 1))
    assert by_dates.preset is None


# --- month_and_day_spans ---------------------------------------------------------------------


def test_spans_with_ragged_edges() -> None:
    months, days = month_and_day_spans(date(2025, 1, 15), date(2025, 4, 10))
    # 15..31 January is a ragged head, February and March are whole, 1..9 April a ragged tail.
    assert months == [date(2025, 2, 1), date(2025, 3, 1)]
    assert days == [(date(2025, 1, 15), date(2025, 2, 1)), (date(2025, 4, 1), date(2025, 4, 10))]


@pytest.mark.parametrize(
    ("first", "end", "months", "days"),
    [
        (date(2025, 3, 1), date(2025, 4, 1), [date(2025, 3, 1)], []),
        # The last day of March missing: no whole month.
        (date(2025, 3, 1), date(2025, 3, 31), [], [(date(2025, 3, 1), date(2025, 3, 31))]),
        (date(2025, 3, 2), date(2025, 4, 1), [], [(date(2025, 3, 2), date(2025, 4, 1))]),
        (date(2025, 3, 5), date(2025, 3, 5), [], []),
        (
            date(2024, 12, 1),
            date(2025, 2, 1),
            [date(2024, 12, 1), date(2025, 1, 1)],
            [],
        ),
    ],
)
def test_spans_edge_cases(
    first: date, end: date, months: list[date], days: list[tuple[date, date]]
) -> None:
    assert month_and_day_spans(first, end) == (months, days)


def _month_end(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


@settings(max_examples=100, deadline=None)
@given(
    first=st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 12, 31)),
    length=st.integers(min_value=0, max_value=800),
)
def test_spans_cover_exactly_the_range_without_overlap(first: date, length: int) -> None:
    end = first + timedelta(days=length)
    months, days = month_and_day_spans(first, end)
    covered: list[date] = []
    for month in months:
        assert month.day == 1
        stop = _month_end(month)
        assert first <= month and stop <= end
        covered += [month + timedelta(days=n) for n in range((stop - month).days)]
    for lo, hi in days:
        assert lo < hi
        # A day span never crosses into another month.
        assert hi <= _month_end(lo.replace(day=1))
        covered += [lo + timedelta(days=n) for n in range((hi - lo).days)]
    assert len(covered) == length  # no day twice
    assert set(covered) == {first + timedelta(days=n) for n in range(length)}
    # Every whole calendar month inside the range is read as a month, never as days.
    for lo, hi in days:
        assert not (lo.day == 1 and hi == _month_end(lo))
