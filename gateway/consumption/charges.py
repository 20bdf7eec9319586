"""What interview events are worth and where they count (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from gateway.consumption.enums import DONE_STATUSES, InterviewStatus
from gateway.consumption.records import InterviewEventRecord
from gateway.core.calendar import local_day

COMPLETED_WORTH_E4 = 10_000
# The previous done day of an interview's first one: before every day.
NO_DAY = date(1, 1, 1)


class Counts:
    """What a bucket ``(day, opening, status)`` of the interview rollups sums."""

    __slots__ = ("credits_e4", "events", "firsts")

    def __init__(self, firsts: int = 0, credits_e4: int = 0, events: int = 0) -> None:
        self.firsts = firsts
        self.credits_e4 = credits_e4
        self.events = events

    def __iadd__(self, other: Counts) -> Counts:
        self.firsts += other.firsts
        self.credits_e4 += other.credits_e4
        self.events += other.events
        return self

    def __sub__(self, other: Counts) -> Counts:
        return Counts(
            self.firsts - other.firsts,
            self.credits_e4 - other.credits_e4,
            self.events - other.events,
        )

    def __bool__(self) -> bool:
        return bool(self.firsts or self.credits_e4 or self.events)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Counts) and self.as_tuple() == other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    def __repr__(self) -> str:
        return f"Counts{self.as_tuple()}"

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.firsts, self.credits_e4, self.events)


# (local day, opening_id, status) -> what the bucket sums
Contribution = dict[tuple[date, str, str], Counts]


def worth_e4(status: InterviewStatus, fraction_e2: int | None) -> int:
    """What one event is worth in credits (ten-thousandths)."""
    if status is InterviewStatus.COMPLETED:
        return COMPLETED_WORTH_E4
    if status is InterviewStatus.PARTIALLY_COMPLETED:
        return (fraction_e2 or 0) * 100
    return 0


def fraction_e2(value: Decimal | None) -> int | None:
    """A completed fraction in hundredths, rounded half-up."""
    if value is None:
        return None
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def is_simulation(events: Sequence[InterviewEventRecord]) -> bool:
    return any(event.status is InterviewStatus.SIMULATION for event in events)


def charges(events: Sequence[InterviewEventRecord]) -> dict[str, int]:
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


def contribution(events: Sequence[InterviewEventRecord], zone: ZoneInfo) -> Contribution:
    """What one interview adds to the daily rollup.

    Each status counts once, on the day of the interview's first event of that status; a
    simulated interview counts only under SIMULATION.
    """
    simulated = is_simulation(events)
    charged = charges(events)
    out: Contribution = {}
    seen: set[InterviewStatus] = set()
    for event in events:
        key = (local_day(event.occurred_at, zone), event.opening_id, event.status.value)
        counts = out.get(key)
        if counts is None:
            counts = out[key] = Counts()
        counts.credits_e4 += charged[event.event_id]
        counts.events += 1
        if event.status not in seen:
            seen.add(event.status)
            if not simulated or event.status is InterviewStatus.SIMULATION:
                counts.firsts += 1
    return out


# (local day, previous local day the interview was done) -> interviews
DoneDays = dict[tuple[date, date], int]


def done_days(events: Sequence[InterviewEventRecord], zone: ZoneInfo) -> DoneDays:
    """What one interview adds to the done-days rollup: each local day with a COMPLETED or
    PARTIALLY_COMPLETED event, keyed with the previous such day (``NO_DAY`` for the first);
    nothing for a simulated interview (it never counts in ``totalInterviews``)."""
    if is_simulation(events):
        return {}
    days = sorted({local_day(e.occurred_at, zone) for e in events if e.status in DONE_STATUSES})
    return {(day, before): 1 for day, before in zip(days, [NO_DAY, *days], strict=False)}


def add_done_days(total: DoneDays, part: Mapping[tuple[date, date], int], sign: int = 1) -> None:
    """Add ``sign`` x ``part`` into ``total`` in place."""
    for key, n in part.items():
        total[key] = total.get(key, 0) + sign * n


def difference(after: Mapping[tuple[date, str, str], Counts], before: Contribution) -> Contribution:
    """``after - before`` per key, leaving out keys that did not change."""
    out: Contribution = {}
    for key in after.keys() | before.keys():
        delta = after.get(key, Counts()) - before.get(key, Counts())
        if delta:
            out[key] = delta
    return out


def add_into(total: Contribution, part: Mapping[tuple[date, str, str], Counts]) -> None:
    """Add ``part`` into ``total`` in place."""
    for key, counts in part.items():
        acc = total.get(key)
        if acc is None:
            acc = total[key] = Counts()
        acc += counts
