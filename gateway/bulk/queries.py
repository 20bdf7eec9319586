"""Every statement on bulk export jobs: one organization's by its id, and the worker's claims
(which look across organizations, as an outbox does)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.bulk.enums import ACTIVE, BulkExportKind, BulkExportStatus
from gateway.bulk.records import BulkExportRecord
from gateway.storage.records import record
from gateway.storage.tables import bulk_exports

_QUEUED, _RUNNING = str(BulkExportStatus.QUEUED), str(BulkExportStatus.RUNNING)


async def hold_org_jobs(conn: AsyncConnection, *, org_id: str) -> None:
    """Serialize starts of one organization's jobs until the transaction ends (SQLite's write
    transaction holds the whole database already)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"bulk_exports:{org_id}"},
        )


async def count_active(conn: AsyncConnection, *, org_id: str) -> int:
    b = bulk_exports
    stmt = (
        select(func.count())
        .select_from(b)
        .where(b.c.org_id == org_id, b.c.status.in_([str(s) for s in ACTIVE]))
    )
    return int((await conn.execute(stmt)).scalar_one())


async def insert_job(conn: AsyncConnection, *, row: dict[str, Any]) -> None:
    await conn.execute(bulk_exports.insert(), row)


async def job_by_id(conn: AsyncConnection, *, org_id: str, job_id: str) -> BulkExportRecord | None:
    b = bulk_exports
    row = (await conn.execute(select(b).where(b.c.org_id == org_id, b.c.id == job_id))).first()
    return record(BulkExportRecord, row) if row else None


async def jobs_of_org(
    conn: AsyncConnection, *, org_id: str, kinds: Iterable[BulkExportKind], limit: int
) -> list[BulkExportRecord]:
    """Newest first."""
    b = bulk_exports
    stmt = (
        select(b)
        .where(b.c.org_id == org_id, b.c.kind.in_([str(k) for k in kinds]))
        .order_by(b.c.created_at.desc(), b.c.id.desc())
        .limit(limit)
    )
    return [record(BulkExportRecord, row) for row in await conn.execute(stmt)]


async def claim_next(
    conn: AsyncConnection, *, now: datetime, lease_until: datetime, claim: str
) -> BulkExportRecord | None:
    """The oldest job waiting (QUEUED, or RUNNING under a lease that ran out: its worker
    died), now RUNNING under ``claim`` until ``lease_until``. ``SKIP LOCKED``: concurrent
    workers claim different jobs."""
    b = bulk_exports
    waiting = (
        select(b.c.org_id, b.c.id)
        .where(
            or_(
                b.c.status == _QUEUED,
                and_(b.c.status == _RUNNING, b.c.lease_until < now),
            )
        )
        .order_by(b.c.created_at, b.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    found = (await conn.execute(waiting)).first()
    if found is None:
        return None
    org_id, job_id = found.org_id, found.id
    await conn.execute(
        update(b)
        .where(b.c.org_id == org_id, b.c.id == job_id)
        .values(
            status=_RUNNING,
            claim=claim,
            lease_until=lease_until,
            attempts=b.c.attempts + 1,
            started_at=now,
        )
    )
    return await job_by_id(conn, org_id=org_id, job_id=job_id)


async def update_claimed(
    conn: AsyncConnection, *, org_id: str, job_id: str, claim: str, **values: Any
) -> bool:
    """Change a job still held under ``claim``; False when another worker took it over."""
    b = bulk_exports
    result = await conn.execute(
        update(b)
        .where(b.c.org_id == org_id, b.c.id == job_id, b.c.claim == claim, b.c.status == _RUNNING)
        .values(**values)
    )
    return bool(result.rowcount)


async def due_for_expiry(
    conn: AsyncConnection, *, now: datetime, limit: int
) -> list[BulkExportRecord]:
    """Completed jobs of any organization whose file has outlived its expiry."""
    b = bulk_exports
    stmt = (
        select(b)
        .where(b.c.status == str(BulkExportStatus.COMPLETED), b.c.expires_at <= now)
        .order_by(b.c.expires_at, b.c.id)
        .limit(limit)
    )
    return [record(BulkExportRecord, row) for row in await conn.execute(stmt)]


async def mark_expired(conn: AsyncConnection, *, org_id: str, job_id: str) -> None:
    b = bulk_exports
    await conn.execute(
        update(b)
        .where(
            b.c.org_id == org_id,
            b.c.id == job_id,
            b.c.status == str(BulkExportStatus.COMPLETED),
        )
        .values(status=str(BulkExportStatus.EXPIRED))
    )
