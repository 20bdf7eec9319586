"""When a failed delivery is tried again (pure: no I/O).

The Standard Webhooks schedule: after the first attempt fails, again after 5 seconds,
5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours and 10 hours, each delay moved by up to
10 % either way (jitter, so that deliveries failed together do not come back together); eight
attempts over about 27.5 hours, then the delivery is failed. A ``Retry-After`` of a 429 or 503
answer is honoured when it asks for longer (up to a day).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(DELAYS) + 1
JITTER = 0.1
LONGEST_RETRY_AFTER = timedelta(days=1)


def next_attempt(
    attempts: int,
    now: datetime,
    *,
    retry_after: timedelta | None = None,
    uniform: Callable[[float, float], float] = random.uniform,
) -> datetime | None:
    """When to try again after ``attempts`` failed attempts; None when they are spent."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = DELAYS[attempts - 1] * uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None:
        delay = max(delay, min(retry_after, LONGEST_RETRY_AFTER))
    return now + delay


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` in seconds or as an HTTP date; None when absent or not understood."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return max(timedelta(0), at - now)
