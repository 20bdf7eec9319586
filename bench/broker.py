"""Broker throughput: events per second from publish to committed, through `usage-gateway consume`.

A private nats-server (loopback, temporary store) and 1 or 2 consumer processes; AI calls are
published with Nats-Msg-Id and the clock runs until the database holds every one of them.

.venv/bin/python -m bench.broker --events 20000 --engines sqlite postgresql --processes 1 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import nats
import orjson
from sqlalchemy import text

from gateway.broker.stream import Names, ensure_stream
from gateway.config import Settings
from gateway.migrate import migrate
from gateway.storage.db import Database
from gateway.web.app import create_app

REPO = Path(__file__).resolve().parents[1]
SERVICE = {"Authorization": "Bearer bench-service"}
MEMBERS = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def database(engine: str, tmp: Path) -> str:
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / 'bench_broker.db'}"
    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    await admin.execute('DROP DATABASE IF EXISTS "bench_broker" WITH (FORCE)')
    await admin.execute('CREATE DATABASE "bench_broker"')
    await admin.close()
    return "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_broker"


def events(count: int) -> list[tuple[str, bytes]]:
    rng = random.Random(1)
    start = datetime.now(UTC) - timedelta(days=7)
    out = []
    for n in range(count):
        body = {
            "eventId": f"call-{n}",
            "orgId": "bench",
            "occurredAt": (start + timedelta(seconds=n * 7 * 86400 / count)).isoformat(),
            "memberId": f"m{rng.randrange(MEMBERS)}",
            "reason": rng.choice(["CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"]),
            "billingMode": "CREDITS",
            "model": rng.choice(["claude-sonnet-4-5", "claude-haiku-4-5"]),
            "creditsCharged": f"{rng.randrange(2500, 30000) / 10000:.4f}",
            "inputTokens": rng.randrange(100, 4000),
            "outputTokens": rng.randrange(50, 1500),
        }
        out.append((body["eventId"], orjson.dumps(body)))
    return out


async def prepare(url: str) -> Database:
    db = Database.from_url(url)
    await migrate(db)
    settings = Settings(database_url=url, service_token="bench-service", rate_limit_points=0)
    app = create_app(settings, db=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        await client.put(
            "/v1/orgs/bench", json={"name": "Bench", "timeZone": "Europe/Paris"}, headers=SERVICE
        )
        for m in range(MEMBERS):
            body = {"name": f"M{m}", "email": f"m{m}@bench.test", "role": "ADMIN"}
            await client.put(f"/v1/orgs/bench/members/m{m}", json=body, headers=SERVICE)
    return db


async def stored(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM ai_calls"))).scalar_one())


async def one_run(
    engine: str, processes: int, count: int, batch: int, *, preload: bool
) -> tuple[float, float]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-broker-"))
    port = free_port()
    server = subprocess.Popen(
        ["nats-server", "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(tmp / "nats")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    consumers: list[subprocess.Popen[bytes]] = []
    url = f"nats://127.0.0.1:{port}"
    db: Database | None = None
    try:
        db_url = await database(engine, tmp)
        db = await prepare(db_url)
        for _ in range(100):
            try:
                nc = await nats.connect(url)
                break
            except Exception:
                await asyncio.sleep(0.05)
        settings = Settings(database_url=db_url, nats_url=url)
        await ensure_stream(nc.jetstream(), Names.from_settings(settings), settings)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "GATEWAY_DATABASE_URL": db_url,
            "GATEWAY_NATS_URL": url,
            "GATEWAY_NATS_BATCH": str(batch),
            "GATEWAY_LOG_LEVEL": "warning",
        }
        payloads = events(count)
        js = nc.jetstream()
        if preload:  # the consumers' own pace: the stream is full before they start
            for event_id, data in payloads:
                await js.publish_async("usage.ai-calls", data, headers={"Nats-Msg-Id": event_id})
            await js.publish_async_completed()
        for _ in range(processes):
            consumers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gateway.cli", "consume"], env=env, cwd=REPO
                )
            )
        started = time.perf_counter()
        published = 0.0
        if not preload:
            for _ in range(200):  # wait until the consumers exist
                try:
                    await js.consumer_info("USAGE", "usage-gateway-ai-calls")
                    break
                except Exception:
                    await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # every process connected and fetching
            started = time.perf_counter()
            for event_id, data in payloads:
                await js.publish_async("usage.ai-calls", data, headers={"Nats-Msg-Id": event_id})
            await js.publish_async_completed()
            published = time.perf_counter() - started
        first = 0
        if preload:  # clocked from the first commit: the processes' start-up is not counted
            for _ in range(60_000):
                first = await stored(db)
                if first:
                    break
                await asyncio.sleep(0.005)
            started = time.perf_counter()
        deadline = started + 300
        while await stored(db) < count:
            if time.perf_counter() > deadline:
                raise RuntimeError("the consumers did not finish within 300 s")
            await asyncio.sleep(0.02)
        committed = time.perf_counter() - started
        await nc.close()
        return (count / published if published else 0.0), (count - first) / committed
    finally:
        for process in consumers:
            process.terminate()
            process.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)
        if db is not None:
            await db.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


async def main(args: argparse.Namespace) -> None:
    rows = []
    for engine in args.engines:
        for processes in args.processes:
            live = await one_run(engine, processes, args.events, args.batch, preload=False)
            backlog = await one_run(engine, processes, args.events, args.batch, preload=True)
            rows.append((engine, processes, live[0], live[1], backlog[1]))
    print(
        f"\n{args.events} AI calls, batch {args.batch}, loopback nats-server, {os.cpu_count()} CPUs"
    )
    print(
        "live: published while the consumers run, clocked from the first publish to the last commit"
    )
    print("backlog: the stream is full first, clocked from the first commit to the last")
    print(
        "| database   | consumers | published / s | live: committed / s | backlog: committed / s |"
    )
    print(
        "|------------|-----------|---------------|---------------------|------------------------|"
    )
    for engine, processes, publish_rate, live_rate, backlog_rate in rows:
        print(
            f"| {engine:<10} | {processes:>9} | {publish_rate:>13,.0f} "
            f"| {live_rate:>19,.0f} | {backlog_rate:>22,.0f} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    asyncio.run(main(parser.parse_args()))
