"""The full Usage page answered from its plan against graphql-core, in one process, alternating.

Two gateways share one database and clock, one with the trusted documents planned and one
with ``planned_documents`` off. Each round sends the page to both, in turn, and measures the
Python CPU of this process (``time.process_time``: the database's own work is not in it) and
the wall time of each. The page's statements are then replayed as raw SQL. Reports planned ÷
general (CPU and wall) and each ÷ the raw SQL, and checks that both answer the same bytes.

    .venv/bin/python -m bench.planned --engine postgresql --calls 100000 --rounds 200
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event, func, select, text

from bench.dataset import build
from bench.report import Row, save
from gateway.clock import fixed_clock
from gateway.config import Settings
from gateway.migrate import migrate
from gateway.orgs.credentials import issue_member_token
from gateway.resolvers.documents import DIRECTORY
from gateway.storage.db import Database
from gateway.storage.tables import ai_calls
from gateway.web.app import create_app, settle_heap

# The trusted document itself (a copy of the frontend's), as the frontend sends it.
PAGE_QUERY = (DIRECTORY / "usage-page.graphql").read_text()
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ORG = "bench"
PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"


async def prepare(engine: str, calls: int) -> str:
    name = f"bench_planned_{calls}"
    if engine == "sqlite":
        url = f"sqlite+aiosqlite:////tmp/{name}.db"
    else:
        admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        url = f"{PG}/{name}"
    db = Database.from_url(url)
    await migrate(db)
    async with db.read() as conn:
        have = (await conn.execute(select(func.count()).select_from(ai_calls))).scalar_one()
    if not have:
        started = time.perf_counter()
        total = await build(
            db,
            org_id=ORG,
            time_zone="Europe/Paris",
            now=NOW,
            month_calls=calls,
            older_calls_per_month=calls // 10,
        )
        print(f"built {total:,} calls in {time.perf_counter() - started:.0f} s")
        if engine == "postgresql":
            async with db.write() as conn:
                await conn.execute(text("ANALYZE"))
    await db.dispose()
    return url


async def one(client: httpx.AsyncClient, token: str) -> tuple[float, float, bytes]:
    """(CPU ms, wall ms, body) of one page request."""
    cpu, wall = time.process_time(), time.perf_counter()
    response = await client.post(
        "/graphql", json={"query": PAGE_QUERY}, headers={"Authorization": f"Bearer {token}"}
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert response.status_code == 200 and b'"errors"' not in response.content, response.text
    return cpu * 1000, wall * 1000, response.content


async def run(args: argparse.Namespace) -> None:
    url = await prepare(args.engine, args.calls)
    settings = Settings(database_url=url, rate_limit_points=0)
    db = Database.from_url(url)
    planned_app = create_app(settings, db=db, clock=fixed_clock(NOW))
    general_app = create_app(
        settings.model_copy(update={"planned_documents": False}), db=db, clock=fixed_clock(NOW)
    )
    token = issue_member_token(settings, org_id=ORG, member_id="m1", now=NOW, ttl=timedelta(days=1))
    statements: list[tuple[str, Any]] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        statements.append((statement, parameters))

    samples: dict[str, list[tuple[float, float]]] = {"planned": [], "general": []}
    counted: dict[str, int] = {}
    base = "http://bench"
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=planned_app), base_url=base) as p,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=general_app), base_url=base) as g,
    ):
        clients = {"planned": p, "general": g}
        bodies = {}
        for name, client in clients.items():
            for _ in range(5):  # warm-up: pools, caches
                await one(client, token)
            statements.clear()
            bodies[name] = (await one(client, token))[2]
            counted[name] = len(statements)
        assert bodies["planned"] == bodies["general"], "the answers differ"
        page_statements = list(statements)
        settle_heap()
        gc.collect()
        for index in range(args.rounds):
            # Alternating, and which goes first alternates too.
            order = ("planned", "general") if index % 2 == 0 else ("general", "planned")
            for name in order:
                spent, took, _ = await one(clients[name], token)
                samples[name].append((spent, took))

    raw: list[float] = []
    async with db.read() as conn:
        for _ in range(args.rounds):
            started = time.perf_counter()
            for statement, parameters in page_statements:
                await conn.exec_driver_sql(statement, parameters)
            raw.append((time.perf_counter() - started) * 1000)
    await db.dispose()

    cpu = {name: statistics.median(s[0] for s in rows) for name, rows in samples.items()}
    wall = {name: statistics.median(s[1] for s in rows) for name, rows in samples.items()}
    raw_p50 = statistics.median(raw)
    print(f"engine {args.engine}, {args.calls:,} calls this month, {args.rounds} rounds each")
    rows = [
        Row("Usage page CPU per request, planned (ms, p50)", "", f"{cpu['planned']:.2f}"),
        Row("Usage page CPU per request, general (ms, p50)", "", f"{cpu['general']:.2f}"),
        Row(
            "Planned ÷ general, CPU per request",
            "≤ 0.5",
            f"{cpu['planned'] / cpu['general']:.2f}",
            cpu["planned"] / cpu["general"] <= 0.5,
        ),
        Row(
            "Planned ÷ general, wall time (p50)",
            "",
            f"{wall['planned']:.1f} / {wall['general']:.1f} ms = "
            f"{wall['planned'] / wall['general']:.2f}",
        ),
        Row(
            "Planned end-to-end ÷ raw SQL of the same statements",
            "≤ 2",
            f"{wall['planned']:.1f} / {raw_p50:.1f} ms = {wall['planned'] / raw_p50:.2f}",
            wall["planned"] / raw_p50 <= 2,
        ),
        Row(
            "General end-to-end ÷ raw SQL",
            "",
            f"{wall['general'] / raw_p50:.2f}",
        ),
        Row(
            "SQL statements per page, planned / general (credential look-up included)",
            "planned ≤ general",
            f"{counted['planned']} / {counted['general']}",
            counted["planned"] <= counted["general"],
        ),
        Row("Planned answer = general answer, byte for byte", "equal", "equal", True),
    ]
    save("planned", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
