"""Page reads on a real streaming replica, never stale (gateway/storage/routing.py).

A private primary and a ``pg_basebackup -R`` hot standby of it; the app is built with
``create_app`` pointing at both, its lifespan running the replica health poller. Where each
read ran is read back from the ``gateway_db_reads`` counter of ``/metrics``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from gateway.storage.routing import parse_lsn
from gateway.web.app import create_app
from tests.faults.servers import PrivatePostgres
from tests.storage.streaming import PrivateStandby
from tests.support import (
    NOW,
    SERVICE,
    MovableClock,
    ai_call,
    bearer,
    make_settings,
    member_token,
    put_member,
    put_org,
)

SUMMARY = "{ organization { usage { summary { creditsCharged calls } } } }"
BY_REASON = "{ organization { usage { byReason { label calls } } } }"
# Alert rules change without moving the data versions: never read on a replica.
ALERT_RULES = "{ organization { alertRules { id } } }"
WAIT_S = 20


@asynccontextmanager
async def gateway(
    primary: PrivatePostgres, standby: PrivateStandby | None, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(primary.url).model_copy(
        update={
            "database_replica_urls": standby.url if standby else "",
            "replica_poll_seconds": 0.2,
            "replica_max_lag_seconds": 30.0,
            "db_connect_timeout_s": 1.0,
            **overrides,
        }
    )
    app = create_app(settings, clock=MovableClock(NOW))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            yield client


async def reads(client: httpx.AsyncClient) -> dict[str, float]:
    """``gateway_db_reads_total`` by database label."""
    text = (await client.get("/metrics")).text
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name == "gateway_db_reads":
            for sample in family.samples:
                if sample.name == "gateway_db_reads_total":
                    found[sample.labels["database"]] = sample.value
    return found


async def moved(client: httpx.AsyncClient, before: dict[str, float]) -> dict[str, float]:
    after = await reads(client)
    return {name: after[name] - before.get(name, 0) for name in after}


async def ask(client: httpx.AsyncClient, query: str, org: str, **headers: str) -> dict[str, Any]:
    token = member_token(org, "m1")
    response = await client.post(
        "/graphql", json={"query": query}, headers={**bearer(token), **headers}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def ingest(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> str:
    response = await client.post("/v1/ingest/ai-calls", json=events, headers=SERVICE)
    assert response.status_code == 200, response.text
    version = response.headers["x-data-version"]
    assert parse_lsn(version) is not None, version
    return version


async def standby_sql(standby: PrivateStandby, sql: str) -> Any:
    conn = await asyncpg.connect(standby.dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def replica_state(client: httpx.AsyncClient) -> str:
    body = (await client.get("/readyz")).json()
    [replica] = body["replicas"]
    assert set(replica) == {"server", "state", "lagSeconds", "behindBytes", "reason"}
    assert "@" not in replica["server"] and "postgres" not in replica["server"]
    state: str = replica["state"]
    return state


async def until(check: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not await check():
        assert time.monotonic() < deadline, f"still not {what} after {WAIT_S} s"
        await asyncio.sleep(0.1)


async def caught_up(client: httpx.AsyncClient, standby: PrivateStandby, version: str) -> None:
    """The replica has replayed ``version`` and the poller has it in rotation."""
    want = parse_lsn(version)
    assert want is not None

    async def done() -> bool:
        replayed = await standby_sql(
            standby, "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint"
        )
        return bool(replayed >= want) and await replica_state(client) == "in_rotation"

    await until(done, "caught up")


def calls(org: str, prefix: str, count: int, credits: str) -> list[dict[str, Any]]:
    return [
        ai_call(f"{prefix}-{i}", org_id=org, occurred_at=f"2026-11-{1 + i % 18:02d}T10:00:00Z",
                credits=credits)
        for i in range(count)
    ]  # fmt: skip


def summary(data: dict[str, Any]) -> tuple[Decimal, int]:
    found = data["organization"]["usage"]["summary"]
    return Decimal(found["creditsCharged"]), found["calls"]


async def setup_org(client: httpx.AsyncClient, org: str) -> None:
    await put_org(client, org)
    await put_member(client, org, "m1")


async def warm(client: httpx.AsyncClient, org: str) -> None:
    """Run each document once: until the process has parsed a document, its fields are not
    known and it reads on the primary (tests of other modules may have parsed them already)."""
    for query in (SUMMARY, BY_REASON, ALERT_RULES):
        await ask(client, query, org)


async def test_replica_answers_once_caught_up_and_never_stale(
    pair: tuple[PrivatePostgres, PrivateStandby],
) -> None:
    primary, standby = pair
    replica = f"127.0.0.1:{standby.port}"
    async with gateway(primary, standby) as client:
        await setup_org(client, "acme")
        await warm(client, "acme")
        version = await ingest(client, calls("acme", "a", 12, "1.25"))
        await caught_up(client, standby, version)

        # (1) Served by the replica, equal to the numbers ingested and to the primary's answer.
        before = await reads(client)
        data = await ask(client, SUMMARY, "acme")
        served = await moved(client, before)
        assert served[replica] > 0 and served["primary"] == 0, served
        assert summary(data) == (Decimal("12") * Decimal("1.25"), 12)
        async with gateway(primary, None) as alone:
            assert await ask(alone, SUMMARY, "acme") == data
        # Through the response cache: the same versions, the same answer, no read at all.
        before = await reads(client)
        assert await ask(client, SUMMARY, "acme") == data
        assert all(value == 0 for value in (await moved(client, before)).values())
        # A document with an unversioned field reads on the primary, the replica fresh or not.
        before = await reads(client)
        assert await ask(client, ALERT_RULES, "acme") == {"organization": {"alertRules": []}}
        served = await moved(client, before)
        assert served["primary"] > 0 and served[replica] == 0, served

        # (2) Replay paused, more data: answered at once by the primary, never stale.
        await standby_sql(standby, "SELECT pg_wal_replay_pause()")
        try:
            await ingest(client, calls("acme", "b", 5, "2.50"))
            before = await reads(client)
            data = await ask(client, SUMMARY, "acme")
            served = await moved(client, before)
            assert summary(data) == (Decimal("15") + Decimal("12.50"), 17)
            assert served["primary"] > 0 and served[replica] == 0, served

            # (3) The organization unchanged, but X-Data-Version asks for a write (another
            # organization's) the paused replica lacks: the primary answers.
            await setup_org(client, "initech")
            await setup_org(client, "globex")
            elsewhere = await ingest(client, calls("globex", "g", 3, "1.00"))
            await standby_sql(standby, "SELECT pg_wal_replay_resume()")
            await caught_up(client, standby, elsewhere)
            await standby_sql(standby, "SELECT pg_wal_replay_pause()")
            later = await ingest(client, calls("globex", "h", 1, "1.00"))
            before = await reads(client)
            await ask(client, BY_REASON, "initech", **{"X-Data-Version": later})
            served = await moved(client, before)
            assert served["primary"] > 0 and served[replica] == 0, served
            before = await reads(client)
            await ask(client, SUMMARY, "initech")
            served = await moved(client, before)
            assert served[replica] > 0 and served["primary"] == 0, served
            bad = await client.post(
                "/graphql",
                json={"query": SUMMARY},
                headers={**bearer(member_token("acme", "m1")), "X-Data-Version": "yesterday"},
            )
            assert bad.status_code == 400, bad.text
            [error] = bad.json()["errors"]
            assert "X-Data-Version" in error["message"]
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "header": "X-Data-Version"}
        finally:
            await standby_sql(standby, "SELECT pg_wal_replay_resume()")

        # Resumed: the replica catches up and serves the organization again.
        await caught_up(client, standby, later)
        before = await reads(client)
        data = await ask(client, BY_REASON, "acme")
        served = await moved(client, before)
        assert served[replica] > 0 and served["primary"] == 0, served
        assert sum(row["calls"] for row in data["organization"]["usage"]["byReason"]) == 17


async def test_replica_stopped_under_load_then_back(
    pair: tuple[PrivatePostgres, PrivateStandby],
) -> None:
    primary, standby = pair
    replica = f"127.0.0.1:{standby.port}"
    # No response cache: every read reaches a database.
    async with gateway(primary, standby, response_cache_bytes=0) as client:
        await setup_org(client, "umbrella")
        await warm(client, "umbrella")
        version = await ingest(client, calls("umbrella", "u", 8, "0.75"))
        await caught_up(client, standby, version)
        expected = (Decimal("8") * Decimal("0.75"), 8)
        stop = asyncio.Event()
        answers: list[tuple[Decimal, int]] = []

        async def reader() -> None:
            while not stop.is_set():
                answers.append(summary(await ask(client, SUMMARY, "umbrella")))

        before = await reads(client)
        loops = [asyncio.create_task(reader()) for _ in range(4)]
        try:
            await asyncio.sleep(0.5)
            await asyncio.to_thread(standby.stop)
            await asyncio.sleep(1.5)
        finally:
            stop.set()
            await asyncio.gather(*loops)  # any error of any read fails the test here
        served = await moved(client, before)
        assert answers and all(answer == expected for answer in answers)
        assert served[replica] > 0 and served["primary"] > 0, served
        assert await replica_state(client) == "down"
        before = await reads(client)
        await ask(client, SUMMARY, "umbrella")
        assert (await moved(client, before))[replica] == 0

        await asyncio.to_thread(standby.start)
        await until(lambda: _in_rotation(client), "back in rotation")
        before = await reads(client)
        assert summary(await ask(client, SUMMARY, "umbrella")) == expected
        served = await moved(client, before)
        assert served[replica] > 0 and served["primary"] == 0, served


async def _in_rotation(client: httpx.AsyncClient) -> bool:
    return await replica_state(client) == "in_rotation"


async def test_a_replica_lagging_past_the_bound_leaves_rotation_until_it_catches_up(
    pair: tuple[PrivatePostgres, PrivateStandby],
) -> None:
    primary, standby = pair
    async with gateway(primary, standby, replica_max_lag_seconds=1.0) as client:
        await setup_org(client, "hooli")
        version = await ingest(client, calls("hooli", "x", 2, "1.00"))
        await caught_up(client, standby, version)
        await standby_sql(standby, "SELECT pg_wal_replay_pause()")
        try:
            await ingest(client, calls("hooli", "y", 2, "1.00"))
            await until(lambda: _state_is(client, "lagging"), "lagging")
            body = (await client.get("/readyz")).json()
            assert body["status"] == "ready"  # the primary answers: still ready
            [replica] = body["replicas"]
            assert replica["lagSeconds"] > 1.0 and replica["behindBytes"] > 0, replica
            assert replica["reason"] == "replay lag past the bound"
        finally:
            await standby_sql(standby, "SELECT pg_wal_replay_resume()")
        await until(lambda: _state_is(client, "in_rotation"), "back in rotation")
        [replica] = (await client.get("/readyz")).json()["replicas"]
        assert replica["lagSeconds"] == 0.0 and replica["behindBytes"] == 0, replica
        metrics = (await client.get("/metrics")).text
        name = f'replica="127.0.0.1:{standby.port}"'
        assert f"gateway_db_replica_in_rotation{{{name}}} 1.0" in metrics
        assert f"gateway_db_replica_lag_seconds{{{name}}} 0.0" in metrics


async def _state_is(client: httpx.AsyncClient, state: str) -> bool:
    return await replica_state(client) == state
