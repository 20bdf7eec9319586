"""Reporting periods: presets and custom ranges, half-open, in the organization's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from gateway.core.calendar import add_months, billing_period_start, local_midnight, month_start
from gateway.core.errors import InvalidInput, Problem

MAX_RANGE_DAYS = 400


class PeriodPreset(StrEnum):
    THIS_MONTH = "THIS_MONTH"
    LAST_MONTH = "LAST_MONTH"
    CURRENT_BILLING_PERIOD = "CURRENT_BILLING_PERIOD"
    PREVIOUS_BILLING_PERIOD = "PREVIOUS_BILLING_PERIOD"

    @property
    def follows_billing(self) -> bool:
        return self in (PeriodPreset.CURRENT_BILLING_PERIOD, PeriodPreset.PREVIOUS_BILLING_PERIOD)


class PeriodError(InvalidInput):
    """The period asked for is not valid; the message says why, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__([Problem(field, message)], f"{field}: {message}", batch=False)
        self.field = field
        self.reason = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Period:
    """Local days ``[first_day, end_day)`` and the instants ``[start, end)`` they span."""

    preset: PeriodPreset | None
    first_day: date
    end_day: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.end_day, self.zone)

    @property
    def last_day(self) -> date:
        return self.end_day - timedelta(days=1)

    def days(self) -> list[date]:
        return [
            self.first_day + timedelta(days=n) for n in range((self.end_day - self.first_day).days)
        ]


def preset_period(preset: PeriodPreset, *, today: date, zone: ZoneInfo, anchor_day: int) -> Period:
    if preset is PeriodPreset.THIS_MONTH:
        first = month_start(today)
        return Period(preset, first, add_months(first, 1), zone)
    if preset is PeriodPreset.LAST_MONTH:
        first = add_months(month_start(today), -1)
        return Period(preset, first, month_start(today), zone)
    current = billing_period_start(today, anchor_day)
    if preset is PeriodPreset.CURRENT_BILLING_PERIOD:
        return Period(preset, current, add_months(current, 1), zone)
    if preset is PeriodPreset.PREVIOUS_BILLING_PERIOD:
        return Period(preset, add_months(current, -1), current, zone)
    raise PeriodError("preset", f"unknown preset {preset!r}")


def custom_period(first: date, last: date, *, zone: ZoneInfo) -> Period:
    if last < first:
        raise PeriodError("to", "must not be before from")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise PeriodError("to", f"the range may span at most {MAX_RANGE_DAYS} days")
    return Period(None, first, last + timedelta(days=1), zone)


def resolve_period(
    *,
    preset: PeriodPreset | None,
    first: date | None,
    last: date | None,
    today: date,
    zone: ZoneInfo,
    anchor_day: int,
) -> Period:
    """Exactly one of a preset or a from/to pair."""
    has_dates = first is not None or last is not None
    if preset is not None and has_dates:
        raise PeriodError("period", "give either a preset or from/to dates, not both")
    if preset is not None:
        return preset_period(preset, today=today, zone=zone, anchor_day=anchor_day)
    if first is None or last is None:
        if not has_dates:
            raise PeriodError("period", "give a preset or from/to dates")
        raise PeriodError("from" if first is None else "to", "from and to go together")
    return custom_period(first, last, zone=zone)


def month_and_day_spans(first: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """Split local days ``[first, end)`` into whole months and leftover day ranges.

    Whole months are read from the monthly rollups, the edges from the daily ones, so a year
    costs twelve monthly rows per key instead of 365 daily ones.
    """
    months: list[date] = []
    days: list[tuple[date, date]] = []
    cursor = first
    while cursor < end:
        next_month = add_months(month_start(cursor), 1)
        if cursor.day == 1 and next_month <= end:
            months.append(cursor)
            cursor = next_month
            continue
        stop = min(next_month, end)
        days.append((cursor, stop))
        cursor = stop
    return months, days
