"""Ingest throughput over real HTTP, next to a plain bulk load of the same rows in the same run.

A real server (`usage-gateway serve`, 2 workers by default) takes batches of AI calls through
POST /v1/ingest/ai-calls, rollups included, from 1 and then 4 concurrent clients (each sending
its batches one after another). Around each, the same rows are loaded plainly into a table
keyed like ai_calls (its primary key only) with as many connections: PostgreSQL COPY
(asyncpg ``copy_records_to_table``), SQLite an ``executemany`` INSERT per batch.

    .venv/bin/python -m bench.ingest                      # both engines, 100,000 calls per run
    .venv/bin/python -m bench.ingest --engine postgresql --calls 200000 --batch 5000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

from bench.report import Row, save

NOW = datetime.now(UTC).replace(microsecond=0)
TOKEN = "bench-service-token"
SERVICE = {"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# Named per run: other benchmarks on the same server must not drop this one's database.
DB_NAME = f"bench_ingest_{os.getpid()}"
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
SQLITE_PATH = Path(f"/tmp/{DB_NAME}.db")
MEMBERS = 200
TARGET = 0.25  # ingest with rollups, 4 clients, at least this fraction of the plain load
COLUMNS = (
    "org_id",
    "event_id",
    "occurred_at",
    "member_id",
    "reason",
    "billing_mode",
    "model_id",
    "credits_e4",
    "input_tokens",
    "output_tokens",
    "cost_micros",
    "ingested_at",
)
Record = tuple[Any, ...]


def feed(
    first: int, count: int, size: int, start: datetime
) -> tuple[list[bytes], list[list[Record]]]:
    """A live feed: calls in time order over 3 days from ``start``, as bodies and as rows."""
    rng = random.Random(first)
    bodies: list[bytes] = []
    rows: list[list[Record]] = []
    step = 3 * 86400 / count
    for offset in range(0, count, size):
        events: list[dict[str, Any]] = []
        records: list[Record] = []
        for n in range(offset, min(count, offset + size)):
            byok = rng.random() < 0.1
            at = start + timedelta(seconds=n * step)
            event: dict[str, Any] = {
                "eventId": f"call-{first + n}",
                "orgId": "bench",
                "occurredAt": at.isoformat(),
                "memberId": f"m{rng.randrange(MEMBERS)}",
                "reason": rng.choice(["CHAT", "CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"]),
                "billingMode": "BYOK" if byok else "CREDITS",
                "model": rng.choice(["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"]),
                "inputTokens": rng.randrange(100, 4000),
                "outputTokens": rng.randrange(50, 1500),
            }
            if not byok:
                event["creditsCharged"] = f"{rng.randrange(2500, 30000) / 10000:.4f}"
            events.append(event)
            credits = int(Decimal(event.get("creditsCharged", "0")) * 10_000)
            cost = rng.randrange(1000, 90000) if byok else 0
            records.append(
                (
                    *(event[k] for k in ("orgId", "eventId")),
                    at,
                    *(event[k] for k in ("memberId", "reason", "billingMode", "model")),
                    credits,
                    event["inputTokens"],
                    event["outputTokens"],
                    cost,
                    NOW,
                )
            )
        bodies.append(orjson.dumps({"events": events}))
        rows.append(records)
    return bodies, rows


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _fresh_database(engine: str) -> str:
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return f"sqlite+aiosqlite:///{SQLITE_PATH}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    await admin.close()
    return PG_URL.replace("postgresql:", "postgresql+asyncpg:")


async def _start(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_SERVICE_TOKEN": TOKEN,
        "GATEWAY_RATE_LIMIT_POINTS": "0",
        "GATEWAY_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)]
    server = subprocess.Popen([*command, "--workers", str(workers)], env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not become ready")


async def _setup(base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        org = {"name": "Bench", "timeZone": "Europe/Paris"}
        response = await client.put("/v1/orgs/bench", json=org, headers=SERVICE)
        assert response.status_code in (200, 201), response.text
        for i in range(MEMBERS):
            member = {"name": f"M {i}", "email": f"m{i}@bench.test", "role": "ADMIN"}
            await client.put(f"/v1/orgs/bench/members/m{i}", json=member, headers=SERVICE)


async def _ingest(base: str, bodies: list[bytes], clients: int) -> float:
    """Seconds to send every body, ``clients`` at a time; each must be accepted whole."""

    # A connection per batch: a few keep-alive connections tend to pile onto one worker, while
    # a new one goes to whichever worker accepts first (an idle one, usually).
    fresh = httpx.Limits(max_keepalive_connections=0)

    async def client_loop(mine: list[bytes]) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=300, limits=fresh) as client:
            for body in mine:
                response = await client.post("/v1/ingest/ai-calls", content=body, headers=SERVICE)
                assert response.status_code == 200, response.text[:500]
                assert response.json()["duplicates"] == 0, response.text

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(bodies[n::clients]) for n in range(clients)))
    return time.perf_counter() - started


async def _pg_copy(batches: list[list[Record]], clients: int, table: str) -> float:
    conns = [await asyncpg.connect(PG_URL) for _ in range(clients)]

    async def loop(conn: asyncpg.Connection, mine: list[list[Record]]) -> None:
        for records in mine:
            await conn.copy_records_to_table(table, records=records, columns=COLUMNS)

    started = time.perf_counter()
    await asyncio.gather(*(loop(c, batches[n::clients]) for n, c in enumerate(conns)))
    elapsed = time.perf_counter() - started
    for conn in conns:
        await conn.close()
    return elapsed


async def _sqlite_insert(batches: list[list[Record]], clients: int, table: str) -> float:
    """``clients`` threads, each a connection inserting its batches, one transaction each."""
    sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"

    def loop(mine: list[list[Record]]) -> None:
        conn = sqlite3.connect(SQLITE_PATH, timeout=60, isolation_level=None)
        for records in mine:
            text = [(*r[:2], str(r[2]), *r[3:11], str(r[11])) for r in records]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, text)
            conn.execute("COMMIT")
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(asyncio.to_thread(loop, batches[n::clients]) for n in range(clients)))
    return time.perf_counter() - started


async def _make_keyed_table(engine: str) -> None:
    """A table with the columns of ai_calls and its primary key, nothing else."""
    if engine == "sqlite":
        conn = sqlite3.connect(SQLITE_PATH)
        conn.execute(
            "CREATE TABLE plain_load (org_id TEXT, event_id TEXT, occurred_at TEXT, "
            "member_id TEXT, reason TEXT, billing_mode TEXT, model_id TEXT, credits_e4 INT, "
            "input_tokens INT, output_tokens INT, cost_micros INT, ingested_at TEXT, "
            "PRIMARY KEY (org_id, event_id))"
        )
        conn.commit()
        conn.close()
        return
    pg = await asyncpg.connect(PG_URL)
    await pg.execute(
        "CREATE TABLE plain_load (LIKE ai_calls INCLUDING DEFAULTS, PRIMARY KEY (org_id, event_id))"
    )
    await pg.close()


async def _counts(engine: str) -> tuple[int, int]:
    """Stored calls and the calls the daily rollup counts (they must agree)."""
    sql = (
        "SELECT (SELECT count(*) FROM ai_calls), "
        "(SELECT coalesce(sum(calls), 0) FROM ai_daily_by_reason)"
    )
    if engine == "sqlite":
        conn = sqlite3.connect(SQLITE_PATH)
        calls, counted = conn.execute(sql).fetchone()
        conn.close()
        return int(calls), int(counted)
    pg = await asyncpg.connect(PG_URL)
    record = await pg.fetchrow(sql)
    await pg.close()
    return int(record[0]), int(record[1])


async def run_engine(engine: str, args: argparse.Namespace) -> list[Row]:
    url = await _fresh_database(engine)
    server, base = await _start(url, args.workers)
    rows: list[Row] = []
    name = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[engine]
    plain_name = "COPY" if engine == "postgresql" else "executemany"
    load: Callable[[list[list[Record]], int, str], Awaitable[float]]
    load = _pg_copy if engine == "postgresql" else _sqlite_insert
    try:
        await _setup(base)
        await _make_keyed_table(engine)
        # Warm every worker (connections, statements) with a small batch each.
        warm, _ = feed(10_000_000, 200 * args.workers * 2, 200, NOW - timedelta(days=10))
        await _ingest(base, warm, args.workers * 2)
        for n, clients in enumerate(args.clients):
            start = NOW - timedelta(days=7 - 3 * n)
            bodies, records = feed(n * args.calls, args.calls, args.batch, start)
            plain = await load(records, clients, "plain_load")
            ingest = await _ingest(base, bodies, clients)
            calls_per_s = args.calls / ingest
            plain_per_s = args.calls / plain
            ratio = calls_per_s / plain_per_s
            print(
                f"{name}, {clients} client(s): ingest {calls_per_s:,.0f} calls/s, "
                f"plain {plain_name} {plain_per_s:,.0f} rows/s, ratio {ratio:.2f}"
            )
            headline = engine == "postgresql" and clients == 4
            rows.append(
                Row(
                    f"Ingest with rollups, {name}, {clients} client(s) into {args.workers} "
                    f"workers, batches of {args.batch:,} ÷ plain {plain_name} of the same rows "
                    f"({clients} connection(s)) into a keyed table",
                    f"≥ {TARGET}" if headline else "",
                    f"{ratio:.2f} ({calls_per_s:,.0f} calls/s vs {plain_per_s:,.0f} rows/s)",
                    ratio >= TARGET if headline else None,
                )
            )
        # An identical replay of a whole batch: every call a duplicate.
        async with httpx.AsyncClient(base_url=base, timeout=300) as client:
            started = time.perf_counter()
            response = await client.post("/v1/ingest/ai-calls", content=bodies[0], headers=SERVICE)
            replay = time.perf_counter() - started
        assert response.json() == {"accepted": 0, "duplicates": len(records[0])}, response.text
        rows.append(
            Row(
                f"Replay of one batch, {name} (all duplicates)",
                "",
                f"{args.batch / replay:,.0f} calls/s",
            )
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
    calls, counted = await _counts(engine)
    expected = args.calls * len(args.clients) + 200 * args.workers * 2
    assert calls == counted == expected, (calls, counted, expected)
    await _drop(engine)
    return rows


async def _drop(engine: str) -> None:
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    await admin.close()


async def run(args: argparse.Namespace) -> None:
    engines = ["postgresql", "sqlite"] if args.engine == "both" else [args.engine]
    rows: list[Row] = []
    for engine in engines:
        rows += await run_engine(engine, args)
    save("ingest", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--calls", type=int, default=100_000, help="calls per run")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=lambda s: [int(n) for n in s.split(",")], default=[1, 4])
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
