"""Rebuilding an organization's interview rollups from its events (after a time-zone change)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.consumption import writes
from gateway.consumption.charges import Contribution, add_into, contribution
from gateway.consumption.records import InterviewEventRecord
from gateway.core.calendar import local_day


async def rebuild_interview_rollups(conn: AsyncConnection, *, org_id: str, zone: ZoneInfo) -> None:
    """Recount an organization's interview rollups from its events, in ``zone``."""
    await writes.delete_interview_rollups(conn, org_id=org_id)
    current: list[InterviewEventRecord] = []
    totals: Contribution = {}
    candidates: set[tuple[date, str, str]] = set()
    async for event in writes.stream_interview_events(conn, org_id=org_id):
        if current and current[-1].interview_id != event.interview_id:
            add_into(totals, contribution(current, zone))
            current = []
        current.append(event)
        candidates.add((local_day(event.occurred_at, zone), event.opening_id, event.candidate_id))
    add_into(totals, contribution(current, zone))
    await writes.add_to_interview_rollups(conn, deltas={org_id: totals})
    await writes.add_day_candidates(
        conn,
        rows=[
            {"org_id": org_id, "day": day, "opening_id": opening, "candidate_id": candidate}
            for day, opening, candidate in candidates
        ],
    )
