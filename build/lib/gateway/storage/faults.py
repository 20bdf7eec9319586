"""A backing service away or too slow: recognising it.

:func:`classify` looks at an exception and everything it wraps (SQLAlchemy's ``orig``,
``__cause__``, ``__context__``). Each entrance maps a fault its own way: GraphQL fields answer
``extensions.code = SERVICE_UNAVAILABLE`` (``resolvers/faults.py``); anything else that escapes
a route (``/v1``, the credential look-up of ``/graphql``) is answered 503 by
``web/faults.py``'s middleware; ``/readyz`` names the reason. Nothing here holds state: once the
database answers again, the next request simply works (SQLAlchemy discards the connections
that died with the server, see tests/faults).
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import redis.exceptions
import sqlalchemy.exc

UNAVAILABLE_MESSAGE = "the database is unavailable, retry shortly"
TIMEOUT_MESSAGE = "the query took longer than the statement timeout"
SERVICE_MESSAGE = "a backing service is unavailable, retry shortly"

# Reasons (short, stable, free of hosts and credentials): logs, /readyz.
STATEMENT_TIMEOUT = "statement timeout"
DATABASE_UNREACHABLE = "database unreachable"
CONNECTION_LOST = "database connection lost"
DATABASE_TIMEOUT = "database did not answer in time"
POOL_TIMEOUT = "no database connection free in time"
DATABASE_BUSY = "database busy"
REDIS_UNREACHABLE = "redis unreachable"

_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EADDRNOTAVAIL,
    errno.EPIPE,
}
_PG_SERVER_AWAY = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)
_SQLITE_AWAY = ("database is locked", "unable to open database file", "disk i/o error")


@dataclass(frozen=True)
class Fault:
    reason: str
    message: str


def _wrapped(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then what it wraps, each once (a bounded walk)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 16:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        for inner in (orig, current.__cause__, current.__context__):
            if isinstance(inner, BaseException):
                todo.append(inner)


def _one(exc: BaseException) -> Fault | None:
    if isinstance(exc, asyncpg.exceptions.QueryCanceledError):
        return Fault(STATEMENT_TIMEOUT, TIMEOUT_MESSAGE)
    if isinstance(exc, sqlite3.OperationalError):
        text_lower = str(exc).lower()
        if text_lower == "interrupted":
            return Fault(STATEMENT_TIMEOUT, TIMEOUT_MESSAGE)
        if any(marker in text_lower for marker in _SQLITE_AWAY):
            return Fault(DATABASE_BUSY, UNAVAILABLE_MESSAGE)
        return None
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        return Fault(POOL_TIMEOUT, UNAVAILABLE_MESSAGE)
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return Fault(CONNECTION_LOST, UNAVAILABLE_MESSAGE)
    if isinstance(exc, _PG_SERVER_AWAY):
        return Fault(DATABASE_UNREACHABLE, UNAVAILABLE_MESSAGE)
    if isinstance(exc, asyncpg.exceptions.InterfaceError) and "closed" in str(exc):
        return Fault(CONNECTION_LOST, UNAVAILABLE_MESSAGE)
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return Fault(REDIS_UNREACHABLE, SERVICE_MESSAGE)
    if isinstance(exc, TimeoutError):
        return Fault(DATABASE_TIMEOUT, UNAVAILABLE_MESSAGE)
    if isinstance(exc, ConnectionError | socket.gaierror):
        return Fault(DATABASE_UNREACHABLE, UNAVAILABLE_MESSAGE)
    if isinstance(exc, OSError) and (
        exc.errno in _NETWORK_ERRNOS or "Connect call failed" in str(exc)
    ):
        return Fault(DATABASE_UNREACHABLE, UNAVAILABLE_MESSAGE)
    return None


def classify(exc: BaseException) -> Fault | None:
    """The fault behind ``exc`` when a backing service is away or too slow, else None."""
    for inner in _wrapped(exc):
        fault = _one(inner)
        if fault is not None:
            return fault
    return None


def unavailable(exc: BaseException) -> str | None:
    """A short reason when ``exc`` means the database (or Redis) is away or timed out."""
    fault = classify(exc)
    return fault.reason if fault else None
