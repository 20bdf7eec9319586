"""Query cost before execution, the cost ceiling, and the per-credential rate limit."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from starlette.applications import Starlette

from gateway.storage.db import Database
from gateway.web.app import create_app
from tests.support import (
    NOW,
    MovableClock,
    bearer,
    make_settings,
    member_token,
    put_member,
    put_org,
)

SMALL = "{ organization { usage { byReason { label } } } }"  # 1 + 1 + (1 + 3 x 1) = 6
CALL = "edges { node { id occurredAt reason reasonLabel billingMode creditsCharged totalTokens estimatedCostUsd member { id name email role removed } model { id provider tier label } } }"
HUGE = (
    "{ organization { usage { "
    + " ".join(f"a{i}: activity(first: 100) {{ {CALL} }}" for i in range(3))
    + " } } }"
)


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, object] | None = None
) -> dict[str, object]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=bearer(member_token("acme", "m1")),
    )
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def _seed(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")


async def test_cost_is_reported(client: httpx.AsyncClient) -> None:
    await _seed(client)
    body = await _post(client, SMALL)
    assert body["extensions"] == {"cost": 6}
    # byUser(first: 7) { displayName }: 1 + 7 x 1; org and usage 1 each.
    body = await _post(
        client, "{ organization { usage { byUser(first: 7) { nodes { displayName } } } } }"
    )
    assert body["extensions"] == {"cost": 1 + 1 + (1 + 7 * (1 + 1))}
    # A 10-day range has 10 DAY buckets, 3 WEEK buckets (Mondays 2 Nov and 9 Nov, plus the first).
    query = "query($p: PeriodInput!) { organization { usage(period: $p) { timeSeries(granularity: DAY) { calls } } } }"
    body = await _post(client, query, {"p": {"from": "2026-11-01", "to": "2026-11-10"}})
    assert body["extensions"] == {"cost": 1 + 1 + (1 + 10 * 1)}


async def test_expensive_documents_are_refused_before_they_run(client: httpx.AsyncClient) -> None:
    await _seed(client)
    body = await _post(client, HUGE)
    assert body.get("data") is None
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert errors[0]["extensions"]["cost"] > 5000


def _limited_app(db: Database, points: int, redis_url: str | None = None) -> Starlette:
    settings = make_settings().model_copy(
        update={"rate_limit_points": points, "redis_url": redis_url}
    )
    return create_app(settings, db=db, clock=MovableClock(NOW))


async def _spend(app: Starlette, times: int) -> list[str | None]:
    codes: list[str | None] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(times):
            body = await _post(client, SMALL)
            errors = body.get("errors")
            codes.append(errors[0]["extensions"]["code"] if isinstance(errors, list) else None)
    return codes


async def test_rate_limit_in_memory(db: Database) -> None:
    app = _limited_app(db, points=20)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        await _seed(client)
    # 6 points each: three fit in 20, the fourth does not.
    assert await _spend(app, 4) == [None, None, None, "RATE_LIMITED"]


async def _redis_url() -> str | None:
    import redis.asyncio as redis

    client = redis.from_url("redis://127.0.0.1:6379/0")
    try:
        await asyncio.wait_for(client.ping(), 2)
    except Exception:
        return None
    finally:
        await client.aclose()
    return "redis://127.0.0.1:6379/0"


async def test_rate_limit_in_redis_is_shared_by_replicas(db: Database) -> None:
    url = await _redis_url()
    if url is None:
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    org = f"acme-{uuid.uuid4().hex[:8]}"  # a fresh credential: windows persist in Redis
    first, second = (
        _limited_app(db, points=20, redis_url=url),
        _limited_app(db, points=20, redis_url=url),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=first), base_url="http://t"
    ) as client:
        await put_org(client, org)
        await put_member(client, org, "m1")

    async def spend(app: Starlette) -> str | None:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            response = await client.post(
                "/graphql", json={"query": SMALL}, headers=bearer(member_token(org, "m1"))
            )
            errors = response.json().get("errors")
            return errors[0]["extensions"]["code"] if errors else None

    # Two replicas, one budget: 6 + 6 + 6 fit, the fourth (on either) does not.
    assert [await spend(first), await spend(second), await spend(first), await spend(second)] == [
        None,
        None,
        None,
        "RATE_LIMITED",
    ]
