"""Every distinct statement the tests send to PostgreSQL, and which code sent it.

Two doors: SQLAlchemy's ``before_cursor_execute`` (every statement of an engine), and the
asyncpg connection's own query methods, which the ingest, the bulk writes and the export pages
call directly under SQLAlchemy's connection (``driver_connection``). A COPY is recorded as the
``COPY table (columns) FROM STDIN`` it sends.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import asyncpg.connection
import greenlet  # type: ignore[import-untyped]
from sqlalchemy import event
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
_SELF = str(Path(__file__).resolve())
_SOURCES = tuple(str(ROOT / name) for name in ("gateway", "resolvers", "loaders", "tests"))

# statement text -> where it came from ("gateway/usage/writes.py", "tests/conftest.py", ...)
STATEMENTS: dict[str, set[str]] = {}
_QUERY_METHODS = ("execute", "executemany", "fetch", "fetchrow", "fetchval", "fetchmany")
_COPY_METHODS = ("copy_records_to_table", "copy_to_table")


def _project_file(frame: FrameType | None) -> str | None:
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_SOURCES) and not name.startswith(_SELF):
            return str(Path(name).relative_to(ROOT))
        frame = frame.f_back
    return None


def _origin() -> str:
    """The innermost project file on the stack (not this module): who wrote the statement."""
    found = _project_file(sys._getframe(2))
    # SQLAlchemy's async engine runs the statement in a greenlet of its own: the awaiting
    # coroutines sit on the stack of the greenlet that switched into it.
    current = greenlet.getcurrent()
    while found is None and current.parent is not None:
        current = current.parent
        found = _project_file(current.gr_frame)
    return found or "(outside the project)"


_SAMPLED: dict[str, int] = {}
# The stack is read for the first executions of each statement only: the senders of a statement
# show up early, and a bulk test runs the same few statements a million times.
_SAMPLES = 20


def record(statement: str) -> None:
    seen = _SAMPLED.get(statement, 0)
    if seen >= _SAMPLES:
        return
    _SAMPLED[statement] = seen + 1
    STATEMENTS.setdefault(statement, set()).add(_origin())


def _before_cursor_execute(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if conn.dialect.name == "postgresql":
        record(statement)


def _wrap_query(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        record(query)
        return await method(self, query, *args, **kwargs)

    return wrapper


def _wrap_copy(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(self: Any, table_name: str, **kwargs: Any) -> Any:
        columns = kwargs.get("columns")
        listed = f" ({', '.join(columns)})" if columns else ""
        record(f"COPY {table_name}{listed} FROM STDIN")
        return await method(self, table_name, **kwargs)

    return wrapper


def install() -> None:
    """Start recording (once per process)."""
    if getattr(install, "done", False):
        return
    event.listen(Engine, "before_cursor_execute", _before_cursor_execute)
    connection = asyncpg.connection.Connection
    for name in _QUERY_METHODS:
        setattr(connection, name, _wrap_query(getattr(connection, name)))
    for name in _COPY_METHODS:
        setattr(connection, name, _wrap_copy(getattr(connection, name)))
    install.done = True  # type: ignore[attr-defined]
