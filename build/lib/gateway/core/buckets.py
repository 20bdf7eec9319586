"""Time buckets of a period and percent changes: the time logic both pages share."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from gateway.core.calendar import add_months, month_start
from gateway.core.periods import Period


class Granularity(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


def bucket_start(day: date, granularity: Granularity) -> date:
    """Weeks start on Monday, months on the 1st."""
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity is Granularity.MONTH:
        return month_start(day)
    return day


def bucket_starts(period: Period, granularity: Granularity) -> list[date]:
    """Every bucket of the period, empty ones included."""
    starts: list[date] = []
    cursor = bucket_start(period.first_day, granularity)
    while cursor < period.end_day:
        starts.append(cursor)
        if granularity is Granularity.WEEK:
            cursor += timedelta(days=7)
        elif granularity is Granularity.MONTH:
            cursor = add_months(cursor, 1)
        else:
            cursor += timedelta(days=1)
    return starts


def percent_change(current: int, previous: int) -> int | None:
    """Signed whole percent, halves away from zero; None when ``previous`` is 0."""
    if previous == 0:
        return None
    change = Decimal(current - previous) * 100 / Decimal(previous)
    return int(change.quantize(Decimal(1), rounding=ROUND_HALF_UP))
