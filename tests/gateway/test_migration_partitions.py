"""Migration 0008 moves an existing unpartitioned ``ai_calls`` into monthly partitions without
losing a row (PostgreSQL; on SQLite it only adds two small tables)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from gateway.maintenance import partition_queries
from gateway.migrate import migrate
from gateway.storage.db import Database
from gateway.storage.migrate import alembic_config
from tests.maintenance.partition_support import (
    ADMIN_DSN,
    PG_SERVER,
    cards,
    client_of,
    drop_pg,
    gather_pages,
    pg_problem,
    private_pg,
)
from tests.support import NOW, SERVICE, MovableClock, ai_call, put_member, put_org

SUMS = "SELECT count(*), sum(credits_e4), sum(input_tokens + output_tokens), sum(cost_micros) "
# Tables the app wrote that the schema before 0008 has too (the rest are seeded or empty).
_SKIP = {"alembic_version", "role_permissions", "ai_call_ids", "raw_retention"}


def _before_0008() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_revision("0008")
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


async def _calls(client: Any) -> list[dict[str, Any]]:
    """Calls spread over 18 months, two organizations, every mode, sent through /v1."""
    await put_org(client, "acme", time_zone="America/Los_Angeles")
    await put_org(client, "other", time_zone="Asia/Tokyo")
    for org in ("acme", "other"):
        for member in ("m1", "m2"):
            await put_member(client, org, member)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    calls = [
        ai_call(
            f"mig-{n:04d}",
            org_id=("acme", "other")[n % 2],
            member_id=("m1", "m2")[n // 2 % 2],
            occurred_at=(start + timedelta(hours=39 * n)).isoformat().replace("+00:00", "Z"),
            reason=("CHAT", "SUMMARIZE_CV", "GENERATE_FIELD")[n % 3],
            mode="BYOK" if n % 7 == 0 else "CREDITS",
            credits=f"{n % 13}.{n % 10}",
        )
        for n in range(320)
    ]
    assert all(c["occurredAt"] < "2026-11-20" for c in calls)
    response = await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)
    assert response.json() == {"accepted": 320, "duplicates": 0}, response.text
    return calls


async def _copy_tables(source: str, target: str) -> None:
    src, dst = await asyncpg.connect(source), await asyncpg.connect(target)
    try:
        names = [
            r["tablename"]
            for r in await dst.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        for name in names:
            if name in _SKIP:
                continue
            rows = await src.fetch(f"SELECT * FROM {name}")
            # What the migrations seeded (the catalog's data version) is replaced.
            await dst.execute(f"DELETE FROM {name}")
            if rows:
                await dst.copy_records_to_table(
                    name, records=[tuple(r.values()) for r in rows], columns=list(rows[0].keys())
                )
    finally:
        await src.close()
        await dst.close()


def _upgrade_to(revision: str) -> Any:
    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    return run


async def test_an_unpartitioned_table_is_moved_without_losing_a_row() -> None:
    problem = await pg_problem()
    if problem:
        pytest.skip(problem)
    reference, ref_name = await private_pg()
    old_name = f"gw_part_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{old_name}"')
    old = Database.from_url(f"{PG_SERVER}/{old_name}")
    dsn = PG_SERVER.replace("postgresql+asyncpg", "postgresql")
    try:
        async with client_of(reference, MovableClock(NOW)) as client:
            calls = await _calls(client)
            sent = len(calls)
            periods = [("2025-06-01", "2026-02-28"), ("2026-02-10", "2026-11-30")]
            want_cards = [await cards(client, *p) for p in periods]
            want_pages = await gather_pages(client, "2025-12-20", "2026-02-10")
        async with old.engine.begin() as conn:
            await conn.run_sync(_upgrade_to(_before_0008()))
        await _copy_tables(f"{dsn}/{ref_name}", f"{dsn}/{old_name}")
        old_conn = await asyncpg.connect(f"{dsn}/{old_name}")
        try:
            assert (
                await old_conn.fetchval(
                    "SELECT relkind::text FROM pg_class WHERE relname = 'ai_calls'"
                )
                == "r"
            )
            before = tuple(await old_conn.fetchrow(SUMS + "FROM ai_calls"))
            assert before[0] == sent
            await migrate(old)
            after = tuple(await old_conn.fetchrow(SUMS + "FROM ai_calls"))
            ids = await old_conn.fetchval("SELECT count(*) FROM ai_call_ids")
            waiting = await old_conn.fetchval(f"SELECT count(*) FROM {partition_queries.DEFAULT}")
            per_month = await old_conn.fetch(
                "SELECT tableoid::regclass::text AS part, "
                "min(date_trunc('month', occurred_at AT TIME ZONE 'UTC')) AS first, "
                "max(date_trunc('month', occurred_at AT TIME ZONE 'UTC')) AS last "
                "FROM ai_calls GROUP BY 1"
            )
        finally:
            await old_conn.close()
        assert after == before and ids == sent and waiting == 0
        # Every month of calls in a partition of its own, named after it.
        assert len(per_month) == 18
        for row in per_month:
            assert row["first"] == row["last"]
            assert row["part"] == partition_queries.partition_name(row["first"].date())
        async with client_of(old, MovableClock(NOW)) as client:
            assert [await cards(client, *p) for p in periods] == want_cards
            assert await gather_pages(client, "2025-12-20", "2026-02-10") == want_pages
            # An old call sent again is a duplicate, found through the copied ids.
            response = await client.post("/v1/ingest/ai-calls", json=calls[5:6], headers=SERVICE)
            assert response.json() == {"accepted": 0, "duplicates": 1}, response.text
    finally:
        await old.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{old_name}" WITH (FORCE)')
        await admin.close()
        await drop_pg(reference, ref_name)
