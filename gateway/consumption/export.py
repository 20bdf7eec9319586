"""The consumption export: one row per local day and opening that had interview events."""

from __future__ import annotations

from datetime import date, timedelta

from gateway.consumption import queries as consumption_queries
from gateway.consumption.enums import InterviewStatus
from gateway.core.exports import PAGE_SIZE, Rows
from gateway.core.money import credits_from_int
from gateway.core.periods import Period
from gateway.storage.db import Database

COLUMNS = (
    "Date",
    "Job title",
    "Candidate count",
    "Credits used",
    "Invited",
    "Started",
    "Partially completed",
    "Completed",
    "Simulation",
)
_STATUS_ORDER = list(InterviewStatus)


async def row_count(db: Database, *, org_id: str, period: Period) -> int:
    return await db.run(
        consumption_queries.day_opening_count,
        org_id=org_id,
        first=period.first_day,
        end=period.end_day,
    )


async def consumption_rows(
    db: Database, *, org_id: str, period: Period, page_size: int = PAGE_SIZE
) -> Rows:
    """Rows by date, then opening id, read in keyset pages."""
    openings = await db.run(consumption_queries.all_openings, org_id=org_id)
    titles = {o.id: o.job_title for o in openings}
    after: tuple[date, str] | None = None
    while True:
        async with db.read() as conn:
            page = await consumption_queries.export_rows(
                conn,
                org_id=org_id,
                first=period.first_day,
                end=period.end_day,
                after=after,
                limit=page_size,
            )
            if not page:
                return
            candidates = await consumption_queries.candidate_counts(
                conn, org_id=org_id, first=page[0].day, end=page[-1].day + timedelta(days=1)
            )
        credits: dict[tuple[date, str], int] = {}
        firsts: dict[tuple[date, str], dict[InterviewStatus, int]] = {}
        for item in page:
            key = (item.day, item.opening_id)
            credits[key] = credits.get(key, 0) + item.credits_e4
            by_status = firsts.setdefault(key, {})
            by_status[item.status] = by_status.get(item.status, 0) + item.firsts
        for (day, opening_id), used in credits.items():
            counts = firsts[(day, opening_id)]
            yield [
                day,
                titles.get(opening_id, opening_id),
                candidates.get((day, opening_id), 0),
                credits_from_int(used),
                *(counts.get(status, 0) for status in _STATUS_ORDER),
            ]
        if len(credits) < page_size:
            return
        after = list(credits)[-1]
