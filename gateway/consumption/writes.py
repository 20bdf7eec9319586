"""Writes of interview events, credit purchases and the interview rollups."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.consumption.charges import Contribution, Counts, DoneDays
from gateway.consumption.records import InterviewEventRecord, PurchaseRecord
from gateway.storage.db import insert_for, insert_new, upsert_add
from gateway.storage.keyed import rows_by_org_keys
from gateway.storage.records import record
from gateway.storage.tables import (
    credit_purchases,
    interview_daily,
    interview_day_candidates,
    interview_done_days,
    interview_events,
    interview_monthly,
    interview_periods,
)


async def insert_new_interview_events(
    conn: AsyncConnection, *, rows: Sequence[dict[str, Any]]
) -> set[tuple[str, str]]:
    new = await insert_new(conn, interview_events, rows, key=("org_id", "event_id"))
    return {(org_id, event_id) for org_id, event_id in new}


async def events_of_interviews(
    conn: AsyncConnection, *, keys: Iterable[tuple[str, str]]
) -> list[InterviewEventRecord]:
    """All events of the given ``(org_id, interview_id)`` interviews, in charging order
    (grouped by organization and chunked: thousands of interviews per batch are fine)."""
    t = interview_events
    out: list[InterviewEventRecord] = []
    async for rows in rows_by_org_keys(
        conn,
        t,
        column="interview_id",
        keys=keys,
        order_by=(t.c.interview_id, t.c.occurred_at, t.c.event_id),
    ):
        out.extend(record(InterviewEventRecord, row) for row in rows)
    return out


async def stored_interview_events(
    conn: AsyncConnection, *, keys: Iterable[tuple[str, str]]
) -> list[InterviewEventRecord]:
    """The stored events of the given ``(org_id, event_id)`` keys (to compare replays)."""
    out: list[InterviewEventRecord] = []
    async for rows in rows_by_org_keys(conn, interview_events, column="event_id", keys=keys):
        out.extend(record(InterviewEventRecord, row) for row in rows)
    return out


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


async def get_purchase(
    conn: AsyncConnection, *, org_id: str, purchase_id: str
) -> PurchaseRecord | None:
    stmt = select(credit_purchases).where(
        credit_purchases.c.org_id == org_id, credit_purchases.c.purchase_id == purchase_id
    )
    row = (await conn.execute(stmt)).first()
    return record(PurchaseRecord, row) if row is not None else None


async def add_to_interview_rollups(
    conn: AsyncConnection, *, deltas: Mapping[str, Contribution]
) -> None:
    """Add ``(day, opening, status) -> counts`` deltas to the daily and monthly rollups."""
    daily: list[dict[str, Any]] = []
    monthly: dict[tuple[str, date, str, str], Counts] = {}
    for org_id, by_key in deltas.items():
        for (day, opening_id, status), counts in by_key.items():
            daily.append(
                {
                    "org_id": org_id,
                    "day": day,
                    "opening_id": opening_id,
                    "status": status,
                    "firsts": counts.firsts,
                    "credits_e4": counts.credits_e4,
                    "events": counts.events,
                }
            )
            month_key = (org_id, day.replace(day=1), opening_id, status)
            acc = monthly.get(month_key)
            if acc is None:
                acc = monthly[month_key] = Counts()
            acc += counts
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
            **dict(zip(sums, acc.as_tuple(), strict=True)),
        }
        for (org, month, opening, status), acc in sorted(monthly.items(), key=lambda kv: str(kv[0]))
    ]
    await upsert_add(
        conn, interview_monthly, rows, key=("org_id", "month", "opening_id", "status"), add=sums
    )


async def add_to_done_days(conn: AsyncConnection, *, deltas: Mapping[str, DoneDays]) -> None:
    """Add ``(day, prev_day) -> interviews`` deltas to the done-days rollup (zeros left out)."""
    rows = [
        {"org_id": org_id, "day": day, "prev_day": before, "interviews": n}
        for org_id, by_key in sorted(deltas.items())
        for (day, before), n in sorted(by_key.items())
        if n
    ]
    await upsert_add(
        conn, interview_done_days, rows, key=("org_id", "day", "prev_day"), add=("interviews",)
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
    tables = (interview_daily, interview_monthly, interview_day_candidates, interview_done_days)
    for table in tables:
        await conn.execute(table.delete().where(table.c.org_id == org_id))
    await delete_period_rollups(conn, org_id=org_id)


async def delete_period_rollups(conn: AsyncConnection, *, org_id: str) -> None:
    await conn.execute(interview_periods.delete().where(interview_periods.c.org_id == org_id))


async def add_to_period_rollups(conn: AsyncConnection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Add ``used_e4`` and ``purchased_e4`` to the rows of ``(org_id, period_start)``
    (rows with distinct keys, each carrying its ``period_end``)."""
    rows = sorted(rows, key=lambda row: (row["org_id"], row["period_start"]))
    await upsert_add(
        conn,
        interview_periods,
        rows,
        key=("org_id", "period_start"),
        add=("used_e4", "purchased_e4"),
    )


async def stream_interview_events(
    conn: AsyncConnection, *, org_id: str
) -> AsyncIterator[InterviewEventRecord]:
    """An organization's events, interview by interview in charging order."""
    t = interview_events
    stmt = (
        select(t)
        .where(t.c.org_id == org_id)
        .order_by(t.c.interview_id, t.c.occurred_at, t.c.event_id)
    )
    async for row in await conn.stream(stmt.execution_options(yield_per=5_000)):
        yield record(InterviewEventRecord, row)


async def lock_interviews(conn: AsyncConnection, *, keys: Iterable[tuple[str, str]]) -> None:
    """On PostgreSQL, hold each ``(org_id, interview_id)`` until the transaction ends.

    Ingest recomputes an interview's charges from the events it can see; two transactions
    adding events to one interview at once would each miss the other's, and the charges and
    rollups would not add up. SQLite has one writer at a time already. The locks are taken in
    key order, so two batches cannot deadlock on them.
    """
    ids = {_lock_id("interview", org_id, interview_id) for org_id, interview_id in keys}
    await _advisory_locks(conn, sorted(ids))


async def lock_periods(conn: AsyncConnection, *, org_ids: Iterable[str]) -> None:
    """On PostgreSQL, hold each organization's per-period rollup until the transaction ends.

    A recount reads the daily rollup and the purchases, then rewrites the period rows; a batch
    committing in between would be lost from them. Writers of period rows take this lock
    before writing them and a recount before reading, so each waits for the other. Taken after
    :func:`lock_interviews` and in key order: no cycle.
    """
    await _advisory_locks(conn, sorted({_lock_id("periods", org_id) for org_id in org_ids}))


async def _advisory_locks(conn: AsyncConnection, ids: Sequence[int]) -> None:
    if conn.dialect.name != "postgresql" or not ids:
        return
    await conn.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(k)) "
            "FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS ordered"
        ),
        {"keys": list(ids)},
    )


def _lock_id(*parts: str) -> int:
    digest = hashlib.blake2b(":".join(parts).encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)
