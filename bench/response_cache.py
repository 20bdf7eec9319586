"""Benchmark of the exact response cache: the full Usage page (the frontend's usage-page.graphql)
answered from the cache against the same page computed fresh, one client, in-process ASGI.

From one run, alternating request by request: a cache-off app (fresh answers), a cache-on app
whose answer is stored (hits), the same with ``If-None-Match`` on GET (304), and the cache-on app
right after a write each time (a miss that computes and stores the answer).

    .venv/bin/python -m bench.response_cache --calls 20000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
from sqlalchemy import func, select, text
from starlette.applications import Starlette

from bench.dataset import build
from bench.report import Row, save
from gateway.clock import fixed_clock
from gateway.config import Settings
from gateway.migrate import migrate
from gateway.orgs.credentials import issue_member_token
from gateway.storage.db import Database
from gateway.storage.tables import ai_calls
from gateway.storage.versions import move_versions
from gateway.web.app import create_app, settle_heap
from resolvers.documents import DIRECTORY

PAGE_QUERY = (DIRECTORY / "usage-page.graphql").read_text()
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ORG = "bench"
PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"
SERVICE_TOKEN = "bench-service-token"


async def prepare(calls: int, older: int) -> str:
    """A PostgreSQL database of its own holding the bench dataset (built once)."""
    name = f"bench_cache_{calls}_{older}"
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
        await build(
            db,
            org_id=ORG,
            time_zone="Europe/Paris",
            now=NOW,
            month_calls=calls,
            older_calls_per_month=older,
        )
        async with db.write() as conn:
            # The dataset is written straight into the tables: give it its data version.
            await move_versions(conn, [ORG])
            await conn.execute(text("ANALYZE"))
    await db.dispose()
    return url


class Direct:
    """Calls the ASGI app as a server would, without an HTTP client's own per-request work
    (which would weigh on both sides of the ratio alike and hide the cache's share)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b"", query: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 1),
            "server": ("bench", 80),
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status, answer_headers, chunks = 0, {}, []

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status, answer_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                answer_headers = {k.decode(): v.decode() for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, answer_headers, b"".join(chunks)


PAGE_BODY = json.dumps({"query": PAGE_QUERY}).encode()
PAGE_GET = urlencode({"query": PAGE_QUERY})


async def one(client: Direct, headers: dict[str, str], get: bool = False) -> float:
    """Wall milliseconds of one request."""
    started = time.perf_counter()
    if get:
        status, _, body = await client.request("GET", "/graphql", headers, query=PAGE_GET)
    else:
        json_headers = {**headers, "content-type": "application/json"}
        status, _, body = await client.request("POST", "/graphql", json_headers, PAGE_BODY)
    elapsed = (time.perf_counter() - started) * 1000
    assert status in (200, 304), body
    if status == 200:
        assert b'"errors"' not in body, body
    return elapsed


async def run(args: argparse.Namespace) -> None:
    url = await prepare(args.calls, args.older)
    base = Settings(database_url=url, rate_limit_points=0, service_token=SERVICE_TOKEN)
    db = Database.from_url(url)
    clock = fixed_clock(NOW)
    off = create_app(base.model_copy(update={"response_cache_bytes": 0}), db=db, clock=clock)
    on = create_app(base, db=db, clock=clock)
    token = issue_member_token(base, org_id=ORG, member_id="m1", now=NOW, ttl=timedelta(days=1))
    auth = {"Authorization": f"Bearer {token}"}
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    samples: dict[str, list[float]] = {
        "fresh": [],
        "hit": [],
        "credential": [],
        "304": [],
        "miss": [],
    }
    fresh_client, cached_client = Direct(off), Direct(on)
    # How much of a hit is the credential's statement (which reads the data versions).
    credential_ms: list[float] = []
    authenticator = on.state.gateway.authenticator
    resolve = authenticator.caller

    async def timed_caller(header: str | None) -> Any:
        started = time.perf_counter()
        try:
            return await resolve(header)
        finally:
            credential_ms.append((time.perf_counter() - started) * 1000)

    setattr(authenticator, "caller", timed_caller)  # noqa: B010
    # Writes go through the HTTP client: they are not timed.
    writer = httpx.AsyncClient(transport=httpx.ASGITransport(app=on), base_url="http://b")
    async with writer:
        for _ in range(5):  # warm-up: pools, parse and validation caches
            await one(fresh_client, auth)
            await one(cached_client, auth)
        settle_heap()
        _, first, _ = await cached_client.request("GET", "/graphql", auth, query=PAGE_GET)
        etag = {**auth, "If-None-Match": first["etag"]}
        for _ in range(args.rounds):
            samples["fresh"].append(await one(fresh_client, auth))
            samples["hit"].append(await one(cached_client, auth))
            samples["credential"].append(credential_ms[-1])
            samples["304"].append(await one(cached_client, etag, get=True))
        for n in range(args.rounds):
            call = {
                "eventId": f"cache-bench-{time.time_ns()}-{n}",
                "orgId": ORG,
                "occurredAt": (NOW - timedelta(hours=1)).isoformat(),
                "memberId": "m1",
                "reason": "CHAT",
                "billingMode": "CREDITS",
                "model": "claude-sonnet-4-5",
                "creditsCharged": "0.5",
                "inputTokens": 10,
                "outputTokens": 10,
            }
            posted = await writer.post("/v1/ingest/ai-calls", json=[call], headers=service)
            assert posted.status_code == 200, posted.text
            samples["miss"].append(await one(cached_client, auth))
            samples["fresh"].append(await one(fresh_client, auth))
    await db.dispose()

    p50 = {name: statistics.median(values) for name, values in samples.items()}
    hit_ratio = p50["hit"] / p50["fresh"]
    rows = [
        Row("Usage page fresh (cache off), p50", "", f"{p50['fresh']:.2f} ms"),
        Row("Usage page from the cache (one client), p50", "", f"{p50['hit']:.2f} ms"),
        Row(
            "Of a hit: resolving the credential (JWT and its one statement), p50",
            "",
            f"{p50['credential']:.2f} ms",
        ),
        Row("Cached ÷ fresh answer (PostgreSQL)", "≤ 0.1", f"{hit_ratio:.3f}", hit_ratio <= 0.1),
        Row(
            "GET with a matching If-None-Match (304) ÷ fresh",
            "",
            f"{p50['304'] / p50['fresh']:.3f}",
        ),
        Row(
            "Miss right after a write (computed and stored) ÷ fresh",
            "",
            f"{p50['miss'] / p50['fresh']:.2f}",
        ),
    ]
    print(
        f"PostgreSQL, {args.calls:,} calls this month, {args.older:,} in each of 12 months before;"
        f" {args.rounds} rounds"
    )
    save("response_cache", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000, help="calls in the current month")
    parser.add_argument("--older", type=int, default=2_000, help="calls in each month before")
    parser.add_argument("--rounds", type=int, default=100)
    args: Any = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
