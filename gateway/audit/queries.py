"""The audit log's statements: one insert, and keyset pages newest first. There is no update
and no delete: the log is append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit.records import AuditEventRecord
from gateway.storage.records import records
from gateway.storage.tables import audit_events

# A position in the log: ``(occurred_at, id)`` of the last event seen.
Position = tuple[datetime, str]


async def insert_event(conn: AsyncConnection, *, row: dict[str, Any]) -> None:
    await conn.execute(audit_events.insert(), row)


async def events_page(
    conn: AsyncConnection,
    *,
    org_id: str,
    since: datetime | None,
    after: Position | None,
    limit: int,
) -> list[AuditEventRecord]:
    """Newest first, strictly before ``after``, at or after ``since``."""
    a = audit_events
    stmt = select(a).where(a.c.org_id == org_id)
    if since is not None:
        stmt = stmt.where(a.c.occurred_at >= since)
    if after is not None:
        stmt = stmt.where(tuple_(a.c.occurred_at, a.c.id) < tuple_(*after))
    stmt = stmt.order_by(a.c.occurred_at.desc(), a.c.id.desc()).limit(limit)
    result = await conn.execute(stmt)
    return records(AuditEventRecord, result, result.keys())


async def count_events(
    conn: AsyncConnection, *, org_id: str, since: datetime | None, until: datetime | None = None
) -> int:
    """Events at or after ``since`` and before ``until`` (either open when None)."""
    a = audit_events
    stmt = select(func.count()).select_from(a).where(a.c.org_id == org_id)
    if since is not None:
        stmt = stmt.where(a.c.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(a.c.occurred_at < until)
    return int((await conn.execute(stmt)).scalar_one())
