"""The one source of "now", injectable so tests can fix it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock stopped at ``moment`` (aware)."""
    if moment.tzinfo is None:
        raise ValueError("the moment must be time-zone aware")

    def clock() -> datetime:
        return moment

    return clock
