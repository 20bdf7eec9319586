"""The one source of "now", injectable so tests can fix it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

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


def shifted_clock(offset_seconds: float) -> Clock:
    """The system clock moved by ``offset_seconds``: it runs at the real pace from another instant.

    Every process given the same offset agrees on "now" (a server, its workers, the demo loader
    and the token command), which a clock started per process would not.
    """
    if not offset_seconds:
        return system_clock
    offset = timedelta(seconds=offset_seconds)

    def clock() -> datetime:
        return datetime.now(UTC) + offset

    return clock
