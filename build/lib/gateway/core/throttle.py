"""A leaky bucket of cost points, as arithmetic only (the limiters keep the state).

A credential's bucket holds at most ``capacity`` points and fills back at ``restore_rate``
points a second. A request that needs more than is available is refused and told how long to
wait; one that fits is charged, and may leave the bucket below zero when it asked for more than
the whole bucket (it then waits for the debt to be restored).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Throttle:
    """The bucket after a take or a refund."""

    allowed: bool
    capacity: int
    available: float
    restore_rate: float
    # Seconds until a refused take would fit (0 when allowed).
    retry_after: int = 0

    @property
    def remaining(self) -> int:
        return max(0, math.floor(self.available))

    @property
    def seconds_to_full(self) -> int:
        return max(0, math.ceil((self.capacity - self.available) / self.restore_rate))


def refill(available: float, elapsed: float, capacity: int, restore_rate: float) -> float:
    return min(float(capacity), available + max(0.0, elapsed) * restore_rate)


def spend(
    available: float, points: int, capacity: int, restore_rate: float
) -> tuple[bool, float, int]:
    """``(allowed, available after, retry after)`` for a take of ``points``; a negative take is
    a refund, never refused and never above ``capacity``."""
    if points < 0:
        return True, min(float(capacity), available - points), 0
    needed = min(points, capacity)
    if available >= needed:
        return True, available - points, 0
    return False, available, max(1, math.ceil((needed - available) / restore_rate))
