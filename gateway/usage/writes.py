"""Writes of AI calls and the rollups they feed (duplicates skipped, sums added)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.db import insert_new, upsert_add
from gateway.storage.keyed import rows_by_org_keys
from gateway.storage.records import record
from gateway.storage.tables import (
    ai_calls,
    ai_daily_by_member,
    ai_daily_by_model,
    ai_daily_by_reason,
    ai_monthly_by_member,
    ai_monthly_by_model,
    ai_monthly_by_reason,
)
from gateway.usage.records import CallRecord

ROLLUP_SUMS = ("calls", "credits_e4", "cost_micros", "tokens")

# (table, its key columns) of each AI rollup; "day"/"month" is the time column.
AI_ROLLUPS = {
    "daily_by_reason": (ai_daily_by_reason, ("org_id", "day", "billing_mode", "reason")),
    "daily_by_member": (ai_daily_by_member, ("org_id", "day", "billing_mode", "member_id")),
    "daily_by_model": (
        ai_daily_by_model,
        ("org_id", "day", "billing_mode", "provider", "tier"),
    ),
    "monthly_by_reason": (ai_monthly_by_reason, ("org_id", "month", "billing_mode", "reason")),
    "monthly_by_member": (
        ai_monthly_by_member,
        ("org_id", "month", "billing_mode", "member_id"),
    ),
    "monthly_by_model": (
        ai_monthly_by_model,
        ("org_id", "month", "billing_mode", "provider", "tier"),
    ),
}


async def insert_new_ai_calls(
    conn: AsyncConnection, *, rows: Sequence[dict[str, Any]]
) -> set[tuple[str, str]]:
    """Insert the calls; returns ``(org_id, event_id)`` of those that were new."""
    new = await insert_new(conn, ai_calls, rows, key=("org_id", "event_id"))
    return {(org_id, event_id) for org_id, event_id in new}


async def stored_ai_calls(
    conn: AsyncConnection, *, keys: Iterable[tuple[str, str]]
) -> list[CallRecord]:
    """The stored calls of the given ``(org_id, event_id)`` keys (to compare replays)."""
    out: list[CallRecord] = []
    async for rows in rows_by_org_keys(conn, ai_calls, column="event_id", keys=keys):
        out.extend(record(CallRecord, row) for row in rows)
    return out


async def add_to_ai_rollups(
    conn: AsyncConnection, *, rollups: Mapping[str, Sequence[dict[str, Any]]]
) -> None:
    """Add the sums of each rollup row to the stored one (created when missing)."""
    for name, rows in rollups.items():
        table, key = AI_ROLLUPS[name]
        # One lock order for every writer, so concurrent batches never deadlock.
        ordered = sorted(rows, key=lambda row: tuple(str(row[col]) for col in key))
        await upsert_add(conn, table, ordered, key=key, add=ROLLUP_SUMS)


async def delete_ai_rollups(conn: AsyncConnection, *, org_id: str) -> None:
    for table, _key in AI_ROLLUPS.values():
        await conn.execute(table.delete().where(table.c.org_id == org_id))


async def stream_ai_calls(
    conn: AsyncConnection, *, org_id: str, chunk: int = 5_000
) -> AsyncIterator[list[CallRecord]]:
    """Every call of an organization in chunks (for re-bucketing after a time-zone change)."""
    stmt = select(ai_calls).where(ai_calls.c.org_id == org_id)
    stream = await conn.stream(stmt.execution_options(yield_per=chunk))
    async for rows in stream.partitions(chunk):
        yield [record(CallRecord, row) for row in rows]
