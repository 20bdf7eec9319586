"""At least once across crashes: a worker SIGKILLed mid-call, a gateway SIGKILLed after the
commit that fired an alert; the outbox delivers both."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from gateway.alerts import endpoints as endpoint_service
from gateway.alerts.enums import DeliveryStatus
from gateway.alerts.inputs import WebhookEndpointIn
from gateway.storage.db import Database
from tests.alerts.receiver import Receiver, running
from tests.alerts.support import add_rule, make_org
from tests.support import free_port

SERVICE_TOKEN = "alerts-service-token"


def _env(db: Database, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "GATEWAY_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "GATEWAY_WEBHOOKS_ALLOW_PRIVATE": "1",
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN,
        **extra,
    }


async def _deliver(db: Database, *args: str, **extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "deliver", *args, env=_env(db, **extra)
    )


async def _until(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _endpoint(db: Database, url: str, now: datetime) -> tuple[str, str]:
    body = WebhookEndpointIn.model_validate(
        {"url": url, "eventTypes": ["credits.remaining_below", "webhook.test"]}
    )
    made, secret = await endpoint_service.create_endpoint(
        db, "acme", body, now=now, production=False, allow_private=True
    )
    return made.id, secret


async def test_a_worker_killed_mid_call_delivers_after_restart(db: Database) -> None:
    now = datetime.now(UTC)
    await make_org(db, "acme", now=now)
    receiver = Receiver(hold=asyncio.Event())
    async with running(receiver):
        endpoint_id, secret = await _endpoint(db, receiver.url, now)
        sent = await endpoint_service.send_test(db, "acme", endpoint_id, now=now)
        worker = await _deliver(db)
        await _until(lambda: len(receiver.got) == 1)
        worker.send_signal(signal.SIGKILL)
        assert await worker.wait() == -signal.SIGKILL
        hold, receiver.hold = receiver.hold, None
        assert hold is not None
        hold.set()
        [leased] = await endpoint_service.deliveries(db, "acme", endpoint_id, after=None, limit=5)
        assert (leased.status, leased.attempts) == (DeliveryStatus.PENDING, 0)
        # Restarted after the lease ran out (the clock moved 90 s on).
        again = await _deliver(db, "--once", GATEWAY_CLOCK_OFFSET_SECONDS="90")
        assert await again.wait() == 0
    assert [r.headers["webhook-id"] for r in receiver.got] == [sent.message_id] * 2
    Webhook(secret).verify(receiver.got[1].body, receiver.got[1].headers)
    [done] = await endpoint_service.deliveries(db, "acme", endpoint_id, after=None, limit=5)
    assert (done.status, done.attempts) == (DeliveryStatus.DELIVERED, 1)


async def test_a_gateway_killed_after_the_commit_is_delivered_from_the_outbox(
    db: Database,
) -> None:
    now = datetime.now(UTC)
    await make_org(db, "acme", included="1", now=now)
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), env=_env(db)
    )
    try:
        async with running(Receiver()) as receiver:
            _, secret = await _endpoint(db, receiver.url, now)
            await add_rule(
                db, "acme", now=now, kind="CREDITS_REMAINING_BELOW", name="low", thresholds=["0.5"]
            )
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if (await client.get("/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert time.monotonic() < deadline and server.returncode is None
                    await asyncio.sleep(0.2)
                event = {
                    "eventId": "e1",
                    "orgId": "acme",
                    "openingId": "o1",
                    "interviewId": "i1",
                    "candidateId": "c1",
                    "occurredAt": now.isoformat(),
                    "status": "COMPLETED",
                }
                response = await client.post(
                    "/v1/ingest/interview-events",
                    json=[event],
                    headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                )
                assert response.status_code == 200, response.text
            server.send_signal(signal.SIGKILL)
            await server.wait()
            assert receiver.got == []
            worker = await _deliver(db, "--once")
            assert await worker.wait() == 0
        [request] = receiver.got
        payload = Webhook(secret).verify(request.body, request.headers)
        assert payload["type"] == "credits.remaining_below"
        assert payload["data"]["figure"] == "0.0000"
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
