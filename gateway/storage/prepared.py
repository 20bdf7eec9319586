"""Reads of a statement built once, sent on PostgreSQL straight to asyncpg.

``(await conn.execute(stmt, params)).all()`` costs SQLAlchemy about 150 µs of CPU per statement
(the execution context, a greenlet round trip, the cursor adapter) on top of the ~40 µs asyncpg
itself needs. :func:`fetch_all` gives the same rows for a statement that is built once (a module
constant or a cached builder's result) without most of that:

- the first execution per dialect goes through SQLAlchemy and leaves what the next ones reuse:
  the SQL it sent, the compiled form that turns parameters into the driver's arguments (bind
  processors included), and the factory of its ``Row`` objects (result processors included);
- the next ones send that SQL through the asyncpg connection under SQLAlchemy's connection
  (``fetch``, which keeps a prepared statement per connection), under the adapter's lock, and
  build the same ``Row`` objects.

What hooks SQLAlchemy's statements still sees them: ``before_cursor_execute`` listeners are
called with the statement and its arguments (no cursor, no execution context), so the
statement counts of metrics and tests stay whole. A driver error is raised as SQLAlchemy
raises it (translated, wrapped, the connection invalidated on a disconnect), so faults are
classified alike. SQLAlchemy runs the statement itself whenever the short way could differ:
not PostgreSQL, a connection that still has to begin its transaction, listeners that need the
execution context (``after_cursor_execute``: tracing; ``before_execute``, ``after_execute``),
parameters that change the SQL (``expanding`` lists), an engine that logs its statements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect, Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.util import greenlet_spawn


@dataclass(frozen=True, slots=True)
class _Learned:
    """What the first execution through SQLAlchemy left for a statement."""

    sql: str
    compiled: Any  # SQLCompiler: the parameters of a call in the driver's order
    positions: tuple[str, ...]
    processors: Mapping[str, Callable[[Any], Any]]
    make_rows: Callable[[Sequence[Any]], Sequence[Row[Any]]]


# On each dialect (an engine's), per statement: its learned form, or None when SQLAlchemy must
# run it every time. Kept on the dialect so that it goes with its engine; the statement is kept
# beside, so its ``id`` is never reused meanwhile.
_LEARNED = "_gateway_learned_statements"
_Cache = dict[int, tuple[Executable, _Learned | None]]


def _cache(dialect: Dialect) -> _Cache:
    cache: _Cache | None = getattr(dialect, _LEARNED, None)
    if cache is None:
        cache = {}
        setattr(dialect, _LEARNED, cache)
    return cache


async def fetch_all(
    conn: AsyncConnection, statement: Executable, params: Mapping[str, Any] | None = None
) -> Sequence[Row[Any]]:
    """``(await conn.execute(statement, params)).all()``, for a statement built once."""
    params = params or {}
    driver = _driver(conn)
    if driver is None:
        return (await conn.execute(statement, params)).all()
    found = _cache(conn.dialect).get(id(statement))
    if found is None:
        return await _learn(conn, statement, params)
    learned = found[1]
    args = _arguments(learned, params) if learned is not None else None
    if learned is None or args is None:
        # SQLAlchemy runs it (and raises as it does for a missing or unfit parameter).
        return (await conn.execute(statement, params)).all()
    return await _fetch(conn, driver, learned, args)


def _driver(conn: AsyncConnection) -> Any:
    """SQLAlchemy's asyncpg adapter under ``conn`` when the short way gives the same result."""
    if conn.dialect.name != "postgresql":
        return None
    sync = conn.sync_connection
    fairy = sync._dbapi_connection if sync is not None else None
    adapted = fairy.dbapi_connection if fairy is not None else None
    if adapted is None:
        return None
    if adapted._transaction is None and not adapted.autocommit:
        return None  # SQLAlchemy begins the transaction with its first statement
    dispatch = sync.dispatch  # type: ignore[union-attr]
    if dispatch.after_cursor_execute or dispatch.before_execute or dispatch.after_execute:
        return None
    if sync._echo:  # type: ignore[union-attr]
        return None  # the engine logs each statement
    return adapted


async def _learn(
    conn: AsyncConnection, statement: Executable, params: Mapping[str, Any]
) -> Sequence[Row[Any]]:
    result = await conn.execute(statement, params)
    context: Any = result.context
    learned: _Learned | None = None
    make_rows = result._row_getter[1]
    element: Any = statement
    compiled: Any = element.compile(dialect=conn.dialect)
    sent = context.compiled
    if (
        compiled.positional
        and not (compiled.literal_execute_params or compiled.post_compile_params)
        and not (sent.literal_execute_params or sent.post_compile_params)
        and compiled.string == context.statement
        and not context.executemany
        and make_rows is not None
    ):
        learned = _Learned(
            sql=context.statement,
            compiled=compiled,
            positions=tuple(compiled.positiontup),
            processors=dict(compiled._bind_processors),
            make_rows=make_rows,
        )
    rows = result.all()
    _cache(conn.dialect)[id(statement)] = (statement, learned)
    return rows


def _arguments(learned: _Learned, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The driver's arguments, as SQLAlchemy makes them (None when making them fails)."""
    try:
        values = learned.compiled.construct_params(params, escape_names=False)
        processors = learned.processors
        return tuple(
            [
                processors[name](values[name]) if name in processors else values[name]
                for name in learned.positions
            ]
        )
    except Exception:
        return None


async def _fetch(
    conn: AsyncConnection, adapted: Any, learned: _Learned, args: tuple[Any, ...]
) -> Sequence[Row[Any]]:
    sql = learned.sql
    sync: Any = conn.sync_connection
    for listener in sync.dispatch.before_cursor_execute:
        sql, args = listener(sync, None, sql, args, None, False)
    async with adapted._execute_mutex:
        try:
            records = await adapted._connection.fetch(sql, *args)
        except Exception as error:
            await greenlet_spawn(_raise_as_sqlalchemy, sync, adapted, error, sql, args)
            raise  # pragma: no cover - the line above always raises
    return learned.make_rows(records)


def _raise_as_sqlalchemy(sync: Any, adapted: Any, error: Exception, sql: str, args: Any) -> None:
    """Raise ``error`` as SQLAlchemy's execution would have: the adapter translates the driver's
    exception, the connection wraps it (and invalidates itself on a disconnect)."""
    try:
        adapted._handle_exception(error)
    except Exception as translated:
        sync._handle_dbapi_exception(translated, sql, args, None, None)
