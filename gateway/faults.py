"""A backing service away or too slow: recognise it, answer 503 with Retry-After, log it once.

:func:`classify` looks at an exception and everything it wraps (SQLAlchemy's ``orig``,
``__cause__``, ``__context__``). Each entrance maps a fault its own way: GraphQL fields answer
``extensions.code = SERVICE_UNAVAILABLE`` (``resolvers/faults.py``); anything else that escapes
a route (``/v1``, the credential look-up of ``/graphql``) is answered 503 by
:class:`FaultMiddleware`; ``/readyz`` names the reason. Nothing here holds state: once the
database answers again, the next request simply works (SQLAlchemy discards the connections
that died with the server, see tests/faults).
"""

from __future__ import annotations

import errno
import logging
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import redis.exceptions
import sqlalchemy.exc
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import ErrorCode
from gateway.jsonresponse import JSONResponse

log = logging.getLogger("gateway.faults")

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


def fault_response(fault: Fault, path: str, retry_after: int) -> Response:
    """503 in the shape of the route: GraphQL errors on ``/graphql``, the ``/v1`` error body
    elsewhere."""
    code = ErrorCode.SERVICE_UNAVAILABLE.value
    body: dict[str, object]
    if path.startswith("/graphql"):
        body = {"errors": [{"message": fault.message, "extensions": {"code": code}}]}
    else:
        body = {"error": {"code": code, "message": fault.message}}
    return JSONResponse(body, status_code=503, headers={"Retry-After": str(retry_after)})


class FaultMiddleware:
    """Answers 503 + Retry-After for a fault that escapes a route before it started answering.

    Any other exception, or a fault in the middle of a streamed answer, goes on as before.
    """

    def __init__(self, app: ASGIApp, retry_after: int) -> None:
        self.app = app
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            fault = classify(exc)
            if fault is None or started:
                raise
            log.warning(
                "%s %s answered 503: %s (%s, request %s)",
                scope["method"],
                scope["path"],
                fault.reason,
                type(exc).__name__,
                scope.get("state", {}).get("request_id"),
            )
            await fault_response(fault, scope["path"], self.retry_after)(scope, receive, send)


async def readyz(request: Request) -> Response:
    """Ready when the database answers ``SELECT 1``; otherwise 503 naming the reason."""
    state = request.app.state.gateway
    try:
        async with state.db.read() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"
        reason = unavailable(exc) or type(exc).__name__
        return JSONResponse(
            {"status": "unavailable", "reason": reason},
            503,
            headers={"Retry-After": str(state.settings.retry_after_s)},
        )
    return JSONResponse({"status": "ready"})
