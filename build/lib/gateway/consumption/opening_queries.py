"""Job openings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.consumption.records import OpeningRecord
from gateway.storage.db import insert_for
from gateway.storage.records import record
from gateway.storage.tables import openings


async def upsert_opening(
    conn: AsyncConnection, *, org_id: str, opening_id: str, job_title: str, now: datetime
) -> None:
    stmt = insert_for(conn, openings).values(
        org_id=org_id, id=opening_id, job_title=job_title, created_at=now, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["org_id", "id"],
        set_={"job_title": stmt.excluded.job_title, "updated_at": stmt.excluded.updated_at},
    )
    await conn.execute(stmt)


async def openings_by_ids(
    conn: AsyncConnection, *, org_id: str, ids: Iterable[str]
) -> list[OpeningRecord]:
    stmt = select(openings).where(openings.c.org_id == org_id, openings.c.id.in_(list(ids)))
    return [record(OpeningRecord, row) for row in await conn.execute(stmt)]


async def existing_opening_ids(
    conn: AsyncConnection, *, org_id: str, ids: Iterable[str]
) -> set[str]:
    stmt = select(openings.c.id).where(openings.c.org_id == org_id, openings.c.id.in_(list(ids)))
    return set((await conn.execute(stmt)).scalars())
