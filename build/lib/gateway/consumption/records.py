"""Openings, interview events, purchases and rollup sums as the queries return them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from gateway.consumption.enums import InterviewStatus
from gateway.core.enum_values import member_of


@dataclass(frozen=True, slots=True)
class OpeningRecord:
    org_id: str
    id: str
    job_title: str


@dataclass(frozen=True, slots=True)
class InterviewEventRecord:
    """One status event; ``charge_e4`` is what it added to its interview's running maximum."""

    org_id: str
    event_id: str
    opening_id: str
    interview_id: str
    candidate_id: str
    occurred_at: datetime
    status: InterviewStatus
    completed_fraction_e2: int | None
    charge_e4: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", member_of(InterviewStatus, self.status))


@dataclass(frozen=True, slots=True)
class PurchaseRecord:
    purchase_id: str
    credits_e4: int
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class StatusTotals:
    """Sums of one interview rollup key over a period.

    ``firsts`` counts interviews whose first event of the status falls in the span,
    ``credits_e4`` the charges of the status's events, ``events`` the events.
    """

    key: tuple[Any, ...]
    firsts: int = 0
    credits_e4: int = 0
    events: int = 0

    def __add__(self, other: StatusTotals) -> StatusTotals:
        return StatusTotals(
            self.key,
            self.firsts + other.firsts,
            self.credits_e4 + other.credits_e4,
            self.events + other.events,
        )


@dataclass(frozen=True, slots=True)
class DayOpeningStatus:
    """One stored daily rollup row, for the export."""

    day: date
    opening_id: str
    status: InterviewStatus
    firsts: int
    credits_e4: int


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """One stored row of the per-billing-period rollup."""

    period_start: date
    period_end: date
    used_e4: int
    purchased_e4: int


@dataclass(frozen=True, slots=True)
class LedgerInput:
    """One row of what the balance chain reads: a settled period (``period_start``), a day's
    credits used (``day``) or a purchase (``occurred_at``)."""

    period_start: date | None
    day: date | None
    used_e4: int
    purchased_e4: int
    occurred_at: datetime | None
