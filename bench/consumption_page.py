"""Benchmark of the full Consumption page query (the frontend's consumption-page.graphql).

Two organizations in one PostgreSQL database, alike in every recent day: one with 5 years of
history (2,000,000 interview events by default), one with the last year of it. Both have 200
openings, a CAPPED rollover plan and a purchase every quarter. Prints, from one run: latency
percentiles of the page through the whole stack (in-process ASGI), the same statements replayed
as raw SQL, their ratio, the statements per request, and 5 years ÷ 1 year.

The events are loaded with COPY; every rollup (daily, monthly, day candidates, billing
periods) is then built by the gateway's own rebuild code. The dataset is built once into a
named database and reused (``--fresh`` builds it again).

    .venv/bin/python -m bench.consumption_page            # 2M events; builds bench_consumption_2000000 once
    .venv/bin/python -m bench.consumption_page --quick    # 100,000 events, fewer rounds
    .venv/bin/python -m bench.consumption_page --database NAME   # another copy of the dataset
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from sqlalchemy import event, func, select

from bench.report import Row, save
from gateway import organizations
from gateway.clock import fixed_clock
from gateway.config import Settings
from gateway.consumption import service as consumption_service
from gateway.consumption.inputs import CreditPurchaseIn, OpeningIn
from gateway.consumption.rollups import rebuild_interview_rollups
from gateway.migrate import migrate
from gateway.orgs import service as org_service
from gateway.orgs.credentials import issue_member_token
from gateway.orgs.inputs import MemberIn, OrganizationIn
from gateway.storage.db import Database
from gateway.storage.tables import interview_daily, interview_events
from gateway.storage.tables import organizations as organization_table
from gateway.web.app import create_app, settle_heap

ROOT = Path(__file__).resolve().parents[1]
PAGE_QUERY = (ROOT / "resolvers" / "documents" / "consumption-page.graphql").read_text()
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ZONE = "Europe/Paris"
PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"
LONG, MIDDLE, SHORT = "five-years", "two-years", "one-year"
YEARS = {LONG: 5, MIDDLE: 2, SHORT: 1}
COLUMNS = (
    "org_id",
    "event_id",
    "opening_id",
    "interview_id",
    "candidate_id",
    "occurred_at",
    "status",
    "completed_fraction_e2",
    "charge_e4",
    "ingested_at",
)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _events(
    org_id: str, *, start: datetime, end: datetime, count: int, openings: int, seed: int
) -> Iterator[tuple[Any, ...]]:
    """About ``count`` events of interviews spread over ``[start, end)``: each invited, most
    started, many completed or partly completed, a few simulations (free). ``charge_e4`` is
    each event's rise of its interview's running maximum, as ingest stores it."""
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    made = interview = 0
    while made < count:
        interview += 1
        at = start + timedelta(seconds=rng.random() * span)
        opening = f"o{int(rng.paretovariate(1.1)) % openings:03d}"
        simulated = rng.random() < 0.03
        steps: list[tuple[str, int | None]] = [("INVITED", None)]
        if rng.random() < 0.8:
            steps.append(("STARTED", None))
            roll = rng.random()
            if roll < 0.6:
                steps.append(("COMPLETED", None))
            elif roll < 0.8:
                steps.append(("PARTIALLY_COMPLETED", rng.choice([25, 50, 75])))
        if simulated:
            steps.append(("SIMULATION", None))
        high = 0
        for n, (status, fraction) in enumerate(steps):
            worth = 10_000 if status == "COMPLETED" else (fraction or 0) * 100
            charge = 0 if simulated else max(0, worth - high)
            high = max(high, worth)
            when = at + timedelta(hours=n * 5)
            if when >= end:
                break
            made += 1
            yield (
                org_id,
                f"{seed}-{interview}-{n}",
                opening,
                f"{seed}-{interview}",
                f"c{seed}-{interview}",
                when,
                status,
                fraction,
                charge,
                end,
            )


async def _organization(db: Database, org_id: str, *, active_since: date, openings: int) -> None:
    body = OrganizationIn.model_validate(
        {
            "name": f"Bench {org_id}",
            "timeZone": ZONE,
            "activeSince": active_since.isoformat(),
            "plan": {
                "interviewCreditsPerPeriod": "10000",
                "rollover": "CAPPED",
                "rolloverCap": "2000",
                "billingAnchorDay": 1,
            },
        }
    )
    await organizations.put_organization(db, org_id, body, now=NOW)
    member = MemberIn.model_validate(
        {"name": "Admin", "email": "admin@bench.test", "role": "ACCOUNT_ADMIN"}
    )
    await org_service.put_member(db, org_id, "admin", member, now=NOW)
    for n in range(openings):
        title = OpeningIn.model_validate({"jobTitle": f"Opening {n:03d}"})
        await consumption_service.put_opening(db, org_id, f"o{n:03d}", title, now=NOW)


async def _load(db: Database, org_id: str, *, years: int, events: int, openings: int) -> None:
    start = NOW - timedelta(days=365 * years)
    await _organization(db, org_id, active_since=start.date(), openings=openings)
    admin = await asyncpg.connect(str(db.engine.url).replace("+asyncpg", ""))
    try:
        # One year at a time, so both organizations get the same recent years.
        for year in range(years):
            end = NOW - timedelta(days=365 * year)
            rows = list(
                _events(
                    org_id,
                    start=end - timedelta(days=365),
                    end=end,
                    count=events // years,
                    openings=openings,
                    seed=year,
                )
            )
            await admin.copy_records_to_table("interview_events", records=rows, columns=COLUMNS)
    finally:
        await admin.close()
    quarter = start
    purchases = []
    while quarter < NOW:
        purchases.append(
            (
                org_id,
                CreditPurchaseIn.model_validate(
                    {
                        "purchaseId": f"p-{quarter.date()}",
                        "credits": "500",
                        "occurredAt": (quarter + timedelta(days=40)).isoformat(),
                    }
                ),
            )
        )
        quarter += timedelta(days=91)
    await consumption_service.record_purchases(db, purchases, now=NOW)
    async with db.write() as conn:
        await rebuild_interview_rollups(conn, org_id=org_id, zone=ZoneInfo(ZONE))


async def prepare(events: int, openings: int, fresh: bool, name: str | None = None) -> str:
    name = name or f"bench_consumption_{events}_{openings}"
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
        have = set((await conn.execute(select(organization_table.c.id))).scalars())
    if have != set(YEARS):
        started = time.perf_counter()
        for org, years in YEARS.items():
            if org not in have:
                await _load(db, org, years=years, events=events * years // 5, openings=openings)
        # What autovacuum does soon after a load: statistics and the visibility map (for
        # index-only scans).
        admin = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}")
        await admin.execute("VACUUM ANALYZE")
        await admin.close()
        print(f"built {name} in {time.perf_counter() - started:.0f} s")
    await db.dispose()
    return url


async def timed(
    client: httpx.AsyncClient, token: str, variables: dict[str, Any], rounds: int
) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = await client.post(
            "/graphql",
            json={"query": PAGE_QUERY, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        samples.append((time.perf_counter() - started) * 1000)
        body = response.json()
        assert "errors" not in body, body["errors"]
    return samples


async def _raw(db: Database, statements: list[tuple[str, Any]], rounds: int) -> list[float]:
    """The same statements, straight to the driver, one after another."""
    samples: list[float] = []
    async with db.read() as conn:
        for _ in range(rounds):
            started = time.perf_counter()
            for statement, parameters in statements:
                await conn.exec_driver_sql(statement, parameters)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _history_read(db: Database, org_id: str, rounds: int) -> float:
    """p50 of what the balance chain read before the period rollup: every day of history."""
    d = interview_daily
    stmt = (
        select(d.c.day, func.sum(d.c.credits_e4))
        .where(d.c.org_id == org_id, d.c.day < date(2027, 1, 1))
        .group_by(d.c.day)
    )
    samples = []
    async with db.read() as conn:
        for _ in range(rounds):
            started = time.perf_counter()
            (await conn.execute(stmt)).all()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def run(args: argparse.Namespace) -> None:
    url = await prepare(args.events, args.openings, args.fresh, args.database)
    settings = Settings(database_url=url, rate_limit_points=0)
    db = Database.from_url(url)
    app = create_app(settings, db=db, clock=fixed_clock(NOW))
    tokens = {
        org: issue_member_token(
            settings, org_id=org, member_id="admin", now=NOW, ttl=timedelta(days=1)
        )
        for org in YEARS
    }
    statements: list[tuple[str, Any]] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        statements.append((statement, parameters))

    previous = {"period": {"preset": "PREVIOUS_BILLING_PERIOD"}}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for org in YEARS:
            await timed(client, tokens[org], {}, 5)  # warm-up: pools, caches
        settle_heap()  # what the server's start-up does (the ASGI transport runs no lifespan)
        statements.clear()
        await timed(client, tokens[LONG], {}, 1)
        page_statements = list(statements)
        runs: dict[str, list[float]] = {org: [] for org in YEARS}
        # Alternating, so that the organizations see the same load on a shared machine.
        for _ in range(args.rounds // 5):
            for org in YEARS:
                runs[org] += await timed(client, tokens[org], {}, 5)
        long_runs, short_runs = runs[LONG], runs[SHORT]
        past = await timed(client, tokens[LONG], previous, args.rounds // 2)
    raw = await _raw(db, page_statements, args.rounds)
    async with db.read() as conn:
        counts = {
            org: (
                await conn.execute(
                    select(func.count())
                    .select_from(interview_events)
                    .where(interview_events.c.org_id == org)
                )
            ).scalar_one()
            for org in YEARS
        }
    walk_long = await _history_read(db, LONG, args.rounds)
    walk_short = await _history_read(db, SHORT, args.rounds)
    await db.dispose()

    p50, p99 = statistics.median(long_runs), pct(long_runs, 0.99)
    raw50 = statistics.median(raw)
    ratio_years = p50 / statistics.median(short_runs)
    rows = [
        Row(
            f"Consumption page, CURRENT_BILLING_PERIOD, 5 years ({counts[LONG]:,} events, "
            f"{args.openings} openings): p50 / p99",
            "p50 ≤ 20 ms",
            f"{p50:.1f} ms / {p99:.1f} ms",
            p50 <= 20,
        ),
        Row(
            f"Same page, 1 year of history ({counts[SHORT]:,} events): p50 / p99",
            "",
            f"{statistics.median(short_runs):.1f} ms / {pct(short_runs, 0.99):.1f} ms",
        ),
        Row("5 years ÷ 1 year of history (p50)", "≤ 1.2", f"{ratio_years:.2f}", ratio_years <= 1.2),
        Row(
            # One year of history has no previous year to compare with; two years have one.
            f"5 years ÷ 2 years of history ({counts[MIDDLE]:,} events; p50 "
            f"{statistics.median(runs[MIDDLE]):.1f} ms)",
            "",
            f"{p50 / statistics.median(runs[MIDDLE]):.2f}",
        ),
        Row(
            f"End-to-end ÷ raw SQL of the same {len(page_statements)} statements ({raw50:.1f} ms)",
            "",
            f"{p50 / raw50:.2f}",
        ),
        Row(
            "SQL statements per page query (credential look-up included)",
            "",
            str(len(page_statements)),
        ),
        Row(
            "PREVIOUS_BILLING_PERIOD, 5 years: p50",
            "",
            f"{statistics.median(past):.1f} ms",
        ),
        Row(
            "The old balance walk's read (every day of history), 5 years / 1 year: p50",
            "",
            f"{walk_long:.1f} ms / {walk_short:.1f} ms",
        ),
    ]
    save("consumption_page_quick" if args.quick else "consumption_page", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2_000_000, help="events over 5 years")
    parser.add_argument("--openings", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="100,000 events, 40 rounds")
    parser.add_argument("--fresh", action="store_true", help="rebuild the dataset")
    parser.add_argument(
        "--database",
        help="the dataset's database (default bench_consumption_EVENTS_OPENINGS); one built "
        "with other --events or --openings is taken as it is",
    )
    args = parser.parse_args()
    if args.quick:
        args.events, args.rounds = min(args.events, 100_000), min(args.rounds, 40)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
