"""What every ingest batch shares: its problems, its clock check and its result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.core.errors import InvalidInput, Problem

# Events may be stamped slightly ahead of our clock; further ahead is a client bug.
MAX_CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int

    def as_json(self) -> dict[str, int]:
        return {"accepted": self.accepted, "duplicates": self.duplicates}


class BatchProblems:
    """Problems of a batch's events; any one of them refuses the whole batch."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, index: int, field: str, message: str) -> None:
        self.items.append(Problem(field, message, index))

    def check_time(self, index: int, occurred_at: datetime, now: datetime) -> None:
        if occurred_at > now + MAX_CLOCK_SKEW:
            self.add(index, "occurredAt", "is in the future")

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidInput(self.items, batch=True)
