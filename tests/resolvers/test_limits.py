"""Query cost (requested before execution, actual after, the difference refunded), the cost
ceiling, and the leaky bucket of cost points per credential with its HTTP headers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.orgs.credentials import credential_name
from gateway.storage.db import Database
from gateway.web.app import create_app
from gateway.web.ratelimit import MemoryRateLimiter, bucket_key
from tests.support import (
    NOW,
    MovableClock,
    bearer,
    make_settings,
    member_token,
    put_member,
    put_org,
)

SMALL = "{ organization { usage { byReason { label } } } }"  # 1 + 1 + (2 + 3 x 0) = 4
# 1 + 1 + 6 x (2 + 500 x (nodes 1 + member 1)) = 6,014 points: over the ceiling.
HUGE = (
    "{ organization { usage { "
    + " ".join(f"a{i}: byUser(first: 500) {{ nodes {{ member {{ id }} }} }}" for i in range(6))
    + " } } }"
)
SLOW = 0.001  # points a second: the bucket does not visibly refill during a test


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, object] | None = None
) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=bearer(member_token("acme", "m1")),
    )


async def _seed(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")


def _cost(response: httpx.Response) -> dict[str, Any]:
    cost: dict[str, Any] = response.json()["extensions"]["cost"]
    return cost


async def test_requested_and_actual_cost_are_reported(client: httpx.AsyncClient) -> None:
    await _seed(client)
    response = await _post(client, SMALL)
    assert response.status_code == 200
    assert _cost(response) == {
        "requestedQueryCost": 4,
        "actualQueryCost": 4,
        "throttleStatus": None,  # no limit in these tests' settings
    }
    # byUser(first: 7) asks for 2 + 7 x 2; one member and no calls: no rows came back.
    query = "{ organization { usage { byUser(first: 7) { nodes { member { id } } } } } }"
    cost = _cost(await _post(client, query))
    assert cost["requestedQueryCost"] == 1 + 1 + 2 + 7 * 2
    assert cost["actualQueryCost"] == 1 + 1 + 2
    # A 10-day range has 10 DAY buckets: a list of scalars still costs 2.
    query = "query($p: PeriodInput!) { organization { usage(period: $p) { timeSeries(granularity: DAY) { calls } } } }"
    response = await _post(client, query, {"p": {"from": "2026-11-01", "to": "2026-11-10"}})
    assert _cost(response)["requestedQueryCost"] == 4


async def test_a_variables_declared_default_prices_the_list(client: httpx.AsyncClient) -> None:
    await _seed(client)
    query = "query($n: Int = 500) { organization { usage { byUser(first: $n) { nodes { member { id } } } } } }"
    cost = _cost(await _post(client, query))
    assert cost["requestedQueryCost"] == 1 + 1 + 2 + 500 * 2
    cost = _cost(await _post(client, query, {"n": 2}))
    assert cost["requestedQueryCost"] == 1 + 1 + 2 + 2 * 2


async def test_expensive_documents_are_refused_before_they_run(client: httpx.AsyncClient) -> None:
    await _seed(client)
    response = await _post(client, HUGE)
    body = response.json()
    assert body.get("data") is None
    errors = body["errors"]
    assert errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert errors[0]["extensions"]["cost"] == 6_014
    assert body["extensions"]["cost"]["actualQueryCost"] is None


def _limited_app(
    db: Database, points: int, redis_url: str | None = None, restore: float = SLOW
) -> Starlette:
    settings = make_settings().model_copy(
        update={
            "rate_limit_points": points,
            "rate_limit_restore_per_second": restore,
            "redis_url": redis_url,
        }
    )
    return create_app(settings, db=db, clock=MovableClock(NOW))


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def _code(response: httpx.Response) -> str | None:
    errors = response.json().get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def test_leaky_bucket_in_memory_with_headers(db: Database) -> None:
    app = _limited_app(db, points=20)
    async with _client(app) as client:
        await _seed(client)
        first = await _post(client, SMALL)
        assert first.status_code == 200
        # A bucket of 20 that refills at 0.001 a second takes 20,000 s to fill.
        assert first.headers["RateLimit-Policy"] == '"default";q=20;w=20000'
        assert first.headers["RateLimit"].startswith('"default";r=16;t=')
        assert _cost(first)["throttleStatus"] == {
            "maximumAvailable": 20,
            "currentlyAvailable": 16,
            "restoreRate": SLOW,
        }
        # Every request needs the 10-point fee in the bucket to start: 16, 12, 8 left, then
        # the fourth is refused.
        responses = [await _post(client, SMALL) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    refused = responses[-1]
    assert _code(refused) == "RATE_LIMITED"
    assert "data" not in refused.json()
    # 2 points are missing; at 0.001 a second they are back in 2,000 s.
    assert refused.headers["Retry-After"] == "2000"
    assert refused.json()["errors"][0]["extensions"]["retryAfterSeconds"] == 2000
    assert refused.headers["RateLimit"].startswith('"default";r=8;')


async def test_the_difference_is_refunded(db: Database) -> None:
    app = _limited_app(db, points=2_000)
    async with _client(app) as client:
        await _seed(client)
        query = "{ organization { usage { byUser(first: 500) { nodes { member { id } } } } } }"
        response = await _post(client, query)
    cost = _cost(response)
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (1_004, 4)
    # 1,004 were taken before it ran; 1,000 came back after.
    assert cost["throttleStatus"]["currentlyAvailable"] == 1_996
    assert response.headers["RateLimit"].startswith('"default";r=1996;')


async def test_refused_and_invalid_documents_are_charged(db: Database) -> None:
    app = _limited_app(db, points=40)
    async with _client(app) as client:
        await _seed(client)
        auth = bearer(member_token("acme", "m1"))
        parse_error = await client.post(
            "/graphql", json={"query": "{ organization {"}, headers=auth
        )
        invalid = await client.post("/graphql", json={"query": "{ nope }"}, headers=auth)
        bad_json = await client.post(
            "/graphql", content=b"{not json", headers={**auth, "content-type": "application/json"}
        )
        too_big = await client.post("/graphql", json={"query": HUGE}, headers=auth)
        after = await client.post("/graphql", json={"query": SMALL}, headers=auth)
    assert [_code(r) for r in (parse_error, invalid, bad_json, too_big)] == [
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "BAD_USER_INPUT",
        "QUERY_TOO_COMPLEX",
    ]
    assert [r.headers["RateLimit"].split(";")[1] for r in (parse_error, invalid, bad_json)] == [
        "r=30",
        "r=20",
        "r=10",
    ]
    assert too_big.headers["RateLimit"].split(";")[1] == "r=0"
    assert after.status_code == 429


async def test_documents_of_free_fields_still_cost_a_point(db: Database) -> None:
    app = _limited_app(db, points=60)
    async with _client(app) as client:
        await _seed(client)
        responses = [await _post(client, "{ __typename }") for _ in range(60)]
    # 60, 59, ... points: the 51st leaves 9, less than the fee, and the 52nd is refused.
    assert [r.status_code for r in responses] == [200] * 51 + [429] * 9
    assert _code(responses[51]) == "RATE_LIMITED"
    first = responses[0]
    assert first.headers["RateLimit"].startswith('"default";r=59;')
    assert _cost(first)["requestedQueryCost"] == _cost(first)["actualQueryCost"] == 1


async def test_buckets_refill_at_the_restore_rate() -> None:
    now = [0.0]
    limiter = MemoryRateLimiter(100, 10.0, monotonic=lambda: now[0])
    taken = await limiter.take("c", 100)
    assert taken is not None and taken.allowed and taken.remaining == 0
    assert taken.seconds_to_full == 10
    refused = await limiter.take("c", 30)
    assert refused is not None and not refused.allowed and refused.retry_after == 3
    now[0] = 3.0
    again = await limiter.take("c", 30)
    assert again is not None and again.allowed and again.remaining == 0
    refunded = await limiter.refund("c", 500)
    assert refunded is not None and refunded.remaining == 100  # never above the bucket
    # Another credential has its own bucket.
    other = await limiter.take("d", 1)
    assert other is not None and other.remaining == 99


def test_credentials_with_colons_do_not_share_a_bucket() -> None:
    one = credential_name("member", "a:b", "c")
    other = credential_name("member", "a", "b:c")
    assert one != other
    assert bucket_key(one) != bucket_key(other)
    assert len(bucket_key("x" * 1000)) == len(bucket_key("y"))


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


async def test_the_bucket_in_redis_is_shared_by_replicas(db: Database) -> None:
    url = await _redis_url()
    if url is None:
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    org = f"acme-{uuid.uuid4().hex[:8]}"  # a fresh credential: buckets persist in Redis
    first, second = _limited_app(db, 20, url), _limited_app(db, 20, url)
    async with _client(first) as client:
        await put_org(client, org)
        await put_member(client, org, "m1")

    async def spend(app: Starlette) -> httpx.Response:
        async with _client(app) as client:
            return await client.post(
                "/graphql", json={"query": SMALL}, headers=bearer(member_token(org, "m1"))
            )

    # Two replicas, one bucket: 16, 12, 8 left; the fourth (on either) is refused.
    responses = [await spend(first), await spend(second), await spend(first), await spend(second)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["RateLimit"].split(";")[1] for r in responses] == [
        "r=16",
        "r=12",
        "r=8",
        "r=8",
    ]
    assert responses[-1].headers["Retry-After"] == "2000"
