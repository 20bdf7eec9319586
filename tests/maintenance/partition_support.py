"""A database of its own for the partition tests (they create and drop partitions), on both
engines, and the Usage cards they compare."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from gateway.catalog.service import ensure_default_catalog
from gateway.migrate import migrate
from gateway.storage.db import Database
from gateway.web.app import create_app
from tests.support import MovableClock, graphql, make_settings, member_token

PG_SERVER = os.environ.get("GATEWAY_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")
ADMIN_DSN = PG_SERVER.replace("postgresql+asyncpg", "postgresql") + "/postgres"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def private_pg() -> tuple[Database, str]:
    """A new PostgreSQL database, migrated (drop it with :func:`drop_pg`)."""
    name = f"gw_part_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    db = Database.from_url(f"{PG_SERVER}/{name}")
    await migrate(db)
    await ensure_default_catalog(db)
    return db, name


async def drop_pg(db: Database, name: str) -> None:
    await db.dispose()
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def pg_problem() -> str | None:
    try:
        conn = await asyncio.wait_for(asyncpg.connect(ADMIN_DSN), timeout=3)
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_SERVER} ({type(exc).__name__}: {exc})"
    await conn.close()
    return None


async def own_db(engine: str, tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Database]:
    if engine == "sqlite":
        path = tmp_path / "gateway.db"
        shutil.copy(sqlite_template, path)
        db = Database.from_url(f"sqlite+aiosqlite:///{path}")
        yield db
        await db.dispose()
        return
    problem = await pg_problem()
    if problem:
        pytest.skip(problem)
    db, name = await private_pg()
    try:
        yield db
    finally:
        await drop_pg(db, name)


def client_of(db: Database, clock: MovableClock) -> httpx.AsyncClient:
    app = create_app(make_settings(), db=db, clock=clock)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


CARDS = """
query Cards($from: Date!, $to: Date!) { organization { usage(period: {from: $from, to: $to}) {
  rawKeptSince
  summary { creditsCharged estimatedCostUsd calls byokCalls featureTypeCount modelTierCount }
  byReason { label creditsCharged calls }
  byUser(first: 50) { totalCount nodes { displayName creditsCharged calls } }
  byModel { label creditsCharged calls }
  timeSeries(granularity: DAY) { start creditsCharged calls }
  activity(first: 100) { totalCount edges { node { id } } }
} } }
"""

PAGE = """
query Page($from: Date!, $to: Date!, $after: String) {
  organization { usage(period: {from: $from, to: $to}) {
    activity(first: 50, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id occurredAt } }
    }
  } }
}
"""


async def cards(client: httpx.AsyncClient, first: str, last: str) -> dict[str, Any]:
    body = await graphql(
        client, CARDS, token=member_token("acme", "m1"), variables={"from": first, "to": last}
    )
    assert "errors" not in body, body
    usage: dict[str, Any] = body["data"]["organization"]["usage"]
    return usage


async def count_rows(db: Database, table: str) -> int:
    async with db.read() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def gather_pages(client: httpx.AsyncClient, first: str, last: str) -> list[dict[str, Any]]:
    """Every page of the activity log of the period, following endCursor."""
    pages, after = [], None
    while True:
        body = await graphql(
            client,
            PAGE,
            token=member_token("acme", "m1"),
            variables={"from": first, "to": last, "after": after},
        )
        assert "errors" not in body, body
        page = body["data"]["organization"]["usage"]["activity"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]
        await asyncio.sleep(0)
