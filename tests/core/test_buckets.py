"""Buckets of a period (days, Monday weeks, months) and rounded percent changes."""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.buckets import Granularity, bucket_start, bucket_starts, percent_change
from gateway.core.periods import Period

UTC_ZONE = ZoneInfo("UTC")


def _period(first: date, last: date) -> Period:
    return Period(None, first, last + timedelta(days=1), UTC_ZONE)


# 2025-01-01 is a Wednesday, so 2025-03-01 (31 + 28 days later, 59 = 8 x 7 + 3) is a Saturday
# and 2025-03-03 is a Monday.
@pytest.mark.parametrize(
    ("day", "granularity", "start"),
    [
        (date(2025, 3, 3), Granularity.WEEK, date(2025, 3, 3)),  # Monday: itself
        (date(2025, 3, 9), Granularity.WEEK, date(2025, 3, 3)),  # Sunday: the Monday before
        (date(2025, 3, 10), Granularity.WEEK, date(2025, 3, 10)),
        (date(2025, 1, 1), Granularity.WEEK, date(2024, 12, 30)),  # across the year
        (date(2025, 3, 9), Granularity.MONTH, date(2025, 3, 1)),
        (date(2024, 2, 29), Granularity.MONTH, date(2024, 2, 1)),
        (date(2025, 3, 9), Granularity.DAY, date(2025, 3, 9)),
    ],
)
def test_bucket_start(day: date, granularity: Granularity, start: date) -> None:
    assert bucket_start(day, granularity) == start


def test_week_buckets_include_the_monday_before_the_first_day() -> None:
    # Wednesday 5 March .. Thursday 20 March: weeks of 3, 10 and 17 March.
    starts = bucket_starts(_period(date(2025, 3, 5), date(2025, 3, 20)), Granularity.WEEK)
    assert starts == [date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17)]


def test_month_buckets_across_the_year() -> None:
    starts = bucket_starts(_period(date(2024, 11, 20), date(2025, 2, 2)), Granularity.MONTH)
    assert starts == [date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]


def test_day_buckets_are_every_day() -> None:
    starts = bucket_starts(_period(date(2024, 2, 27), date(2024, 3, 2)), Granularity.DAY)
    assert starts == [
        date(2024, 2, 27),
        date(2024, 2, 28),
        date(2024, 2, 29),
        date(2024, 3, 1),
        date(2024, 3, 2),
    ]


@settings(max_examples=100, deadline=None)
@given(
    first=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=1, max_value=400),
    granularity=st.sampled_from(list(Granularity)),
)
def test_every_day_falls_in_exactly_one_listed_bucket(
    first: date, length: int, granularity: Granularity
) -> None:
    period = Period(None, first, first + timedelta(days=length), UTC_ZONE)
    starts = bucket_starts(period, granularity)
    assert starts == sorted(set(starts))
    assert starts[0] <= first
    assert starts[-1] < period.end_day
    used = {bucket_start(day, granularity) for day in period.days()}
    # No bucket is missing and none is listed that holds no day of the period.
    assert used == set(starts)
    if granularity is Granularity.WEEK:
        assert all(s.weekday() == 0 for s in starts)
        assert all(b - a == timedelta(days=7) for a, b in pairwise(starts))
    if granularity is Granularity.MONTH:
        assert all(s.day == 1 for s in starts)
    if granularity is Granularity.DAY:
        assert len(starts) == length


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (112, 100, 12),  # +12 / 100
        (88, 100, -12),
        (100, 100, 0),
        (3, 2, 50),  # +1 / 2
        (1, 2, -50),
        (201, 200, 1),  # +0.5 % rounds away from zero to +1
        (199, 200, -1),  # -0.5 % rounds away from zero to -1
        (1001, 1000, 0),  # +0.1 % rounds to 0
        (1, 8, -88),  # -7/8 = -87.5 % -> -88
        (15, 8, 88),  # +7/8 = +87.5 % -> 88
        (1, 3, -67),  # -2/3 = -66.67 % -> -67
        (2, 3, -33),  # -1/3 = -33.33 % -> -33
        (0, 5, -100),
        (30, 10, 200),
    ],
)
def test_percent_change(current: int, previous: int, expected: int) -> None:
    assert percent_change(current, previous) == expected


@pytest.mark.parametrize("current", [0, 1, 1_000_000])
def test_percent_change_of_nothing_is_none(current: int) -> None:
    assert percent_change(current, 0) is None


@settings(max_examples=100, deadline=None)
@given(
    current=st.integers(min_value=0, max_value=10**12),
    previous=st.integers(min_value=1, max_value=10**12),
)
def test_percent_change_matches_exact_rounding(current: int, previous: int) -> None:
    exact = Fraction(current - previous) * 100 / previous
    magnitude = math.floor(abs(exact) + Fraction(1, 2))  # halves away from zero
    expected = magnitude if exact >= 0 else -magnitude
    assert percent_change(current, previous) == expected
