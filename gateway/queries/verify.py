"""Reads of ``usage-gateway verify``: an organization's raw events and stored rollups, within
an optional window of time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.tables import ai_calls, interview_events


async def stream_ai_calls(
    conn: AsyncConnection, *, org_id: str, start: datetime | None, end: datetime | None
) -> Any:
    """The organization's calls in ``[start, end)`` (all of them without bounds), streamed."""
    t = ai_calls
    stmt = select(
        t.c.occurred_at,
        t.c.billing_mode,
        t.c.reason,
        t.c.member_id,
        t.c.model_id,
        t.c.credits_e4,
        t.c.cost_micros,
        t.c.input_tokens,
        t.c.output_tokens,
    ).where(t.c.org_id == org_id)
    if start is not None:
        stmt = stmt.where(t.c.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(t.c.occurred_at < end)
    return await conn.stream(stmt.execution_options(yield_per=5_000))


async def stream_interview_events(
    conn: AsyncConnection, *, org_id: str, start: datetime | None, end: datetime | None
) -> Any:
    """Every event of the interviews that have an event in ``[start, end)``, interview by
    interview in charging order (all interviews without bounds)."""
    t = interview_events
    stmt = select(t).where(t.c.org_id == org_id)
    if start is not None or end is not None:
        touched = select(t.c.interview_id).where(t.c.org_id == org_id)
        if start is not None:
            touched = touched.where(t.c.occurred_at >= start)
        if end is not None:
            touched = touched.where(t.c.occurred_at < end)
        stmt = stmt.where(t.c.interview_id.in_(touched.distinct()))
    stmt = stmt.order_by(t.c.interview_id, t.c.occurred_at, t.c.event_id)
    return await conn.stream(stmt.execution_options(yield_per=5_000))


async def stored_rows(
    conn: AsyncConnection,
    table: Table,
    *,
    org_id: str,
    time_column: str,
    first: date | None,
    last: date | None,
) -> Sequence[Any]:
    """Rows of a rollup table for the organization, ``time_column`` within ``[first, last]``."""
    stmt = select(table).where(table.c.org_id == org_id)
    if first is not None:
        stmt = stmt.where(table.c[time_column] >= first)
    if last is not None:
        stmt = stmt.where(table.c[time_column] <= last)
    return (await conn.execute(stmt)).all()
