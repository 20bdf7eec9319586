"""Engine, connections and the dialect-neutral upsert.

Callers take one connection per query function or loader batch (``Database.read``) or one
transaction per write (``Database.write``); nothing is shared between concurrent resolvers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Table, event, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from gateway.storage.limits import (
    DbLimits,
    discard_closed_connections,
    install_sqlite_deadline,
    postgres_options,
)

_SQLITE_BEGIN = "sqlite_begin"
T = TypeVar("T")


def create_engine(url: str, *, echo: bool = False, limits: DbLimits | None = None) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        install_sqlite_deadline(engine, limits)
        return engine
    # No pre-ping: it costs a round trip per checkout; stale connections are recycled instead.
    engine = create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_recycle=1800, **postgres_options(limits)
    )
    discard_closed_connections(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy emit BEGIN itself, so writers can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes fails at once (SQLITE_BUSY) when
        # another writer committed meanwhile; writers begin IMMEDIATE and wait their turn.
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        conn.exec_driver_sql(f"BEGIN {options.get(_SQLITE_BEGIN, 'DEFERRED')}")


class Database:
    """The engine plus the two ways to use it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._listeners: set[tuple[str, object]] = set()

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False, limits: DbLimits | None = None) -> Database:
        return cls(create_engine(url, echo=echo, limits=limits))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def primary(self) -> Database:
        """Where reads that must see every committed write go (a request's database may send
        its other reads to a replica: gateway/storage/routing.py)."""
        return self

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads, in autocommit: no BEGIN/ROLLBACK round trips around them."""
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back on any error."""
        async with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn = await conn.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
            async with conn.begin():
                yield conn

    async def run(self, query: Callable[..., Awaitable[T]], /, **kwargs: Any) -> T:
        """``query(conn, **kwargs)`` on a read connection of its own."""
        async with self.read() as conn:
            return await query(conn, **kwargs)

    def on_statement(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` before every statement sent through SQLAlchemy (once per listener).

        Statements sent straight through the driver (PostgreSQL ``COPY`` and the bulk upserts
        of ingest) bypass it.
        """
        sync_engine = self.engine.sync_engine

        def before(*_args: Any, **_kwargs: Any) -> None:
            listener()

        key = ("statement", listener)
        if key not in self._listeners:
            self._listeners.add(key)
            event.listen(sync_engine, "before_cursor_execute", before)

    def on_pool_change(self, checkout: Callable[[], None], checkin: Callable[[], None]) -> int:
        """Follow the pool's checkouts and checkins; returns how many are checked out now."""
        sync_engine = self.engine.sync_engine
        event.listen(sync_engine, "checkout", lambda *_: checkout())
        event.listen(sync_engine, "checkin", lambda *_: checkin())
        pool: Any = sync_engine.pool
        return int(pool.checkedout())

    async def ping(self) -> None:
        """One round trip; raises when the database cannot be reached."""
        async with self.read() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def insert_for(conn: AsyncConnection, table: Table) -> Any:
    """The dialect's INSERT construct, which knows ON CONFLICT."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_PG_ARRAY_TYPES = {
    "VARCHAR": "varchar",
    "BIGINT": "int8",
    "INTEGER": "int4",
    "DATE": "date",
    "DATETIME": "timestamptz",
    "TIMESTAMP": "timestamptz",
    "BOOLEAN": "bool",
}


def _pg_array_type(table: Table, column: str) -> str:
    type_name = str(table.c[column].type.compile()).split("(")[0].upper()
    if type_name not in _PG_ARRAY_TYPES:  # pragma: no cover - a new column type
        raise TypeError(f"no array type for {table.name}.{column} ({type_name})")
    return _PG_ARRAY_TYPES[type_name]


async def _pg_driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under ``conn``, which must be inside its transaction."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    if driver is None or not driver.is_in_transaction():
        raise RuntimeError("bulk statements run inside a write transaction that has begun")
    return driver


def _pg_unnest_insert(table: Table, columns: Sequence[str]) -> str:
    """``INSERT ... SELECT FROM unnest($1::t[], ...)``: a whole batch as one statement."""
    arrays = ", ".join(
        f"${n}::{_pg_array_type(table, column)}[]" for n, column in enumerate(columns, start=1)
    )
    return f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"


async def insert_new(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
) -> set[tuple[Any, ...]]:
    """Insert rows whose ``key`` is not stored yet; returns the keys that were inserted.

    On PostgreSQL the batch is one statement (arrays through ``unnest``) and a concurrent
    writer of the same keys waits, then skips them; on SQLite the write transaction holds the
    database lock, so the stored keys are looked up first.
    """
    if not rows:
        return set()
    columns = list(rows[0])
    if conn.dialect.name == "postgresql":
        # COPY into a per-session staging table, then one INSERT ... SELECT: about twice as
        # fast as binding the batch as arrays.
        driver = await _pg_driver(conn)
        stage = f"stage_{table.name}"
        names = ", ".join(columns)
        await driver.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table.name}) ON COMMIT DELETE ROWS"
        )
        await driver.copy_records_to_table(
            stage, records=[tuple(row[c] for c in columns) for row in rows], columns=columns
        )
        records = await driver.fetch(
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {stage} "
            f"ORDER BY {', '.join(key)} "
            f"ON CONFLICT ({', '.join(key)}) DO NOTHING RETURNING {', '.join(key)}"
        )
        return {tuple(record) for record in records}
    wanted = [tuple(row[c] for c in key) for row in rows]
    stored: set[tuple[Any, ...]] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found = await conn.execute(
            select(*(table.c[c] for c in key)).where(tuple_(*(table.c[c] for c in key)).in_(chunk))
        )
        stored.update(tuple(row) for row in found)
    new_rows = [row for row, k in zip(rows, wanted, strict=True) if k not in stored]
    if new_rows:
        await conn.execute(table.insert(), new_rows)
    return {tuple(row[c] for c in key) for row in new_rows}


async def upsert_add(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    add: Sequence[str],
) -> None:
    """Insert rows, or add their ``add`` columns to the row already under ``key``.

    Rows must have distinct keys (they are sums per key already).
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        sets = ", ".join(f"{c} = {table.name}.{c} + EXCLUDED.{c}" for c in add)
        conflict = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"
        sql = f"{_pg_unnest_insert(table, columns)} {conflict}"
        driver = await _pg_driver(conn)
        await driver.execute(sql, *([row[c] for row in rows] for c in columns))
        return
    stmt = insert_for(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + stmt.excluded[name] for name in add},
    )
    await conn.execute(stmt, list(rows))


async def upsert_replace(
    conn: AsyncConnection,
    table: Table,
    row: dict[str, Any],
    *,
    key: Sequence[str],
) -> None:
    """Insert a row, or overwrite the non-key columns of the row already under ``key``."""
    stmt = insert_for(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(key),
        set_={name: stmt.excluded[name] for name in row if name not in key},
    )
    await conn.execute(stmt, row)
