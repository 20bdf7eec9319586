"""Redis goes away: requests are still served, rate-limited per process, and Redis takes over
again once it is back."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
from starlette.applications import Starlette

from gateway.core.throttle import Throttle
from gateway.orgs.credentials import credential_name
from gateway.storage.db import Database
from gateway.web.app import create_app
from gateway.web.ratelimit import FallbackRateLimiter, MemoryRateLimiter, bucket_key
from tests.faults.servers import PrivateRedis
from tests.support import (
    NOW,
    MovableClock,
    bearer,
    make_settings,
    member_token,
    put_member,
    put_org,
)

SMALL = "{ organization { usage { byReason { label } } } }"  # 4 cost points
FALLBACK_LOG = "Redis is unreachable"


@pytest.fixture
async def sqlite_db(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Database]:
    path = tmp_path / "gateway.db"
    shutil.copy(sqlite_template, path)
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    yield db
    await db.dispose()


def _app(db: Database, redis_url: str, points: int) -> Starlette:
    settings = make_settings().model_copy(
        update={
            "rate_limit_points": points,
            "rate_limit_restore_per_second": 0.001,
            "redis_url": redis_url,
            "redis_timeout_s": 0.5,
            "redis_retry_s": 0.5,
        }
    )
    return create_app(settings, db=db, clock=MovableClock(NOW))


async def _query(client: httpx.AsyncClient) -> tuple[str | None, float]:
    started = time.monotonic()
    response = await client.post(
        "/graphql", json={"query": SMALL}, headers=bearer(member_token("acme", "m1"))
    )
    elapsed = time.monotonic() - started
    assert response.status_code in (200, 429), response.text
    errors = response.json().get("errors")
    return (errors[0]["extensions"]["code"] if errors else None), elapsed


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


async def _available(url: str) -> int:
    """Points left in the member's bucket in Redis."""
    client = redis.from_url(url)
    try:
        key = bucket_key(credential_name("member", "acme", "m1"))
        return int(float(await client.hget(key, "a") or -1))
    finally:
        await client.aclose()


async def test_requests_survive_redis_going_away_and_coming_back(
    sqlite_db: Database, private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(sqlite_db, private_redis.url, points=20)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw.test"
    ) as client:
        await put_org(client, "acme")
        await put_member(client, "acme", "m1")
        assert (await _query(client))[0] is None
        assert await _available(private_redis.url) == 16  # spent in Redis

        private_redis.stop()
        with caplog.at_level(logging.WARNING, logger="gateway.ratelimit"):
            outcomes = [await _query(client) for _ in range(4)]
        # Served, never stalled; the per-process limiter enforces the budget meanwhile
        # (16, 12 and 8 points left: the 4th lacks the 10-point fee).
        assert [code for code, _ in outcomes] == [None, None, None, "RATE_LIMITED"]
        assert max(elapsed for _, elapsed in outcomes) < 1.5
        warnings = [r for r in caplog.records if FALLBACK_LOG in r.getMessage()]
        assert len(warnings) == 1
        metrics = (await client.get("/metrics")).text
        assert _metric(metrics, "gateway_rate_limit_fallback_active") == 1
        assert _metric(metrics, "gateway_rate_limit_fallbacks_total") == 1

        private_redis.start()  # empty again: no persistence
        await asyncio.sleep(0.6)  # past redis_retry_s
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="gateway.ratelimit"):
            assert (await _query(client))[0] is None
        assert await _available(private_redis.url) == 16  # spent in Redis again
        assert [r.getMessage() for r in caplog.records] == [
            "Redis is back; rate limiting is shared through Redis again"
        ]
        metrics = (await client.get("/metrics")).text
        assert _metric(metrics, "gateway_rate_limit_fallback_active") == 0
        assert _metric(metrics, "gateway_rate_limit_fallbacks_total") == 1


class _DeadRedis:
    def __init__(self) -> None:
        self.calls = 0

    async def take(self, credential: str, points: int) -> Throttle | None:
        self.calls += 1
        raise ConnectionRefusedError(111, "Connection refused")

    async def refund(self, credential: str, points: int) -> Throttle | None:
        self.calls += 1
        raise ConnectionRefusedError(111, "Connection refused")

    async def close(self) -> None:
        return None


async def test_a_dead_redis_is_tried_at_most_every_retry_interval() -> None:
    now = [100.0]
    dead = _DeadRedis()
    limiter = FallbackRateLimiter(
        dead, MemoryRateLimiter(1_000), retry_s=5.0, monotonic=lambda: now[0]
    )
    results: list[Any] = []
    for _ in range(10):
        throttle = await limiter.take("c", 1)
        results.append(throttle is not None and throttle.allowed)
        now[0] += 1.0  # ten requests over ten seconds
    assert results == [True] * 10
    assert dead.calls == 2  # at t=100 and t=105
    assert limiter.degraded
