"""Both frontend pages answered from their plans against graphql-core, in one process, in turns.

Two gateways share one database and clock, one with the trusted documents planned and one
with ``planned_documents`` off. Each round sends the page to both, in turn, and measures the
Python CPU of this process (``time.process_time``: the database's own work is not in it) and
the wall time of each. The page's statements are then replayed as raw SQL. Reports planned ÷
general (CPU and wall) and each ÷ the raw SQL, and checks that both answer the same bytes, for
the Usage page (the dataset of ``bench.dataset``) and the Consumption page (an organization
seeded through ``/v1`` on the same database).

    .venv/bin/python -m bench.planned --engine postgresql --calls 100000 --rounds 200
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import time
from dataclasses import dataclass
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
from gateway.storage.db import Database
from gateway.storage.tables import ai_calls
from gateway.web.app import create_app, settle_heap
from resolvers.documents import DIRECTORY

# The trusted documents themselves (copies of the frontend's), as the frontend sends them.
PAGE_QUERY = (DIRECTORY / "usage-page.graphql").read_text()
CONSUMPTION_QUERY = (DIRECTORY / "consumption-page.graphql").read_text()
ORG_C = "bench-consumption"
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


async def seed_consumption(client: httpx.AsyncClient, service_token: str, events: int) -> None:
    """An organization with a CAPPED plan since a year ago, 200 openings and ``events``
    interview events over the year, through the ``/v1`` routes (skipped when it exists)."""
    service = {"Authorization": f"Bearer {service_token}"}
    base = f"/v1/orgs/{ORG_C}"
    if (await client.get(f"{base}/openings/o0", headers=service)).status_code == 200:
        return
    plan = {"interviewCreditsPerPeriod": "300", "rollover": "CAPPED", "rolloverCap": "100"}
    body = {"name": "Bench", "timeZone": "Europe/Paris", "activeSince": "2025-11-01"}
    response = await client.put(
        base, json={**body, "plan": {**plan, "billingAnchorDay": 5}}, headers=service
    )
    assert response.status_code in (200, 201), response.text
    response = await client.put(
        f"{base}/members/boss",
        json={"name": "Boss", "email": "boss@bench.test", "role": "ACCOUNT_ADMIN"},
        headers=service,
    )
    assert response.status_code in (200, 201), response.text
    for n in range(200):
        response = await client.put(
            f"{base}/openings/o{n}", json={"jobTitle": f"Role {n}"}, headers=service
        )
        assert response.status_code in (200, 201), response.text
    rng = random.Random(7)
    statuses = ["INVITED", "STARTED", "COMPLETED", "COMPLETED", "PARTIALLY_COMPLETED"]
    batch: list[dict[str, Any]] = []
    for n in range(events):
        status = rng.choice(statuses)
        event = {
            "eventId": f"e{n}",
            "orgId": ORG_C,
            "openingId": f"o{int(rng.paretovariate(1.1)) % 200}",
            "interviewId": f"i{n}",
            "candidateId": f"c{n}",
            "occurredAt": (NOW - timedelta(minutes=rng.randrange(1, 365 * 24 * 60))).isoformat(),
            "status": status,
        }
        if status == "PARTIALLY_COMPLETED":
            event["completedFraction"] = "0.5"
        batch.append(event)
        if len(batch) == 1_000 or n == events - 1:
            response = await client.post("/v1/ingest/interview-events", json=batch, headers=service)
            assert response.status_code == 200, response.text
            batch = []


async def one(
    client: httpx.AsyncClient, token: str, query: str = PAGE_QUERY
) -> tuple[float, float, bytes]:
    """(CPU ms, wall ms, body) of one page request."""
    cpu, wall = time.process_time(), time.perf_counter()
    response = await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert response.status_code == 200 and b'"errors"' not in response.content, response.text
    return cpu * 1000, wall * 1000, response.content


@dataclass
class Measured:
    cpu: dict[str, float]  # p50 CPU ms per request, by gateway
    wall: dict[str, float]  # p50 wall ms
    raw: float  # p50 ms of the page's statements replayed as raw SQL
    statements: dict[str, int]


async def measure(
    db: Database, clients: dict[str, httpx.AsyncClient], token: str, query: str, rounds: int
) -> Measured:
    """Both gateways in turns on one page; then its statements replayed as raw SQL."""
    statements: list[tuple[str, Any]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    counted: dict[str, int] = {}
    bodies = {}
    for name, client in clients.items():
        for _ in range(5):  # warm-up: pools, caches
            await one(client, token, query)
        statements.clear()
        bodies[name] = (await one(client, token, query))[2]
        counted[name] = len(statements)
    event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert bodies["planned"] == bodies["general"], "the answers differ"
    page_statements = list(statements)
    settle_heap()
    gc.collect()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in clients}
    for index in range(rounds):
        # Alternating, and which goes first alternates too.
        order = ("planned", "general") if index % 2 == 0 else ("general", "planned")
        for name in order:
            spent, took, _ = await one(clients[name], token, query)
            samples[name].append((spent, took))
    raw: list[float] = []
    async with db.read() as conn:
        for _ in range(rounds):
            started = time.perf_counter()
            for statement, parameters in page_statements:
                await conn.exec_driver_sql(statement, parameters)
            raw.append((time.perf_counter() - started) * 1000)
    return Measured(
        cpu={name: statistics.median(s[0] for s in rows) for name, rows in samples.items()},
        wall={name: statistics.median(s[1] for s in rows) for name, rows in samples.items()},
        raw=statistics.median(raw),
        statements=counted,
    )


def rows_of(page: str, m: Measured, target: bool) -> list[Row]:
    """The report of one page; ``target``: the issue's targets apply (the Usage page)."""
    cpu, wall = m.cpu, m.wall
    return [
        Row(
            f"{page} page CPU per request, planned / general (ms, p50)",
            "",
            f"{cpu['planned']:.2f} / {cpu['general']:.2f}",
        ),
        Row(
            f"{page}: planned ÷ general, CPU per request",
            "≤ 0.5" if target else "",
            f"{cpu['planned'] / cpu['general']:.2f}",
            cpu["planned"] / cpu["general"] <= 0.5 if target else None,
        ),
        Row(
            f"{page}: planned ÷ general, wall time (p50)",
            "",
            f"{wall['planned']:.1f} / {wall['general']:.1f} ms = "
            f"{wall['planned'] / wall['general']:.2f}",
        ),
        Row(
            f"{page}: planned end-to-end ÷ raw SQL of the same statements",
            "≤ 2" if target else "",
            f"{wall['planned']:.1f} / {m.raw:.1f} ms = {wall['planned'] / m.raw:.2f} "
            f"(general {wall['general'] / m.raw:.2f})",
            wall["planned"] / m.raw <= 2 if target else None,
        ),
        Row(
            f"{page}: SQL statements, planned / general (credential look-up included)",
            "planned ≤ general",
            f"{m.statements['planned']} / {m.statements['general']}",
            m.statements["planned"] <= m.statements["general"],
        ),
        Row(f"{page}: planned answer = general answer, byte for byte", "equal", "equal", True),
    ]


async def run(args: argparse.Namespace) -> None:
    url = await prepare(args.engine, args.calls)
    # Fresh answers both ways: the response cache is measured by bench.response_cache.
    settings = Settings(database_url=url, rate_limit_points=0, response_cache_bytes=0)
    db = Database.from_url(url)
    planned_app = create_app(settings, db=db, clock=fixed_clock(NOW))
    general_app = create_app(
        settings.model_copy(update={"planned_documents": False}), db=db, clock=fixed_clock(NOW)
    )
    day = timedelta(days=1)
    usage_token = issue_member_token(settings, org_id=ORG, member_id="m1", now=NOW, ttl=day)
    boss = issue_member_token(settings, org_id=ORG_C, member_id="boss", now=NOW, ttl=day)
    base = "http://bench"
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=planned_app), base_url=base) as p,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=general_app), base_url=base) as g,
    ):
        clients = {"planned": p, "general": g}
        usage = await measure(db, clients, usage_token, PAGE_QUERY, args.rounds)
        await seed_consumption(p, settings.service_token, args.interviews)
        consumption = await measure(db, clients, boss, CONSUMPTION_QUERY, args.rounds)
    await db.dispose()
    print(
        f"engine {args.engine}; Usage: {args.calls:,} calls this month; Consumption: "
        f"{args.interviews:,} interview events over a year, 200 openings; "
        f"{args.rounds} rounds each"
    )
    save("planned", rows_of("Usage", usage, True) + rows_of("Consumption", consumption, False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--interviews", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=200)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
