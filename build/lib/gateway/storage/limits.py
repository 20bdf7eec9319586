"""Bounds on every database call: connecting, waiting for a pooled connection, one statement.

PostgreSQL enforces the statement timeout itself (``statement_timeout`` set on each new
connection); the client also gives up on a server that stops answering altogether
(``command_timeout``). SQLite has no such setting: a progress handler on each connection
interrupts a statement that runs past the deadline (``sqlite3.OperationalError: interrupted``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_

from gateway.config import Settings

# The SQLite progress handler runs every this many virtual-machine instructions.
_SQLITE_PROGRESS_STEPS = 10_000
_CLOCK_KEY = "gateway_statement_clock"


@dataclass(frozen=True)
class DbLimits:
    statement_timeout_ms: int = 5_000  # 0: no statement timeout
    connect_timeout_s: float = 5.0
    pool_timeout_s: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DbLimits:
        return cls(
            statement_timeout_ms=settings.statement_timeout_ms,
            connect_timeout_s=settings.db_connect_timeout_s,
            pool_timeout_s=settings.db_pool_timeout_s,
        )


def postgres_options(limits: DbLimits | None) -> dict[str, Any]:
    """Keyword arguments for ``create_async_engine`` on asyncpg."""
    if limits is None:
        return {}
    connect_args: dict[str, Any] = {"timeout": limits.connect_timeout_s}
    if limits.statement_timeout_ms:
        connect_args["server_settings"] = {"statement_timeout": str(limits.statement_timeout_ms)}
        # The server cancels a slow statement itself; this only catches a server (or network)
        # that no longer answers at all, so it leaves the server's timeout room to fire first.
        connect_args["command_timeout"] = (
            limits.statement_timeout_ms / 1000 + limits.connect_timeout_s
        )
    return {"connect_args": connect_args, "pool_timeout": limits.pool_timeout_s}


def discard_closed_connections(engine: AsyncEngine) -> None:
    """Never hand out a pooled connection whose server already hung up (a restart while idle).

    asyncpg notices a closed socket by itself, so this costs no round trip (unlike
    ``pool_pre_ping``); the pool replaces the connection and, since it treats this as a
    disconnect, every connection older than it.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: PoolProxiedConnection) -> None:
        driver = getattr(dbapi_connection, "_connection", None)
        if driver is not None and driver.is_closed():
            raise exc.DisconnectionError("the server closed this pooled connection")


class _StatementClock:
    """When the running statement started; read by the progress handler in aiosqlite's thread."""

    __slots__ = ("limit", "started")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.started = math.inf

    def start(self) -> None:
        self.started = time.monotonic()

    def stop(self) -> None:
        self.started = math.inf

    def progress(self) -> int:
        """Non-zero interrupts the statement (and disarms, so a rollback is never cut off)."""
        if time.monotonic() - self.started > self.limit:
            self.started = math.inf
            return 1
        return 0


def install_sqlite_deadline(engine: AsyncEngine, limits: DbLimits | None) -> None:
    """Interrupt SQLite statements that run longer than ``limits.statement_timeout_ms``.

    Only statements are timed (from ``before_cursor_execute`` to ``after_cursor_execute``):
    rows of a server-side cursor fetched afterwards are not, nor are COMMIT and ROLLBACK.
    """
    if limits is None or not limits.statement_timeout_ms:
        return
    limit = limits.statement_timeout_ms / 1000
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        clock = _StatementClock(limit)
        record.info[_CLOCK_KEY] = clock
        # ``dbapi_connection`` adapts an aiosqlite connection, whose own thread owns the
        # sqlite3 connection: the handler is installed through it.
        driver = dbapi_connection._connection
        await_(driver.set_progress_handler(clock.progress, _SQLITE_PROGRESS_STEPS))

    def _clock(conn: Connection | None) -> _StatementClock | None:
        if conn is None or conn.closed or conn.invalidated:
            return None
        clock = conn.info.get(_CLOCK_KEY)
        return clock if isinstance(clock, _StatementClock) else None

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(conn: Connection, *_: Any) -> None:
        clock = _clock(conn)
        if clock is not None:
            clock.start()

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(conn: Connection, *_: Any) -> None:
        clock = _clock(conn)
        if clock is not None:
            clock.stop()

    @event.listens_for(sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        clock = _clock(context.connection)
        if clock is not None:
            clock.stop()
