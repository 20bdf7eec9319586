"""What every ingest batch shares: its problems, its clock check and its result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gateway.core.errors import Conflict, InvalidInput, Problem

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


def check_replays(
    rows: Sequence[Mapping[str, Any]],
    stored: Mapping[tuple[str, str], Mapping[str, Any]],
    *,
    fields: Mapping[str, str],
    index_of: Mapping[tuple[str, str], int],
) -> None:
    """An ``eventId`` already stored must come back with the same content.

    ``rows`` are the batch's rows that were not new, ``stored`` the recorded rows by
    ``(org_id, event_id)``, ``fields`` the compared columns and the input field each one names.
    An identical replay is a duplicate; a different one refuses the batch (:class:`Conflict`).
    """
    problems: list[Problem] = []
    for row in rows:
        key = (row["org_id"], row["event_id"])
        recorded = stored.get(key)
        if recorded is None:
            continue
        differing = [name for column, name in fields.items() if row[column] != recorded[column]]
        if differing:
            problems.append(
                Problem(
                    "eventId",
                    f"already recorded with other content ({', '.join(differing)} differ)",
                    index_of[key],
                )
            )
    if problems:
        problems.sort(key=lambda p: p.index or 0)
        raise Conflict("an eventId is already recorded with other content", problems, batch=True)
