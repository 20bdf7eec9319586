"""Job openings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db import insert_for
from gateway.tables import openings


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
) -> Sequence[Row[Any]]:
    stmt = select(openings).where(openings.c.org_id == org_id, openings.c.id.in_(list(ids)))
    return (await conn.execute(stmt)).all()


async def existing_opening_ids(
    conn: AsyncConnection, *, org_id: str, ids: Iterable[str]
) -> set[str]:
    stmt = select(openings.c.id).where(openings.c.org_id == org_id, openings.c.id.in_(list(ids)))
    return set((await conn.execute(stmt)).scalars())
