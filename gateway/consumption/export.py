"""The consumption export: one row per local day and opening that had interview events."""

from __future__ import annotations

from datetime import date, timedelta

from gateway.consumption import export_queries
from gateway.consumption import queries as consumption_queries
from gateway.consumption.export_queries import DayOpeningColumns
from gateway.core.exports import PAGE_SIZE, CellKind, Column, DecimalTexts, Pages, keyset_pages
from gateway.core.money import CREDIT_PLACES
from gateway.core.periods import Period
from gateway.storage.db import Database

# Date: the local day in the organization's zone.
COLUMNS = (
    Column("Date", CellKind.DATE, width=11),
    Column("Job title", width=32),
    Column("Candidate count", CellKind.WHOLE, width=16),
    Column("Credits used", CellKind.DECIMAL, places=CREDIT_PLACES, width=13),
    Column("Invited", CellKind.WHOLE, width=9),
    Column("Started", CellKind.WHOLE, width=9),
    Column("Partially completed", CellKind.WHOLE, width=20),
    Column("Completed", CellKind.WHOLE, width=11),
    Column("Simulation", CellKind.WHOLE, width=11),
)


async def row_count(db: Database, *, org_id: str, period: Period) -> int:
    return await db.run(
        consumption_queries.day_opening_count,
        org_id=org_id,
        first=period.first_day,
        end=period.end_day,
    )


async def consumption_pages(
    db: Database, *, org_id: str, period: Period, page_size: int = PAGE_SIZE
) -> Pages:
    """Rows by date, then opening id, a keyset page at a time."""
    openings = await db.run(consumption_queries.all_openings, org_id=org_id)
    titles = {o.id: o.job_title for o in openings}
    credits = DecimalTexts(CREDIT_PLACES)

    async def fetch(after: tuple[date, str]) -> DayOpeningColumns:
        return await db.run(
            export_queries.day_opening_columns,
            org_id=org_id,
            first=period.first_day,
            end=period.end_day,
            after=after,
            limit=page_size,
        )

    def after(page: DayOpeningColumns) -> tuple[date, str] | None:
        if len(page) < page_size:
            return None
        return page.day[-1], page.opening_id[-1]

    start = (period.first_day - timedelta(days=1), "")
    async for page in keyset_pages(fetch, start, after):
        yield (
            page.day,
            [titles.get(opening, opening) for opening in page.opening_id],
            page.candidates,
            [credits[used] for used in page.credits_e4],
            *page.firsts,
        )
