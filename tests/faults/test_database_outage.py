"""PostgreSQL goes away under load, then comes back: bounded 503s, then service by itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
from graphql import GraphQLError
from starlette.applications import Starlette

from gateway.storage.db import Database
from gateway.storage.faults import DATABASE_UNREACHABLE, classify, unavailable
from gateway.web.app import create_app
from resolvers.error_codes import code_errors
from tests.faults.servers import PrivatePostgres
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

# A request may wait for the connect timeout (1 s here), never much longer.
BOUND_S = 4.0
RETRY_AFTER = 7
SUMMARY = "{ organization { usage { summary { creditsCharged calls } } } }"
UNAVAILABLE = "the database is unavailable, retry shortly"


def fault_app(url: str, **overrides: Any) -> Starlette:
    settings = make_settings(url).model_copy(
        update={
            "statement_timeout_ms": 2_000,
            "db_connect_timeout_s": 1.0,
            "db_pool_timeout_s": 1.0,
            "retry_after_s": RETRY_AFTER,
            **overrides,
        }
    )
    return create_app(settings, clock=MovableClock(NOW))


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            yield client
    finally:
        await app.state.gateway.db.dispose()


def _batches(count: int, size: int) -> list[list[dict[str, Any]]]:
    return [
        [
            ai_call(
                f"b{b}-e{i}",
                member_id=f"m{i % 3}",
                occurred_at=f"2026-11-{1 + (b + i) % 18:02d}T{i % 24:02d}:15:00Z",
                reason=("CHAT", "GENERATE_FIELD", "SUMMARIZE_CV")[i % 3],
                credits=f"{1 + i % 7}.{b % 10}5",
            )
            for i in range(size)
        ]
        for b in range(count)
    ]


def _assert_unavailable_v1(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == str(RETRY_AFTER)
    assert response.json() == {"error": {"code": "SERVICE_UNAVAILABLE", "message": UNAVAILABLE}}


async def _timed_post(client: httpx.AsyncClient, url: str, **kw: Any) -> httpx.Response:
    started = time.monotonic()
    response = await client.post(url, **kw)
    assert time.monotonic() - started < BOUND_S, f"{url} took {time.monotonic() - started:.1f} s"
    return response


async def _recount(dsn: str) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[Any, ...]]]]:
    conn = await asyncpg.connect(dsn)
    try:
        raw = await conn.fetch(
            "SELECT org_id, (occurred_at AT TIME ZONE 'UTC')::date AS day, "
            "SUM(credits_e4)::bigint, COUNT(*)::bigint FROM ai_calls GROUP BY 1, 2 ORDER BY 1, 2"
        )
        rollups = {}
        for table in ("ai_daily_by_reason", "ai_daily_by_member", "ai_daily_by_model"):
            rollups[table] = [
                tuple(r)
                for r in await conn.fetch(
                    f"SELECT org_id, day, SUM(credits_e4)::bigint, SUM(calls)::bigint "
                    f"FROM {table} GROUP BY 1, 2 ORDER BY 1, 2"
                )
            ]
        for table in ("ai_monthly_by_reason", "ai_monthly_by_member", "ai_monthly_by_model"):
            rollups[table] = [
                tuple(r)
                for r in await conn.fetch(
                    f"SELECT SUM(credits_e4)::bigint, SUM(calls)::bigint FROM {table}"
                )
            ]
        return [tuple(r) for r in raw], rollups
    finally:
        await conn.close()


async def test_postgres_outage_under_ingest_load(private_postgres: PrivatePostgres) -> None:
    app = fault_app(private_postgres.url)
    token = member_token("acme", "m0")
    batches = _batches(24, 150)
    async with serving(app) as client:
        await put_org(client, "acme")
        for member in ("m0", "m1", "m2"):
            await put_member(client, "acme", member)

        first_pass: dict[int, httpx.Response] = {}

        async def feed(worker: int) -> None:
            for b in range(worker, len(batches), 3):
                first_pass[b] = await _timed_post(
                    client, "/v1/ingest/ai-calls", json={"events": batches[b]}, headers=SERVICE
                )

        feeders = asyncio.gather(*(feed(w) for w in range(3)))
        for _ in range(400):  # let some batches through, then pull the plug mid-load
            if len(first_pass) >= 4:
                break
            await asyncio.sleep(0.01)
        assert len(first_pass) >= 4
        await asyncio.to_thread(private_postgres.stop)
        await asyncio.wait_for(feeders, 60)

        statuses = [first_pass[b].status_code for b in range(len(batches))]
        assert set(statuses) == {200, 503}, statuses
        for response in first_pass.values():
            if response.status_code == 503:
                _assert_unavailable_v1(response)

        # While it is away: GraphQL (its credential look-up reads the database), /readyz.
        response = await _timed_post(
            client, "/graphql", json={"query": SUMMARY}, headers=bearer(token)
        )
        assert response.status_code == 503
        assert response.headers["retry-after"] == str(RETRY_AFTER)
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert response.json()["errors"][0]["message"] == UNAVAILABLE
        started = time.monotonic()
        ready = await client.get("/readyz")
        assert time.monotonic() - started < BOUND_S
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "reason": DATABASE_UNREACHABLE}

        # Back again: the very next requests are served, with no restart of the app.
        await asyncio.to_thread(private_postgres.start)
        assert (await client.get("/readyz")).json() == {"status": "ready"}
        response = await client.post("/graphql", json={"query": SUMMARY}, headers=bearer(token))
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()

        # Replay every batch: none was half-written, so the totals add up exactly once.
        accepted_first = sum(
            r.json()["accepted"] for r in first_pass.values() if r.status_code == 200
        )
        accepted = duplicates = 0
        for batch in batches:
            response = await client.post(
                "/v1/ingest/ai-calls", json={"events": batch}, headers=SERVICE
            )
            assert response.status_code == 200, response.text
            accepted += response.json()["accepted"]
            duplicates += response.json()["duplicates"]
        total = sum(len(batch) for batch in batches)
        assert accepted + duplicates == total
        assert duplicates == accepted_first
        assert 0 < accepted_first < total

        raw, rollups = await _recount(private_postgres.dsn)
        assert sum(row[3] for row in raw) == total
        for table, sums in rollups.items():
            if table.startswith("ai_daily"):
                assert sums == raw, table
            else:
                assert sums == [(sum(r[2] for r in raw), total)], table

        body = (
            await client.post("/graphql", json={"query": SUMMARY}, headers=bearer(token))
        ).json()
        assert body["data"]["organization"]["usage"]["summary"]["calls"] == total


async def test_a_statement_past_the_timeout_is_a_graphql_error_on_its_field(
    private_postgres: PrivatePostgres,
) -> None:
    """Tables held locked by another session: the page's statement waits, then is cut off."""
    app = fault_app(private_postgres.url, statement_timeout_ms=500)
    token = member_token("acme", "m0")
    async with serving(app) as client:
        await put_org(client, "acme")
        await put_member(client, "acme", "m0")
        blocker = await asyncpg.connect(private_postgres.dsn)
        try:
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute(
                "LOCK TABLE ai_monthly_by_reason, ai_daily_by_reason IN ACCESS EXCLUSIVE MODE"
            )
            started = time.monotonic()
            response = await client.post("/graphql", json={"query": SUMMARY}, headers=bearer(token))
            elapsed = time.monotonic() - started
            await transaction.rollback()
        finally:
            await blocker.close()
        assert 0.5 <= elapsed < BOUND_S
        assert response.status_code == 200
        body = response.json()
        assert body["data"]["organization"]["usage"] is None
        [error] = body["errors"]
        assert error["message"] == "the query took longer than the statement timeout"
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert error["path"][:2] == ["organization", "usage"]
        # The same query answers again once the lock is gone.
        body = (
            await client.post("/graphql", json={"query": SUMMARY}, headers=bearer(token))
        ).json()
        assert "errors" not in body


async def test_graphql_fields_map_a_lost_database_to_service_unavailable(
    private_postgres: PrivatePostgres,
) -> None:
    """The exception a resolver really gets while the server is away, through the error hook."""
    db = Database.from_url(private_postgres.url)
    try:
        await asyncio.to_thread(private_postgres.stop)
        try:
            async with db.read() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except Exception as exc:
            caught: Exception = exc
        else:
            raise AssertionError("the database answered while stopped")
    finally:
        await db.dispose()
    assert unavailable(caught) == DATABASE_UNREACHABLE
    error = GraphQLError("boom", path=["organization", "usage"], original_error=caught)
    [coded] = code_errors([error], "req-1")
    assert coded.message == UNAVAILABLE
    assert coded.extensions == {"code": "SERVICE_UNAVAILABLE", "requestId": "req-1"}
    # An ordinary bug is still masked.
    bug = GraphQLError("boom", path=["organization"], original_error=KeyError("x"))
    assert code_errors([bug], "req-2")[0].extensions["code"] == "INTERNAL_SERVER_ERROR"  # type: ignore[index]
    assert classify(KeyError("x")) is None


async def test_a_restart_while_idle_costs_no_request(private_postgres: PrivatePostgres) -> None:
    """Pooled connections whose server went away in between are replaced at checkout."""
    app = fault_app(private_postgres.url)
    token = member_token("acme", "m0")
    async with serving(app) as client:
        await put_org(client, "acme")
        await put_member(client, "acme", "m0")
        warm = await asyncio.gather(
            *(
                client.post("/graphql", json={"query": SUMMARY}, headers=bearer(token))
                for _ in range(5)
            )
        )
        assert all(r.status_code == 200 for r in warm)
        assert app.state.gateway.db.engine.pool.checkedin() >= 2
        await asyncio.to_thread(private_postgres.restart)
        await asyncio.sleep(0.2)  # idle: the loop runs and sees the sockets close
        response = await client.post("/graphql", json={"query": SUMMARY}, headers=bearer(token))
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()
