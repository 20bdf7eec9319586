"""Writes of AI calls and the rollups they feed (duplicates skipped, sums added).

On PostgreSQL a batch is one ``COPY`` of its calls (inside a savepoint: should any of them be
stored already, the batch is inserted again with ``ON CONFLICT DO NOTHING``) and one statement
that adds its deltas to all six rollups, through the asyncpg connection under SQLAlchemy's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.db import upsert_add
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
from gateway.usage.sums import DELTA_COLUMNS, DeltaKey, RollupSums, rollup_rows
from gateway.usage.sums import ROLLUP_SUMS as ROLLUP_SUMS  # the maintenance jobs take it here

# The columns of a call row as the ingest builds it (a tuple, in this order).
CALL_COLUMNS = (
    "org_id",
    "event_id",
    "occurred_at",
    "member_id",
    "reason",
    "billing_mode",
    "model_id",
    "credits_e4",
    "input_tokens",
    "output_tokens",
    "cost_micros",
    "ingested_at",
)
CallRow = tuple[str, str, Any, str, str, str, str, int, int, int, int, Any]

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


async def insert_calls(conn: AsyncConnection, *, rows: Sequence[CallRow]) -> set[tuple[str, str]]:
    """Insert the calls that are not stored yet; returns ``(org_id, event_id)`` of the others.

    ``rows`` come sorted by ``(org_id, event_id)``: concurrent batches naming the same events
    take their keys in one order, so they wait for each other and never deadlock.
    """
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        return await _pg_insert_calls(await _pg_driver(conn), rows)
    return await _sqlite_insert_calls(conn, rows)


async def _driver(conn: AsyncConnection) -> Any:
    """The driver's connection under ``conn`` (asyncpg's or aiosqlite's)."""
    driver = (await conn.get_raw_connection()).driver_connection
    if driver is None:  # pragma: no cover - a pool always holds a live connection here
        raise RuntimeError("no driver connection")
    return driver


async def _pg_driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under ``conn`` (inside its write transaction)."""
    driver = await _driver(conn)
    if not driver.is_in_transaction():
        raise RuntimeError("ingest writes run inside a write transaction that has begun")
    return driver


_PG_TYPES = {
    "org_id": "text",
    "event_id": "text",
    "occurred_at": "timestamptz",
    "member_id": "text",
    "reason": "text",
    "billing_mode": "text",
    "model_id": "text",
    "credits_e4": "int8",
    "input_tokens": "int8",
    "output_tokens": "int8",
    "cost_micros": "int8",
    "ingested_at": "timestamptz",
    "day": "date",
    "month": "date",
    "provider": "text",
    "tier": "text",
    "calls": "int8",
    "tokens": "int8",
}


def _from_json(columns: Sequence[str]) -> str:
    """The rows of a JSON array of arrays (``$1``), one column per position."""
    picked = ", ".join(f"(row->>{n})::{_PG_TYPES[c]} AS {c}" for n, c in enumerate(columns))
    return f"SELECT {picked} FROM json_array_elements($1::json) AS row"


# Rows travel as one JSON text (datetimes in RFC 3339, to the microsecond): asyncpg checks every
# element of an array parameter in Python (~1 us each, a dozen per row), PostgreSQL parses JSON
# in C. Ids are ASCII, so byte order ("C") is the order the rows were sorted in, in Python.
# ``ai_calls`` is partitioned by month (its keys hold ``occurred_at``): ``ai_call_ids`` holds the
# ``(org_id, event_id)`` uniqueness, and a call is inserted only when its id was new, in the
# same statement.
_PG_INSERT_NEW = (
    f"WITH batch AS ({_from_json(CALL_COLUMNS)}), "
    "new AS (INSERT INTO ai_call_ids (org_id, event_id) SELECT org_id, event_id FROM batch "
    'ORDER BY org_id COLLATE "C", event_id COLLATE "C" '
    "ON CONFLICT (org_id, event_id) DO NOTHING RETURNING org_id, event_id) "
    f"INSERT INTO ai_calls ({', '.join(CALL_COLUMNS)}) "
    f"SELECT {', '.join(f'batch.{c}' for c in CALL_COLUMNS)} FROM batch "
    "JOIN new ON new.org_id = batch.org_id AND new.event_id = batch.event_id "
    "RETURNING org_id, event_id"
)
_ID_COLUMNS = ("org_id", "event_id")


async def _pg_insert_calls(driver: Any, rows: Sequence[CallRow]) -> set[tuple[str, str]]:
    # COPY is several times cheaper than an INSERT that checks each row for a conflict; a live
    # feed sends new events, so try it first and fall back only when one is stored already
    # (the ids' primary key refuses the COPY: the calls' own keys, by month, could not).
    await driver.execute("SAVEPOINT ingest_calls")
    try:
        await driver.copy_records_to_table(
            "ai_call_ids", records=[row[:2] for row in rows], columns=_ID_COLUMNS
        )
        await driver.copy_records_to_table("ai_calls", records=rows, columns=CALL_COLUMNS)
    except asyncpg.UniqueViolationError:
        await driver.execute("ROLLBACK TO SAVEPOINT ingest_calls")
    else:
        await driver.execute("RELEASE SAVEPOINT ingest_calls")
        return set()
    document = orjson.dumps(rows).decode()
    new = {(org, event) for org, event in await driver.fetch(_PG_INSERT_NEW, document)}
    return {(row[0], row[1]) for row in rows} - new


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


def _pg_add_to(name: str) -> str:
    """A CTE adding the deltas, summed per key, to one rollup, its rows taken in key order."""
    table, key = AI_ROLLUPS[name]
    keys = ", ".join(key)
    ordered = ", ".join(f'{c} COLLATE "C"' if c not in ("day", "month") else c for c in key)
    sums = ", ".join(f"sum({c})" for c in ROLLUP_SUMS)
    sets = ", ".join(f"{c} = r.{c} + EXCLUDED.{c}" for c in ROLLUP_SUMS)
    return (
        f"{name} AS (INSERT INTO {table.name} AS r ({keys}, {', '.join(ROLLUP_SUMS)}) "
        f"SELECT {keys}, {sums} FROM deltas GROUP BY {keys} ORDER BY {ordered} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {sets})"
    )


_PG_ADD_DELTAS = (
    f"WITH deltas AS ({_from_json(DELTA_COLUMNS)}), "
    + ", ".join(_pg_add_to(name) for name in AI_ROLLUPS)
    + " SELECT 1"
)


async def add_deltas(conn: AsyncConnection, *, deltas: Mapping[DeltaKey, RollupSums]) -> None:
    """Add what the calls of a batch count to the six rollups (created when missing).

    PostgreSQL sums the deltas per rollup key and adds them in one statement; the rollups are
    written in one order of tables and keys by every writer, so concurrent batches never
    deadlock.
    """
    if not deltas:
        return
    if conn.dialect.name != "postgresql":
        await _sqlite_add_to_rollups(conn, rollup_rows(deltas))
        return
    document = orjson.dumps([(*key, *sums.as_tuple()) for key, sums in deltas.items()])
    driver = await _pg_driver(conn)
    await driver.execute(_PG_ADD_DELTAS, document.decode())


# SQLite: the write transaction holds the database lock, so the stored keys looked up first
# stay true until the batch commits; rows go through the driver's executemany, their values
# converted by the columns' own types (so they are stored exactly as SQLAlchemy stores them).


def _sqlite_statement(
    conn: AsyncConnection, table: Table, columns: Sequence[str], *, add: Sequence[str] = ()
) -> tuple[str, Callable[[Sequence[Any]], tuple[Any, ...]]]:
    """An INSERT of ``columns`` (adding ``add`` to the row under the primary key, if any), and
    the function that turns a row of plain values into its parameters."""
    dialect = conn.dialect
    binders = [
        (n, proc)
        for n, c in enumerate(columns)
        if (proc := table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    if add:
        key = ", ".join(c.name for c in table.primary_key.columns)
        sets = ", ".join(f"{c} = {c} + excluded.{c}" for c in add)
        sql += f" ON CONFLICT ({key}) DO UPDATE SET {sets}"

    def bind(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        for n, proc in binders:
            values[n] = proc(values[n])
        return tuple(values)

    return sql, bind


async def _sqlite_insert_calls(
    conn: AsyncConnection, rows: Sequence[CallRow]
) -> set[tuple[str, str]]:
    driver = await _driver(conn)
    by_org: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_org[row[0]].append(row[1])
    stored: set[tuple[str, str]] = set()
    for org_id, event_ids in by_org.items():
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start : start + 500]
            cursor = await driver.execute(
                "SELECT event_id FROM ai_calls "
                f"WHERE org_id = ? AND event_id IN ({', '.join('?' * len(chunk))})",
                (org_id, *chunk),
            )
            stored.update((org_id, event_id) for (event_id,) in await cursor.fetchall())
    sql, bind = _sqlite_statement(conn, ai_calls, CALL_COLUMNS)
    await driver.executemany(sql, [bind(r) for r in rows if (r[0], r[1]) not in stored])
    return stored


async def _sqlite_add_to_rollups(
    conn: AsyncConnection, rollups: Mapping[str, Sequence[dict[str, Any]]]
) -> None:
    driver = await _driver(conn)
    for name, rows in rollups.items():
        table, _key = AI_ROLLUPS[name]
        columns = list(rows[0])
        sql, bind = _sqlite_statement(conn, table, columns, add=ROLLUP_SUMS)
        await driver.executemany(sql, [bind([row[c] for c in columns]) for row in rows])


async def delete_ai_rollups(
    conn: AsyncConnection, *, org_id: str, since: date | None = None
) -> None:
    """The organization's AI rollup rows (only those of ``since`` on, a month's first day)."""
    for table, key in AI_ROLLUPS.values():
        stmt = table.delete().where(table.c.org_id == org_id)
        if since is not None:
            stmt = stmt.where(table.c[key[1]] >= since)
        await conn.execute(stmt)


async def delete_empty_rollup_rows(
    conn: AsyncConnection, *, names: Sequence[str], org_ids: Sequence[str]
) -> None:
    """The rows of these rollups and organizations that count no call any more."""
    for name in names:
        table, _key = AI_ROLLUPS[name]
        await conn.execute(
            table.delete().where(table.c.org_id.in_(list(org_ids)), table.c.calls == 0)
        )


async def orgs_with_calls_of(conn: AsyncConnection, *, model_id: str) -> list[str]:
    """The organizations that have calls of this model stored, in id order."""
    stmt = select(ai_calls.c.org_id).where(ai_calls.c.model_id == model_id).distinct()
    return sorted(org_id for (org_id,) in await conn.execute(stmt))


async def stream_ai_calls(
    conn: AsyncConnection,
    *,
    org_id: str,
    start: datetime | None = None,
    end: datetime | None = None,
    model_id: str | None = None,
    chunk: int = 5_000,
) -> AsyncIterator[list[CallRecord]]:
    """Every call of an organization (in ``[start, end)``, of ``model_id``) in chunks, for
    re-bucketing."""
    stmt = select(ai_calls).where(ai_calls.c.org_id == org_id)
    if model_id is not None:
        stmt = stmt.where(ai_calls.c.model_id == model_id)
    if start is not None:
        stmt = stmt.where(ai_calls.c.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(ai_calls.c.occurred_at < end)
    stream = await conn.stream(stmt.execution_options(yield_per=chunk))
    async for rows in stream.partitions(chunk):
        yield [record(CallRecord, row) for row in rows]
