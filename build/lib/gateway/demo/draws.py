"""Random draws and calendar helpers of the demo's generators."""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.core.calendar import add_months, month_start
from gateway.demo.specs import HISTORY_MONTHS, HOUR_CUM, HOURS, SEASON, WEEKDAY


def plain_ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean < 30:
        # Knuth's method, exact for small means.
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def day_factor(day: date, first: date, last: date) -> float:
    """Weekday, season, year-end holidays and steady growth over the year."""
    factor = WEEKDAY[day.weekday()] * SEASON[day.month]
    if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1):
        factor *= 0.25
    span = max(1, (last - first).days)
    return factor * (0.75 + 0.5 * (day - first).days / span)


def local_time(rng: random.Random, day: date, zone: ZoneInfo) -> datetime:
    hour = rng.choices(HOURS, cum_weights=HOUR_CUM)[0]
    local = datetime.combine(
        day, time(hour, rng.randrange(60), rng.randrange(60), rng.randrange(0, 1_000_000, 1_000))
    )
    return local.replace(tzinfo=zone).astimezone(UTC)


def credits_text(value_e4: int) -> str:
    return f"{value_e4 // 10_000}.{value_e4 % 10_000:04d}"


def history_start(today: date) -> date:
    return add_months(month_start(today), 1 - HISTORY_MONTHS)
