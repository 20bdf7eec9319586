"""The audit-log export: the changes of a range, newest first, one row each."""

from __future__ import annotations

from datetime import datetime

from gateway.audit import queries
from gateway.audit.queries import Position
from gateway.audit.records import AuditEventRecord
from gateway.core.exports import PAGE_SIZE, CellKind, Column, Pages, keyset_pages
from gateway.core.periods import Period
from gateway.storage.db import Database

# When: local time in the organization's zone; Before and After: JSON objects (secrets never).
COLUMNS = (
    Column("When", CellKind.DATE_TIME, width=20),
    Column("Action", width=28),
    Column("Actor", width=10),
    Column("Actor id", width=24),
    Column("Target type", width=18),
    Column("Target id", width=28),
    Column("Before", width=60),
    Column("After", width=60),
    Column("Event id", width=30),
)


async def row_count(db: Database, *, org_id: str, period: Period) -> int:
    return await db.run(queries.count_events, org_id=org_id, since=period.start, until=period.end)


async def audit_log_pages(db: Database, *, org_id: str, period: Period) -> Pages:
    """The period's changes, newest first, a page at a time."""
    zone = period.zone

    async def fetch(before: Position) -> list[AuditEventRecord]:
        return await db.run(
            queries.events_page, org_id=org_id, since=period.start, after=before, limit=PAGE_SIZE
        )

    def after(page: list[AuditEventRecord]) -> Position | None:
        if len(page) < PAGE_SIZE:
            return None
        return page[-1].occurred_at, page[-1].id

    start: tuple[datetime, str] = (period.end, "")
    async for page in keyset_pages(fetch, start, after):
        yield (
            [row.occurred_at.astimezone(zone) for row in page],
            [row.action for row in page],
            [str(row.actor_kind) for row in page],
            [row.actor_id for row in page],
            [row.target_type for row in page],
            [row.target_id for row in page],
            [row.before_json for row in page],
            [row.after_json for row in page],
            [row.id for row in page],
        )
