"""Statements of ``usage-gateway partitions``: ``ai_calls``' monthly partitions on PostgreSQL
(created ahead, split off the default partition, dropped past retention) and the delete of
old calls on SQLite.

Every statement here spans organizations on purpose (a partition holds a month of every
organization's calls): they are listed as maintenance statements in tests/citus/allowed.py.
Partition bounds are UTC months, written as literals (DDL takes no parameters); names are made
here from dates only.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.core.calendar import add_months
from gateway.storage.tables import ai_calls, raw_retention

PARENT = "ai_calls"
DEFAULT = "ai_calls_default"
_MONTHLY = re.compile(r"ai_calls_p(\d{4})_(\d{2})")
_COLUMNS = ", ".join(c.name for c in ai_calls.columns)


def partition_name(month: date) -> str:
    return f"{PARENT}_p{month.year:04d}_{month.month:02d}"


def is_partition_name(name: str) -> bool:
    """A table this module made: a month's partition of ``ai_calls`` or its default one."""
    return name == DEFAULT or _MONTHLY.fullmatch(name) is not None


def month_instant(month: date) -> datetime:
    """The first instant of a UTC month."""
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def _literal(month: date) -> str:
    return f"'{month.year:04d}-{month.month:02d}-01 00:00:00+00'"


def _range(month: date) -> str:
    lower, upper = _literal(month), _literal(add_months(month, 1))
    return f"occurred_at >= {lower} AND occurred_at < {upper}"


async def is_partitioned(conn: AsyncConnection) -> bool:
    """Whether ``ai_calls`` is a partitioned table (PostgreSQL after migration 0008)."""
    if conn.dialect.name != "postgresql":
        return False
    kind = await conn.execute(
        text("SELECT relkind::text FROM pg_class WHERE oid = to_regclass(:name)"),
        {"name": PARENT},
    )
    return kind.scalar_one_or_none() == "p"


async def monthly_partitions(conn: AsyncConnection) -> list[date]:
    """The months that have a partition of their own, oldest first."""
    rows = await conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:name)"
        ),
        {"name": PARENT},
    )
    months = []
    for (name,) in rows:
        found = _MONTHLY.fullmatch(name)
        if found is not None:
            months.append(date(int(found[1]), int(found[2]), 1))
    return sorted(months)


async def months_in_default(conn: AsyncConnection) -> list[date]:
    """The UTC months of the calls that landed in the default partition."""
    rows = await conn.execute(
        text(
            "SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date "
            f"FROM {DEFAULT}"
        )
    )
    return sorted(month for (month,) in rows)


async def create_partition(conn: AsyncConnection, month: date) -> None:
    """A partition for a UTC month; calls of that month waiting in the default partition are
    moved into it first (PostgreSQL refuses to create it over them)."""
    name = partition_name(month)
    bounds = f"FOR VALUES FROM ({_literal(month)}) TO ({_literal(add_months(month, 1))})"
    waiting = await conn.execute(
        text(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE {_range(month)})")
    )
    if not waiting.scalar_one():
        await conn.execute(text(f"CREATE TABLE {name} PARTITION OF {PARENT} {bounds}"))
        return
    await conn.execute(text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)"))
    await conn.execute(
        text(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE {_range(month)} RETURNING {_COLUMNS}) "
            f"INSERT INTO {name} ({_COLUMNS}) SELECT {_COLUMNS} FROM moved"
        )
    )
    await conn.execute(text(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} {bounds}"))


async def drop_partition(conn: AsyncConnection, month: date) -> int:
    """Drop a month's partition with its calls' ids; returns how many calls it held."""
    name = partition_name(month)
    forgotten = await conn.execute(
        text(
            f"DELETE FROM ai_call_ids AS i USING {name} AS p "
            "WHERE i.org_id = p.org_id AND i.event_id = p.event_id"
        )
    )
    await conn.execute(text(f"ALTER TABLE {PARENT} DETACH PARTITION {name}"))
    await conn.execute(text(f"DROP TABLE {name}"))
    return int(forgotten.rowcount)


async def delete_default_before(conn: AsyncConnection, cutoff: date) -> int:
    """Delete the default partition's calls before a UTC month, with their ids."""
    before = f"occurred_at < {_literal(cutoff)}"
    await conn.execute(
        text(
            f"DELETE FROM ai_call_ids AS i USING {DEFAULT} AS p "
            f"WHERE i.org_id = p.org_id AND i.event_id = p.event_id AND p.{before}"
        )
    )
    deleted = await conn.execute(text(f"DELETE FROM {DEFAULT} WHERE {before}"))
    return int(deleted.rowcount)


async def delete_calls_before(conn: AsyncConnection, cutoff: datetime) -> int:
    """SQLite's retention: one plain table, its old calls deleted."""
    deleted = await conn.execute(ai_calls.delete().where(ai_calls.c.occurred_at < cutoff))
    return int(deleted.rowcount)


async def set_kept_since(conn: AsyncConnection, kept_since: datetime) -> None:
    """Record from when the raw calls are kept (the answers and the ingest read it)."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(raw_retention).values(table_name=PARENT, kept_since=kept_since)
    stmt = stmt.on_conflict_do_update(
        index_elements=["table_name"], set_={"kept_since": stmt.excluded.kept_since}
    )
    await conn.execute(stmt)
