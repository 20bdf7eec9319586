"""The exports benchmark's dataset: one organization, ``rows`` AI calls over 400 days and as many
(day, opening) consumption rows, bulk-loaded once into a named database and reused.

Calls go in with PostgreSQL ``COPY`` (SQLite: plain inserts) and their AI rollups are summed the
way ingest sums them, so the export's row count (read from the rollups) is right. The consumption
export reads only the daily interview rollup and the day-candidate table, which are filled
directly: one status row and one candidate per (day, opening).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import func, insert, select, text

from gateway.catalog.defaults import DEFAULT_CATALOG
from gateway.migrate import migrate
from gateway.storage.db import Database
from gateway.storage.tables import (
    ai_calls,
    interview_daily,
    interview_day_candidates,
    members,
    openings,
    organizations,
)
from gateway.usage.sums import CallFacts, ai_rollup_rows
from gateway.usage.writes import add_to_ai_rollups

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"
ORG = "bench"
ZONE = "Europe/Paris"
ADMIN = "m0"
MEMBERS = 200
LAST_DAY = date(2026, 11, 27)
FIRST_DAY = LAST_DAY - timedelta(days=399)  # the longest range an export takes
DAYS = 400
REASONS = ("CHAT", "CHAT", "CHAT", "GENERATE_FIELD", "SUMMARIZE_CV")
STATUSES = ("INVITED", "STARTED", "PARTIALLY_COMPLETED", "COMPLETED", "COMPLETED", "SIMULATION")
MODELS = list(DEFAULT_CATALOG)
BATCH = 50_000


def openings_for(rows: int) -> int:
    """Openings so that 400 days of them make ``rows`` consumption rows."""
    return max(1, rows // DAYS)


def _member_name(n: int) -> str:
    # A few names a spreadsheet would run as formulas: the export escapes them.
    return f"=Member {n:03d}" if n % 50 == 7 else f"Member {n:03d}"


def _calls(rows: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(12)
    zone = ZoneInfo(ZONE)
    start = datetime.combine(FIRST_DAY, clock_time(), zone).astimezone(UTC)
    end = datetime.combine(LAST_DAY + timedelta(days=1), clock_time(), zone).astimezone(UTC)
    span = (end - start).total_seconds()
    for n in range(rows):
        byok = rng.random() < 0.1
        model = rng.choice(MODELS)
        tokens_in, tokens_out = rng.randrange(100, 4000), rng.randrange(50, 1500)
        # In time order, as ingest writes them: the table's pages follow time like a real one's.
        at = start + timedelta(microseconds=int((n + rng.random()) / rows * span * 1e6))
        yield (
            ORG,
            f"call-{n:08d}",
            at,
            f"m{int(rng.paretovariate(1.2)) % MEMBERS}",
            rng.choice(REASONS),
            "BYOK" if byok else "CREDITS",
            model.id,
            0 if byok else rng.randrange(2_500, 30_000),
            tokens_in,
            tokens_out,
            (tokens_in * 3 + tokens_out * 15) if byok else 0,
            end,
        )


CALL_COLUMNS = [c.name for c in ai_calls.columns]


async def _add_rollups(db: Database, batch: list[tuple[Any, ...]]) -> None:
    by_id = {m.id: m for m in DEFAULT_CATALOG}
    facts = []
    for row in batch:
        call = dict(zip(CALL_COLUMNS, row, strict=True))
        model = by_id[call["model_id"]]
        facts.append(
            CallFacts(
                org_id=ORG,
                occurred_at=call["occurred_at"],
                billing_mode=call["billing_mode"],
                reason=call["reason"],
                member_id=call["member_id"],
                provider=model.provider,
                tier=model.tier,
                credits_e4=call["credits_e4"],
                cost_micros=call["cost_micros"],
                tokens=call["input_tokens"] + call["output_tokens"],
            )
        )
    async with db.write() as conn:
        await conn.execute(text("SELECT 1"))  # the bulk upsert wants a begun transaction
        await add_to_ai_rollups(conn, rollups=ai_rollup_rows(facts, {ORG: ZoneInfo(ZONE)}))


def _consumption(rows: int) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    rng = random.Random(34)
    for k in range(DAYS):
        day = FIRST_DAY + timedelta(days=k)
        for n in range(openings_for(rows)):
            status = STATUSES[(k + n) % len(STATUSES)]
            daily = {
                "org_id": ORG,
                "day": day,
                "opening_id": f"o{n:05d}",
                "status": status,
                "firsts": 1,
                "credits_e4": rng.randrange(0, 20_000),
                "events": 1,
            }
            person = {"org_id": ORG, "day": day, "opening_id": f"o{n:05d}", "candidate_id": "c"}
            yield daily, person


async def _people(db: Database, rows: int, now: datetime) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(organizations).values(
                id=ORG,
                name="Bench Ltd",
                time_zone=ZONE,
                ai_mode="CREDITS",
                ai_provider=None,
                active_since=FIRST_DAY - timedelta(days=30),
                created_at=now,
                updated_at=now,
            )
        )
        people = [
            {
                "org_id": ORG,
                "id": f"m{i}",
                "name": _member_name(i),
                "email": f"m{i}@bench.test",
                "role": "ACCOUNT_ADMIN" if i == 0 else "ADMIN",
                "removed": i % 40 == 39,
                "updated_at": now,
            }
            for i in range(MEMBERS)
        ]
        await conn.execute(insert(members), people)
        jobs = [
            {
                "org_id": ORG,
                "id": f"o{n:05d}",
                "job_title": f"-Role {n:05d}" if n % 100 == 3 else f"Role {n:05d}",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(openings_for(rows))
        ]
        for k in range(0, len(jobs), 5_000):
            await conn.execute(insert(openings), jobs[k : k + 5_000])


async def _copy(dsn: str, table: str, columns: list[str], records: list[tuple[Any, ...]]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(table, records=records, columns=columns)
    finally:
        await conn.close()


async def _fill(db: Database, rows: int, dsn: str | None) -> None:
    now = datetime.now(UTC)
    await _people(db, rows, now)
    batch: list[tuple[Any, ...]] = []
    for call in _calls(rows):
        batch.append(call)
        if len(batch) == BATCH:
            await _write_calls(db, batch, dsn)
            batch = []
    if batch:
        await _write_calls(db, batch, dsn)
    daily: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    for row, person in _consumption(rows):
        daily.append(row)
        people.append(person)
        if len(daily) == BATCH:
            await _write_consumption(db, daily, people, dsn)
            daily, people = [], []
    if daily:
        await _write_consumption(db, daily, people, dsn)


async def _write_calls(db: Database, batch: list[tuple[Any, ...]], dsn: str | None) -> None:
    if dsn is not None:
        await _copy(dsn, "ai_calls", CALL_COLUMNS, batch)
    else:
        async with db.write() as conn:
            await conn.execute(
                insert(ai_calls), [dict(zip(CALL_COLUMNS, r, strict=True)) for r in batch]
            )
    await _add_rollups(db, batch)


async def _write_consumption(
    db: Database, daily: list[dict[str, Any]], people: list[dict[str, Any]], dsn: str | None
) -> None:
    if dsn is not None:
        for table, rows in (("interview_daily", daily), ("interview_day_candidates", people)):
            columns = list(rows[0])
            await _copy(dsn, table, columns, [tuple(r.values()) for r in rows])
        return
    async with db.write() as conn:
        await conn.execute(insert(interview_daily), daily)
        await conn.execute(insert(interview_day_candidates), people)


async def prepare(engine: str, rows: int, *, fresh: bool = False) -> str:
    """The URL of a database holding the dataset, built on the first run."""
    name = f"bench_exports_{rows}"
    dsn: str | None = None
    if engine == "sqlite":
        path = Path(f"/tmp/{name}.db")
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        try:
            exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if fresh and exists:
                await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = False
            if not exists:
                await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        url = f"{PG}/{name}"
        dsn = url.replace("postgresql+asyncpg", "postgresql")
    db = Database.from_url(url)
    try:
        await migrate(db)
        async with db.read() as conn:
            have = (await conn.execute(select(func.count()).select_from(organizations))).scalar()
        if not have:
            started = time.perf_counter()
            await _fill(db, rows, dsn)
            if dsn is not None:
                async with db.read() as conn:
                    await conn.execute(text("VACUUM ANALYZE"))
            print(f"built {name}: {time.perf_counter() - started:.0f} s")
    finally:
        await db.dispose()
    return url
