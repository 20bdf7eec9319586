"""What one request did, gathered while it runs, for its access-log line and its metrics.

The access-log middleware opens a :class:`RequestInfo` per request and keeps it in a context
variable; the GraphQL layer, the database engine and the routes note what they know into it
through the ``note_*`` functions, which do nothing outside a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RequestInfo:
    request_id: str = ""
    operation: str | None = None
    graphql: bool = False
    cost: int | None = None
    sql_statements: int = 0
    error_codes: list[str] = field(default_factory=list)
    statement_timeouts: int = 0


_current: ContextVar[RequestInfo | None] = ContextVar("gateway_request_info", default=None)


def current() -> RequestInfo | None:
    return _current.get()


def begin(info: RequestInfo) -> Any:
    """Make ``info`` the current request's; returns the token for :func:`end`."""
    return _current.set(info)


def end(token: Any) -> None:
    _current.reset(token)


def note_graphql(operation_name: str | None, cost: int | None) -> None:
    """The operation a GraphQL request ran (None: anonymous) and its cost, once priced."""
    info = _current.get()
    if info is not None:
        info.graphql = True
        info.operation = operation_name
        info.cost = cost


def note_error_codes(codes: Sequence[str]) -> None:
    """The ``extensions.code`` of errors answered without execution (refusals, limits)."""
    info = _current.get()
    if info is not None:
        info.graphql = True
        info.error_codes.extend(codes)


def note_errors(errors: Sequence[Any]) -> None:
    """The ``extensions.code`` of each error of a GraphQL response."""
    info = _current.get()
    if info is not None:
        info.graphql = True
        for error in errors:
            code = (error.extensions or {}).get("code")
            info.error_codes.append(str(code) if code else "UNKNOWN")


def note_statement_timeout() -> None:
    """A statement of this request ran out of time (counted in the metrics)."""
    info = _current.get()
    if info is not None:
        info.statement_timeouts += 1


def count_statement() -> None:
    """One SQL statement of the current request (the engine calls this for each)."""
    info = _current.get()
    if info is not None:
        info.sql_statements += 1
