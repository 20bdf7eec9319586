"""Benchmark of the full Usage page query (the frontend's usage-page.graphql).

Prints, from one run: latency percentiles of the page through the whole stack (in-process ASGI),
the same statements replayed as raw SQL, their ratio, the statement count, a 365-day range
against the month, and a page 1,000,000 rows deep against the first.

    .venv/bin/python -m bench.usage_page --engine postgresql --calls 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event, func, select, text

from bench.dataset import build
from bench.report import Row, save
from gateway.clock import fixed_clock
from gateway.config import Settings
from gateway.core.cursors import CursorCodec
from gateway.migrate import migrate
from gateway.orgs.credentials import issue_member_token
from gateway.storage.db import Database
from gateway.storage.tables import ai_calls
from gateway.storage.versions import move_versions
from gateway.web.app import create_app, settle_heap

ROOT = Path(__file__).resolve().parents[1]
PAGE_QUERY = (ROOT / "resolvers" / "documents" / "usage-page.graphql").read_text()
ACTIVITY_QUERY = """query($after: String) { organization { usage { activity(first: 50, after: $after) {
  edges { node { id occurredAt creditsCharged member { name } } } } } } }"""
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ORG = "bench"
PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def prepare(engine: str, calls: int, older: int, fresh: bool) -> str:
    name = f"bench_usage_{calls}"
    if engine == "sqlite":
        path = Path(f"/tmp/{name}.db")
        if fresh and path.exists():
            path.unlink()
        url = f"sqlite+aiosqlite:///{path}"
        exists = path.exists()
    else:
        admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        exists = bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
        if fresh and exists:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
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
            older_calls_per_month=older,
        )
        print(f"built {total:,} calls in {time.perf_counter() - started:.0f} s")
        async with db.write() as conn:
            # Written straight into the tables: the organization's data version moves here.
            await move_versions(conn, [ORG])
        if engine == "postgresql":
            async with db.write() as conn:
                await conn.execute(text("ANALYZE"))
    await db.dispose()
    return url


async def timed(
    client: httpx.AsyncClient, query: str, token: str, variables: dict[str, Any], rounds: int
) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        samples.append((time.perf_counter() - started) * 1000)
        body = response.json()
        assert "errors" not in body, body["errors"]
    return samples


async def run(args: argparse.Namespace, calls: int, *, fresh: bool) -> Measured:
    url = await prepare(args.engine, calls, args.older, fresh)
    # Fresh answers: the response cache is measured by bench.response_cache.
    settings = Settings(database_url=url, rate_limit_points=0, response_cache_bytes=0)
    db = Database.from_url(url)
    app = create_app(settings, db=db, clock=fixed_clock(NOW))
    token = issue_member_token(settings, org_id=ORG, member_id="m1", now=NOW, ttl=timedelta(days=1))
    statements: list[tuple[str, Any]] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        statements.append((statement, parameters))

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await timed(client, PAGE_QUERY, token, {}, 5)  # warm-up: pools, caches
        settle_heap()  # what the server's start-up does (the ASGI transport runs no lifespan)
        statements.clear()
        await timed(client, PAGE_QUERY, token, {}, 1)
        page_statements = list(statements)
        month = await timed(client, PAGE_QUERY, token, {}, args.rounds)
        year = await timed(
            client,
            PAGE_QUERY,
            token,
            {"period": {"from": "2025-11-29", "to": "2026-11-28"}},
            args.rounds,
        )
        first_page = await timed(client, ACTIVITY_QUERY, token, {}, args.rounds)
        async with db.read() as conn:
            month_start = datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
            depth = min(1_000_000, calls - 100)
            row = (
                await conn.execute(
                    select(ai_calls.c.occurred_at, ai_calls.c.event_id)
                    .where(ai_calls.c.org_id == ORG, ai_calls.c.occurred_at >= month_start)
                    .order_by(ai_calls.c.occurred_at.desc(), ai_calls.c.event_id.desc())
                    .offset(depth)
                    .limit(1)
                )
            ).one()
        cursor = CursorCodec(settings.jwt_secret).encode(
            scope=[ORG, "activity", "2026-11-01", "2026-12-01"],
            position=[row.occurred_at.isoformat(), row.event_id],
        )
        deep = await timed(client, ACTIVITY_QUERY, token, {"after": cursor}, args.rounds)

    # The same statements, straight to the driver, one after another.
    raw: list[float] = []
    async with db.read() as conn:
        for _ in range(args.rounds):
            started = time.perf_counter()
            for statement, parameters in page_statements:
                await conn.exec_driver_sql(statement, parameters)
            raw.append((time.perf_counter() - started) * 1000)
    await db.dispose()

    p50 = statistics.median(month)
    raw_p50 = statistics.median(raw)
    year_ratio = statistics.median(year) / p50
    deep_ratio = statistics.median(deep) / statistics.median(first_page)
    print(
        f"engine {args.engine}, {args.calls:,} calls this month, {args.older:,} in each of 12 months before"
    )
    return Measured(
        p50=p50,
        p99=pct(month, 0.99),
        raw_p50=raw_p50,
        year_ratio=year_ratio,
        deep_ratio=deep_ratio,
        depth=depth,
        statements=len(page_statements),
    )


@dataclass(frozen=True, slots=True)
class Measured:
    p50: float
    p99: float
    raw_p50: float
    year_ratio: float
    deep_ratio: float
    depth: int
    statements: int


def rows(args: argparse.Namespace, base: Measured, large: Measured | None) -> list[Row]:
    where = f"{args.calls:,} calls this month ({args.engine})"
    ratio = base.p50 / base.raw_p50
    out = [
        Row(
            f"Usage page, {where}: p50 / p99",
            "",
            f"{base.p50:.1f} / {base.p99:.1f} ms",
        ),
        Row(
            "Usage page end-to-end ÷ raw SQL of its statements",
            "≤ 2",
            f"{ratio:.2f} ({base.p50:.1f} ÷ {base.raw_p50:.1f} ms)",
            ratio <= 2,
        ),
        Row(
            "Usage page over 365 days ÷ this month",
            "≤ 1.5",
            f"{base.year_ratio:.2f}",
            base.year_ratio <= 1.5,
        ),
        Row(
            f"Activity page {base.depth:,} rows deep ÷ first page",
            "≤ 1.2",
            f"{base.deep_ratio:.2f}",
            base.deep_ratio <= 1.2,
        ),
        Row(
            "SQL statements per page (credential look-up included)",
            "≤ 12",
            str(base.statements),
            base.statements <= 12,
        ),
    ]
    if large is None:
        out.append(
            Row(
                f"Usage page {args.large:,} ÷ {args.calls:,} calls",
                "≤ 1.2",
                f"not measured: build it with --calls {args.large} first",
                None,
            )
        )
    else:
        growth = large.p50 / base.p50
        out.append(
            Row(
                f"Usage page {args.large:,} ÷ {args.calls:,} calls (same run)",
                "≤ 1.2",
                f"{growth:.2f} ({large.p50:.1f} ÷ {base.p50:.1f} ms)",
                growth <= 1.2,
            )
        )
    return out


async def run_all(args: argparse.Namespace) -> list[Row]:
    base = await run(args, args.calls, fresh=args.fresh)
    large = None
    if args.large and await built(args.engine, args.large):
        large = await run(args, args.large, fresh=False)
    return rows(args, base, large)


async def built(engine: str, calls: int) -> bool:
    """Whether the larger dataset is there (building 10M calls takes a long while)."""
    name = f"bench_usage_{calls}"
    if engine == "sqlite":
        return Path(f"/tmp/{name}.db").exists()
    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls in the current month")
    parser.add_argument(
        "--older", type=int, default=100_000, help="calls in each of the 12 months before"
    )
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--fresh", action="store_true", help="rebuild the dataset")
    parser.add_argument(
        "--large",
        type=int,
        default=10_000_000,
        help="a larger dataset compared in the same run when it is built (0: none)",
    )
    save("usage_page", asyncio.run(run_all(parser.parse_args())))


if __name__ == "__main__":
    main()
