"""Months, billing periods and years in local days."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.calendar import (
    add_months,
    billing_period_start,
    local_day,
    local_midnight,
    month_start,
    shift_year,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap February has 29 days
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 5, 31), 1, date(2025, 6, 30)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 1, 10), 24, date(2027, 1, 10)),
        (date(2025, 12, 31), 0, date(2025, 12, 31)),
        (date(2025, 12, 31), -12, date(2024, 12, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@settings(max_examples=100, deadline=None)
@given(
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
    months=st.integers(min_value=-240, max_value=240),
)
def test_add_months_matches_monthrange(day: date, months: int) -> None:
    total = day.year * 12 + (day.month - 1) + months
    year, month = total // 12, total % 12 + 1
    last = calendar.monthrange(year, month)[1]
    assert add_months(day, months) == date(year, month, min(day.day, last))


@pytest.mark.parametrize(
    ("day", "anchor", "expected"),
    [
        (date(2025, 1, 20), 1, date(2025, 1, 1)),
        (date(2025, 1, 14), 15, date(2024, 12, 15)),
        (date(2025, 1, 15), 15, date(2025, 1, 15)),
        (date(2025, 1, 31), 15, date(2025, 1, 15)),
        (date(2025, 3, 1), 28, date(2025, 2, 28)),
        (date(2025, 3, 27), 28, date(2025, 2, 28)),
        (date(2025, 3, 28), 28, date(2025, 3, 28)),
    ],
)
def test_billing_period_start(day: date, anchor: int, expected: date) -> None:
    assert billing_period_start(day, anchor) == expected


@settings(max_examples=100, deadline=None)
@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2050, 12, 31)),
    anchor=st.integers(min_value=1, max_value=28),
)
def test_billing_period_contains_the_day(day: date, anchor: int) -> None:
    start = billing_period_start(day, anchor)
    assert start.day == anchor
    assert start <= day < add_months(start, 1)


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), -1, date(2023, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2024, 2, 28), 1, date(2025, 2, 28)),
        (date(2025, 3, 1), -1, date(2024, 3, 1)),
        (date(2025, 12, 31), -1, date(2024, 12, 31)),
    ],
)
def test_shift_year(day: date, years: int, expected: date) -> None:
    assert shift_year(day, years) == expected


def test_month_start() -> None:
    assert month_start(date(2025, 7, 31)) == date(2025, 7, 1)


def test_local_day_in_paris_is_ahead_of_utc_near_midnight() -> None:
    # 23:30 UTC on 31 January is 00:30 on 1 February in Paris (+01:00).
    assert local_day(datetime(2025, 1, 31, 23, 30, tzinfo=UTC), PARIS) == date(2025, 2, 1)
    assert local_day(datetime(2025, 1, 31, 22, 59, tzinfo=UTC), PARIS) == date(2025, 1, 31)


def test_local_midnight_on_a_dst_day() -> None:
    # 30 March 2025 starts at 00:00 CET (+01:00) = 29 March 23:00 UTC, and lasts 23 hours.
    start = local_midnight(date(2025, 3, 30), PARIS)
    end = local_midnight(date(2025, 3, 31), PARIS)
    assert start == datetime(2025, 3, 29, 23, 0, tzinfo=UTC)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
