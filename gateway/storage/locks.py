"""The order writes take: an organization's row (or a model's) is the lock of its numbers.

Every write that adds to an organization's numbers (AI calls, interview events, purchases) first
takes its organizations' rows ``FOR SHARE``; every write that changes how those numbers are
bucketed or bounded (time zone, billing anchor, plan history, a rebuild of the rollups) takes the
row ``FOR UPDATE``. So a settings change waits for the batches in flight and the batches after
it read the new settings, never the old ones; batches of one organization still run side by
side. Rows are taken in id order, so two writers never wait for each other in a circle. A
model's prices and tier follow the same rule: ingest shares the model's row, a new price or tier
takes it; a recount of an organization's rollups shares every model's row after its own, so a
model's calls moving to another tier wait for it, or it for them.

SQLite needs none of it: a write transaction holds the whole database (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.tables import ai_models, organizations


async def hold_orgs(conn: AsyncConnection, ids: Iterable[str], *, exclusive: bool) -> None:
    """Lock these organizations' rows until the transaction ends (those that exist)."""
    await _hold(conn, organizations.c.id, ids, exclusive=exclusive)


async def hold_models(conn: AsyncConnection, ids: Iterable[str], *, exclusive: bool) -> None:
    """Lock these models' rows (and so their price lists) until the transaction ends."""
    await _hold(conn, ai_models.c.id, ids, exclusive=exclusive)


async def hold_every_model(conn: AsyncConnection) -> None:
    """Share every model's row until the transaction ends: its provider and tier stay as read."""
    if conn.dialect.name != "postgresql":
        return
    await conn.execute(select(ai_models.c.id).order_by(ai_models.c.id).with_for_update(read=True))


async def _hold(
    conn: AsyncConnection, column: ColumnElement[str], ids: Iterable[str], *, exclusive: bool
) -> None:
    wanted = sorted(set(ids))
    if conn.dialect.name != "postgresql" or not wanted:
        return
    stmt = select(column).where(column.in_(wanted)).order_by(column)
    await conn.execute(stmt.with_for_update(read=not exclusive))
