"""Every storage test runs on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import settings
from sqlalchemy import text
from starlette.applications import Starlette

from gateway.catalog.service import ensure_default_catalog
from gateway.migrate import migrate
from gateway.storage.db import Database
from gateway.web.app import create_app
from tests.citus import collect, report
from tests.support import NOW, MovableClock, make_settings

T = TypeVar("T")

# CI replays the same examples every run (a red build is then always reproducible);
# developers' runs explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
# Every statement sent to PostgreSQL is recorded, to check at the end that each one names its
# organization wherever it touches a tenant table (tests/citus).
collect.install()
PG_SERVER = os.environ.get("GATEWAY_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")
# Seeded by the migration; every other table is emptied between tests.
_KEEP = {"alembic_version", "role_permissions"}


async def _pg_reachable() -> str | None:
    import asyncpg

    dsn = PG_SERVER.replace("postgresql+asyncpg", "postgresql") + "/postgres"
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=3)
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_SERVER} ({type(exc).__name__}: {exc})"
    await conn.close()
    return None


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on a loop of its own (fixtures may sit inside a loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        db = Database.from_url(f"sqlite+aiosqlite:///{path}")
        await migrate(db)
        await db.dispose()

    _run(build())
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    problem = _run(_pg_reachable())
    if problem:
        pytest.skip(problem)
    name = f"gw_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def admin(sql: str) -> None:
        import asyncpg

        dsn = PG_SERVER.replace("postgresql+asyncpg", "postgresql") + "/postgres"
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def build(url: str) -> None:
        db = Database.from_url(url)
        await migrate(db)
        await db.dispose()

    _run(admin(f'CREATE DATABASE "{name}"'))
    url = f"{PG_SERVER}/{name}"
    _run(build(url))
    yield url
    _run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _empty_pg(db: Database) -> None:
    async with db.write() as conn:
        names = (
            await conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
        ).scalars()
        tables = [n for n in names if n not in _KEEP]
        await conn.execute(text(f"TRUNCATE {', '.join(tables)}"))
    await ensure_default_catalog(db)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "gateway.db"
        shutil.copy(sqlite_template, path)
        database = Database.from_url(f"sqlite+aiosqlite:///{path}")
    else:
        url = request.getfixturevalue("pg_database")
        database = Database.from_url(url)
        await _empty_pg(database)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def app(db: Database, clock: MovableClock) -> Starlette:
    return create_app(make_settings(), db=db, clock=clock)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a statement it sent would not route by organization on Citus.

    A session hook, not a last test: it sees the statements of every test that ran, whatever
    the selection or order, including those of fixtures torn down at the very end.
    """
    report.dump(collect.STATEMENTS)
    bad = report.offending(collect.STATEMENTS)
    if not bad:
        return
    writer = session.config.get_terminal_writer()
    writer.line()
    writer.line(f"{len(bad)} statement(s) touch a tenant table without its org_id:", red=True)
    for paragraph in bad:
        writer.line(paragraph)
    writer.line("Filter them by organization or list them in tests/citus/allowed.py.")
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
