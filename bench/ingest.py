"""Ingest throughput: batches of AI calls through POST /v1/ingest/ai-calls, rollups included.

.venv/bin/python -m bench.ingest --engine postgresql --calls 200000 --batch 5000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import orjson

from gateway.clock import fixed_clock
from gateway.config import Settings
from gateway.migrate import migrate
from gateway.storage.db import Database
from gateway.web.app import create_app

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SERVICE = {"Authorization": "Bearer bench-service", "content-type": "application/json"}


async def database(engine: str) -> str:
    if engine == "sqlite":
        path = Path("/tmp/bench_ingest.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite+aiosqlite:///{path}"
    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    await admin.execute('DROP DATABASE IF EXISTS "bench_ingest" WITH (FORCE)')
    await admin.execute('CREATE DATABASE "bench_ingest"')
    await admin.close()
    return "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_ingest"


def batches(count: int, size: int) -> list[bytes]:
    """A live feed: calls arrive in time order, a few per second, over the last days."""
    rng = random.Random(1)
    out = []
    step = 7 * 86400 / count
    for start in range(0, count, size):
        events = []
        for n in range(start, min(count, start + size)):
            byok = rng.random() < 0.1
            event = {
                "eventId": f"call-{n}",
                "orgId": "bench",
                "occurredAt": (NOW - timedelta(days=7) + timedelta(seconds=n * step)).isoformat(),
                "memberId": f"m{rng.randrange(200)}",
                "reason": rng.choice(["CHAT", "CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"]),
                "billingMode": "BYOK" if byok else "CREDITS",
                "model": rng.choice(["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"]),
                "inputTokens": rng.randrange(100, 4000),
                "outputTokens": rng.randrange(50, 1500),
            }
            if not byok:
                event["creditsCharged"] = f"{rng.randrange(2500, 30000) / 10000:.4f}"
            events.append(event)
        out.append(orjson.dumps({"events": events}))
    return out


async def run(args: argparse.Namespace) -> None:
    url = await database(args.engine)
    db = Database.from_url(url)
    await migrate(db)
    settings = Settings(database_url=url, service_token="bench-service", rate_limit_points=0)
    app = create_app(settings, db=db, clock=fixed_clock(NOW))
    bodies = batches(args.calls, args.batch)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        await client.put(
            "/v1/orgs/bench", json={"name": "Bench", "timeZone": "Europe/Paris"}, headers=SERVICE
        )
        for i in range(200):
            await client.put(
                f"/v1/orgs/bench/members/m{i}",
                json={"name": f"M {i}", "email": f"m{i}@bench.test", "role": "ADMIN"},
                headers=SERVICE,
            )
        started = time.perf_counter()
        for body in bodies:
            response = await client.post("/v1/ingest/ai-calls", content=body, headers=SERVICE)
            assert response.status_code == 200, response.text
        elapsed = time.perf_counter() - started
        replay_started = time.perf_counter()
        response = await client.post("/v1/ingest/ai-calls", content=bodies[0], headers=SERVICE)
        replay = time.perf_counter() - replay_started
    await db.dispose()
    print(f"engine {args.engine}: {args.calls:,} calls in batches of {args.batch:,}")
    print(f"ingest with rollups:  {args.calls / elapsed:,.0f} calls/s ({elapsed:.1f} s)")
    print(f"replay of one batch:  {args.batch / replay:,.0f} calls/s, answer {response.json()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5_000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
