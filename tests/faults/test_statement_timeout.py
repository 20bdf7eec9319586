"""GATEWAY_STATEMENT_TIMEOUT_MS cuts a slow statement off, on PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.storage.db import Database
from gateway.storage.faults import STATEMENT_TIMEOUT, classify
from gateway.storage.limits import DbLimits
from tests.faults.servers import PrivatePostgres

LIMITS = DbLimits(statement_timeout_ms=300, connect_timeout_s=2, pool_timeout_s=2)
# Counts to a billion: minutes of work for SQLite unless something stops it.
SQLITE_SLOW = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT count(*) FROM c"
)
SQLITE_MEDIUM = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) "
    "SELECT count(*) FROM c"
)


@pytest.fixture(params=["sqlite", "postgresql"])
async def limited(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'slow.db'}", limits=LIMITS)
    else:
        server: PrivatePostgres = request.getfixturevalue("private_postgres")
        db = Database.from_url(server.url, limits=LIMITS)
    yield db
    await db.dispose()


def _slow(db: Database) -> str:
    return "SELECT pg_sleep(30)" if db.dialect == "postgresql" else SQLITE_SLOW


async def test_a_slow_statement_is_cut_off(limited: Database) -> None:
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        async with limited.read() as conn:
            await conn.execute(text(_slow(limited)))
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 2.5, elapsed
    fault = classify(caught.value)
    assert fault is not None and fault.reason == STATEMENT_TIMEOUT, repr(caught.value)
    # The connection (back in the pool) serves the next statements normally.
    async with limited.read() as conn:
        assert (await conn.execute(text("SELECT 41 + 1"))).scalar_one() == 42


async def test_a_slow_write_is_rolled_back_whole(limited: Database) -> None:
    async with limited.write() as conn:
        await conn.execute(text("CREATE TABLE marks (n INTEGER)"))
    with pytest.raises(Exception) as caught:
        async with limited.write() as conn:
            await conn.execute(text("INSERT INTO marks VALUES (1)"))
            await conn.execute(text(_slow(limited)))
    assert classify(caught.value) is not None
    async with limited.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM marks"))).scalar_one() == 0


async def test_statements_under_the_limit_are_not_cut_off(limited: Database) -> None:
    """Idle time inside a transaction does not count; each statement gets the whole budget."""
    async with limited.write() as conn:
        await conn.execute(text("CREATE TABLE marks (n INTEGER)"))
        await conn.execute(text("INSERT INTO marks VALUES (1)"))
        await asyncio.sleep(0.5)  # longer than the limit, between statements
        medium = "SELECT pg_sleep(0.1)" if limited.dialect == "postgresql" else SQLITE_MEDIUM
        await conn.execute(text(medium))
        await conn.execute(text("INSERT INTO marks VALUES (2)"))
    async with limited.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM marks"))).scalar_one() == 2


async def test_no_limit_when_the_setting_is_zero(tmp_path: Path) -> None:
    db = Database.from_url(
        f"sqlite+aiosqlite:///{tmp_path / 'free.db'}", limits=DbLimits(statement_timeout_ms=0)
    )
    try:
        # ~0.5 s of counting; a 300 ms limit would have stopped it.
        query = SQLITE_MEDIUM.replace("20000", "3000000")
        started = time.monotonic()
        async with db.read() as conn:
            assert (await conn.execute(text(query))).scalar_one() == 3_000_000
        assert time.monotonic() - started > 0.3
    finally:
        await db.dispose()
