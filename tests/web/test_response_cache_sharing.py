"""The response cache: ETag and 304, the rate limit on a hit, callers kept apart, the byte bound,
and Redis shared between two apps (and away, without failing a request)."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.config import Settings
from gateway.storage.db import Database
from gateway.web.answer_store import AnswerStore, entry_bytes
from gateway.web.app import create_app
from resolvers.documents import sha256
from tests.support import (
    SERVICE,
    MovableClock,
    ai_call,
    bearer,
    free_port,
    make_settings,
    member_token,
    put_member,
    put_org,
)
from tests.web.test_response_cache import (
    CONSUMPTION_PAGE,
    CONSUMPTION_WITH_YEAR,
    TOKEN_TTL,
    USAGE_PAGE,
    cache_of,
)

REDIS_URL = "redis://127.0.0.1:6379/0"
CALLS = "{ organization { usage(period: {preset: THIS_MONTH}) { summary { calls } } } }"


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def settings(**changes: Any) -> Settings:
    return make_settings().model_copy(update=changes)


async def served(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t.test")


@pytest.fixture
async def acme(client: httpx.AsyncClient, clock: MovableClock) -> AsyncIterator[dict[str, str]]:
    """Two organizations with a call each; tokens of an account admin and of an interviewer."""
    for org, calls in (("acme", 2), ("other", 1)):
        await put_org(client, org)
        await put_member(client, org, "admin", role="ACCOUNT_ADMIN")
        await put_member(client, org, "staff", role="ACCOUNT_ADMIN")
        await put_member(client, org, "viewer", role="INTERVIEWER")
        events = [ai_call(f"{org}-{n}", org_id=org, member_id="admin") for n in range(calls)]
        response = await client.post("/v1/ingest/ai-calls", json=events, headers=SERVICE)
        assert response.status_code == 200, response.text
    yield {
        who: member_token(org, member, now=clock.now, ttl=TOKEN_TTL)
        for who, org, member in (
            ("admin", "acme", "admin"),
            ("staff", "acme", "staff"),
            ("viewer", "acme", "viewer"),
            ("other", "other", "admin"),
        )
    }


async def ingest(client: httpx.AsyncClient, event_id: str) -> None:
    event = ai_call(event_id, org_id="acme", member_id="admin")
    response = await client.post("/v1/ingest/ai-calls", json=[event], headers=SERVICE)
    assert response.status_code == 200, response.text


async def post(client: httpx.AsyncClient, token: str, query: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query}, headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_get_answers_carry_an_etag_and_a_match_gets_304(
    app: Starlette, client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    headers = bearer(acme["admin"])
    first = await client.get("/graphql", params={"query": USAGE_PAGE}, headers=headers)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    assert first.headers["vary"] == "Authorization"
    again = await client.get(
        "/graphql", params={"query": USAGE_PAGE}, headers={**headers, "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    # A persisted-query GET (the frontend's document by its hash) gets the same treatment.
    extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha256(USAGE_PAGE)}})
    persisted = await client.get("/graphql", params={"extensions": extensions}, headers=headers)
    assert persisted.status_code == 200 and persisted.headers["etag"] == etag
    assert persisted.json() == first.json()
    not_modified = await client.get(
        "/graphql",
        params={"extensions": extensions},
        headers={**headers, "If-None-Match": f'"other", {etag}'},
    )
    assert not_modified.status_code == 304 and not_modified.content == b""
    # A write moves the tag: the same If-None-Match gets the new answer.
    await ingest(client, "late")
    changed = await client.get(
        "/graphql", params={"query": USAGE_PAGE}, headers={**headers, "If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    # POST answers carry no tag; a document read at the exact instant has none either.
    assert (
        "etag"
        not in (await client.post("/graphql", json={"query": USAGE_PAGE}, headers=headers)).headers
    )
    year = await client.get("/graphql", params={"query": CONSUMPTION_WITH_YEAR}, headers=headers)
    assert year.status_code == 200 and "etag" not in year.headers


async def test_the_rate_limit_is_charged_on_a_hit(
    db: Database, clock: MovableClock, acme: dict[str, str]
) -> None:
    app = create_app(
        settings(rate_limit_points=5_000, rate_limit_restore_per_second=0.0001), db=db, clock=clock
    )
    async with await served(app) as client:
        fresh = await post(client, acme["admin"], USAGE_PAGE)
        hit = await post(client, acme["admin"], USAGE_PAGE)
    assert cache_of(app).hits == 1
    assert hit["data"] == fresh["data"]
    first, second = fresh["extensions"]["cost"], hit["extensions"]["cost"]
    assert second["requestedQueryCost"] == first["requestedQueryCost"]
    assert second["actualQueryCost"] == first["actualQueryCost"]
    spent = (
        first["throttleStatus"]["currentlyAvailable"]
        - second["throttleStatus"]["currentlyAvailable"]
    )
    # Within the restore of the few milliseconds between the two requests.
    assert abs(spent - first["actualQueryCost"]) <= 1


async def test_organizations_roles_and_viewers_never_share_an_answer(
    app: Starlette, client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    for _ in range(2):  # the second round is served from the cache
        admin = await post(client, acme["admin"], CALLS)
        other = await post(client, acme["other"], CALLS)
        assert admin["data"]["organization"]["usage"]["summary"]["calls"] == 2
        assert other["data"]["organization"]["usage"]["summary"]["calls"] == 1
        admin_page = await post(client, acme["admin"], CONSUMPTION_PAGE)
        viewer_page = await post(client, acme["viewer"], CONSUMPTION_PAGE)
        assert admin_page["data"]["organization"]["consumption"] is not None
        assert viewer_page["data"]["organization"]["consumption"] is None
        assert viewer_page["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        viewer = "{ viewer { member { name } } }"
        # Same organization, same role, another member: `viewer` answers differ.
        for who in ("admin", "staff"):
            answer = await post(client, acme[who], viewer)
            assert answer["data"]["viewer"]["member"]["name"] == f"Member {who}"
    assert cache_of(app).hits >= 4


async def test_the_store_keeps_within_its_bytes_least_recently_used_first_out() -> None:
    # The bound counts what answers really take: room for three, and their table (twice) is
    # far smaller than a fourth.
    value = b"x" * 20_000
    bound = 3 * entry_bytes("k10", value) + entry_bytes("k10", value) // 2
    store = AnswerStore(bound)
    for n in range(10):
        await store.put(f"k{n}", value)
        assert store.bytes <= bound
    assert len(store) == 3
    assert await store.get("k6") is None and await store.get("k7") is not None
    await store.put("k10", b"y" * 20_000)  # k7 was used last: k8 goes first
    assert await store.get("k8") is None and await store.get("k7") is not None
    await store.put("huge", b"z" * bound)
    assert await store.get("huge") is None and store.bytes <= bound


async def test_the_byte_bound_holds_in_an_app(
    db: Database, clock: MovableClock, acme: dict[str, str]
) -> None:
    app = create_app(settings(response_cache_bytes=1_000), db=db, clock=clock)
    async with await served(app) as client:
        for n in range(1, 30):
            await post(
                client,
                acme["admin"],
                f"{{ organization {{ usage(period: {{preset: THIS_MONTH}}) {{ byUser(first: {n}) {{ totalCount }} }} }} }}",
            )
    store = cache_of(app).store
    assert 0 < len(store) < 29 and store.bytes <= 1_000


async def test_off_means_off(db: Database, clock: MovableClock, acme: dict[str, str]) -> None:
    app = create_app(settings(response_cache_bytes=0), db=db, clock=clock)
    async with await served(app) as client:
        for _ in range(2):
            response = await client.get(
                "/graphql", params={"query": USAGE_PAGE}, headers=bearer(acme["admin"])
            )
            assert response.status_code == 200 and "etag" not in response.headers
    assert cache_of(app).hits == 0 and len(cache_of(app).store) == 0


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis at 127.0.0.1:6379")
async def test_two_apps_share_answers_through_redis(
    db: Database, clock: MovableClock, acme: dict[str, str]
) -> None:
    one = create_app(settings(redis_url=REDIS_URL), db=db, clock=clock)
    two = create_app(settings(redis_url=REDIS_URL), db=db, clock=clock)
    async with await served(one) as first, await served(two) as second:
        computed = await post(first, acme["admin"], USAGE_PAGE)
        shared = await post(second, acme["admin"], USAGE_PAGE)
        assert cache_of(one).hits == 0 and cache_of(two).hits == 1
        assert shared["data"] == computed["data"]
        # A write seen by either app is seen by both: the key moved.
        await ingest(first, "more")
        after = await post(second, acme["admin"], CALLS)
        assert after["data"]["organization"]["usage"]["summary"]["calls"] == 3
    await cache_of(one).close()
    await cache_of(two).close()


async def test_redis_away_never_fails_a_request(
    db: Database, clock: MovableClock, acme: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    away = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(
        settings(redis_url=away, redis_timeout_s=0.2, redis_retry_s=60), db=db, clock=clock
    )
    with caplog.at_level(logging.WARNING, logger="gateway.response_cache"):
        async with await served(app) as client:
            answers = [await post(client, acme["admin"], USAGE_PAGE) for _ in range(3)]
    assert all("errors" not in answer for answer in answers)
    assert answers[0]["data"] == answers[2]["data"]
    # Served from this process's memory meanwhile; one warning for the episode.
    assert cache_of(app).hits == 2
    assert len([r for r in caplog.records if "Redis unavailable" in r.getMessage()]) == 1


async def test_a_purchase_dated_ahead_is_never_served_stale(
    app: Starlette, client: httpx.AsyncClient, clock: MovableClock, acme: dict[str, str]
) -> None:
    """Until a purchase dated a few minutes ahead has happened, the balance is computed fresh."""
    balance = "{ organization { consumption { remainingBalance allocation { purchased } } } }"
    ahead = (clock.now + timedelta(minutes=5)).isoformat()
    body = {"purchaseId": "p-ahead", "credits": "40", "occurredAt": ahead}
    response = await client.post("/v1/orgs/acme/credit-purchases", json=body, headers=SERVICE)
    assert response.status_code in (200, 201), response.text
    hits = cache_of(app).hits
    for _ in range(2):
        before = await post(client, acme["admin"], balance)
        assert before["data"]["organization"]["consumption"]["allocation"]["purchased"] == "0.0000"
    assert cache_of(app).hits == hits  # not kept meanwhile
    clock.advance(minutes=6)
    for _ in range(2):
        after = await post(client, acme["admin"], balance)
        assert after["data"]["organization"]["consumption"]["allocation"]["purchased"] == "40.0000"
    assert cache_of(app).hits == hits + 1  # kept again once it has happened
