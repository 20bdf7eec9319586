"""The rules behind the Usage page's numbers (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from gateway.calendar import add_months, month_start
from gateway.periods import Period
from gateway.queries.usage import Totals

REASON_LABELS = {"CHAT": "Chat", "GENERATE_FIELD": "Generate field", "SUMMARIZE_CV": "Summarize CV"}
UNKNOWN_USER = "Unknown user"

T = TypeVar("T")


def ordered(
    rows: Iterable[T],
    *,
    by_credits: bool,
    totals: Callable[[T], Totals],
    label: Callable[[T], str],
) -> list[T]:
    """Credits (or estimated cost when the period has no credits) desc, calls desc, label."""

    def key(row: T) -> tuple[int, int, str]:
        sums = totals(row)
        metric = sums.credits_e4 if by_credits else sums.cost_micros
        return (-metric, -sums.calls, label(row))

    return sorted(rows, key=key)


def relative(values: Sequence[int]) -> list[float]:
    """Each value over the first (the largest); 0 when that is 0."""
    top = values[0] if values else 0
    return [value / top if top else 0.0 for value in values]


@dataclass(frozen=True)
class UserRow:
    member: Any | None  # the member row; None for the merged removed members
    display_name: str
    totals: Totals


def user_rows(rows: Iterable[tuple[Totals, Any | None]]) -> list[UserRow]:
    """One row per current member, and one "Unknown user" row for every removed one."""
    out: list[UserRow] = []
    unknown = [0, 0, 0, 0]
    for totals, member in rows:
        if member is not None and not member.removed:
            out.append(UserRow(member, member.name, totals))
            continue
        unknown[0] += totals.calls
        unknown[1] += totals.credits_e4
        unknown[2] += totals.cost_micros
        unknown[3] += totals.tokens
    if unknown[0]:
        out.append(UserRow(None, UNKNOWN_USER, Totals((None,), *unknown)))
    out.sort(key=lambda row: (-row.totals.credits_e4, -row.totals.calls, row.display_name))
    return out


@dataclass(frozen=True)
class TrendFigures:
    direction: str
    percent: int | None
    label: str


def percent_change(current: int, previous: int) -> int | None:
    """Signed whole percent, halves away from zero; None when ``previous`` is 0."""
    if previous == 0:
        return None
    change = Decimal(current - previous) * 100 / Decimal(previous)
    return int(change.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def trend(current: int, previous: int, *, against: str) -> TrendFigures:
    percent = percent_change(current, previous)
    if percent is None:
        if current == 0:
            return TrendFigures("FLAT", None, f"flat vs {against}")
        return TrendFigures("UP", None, f"new vs {against}")
    if percent == 0:
        return TrendFigures("FLAT", 0, f"flat vs {against}")
    direction = "UP" if percent > 0 else "DOWN"
    return TrendFigures(direction, percent, f"{percent:+d}% vs {against}")


@dataclass(frozen=True)
class Bucket:
    start: date
    calls: int = 0
    credits_e4: int = 0
    cost_micros: int = 0


def bucket_start(day: date, granularity: str) -> date:
    if granularity == "WEEK":
        return day - timedelta(days=day.weekday())
    if granularity == "MONTH":
        return month_start(day)
    return day


def bucket_starts(period: Period, granularity: str) -> list[date]:
    """Every bucket of the period, empty ones included."""
    starts: list[date] = []
    cursor = bucket_start(period.first_day, granularity)
    while cursor < period.end_day:
        starts.append(cursor)
        if granularity == "WEEK":
            cursor += timedelta(days=7)
        elif granularity == "MONTH":
            cursor = add_months(cursor, 1)
        else:
            cursor += timedelta(days=1)
    return starts


def buckets(period: Period, granularity: str, days: Iterable[Totals]) -> list[Bucket]:
    """Day totals summed into the period's buckets (only days inside the period count)."""
    sums: dict[date, list[int]] = {start: [0, 0, 0] for start in bucket_starts(period, granularity)}
    for totals in days:
        day: date = totals.key[0]
        if not period.first_day <= day < period.end_day:
            continue
        acc = sums[bucket_start(day, granularity)]
        acc[0] += totals.calls
        acc[1] += totals.credits_e4
        acc[2] += totals.cost_micros
    return [Bucket(start, *acc) for start, acc in sums.items()]
