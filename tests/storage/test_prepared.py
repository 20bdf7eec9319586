"""``fetch_all``: the rows, statements, transactions and errors of SQLAlchemy's own execution,
whichever way the statement went (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy.exc
from sqlalchemy import Integer, bindparam, event, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.db import Database
from gateway.storage.faults import CONNECTION_LOST, STATEMENT_TIMEOUT, classify
from gateway.storage.limits import DbLimits
from gateway.storage.prepared import fetch_all
from gateway.storage.tables import members
from tests.support import count_statements

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
# A literal beside the bound parameters (its value is part of the compiled statement), a
# parameter of a column type with processors both ways (UTCDateTime), sums PostgreSQL returns
# as numeric.
MEMBERS_SINCE = (
    select(
        members.c.id,
        members.c.name,
        members.c.updated_at,
        members.c.removed,
        func.count().over().label("row_count"),
    )
    .where(
        members.c.org_id == bindparam("org_id"),
        members.c.updated_at >= bindparam("since", type_=members.c.updated_at.type),
        members.c.name != "nobody",
    )
    .order_by(members.c.id)
)
RATIO = select((literal_column("100") / bindparam("d", type_=Integer)).label("ratio"))
SLEEP = select(func.pg_sleep(bindparam("s")).label("slept"))
PID = select(func.pg_backend_pid().label("pid"))
# PostgreSQL's now() is the start of the transaction: the same for all its statements.
TRANSACTION_START = select(func.now().label("at"))
BY_IDS = select(members.c.id).where(
    members.c.org_id == bindparam("org_id"), members.c.id.in_(bindparam("ids", expanding=True))
)


async def _put_members(db: Database) -> None:
    async with db.write() as conn:
        await conn.execute(
            members.insert(),
            [
                {
                    "org_id": "o1",
                    "id": f"m{n}",
                    "name": "nobody" if n == 3 else f"Member {n}",
                    "email": f"m{n}@example.com",
                    "role": "MEMBER",
                    "removed": n == 2,
                    "updated_at": T0 + timedelta(hours=n),
                }
                for n in range(5)
            ],
        )


@contextmanager
def executions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """How many statements went through SQLAlchemy's ``AsyncConnection.execute``."""
    seen: list[str] = []
    original = AsyncConnection.execute

    async def counted(self: AsyncConnection, statement: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(statement))
        return await original(self, statement, *args, **kwargs)

    monkeypatch.setattr(AsyncConnection, "execute", counted)
    yield seen


def _as_tuples(rows: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in rows]


async def test_rows_are_those_sqlalchemy_gives(db: Database) -> None:
    await _put_members(db)
    params = {"org_id": "o1", "since": (T0 + timedelta(hours=1)).astimezone(PARIS)}
    async with db.read() as conn:
        expected = (await conn.execute(MEMBERS_SINCE, params)).all()
        first = await fetch_all(conn, MEMBERS_SINCE, params)
        again = await fetch_all(conn, MEMBERS_SINCE, params)
    # m0 is older than ``since``; m3 is named "nobody".
    assert [row.id for row in expected] == ["m1", "m2", "m4"]
    assert [row.updated_at for row in expected] == [T0 + timedelta(hours=n) for n in (1, 2, 4)]
    assert all(row.updated_at.tzinfo is not None for row in again)
    for rows in (first, again):
        assert _as_tuples(rows) == _as_tuples(expected)
        assert [row._fields for row in rows] == [row._fields for row in expected]
        assert [type(row) for row in rows] == [type(row) for row in expected]
        assert [type(v) for row in rows for v in row] == [type(v) for row in expected for v in row]
    async with db.read() as conn:
        assert await fetch_all(conn, MEMBERS_SINCE, {**params, "org_id": "o2"}) == []


async def test_postgresql_sends_it_past_sqlalchemy_after_the_first_time(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _put_members(db)
    params = {"org_id": "o1", "since": T0}
    with executions(monkeypatch) as seen:
        async with db.read() as conn:
            for _ in range(3):
                assert len(await fetch_all(conn, MEMBERS_SINCE, params)) == 4
    # SQLite always through SQLAlchemy; PostgreSQL learns the statement the first time.
    assert len(seen) == (3 if db.dialect == "sqlite" else 1)


async def test_statement_listeners_see_every_statement_alike(db: Database) -> None:
    await _put_members(db)
    counted: list[None] = []
    db.on_statement(lambda: counted.append(None))
    params = {"org_id": "o1", "since": T0}
    with count_statements(db) as statements:
        async with db.read() as conn:
            await conn.execute(MEMBERS_SINCE, params)
            for _ in range(3):
                await fetch_all(conn, MEMBERS_SINCE, params)
    assert len(statements) == 4 and len(set(statements)) == 1
    assert len(counted) == 4


async def test_expanding_parameters_go_through_sqlalchemy(db: Database) -> None:
    await _put_members(db)
    async with db.read() as conn:
        for ids in (["m1"], ["m1", "m4", "zz"], ["m0", "m2", "m3", "m4"]):
            rows = await fetch_all(conn, BY_IDS, {"org_id": "o1", "ids": ids})
            assert sorted(row.id for row in rows) == sorted(i for i in ids if i != "zz")


async def test_a_write_transaction_reads_its_own_rows(db: Database) -> None:
    params = {"org_id": "o1", "since": T0}
    async with db.read() as conn:
        await fetch_all(conn, MEMBERS_SINCE, params)  # learnt
    async with db.write() as conn:
        # The first statement of the transaction begins it.
        assert await fetch_all(conn, MEMBERS_SINCE, params) == []
        await conn.execute(
            members.insert(),
            {"org_id": "o1", "id": "m9", "name": "New", "email": "n@example.com"}
            | {"role": "MEMBER", "removed": False, "updated_at": T0},
        )
        assert [row.id for row in await fetch_all(conn, MEMBERS_SINCE, params)] == ["m9"]
        if db.dialect == "postgresql":
            async with db.read() as other:
                assert await fetch_all(other, MEMBERS_SINCE, params) == []  # not committed
    async with db.read() as conn:
        assert [row.id for row in await fetch_all(conn, MEMBERS_SINCE, params)] == ["m9"]


async def test_the_first_statement_of_a_write_begins_its_transaction(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite's statements have no transaction start time")
    async with db.read() as conn:
        await fetch_all(conn, TRANSACTION_START)  # learnt
    async with db.write() as conn:
        started = (await fetch_all(conn, TRANSACTION_START))[0].at
        await conn.execute(text("SELECT pg_sleep(0.01)"))
        assert (await fetch_all(conn, TRANSACTION_START))[0].at == started
    async with db.read() as conn:
        assert (await fetch_all(conn, TRANSACTION_START))[0].at > started


async def test_a_missing_parameter_raises_as_sqlalchemy_raises(db: Database) -> None:
    async with db.read() as conn:
        await fetch_all(conn, MEMBERS_SINCE, {"org_id": "o1", "since": T0})
        with pytest.raises(sqlalchemy.exc.StatementError) as caught:
            await fetch_all(conn, MEMBERS_SINCE, {"org_id": "o1"})
    assert "since" in str(caught.value)
    async with db.read() as conn:
        with pytest.raises(sqlalchemy.exc.StatementError) as naive:
            await fetch_all(conn, MEMBERS_SINCE, {"org_id": "o1", "since": T0.replace(tzinfo=None)})
    assert "naive" in str(naive.value)


async def test_driver_errors_are_raised_as_sqlalchemy_raises_them(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite divides by zero without an error")
    async with db.read() as conn:
        assert (await fetch_all(conn, RATIO, {"d": 4}))[0].ratio == 25
        with pytest.raises(sqlalchemy.exc.DBAPIError) as through:
            await conn.execute(RATIO, {"d": 0})
    async with db.read() as conn:
        with pytest.raises(sqlalchemy.exc.DBAPIError) as short:
            await fetch_all(conn, RATIO, {"d": 0})
        # The connection serves the next statement.
        assert (await fetch_all(conn, RATIO, {"d": 5}))[0].ratio == 20
    assert type(short.value) is type(through.value)
    assert type(short.value.orig) is type(through.value.orig)
    assert short.value.orig.__cause__ is not None and "division by zero" in str(short.value)
    assert not short.value.connection_invalidated


@pytest.fixture
async def limited(db: Database) -> AsyncIterator[Database]:
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL: the server ends slow statements and connections")
    limits = DbLimits(statement_timeout_ms=300, connect_timeout_s=2, pool_timeout_s=2)
    other = Database.from_url(db.engine.url.render_as_string(hide_password=False), limits=limits)
    yield other
    await other.dispose()


async def test_a_statement_past_the_timeout_is_a_statement_timeout(limited: Database) -> None:
    async with limited.read() as conn:
        await fetch_all(conn, SLEEP, {"s": 0})
        with pytest.raises(sqlalchemy.exc.DBAPIError) as caught:
            await fetch_all(conn, SLEEP, {"s": 30})
    fault = classify(caught.value)
    assert fault is not None and fault.reason == STATEMENT_TIMEOUT, repr(caught.value)
    async with limited.read() as conn:
        assert len(await fetch_all(conn, SLEEP, {"s": 0})) == 1


async def test_a_lost_connection_is_invalidated_and_replaced(limited: Database) -> None:
    async with limited.read() as conn:
        pid = (await fetch_all(conn, PID))[0].pid
        assert (await fetch_all(conn, PID))[0].pid == pid  # learnt: the short way now
        async with limited.read() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(sqlalchemy.exc.DBAPIError) as caught:
            await fetch_all(conn, PID)
    assert caught.value.connection_invalidated
    fault = classify(caught.value)
    assert fault is not None and fault.reason == CONNECTION_LOST, repr(caught.value)
    async with limited.read() as conn:
        assert (await fetch_all(conn, PID))[0].pid != pid


async def test_listeners_that_need_the_execution_context_keep_sqlalchemy(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _put_members(db)
    after: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        after.append(statement)

    params = {"org_id": "o1", "since": T0}
    async with db.read() as conn:
        await fetch_all(conn, MEMBERS_SINCE, params)
    event.listen(db.engine.sync_engine, "after_cursor_execute", record)
    try:
        with executions(monkeypatch) as seen:
            async with db.read() as conn:
                for _ in range(2):
                    assert len(await fetch_all(conn, MEMBERS_SINCE, params)) == 4
    finally:
        event.remove(db.engine.sync_engine, "after_cursor_execute", record)
    assert len(seen) == 2 and len(after) == 2
