"""What interview events are worth and where they count (pure: no I/O)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from gateway.calendar import local_day

COMPLETED_WORTH_E4 = 10_000
# (day, opening_id, status) -> [firsts, credits_e4, events]
Contribution = dict[tuple[date, str, str], list[int]]


def worth_e4(status: str, fraction_e2: int | None) -> int:
    """What one event is worth in credits (ten-thousandths)."""
    if status == "COMPLETED":
        return COMPLETED_WORTH_E4
    if status == "PARTIALLY_COMPLETED":
        return (fraction_e2 or 0) * 100
    return 0


def fraction_e2(value: Decimal | None) -> int | None:
    """A completed fraction in hundredths, rounded half-up."""
    if value is None:
        return None
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def is_simulation(events: Sequence[Any]) -> bool:
    return any(event.status == "SIMULATION" for event in events)


def charges(events: Sequence[Any]) -> dict[str, int]:
    """Charge of each event of one interview, given in ``(occurred_at, event_id)`` order.

    The interview's charge is the running maximum of the events' worths; an event that raises
    it charges the increase. An interview with a simulation event is free.
    """
    if is_simulation(events):
        return {event.event_id: 0 for event in events}
    out: dict[str, int] = {}
    high = 0
    for event in events:
        worth = worth_e4(event.status, event.completed_fraction_e2)
        out[event.event_id] = max(0, worth - high)
        high = max(high, worth)
    return out


def contribution(events: Sequence[Any], zone: ZoneInfo) -> Contribution:
    """What one interview adds to the daily rollup.

    Each status counts once, on the day of the interview's first event of that status; a
    simulated interview counts only under SIMULATION.
    """
    simulated = is_simulation(events)
    charged = charges(events)
    out: Contribution = defaultdict(lambda: [0, 0, 0])
    seen: set[str] = set()
    for event in events:
        acc = out[(local_day(event.occurred_at, zone), event.opening_id, event.status)]
        acc[1] += charged[event.event_id]
        acc[2] += 1
        if event.status not in seen:
            seen.add(event.status)
            if not simulated or event.status == "SIMULATION":
                acc[0] += 1
    return out


def difference(after: Contribution, before: Contribution) -> Contribution:
    """``after - before`` per key, leaving out keys that did not change."""
    out: Contribution = {}
    for key in after.keys() | before.keys():
        a, b = after.get(key, [0, 0, 0]), before.get(key, [0, 0, 0])
        delta = [x - y for x, y in zip(a, b, strict=True)]
        if any(delta):
            out[key] = delta
    return out
