"""Writes of the ingest routes: events (duplicates skipped) and the rollups they touch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db import insert_for, insert_new, upsert_add
from gateway.interviews import Contribution
from gateway.tables import (
    ai_calls,
    ai_daily_by_member,
    ai_daily_by_model,
    ai_daily_by_reason,
    ai_monthly_by_member,
    ai_monthly_by_model,
    ai_monthly_by_reason,
    credit_purchases,
    interview_daily,
    interview_day_candidates,
    interview_events,
    interview_monthly,
)

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


async def stream_ai_calls(conn: AsyncConnection, *, org_id: str) -> Any:
    """Every call of an organization, streamed (for re-bucketing after a time-zone change)."""
    stmt = select(ai_calls).where(ai_calls.c.org_id == org_id)
    return await conn.stream(stmt.execution_options(yield_per=5_000))


async def insert_new_interview_events(
    conn: AsyncConnection, *, rows: Sequence[dict[str, Any]]
) -> set[tuple[str, str]]:
    new = await insert_new(conn, interview_events, rows, key=("org_id", "event_id"))
    return {(org_id, event_id) for org_id, event_id in new}


async def events_of_interviews(
    conn: AsyncConnection, *, keys: Iterable[tuple[str, str]]
) -> Sequence[Row[Any]]:
    """All events of the given ``(org_id, interview_id)`` interviews, in charging order."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    stmt = (
        select(interview_events)
        .where(tuple_(interview_events.c.org_id, interview_events.c.interview_id).in_(wanted))
        .order_by(
            interview_events.c.org_id,
            interview_events.c.interview_id,
            interview_events.c.occurred_at,
            interview_events.c.event_id,
        )
    )
    return (await conn.execute(stmt)).all()


async def set_interview_charges(
    conn: AsyncConnection, *, changes: Sequence[tuple[str, str, int]]
) -> None:
    """Set ``charge_e4`` of events given as ``(org_id, event_id, charge_e4)``."""
    if not changes:
        return
    stmt = (
        update(interview_events)
        .where(
            interview_events.c.org_id == bindparam("b_org"),
            interview_events.c.event_id == bindparam("b_event"),
        )
        .values(charge_e4=bindparam("b_charge"))
    )
    await conn.execute(
        stmt,
        [{"b_org": org, "b_event": event, "b_charge": charge} for org, event, charge in changes],
    )


async def insert_purchase(conn: AsyncConnection, *, row: dict[str, Any]) -> bool:
    stmt = (
        insert_for(conn, credit_purchases)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["org_id", "purchase_id"])
    )
    return bool((await conn.execute(stmt)).rowcount)


async def get_purchase(conn: AsyncConnection, *, org_id: str, purchase_id: str) -> Row[Any] | None:
    stmt = select(credit_purchases).where(
        credit_purchases.c.org_id == org_id, credit_purchases.c.purchase_id == purchase_id
    )
    return (await conn.execute(stmt)).first()


async def add_to_interview_rollups(
    conn: AsyncConnection, *, deltas: Mapping[str, Contribution]
) -> None:
    """Add ``(day, opening, status) -> [firsts, credits, events]`` deltas, daily and monthly."""
    daily: list[dict[str, Any]] = []
    monthly: dict[tuple[str, date, str, str], list[int]] = {}
    for org_id, by_key in deltas.items():
        for (day, opening_id, status), (firsts, credits, events) in by_key.items():
            daily.append(
                {
                    "org_id": org_id,
                    "day": day,
                    "opening_id": opening_id,
                    "status": status,
                    "firsts": firsts,
                    "credits_e4": credits,
                    "events": events,
                }
            )
            acc = monthly.setdefault((org_id, day.replace(day=1), opening_id, status), [0, 0, 0])
            acc[0] += firsts
            acc[1] += credits
            acc[2] += events
    sums = ("firsts", "credits_e4", "events")
    key = ("org_id", "day", "opening_id", "status")
    daily.sort(key=lambda row: tuple(str(row[c]) for c in key))
    await upsert_add(conn, interview_daily, daily, key=key, add=sums)
    rows = [
        {
            "org_id": org,
            "month": month,
            "opening_id": opening,
            "status": status,
            **dict(zip(sums, acc, strict=True)),
        }
        for (org, month, opening, status), acc in sorted(monthly.items(), key=lambda kv: str(kv[0]))
    ]
    await upsert_add(
        conn, interview_monthly, rows, key=("org_id", "month", "opening_id", "status"), add=sums
    )


async def add_day_candidates(conn: AsyncConnection, *, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = insert_for(conn, interview_day_candidates).on_conflict_do_nothing(
        index_elements=["org_id", "day", "opening_id", "candidate_id"]
    )
    unique = {tuple(row.values()): row for row in rows}
    await conn.execute(stmt, [unique[k] for k in sorted(unique, key=str)])


async def delete_interview_rollups(conn: AsyncConnection, *, org_id: str) -> None:
    for table in (interview_daily, interview_monthly, interview_day_candidates):
        await conn.execute(table.delete().where(table.c.org_id == org_id))


async def stream_interview_events(conn: AsyncConnection, *, org_id: str) -> Any:
    """An organization's events, interview by interview in charging order."""
    t = interview_events
    stmt = (
        select(t)
        .where(t.c.org_id == org_id)
        .order_by(t.c.interview_id, t.c.occurred_at, t.c.event_id)
    )
    return await conn.stream(stmt.execution_options(yield_per=5_000))
