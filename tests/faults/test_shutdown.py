"""SIGTERM on a real ``usage-gateway serve``: in-flight requests finish, within a bounded grace.

The in-flight request is an ingest batch that waits on a table lock the test holds on the
private PostgreSQL server, so it is really inside the gateway, inside its transaction, when
the signal arrives.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest

from tests.faults.servers import PrivatePostgres, free_port
from tests.support import ai_call

SERVICE_TOKEN = "faults-service-token"
HEADERS = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
# Once it has shut down, uvicorn raises the signal it caught again, so the process reports it.
STOPPED_BY_SIGTERM = -signal.SIGTERM


@asynccontextmanager
async def serve(server: PrivatePostgres, grace_s: int) -> AsyncIterator[tuple[Any, str]]:
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": server.url,
        "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN,
        "GATEWAY_JWT_SECRET": "faults-jwt-secret-0123456789abcdef0123456789",
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_SHUTDOWN_GRACE_S": str(grace_s),
        "GATEWAY_STATEMENT_TIMEOUT_MS": "60000",
    }
    command = [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), "--workers", "1"]
    process = await asyncio.to_thread(subprocess.Popen, command, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=base_url, timeout=5) as client:
            while True:
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the server did not start")
                await asyncio.sleep(0.2)
            response = await client.put(
                "/v1/orgs/acme", json={"name": "Acme", "timeZone": "UTC"}, headers=HEADERS
            )
            assert response.status_code in (200, 201), response.text
            response = await client.put(
                "/v1/orgs/acme/members/m1",
                json={"name": "Ann", "email": "ann@acme.test", "role": "ADMIN"},
                headers=HEADERS,
            )
            assert response.status_code in (200, 201), response.text
        yield process, base_url
    finally:
        if process.poll() is None:
            process.kill()
        await asyncio.to_thread(process.wait, 30)


async def _lock_calls(dsn: str) -> tuple[asyncpg.Connection, Any]:
    conn = await asyncpg.connect(dsn)
    transaction = conn.transaction()
    await transaction.start()
    await conn.execute("LOCK TABLE ai_calls IN ACCESS EXCLUSIVE MODE")
    return conn, transaction


async def _wait_for_lock_waiter(conn: asyncpg.Connection) -> None:
    for _ in range(200):  # up to 10 s
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the ingest request never reached the database")


async def _stored_calls(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM ai_calls")
        return count
    finally:
        await conn.close()


BATCH = {"events": [ai_call(f"e{i}") for i in range(50)]}


async def test_sigterm_lets_the_request_in_flight_finish(
    private_postgres: PrivatePostgres,
) -> None:
    async with serve(private_postgres, grace_s=20) as (process, base_url):
        locker, transaction = await _lock_calls(private_postgres.dsn)
        try:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                in_flight = asyncio.create_task(
                    client.post("/v1/ingest/ai-calls", json=BATCH, headers=HEADERS)
                )
                await _wait_for_lock_waiter(locker)
                process.send_signal(signal.SIGTERM)
                await asyncio.sleep(1.0)
                assert process.poll() is None  # still waiting for the request
                with pytest.raises(httpx.TransportError):  # but taking no new ones
                    async with httpx.AsyncClient(base_url=base_url, timeout=2) as fresh:
                        await fresh.get("/healthz")
                await transaction.rollback()  # the lock goes; the batch proceeds
                response = await asyncio.wait_for(in_flight, 20)
        finally:
            await locker.close()
        assert response.status_code == 200, response.text
        assert response.json() == {"accepted": 50, "duplicates": 0}
        assert await asyncio.to_thread(process.wait, 20) == STOPPED_BY_SIGTERM
    assert await _stored_calls(private_postgres.dsn) == 50


async def test_sigterm_gives_up_on_a_stuck_request_after_the_grace_period(
    private_postgres: PrivatePostgres,
) -> None:
    grace = 2
    async with serve(private_postgres, grace_s=grace) as (process, base_url):
        locker, transaction = await _lock_calls(private_postgres.dsn)
        try:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                in_flight = asyncio.create_task(
                    client.post("/v1/ingest/ai-calls", json=BATCH, headers=HEADERS)
                )
                await _wait_for_lock_waiter(locker)
                signalled = time.monotonic()
                process.send_signal(signal.SIGTERM)
                code = await asyncio.to_thread(process.wait, grace + 10)
                stopped_after = time.monotonic() - signalled
                with pytest.raises(httpx.TransportError):  # cut off, no answer
                    await asyncio.wait_for(in_flight, 10)
            await transaction.rollback()
        finally:
            await locker.close()
        assert code == STOPPED_BY_SIGTERM
        assert grace <= stopped_after < grace + 5, stopped_after
    # All or nothing: the cancelled batch left no row behind.
    assert await _stored_calls(private_postgres.dsn) == 0
