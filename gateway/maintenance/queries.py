"""Reads of ``usage-gateway verify``: an organization's raw events and stored rollups, within
an optional window of time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.consumption.records import InterviewEventRecord
from gateway.storage.db import Database
from gateway.storage.records import record
from gateway.storage.tables import (
    ai_calls,
    interview_daily,
    interview_day_candidates,
    interview_done_days,
    interview_events,
    interview_monthly,
    interview_periods,
)
from gateway.usage.writes import AI_ROLLUPS, ROLLUP_SUMS


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
) -> AsyncIterator[InterviewEventRecord]:
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
    async for row in await conn.stream(stmt.execution_options(yield_per=5_000)):
        yield record(InterviewEventRecord, row)


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


@asynccontextmanager
async def snapshot(db: Database) -> AsyncIterator[AsyncConnection]:
    """One read-only snapshot of the database (a transaction that is never committed)."""
    async with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin() as transaction:
            if db.dialect == "postgresql":
                await conn.execute(text("SET TRANSACTION READ ONLY"))
            yield conn
            await transaction.rollback()


INTERVIEW_SUMS = ("firsts", "credits_e4", "events")


@dataclass(frozen=True)
class Rollup:
    """A rollup table: its key columns, its sums and its time column."""

    name: str
    table: Any
    key: tuple[str, ...]
    sums: tuple[str, ...]
    time_column: str
    monthly: bool


ROLLUPS = [
    *(
        Rollup(table.name, table, key, ROLLUP_SUMS, key[1], key[1] == "month")
        for table, key in AI_ROLLUPS.values()
    ),
    Rollup(
        "interview_daily",
        interview_daily,
        ("org_id", "day", "opening_id", "status"),
        INTERVIEW_SUMS,
        "day",
        False,
    ),
    Rollup(
        "interview_monthly",
        interview_monthly,
        ("org_id", "month", "opening_id", "status"),
        INTERVIEW_SUMS,
        "month",
        True,
    ),
    Rollup(
        "interview_periods",
        interview_periods,
        ("org_id", "period_start", "period_end"),
        ("used_e4", "purchased_e4"),
        "period_start",
        True,
    ),
    Rollup(
        "interview_done_days",
        interview_done_days,
        ("org_id", "day", "prev_day"),
        ("interviews",),
        "day",
        False,
    ),
    Rollup(
        "interview_day_candidates",
        interview_day_candidates,
        ("org_id", "day", "opening_id", "candidate_id"),
        (),
        "day",
        False,
    ),
]
