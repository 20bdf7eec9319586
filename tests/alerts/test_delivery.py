"""Deliveries to a real receiver, signatures verified with the standardwebhooks package."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from gateway.alerts import endpoints as endpoint_service
from gateway.alerts import service as alerts_service
from gateway.alerts.delivery import Options, deliver_due
from gateway.alerts.enums import DeliveryStatus
from gateway.alerts.inputs import WebhookEndpointIn
from gateway.alerts.records import DeliveryRecord
from gateway.alerts.schedule import DELAYS, MAX_ATTEMPTS
from gateway.storage.db import Database
from tests.alerts.receiver import Receiver, running
from tests.alerts.support import add_rule, interviews, make_org
from tests.support import free_port

LOCAL = Options(production=False, allow_private=True)
TYPES = ["credits.remaining_below", "webhook.test"]


def _now() -> datetime:
    # Near the real time: receivers refuse timestamps more than 5 minutes off.
    return datetime.now(UTC).replace(microsecond=0)


async def _endpoint(db: Database, org: str, url: str, now: datetime) -> tuple[str, str]:
    body = WebhookEndpointIn.model_validate({"url": url, "eventTypes": TYPES, "description": "ops"})
    made, secret = await endpoint_service.create_endpoint(
        db, org, body, now=now, production=False, allow_private=True
    )
    return made.id, secret


async def _delivery(db: Database, org: str, endpoint_id: str) -> DeliveryRecord:
    [found] = await endpoint_service.deliveries(db, org, endpoint_id, after=None, limit=5)
    return found


async def test_a_firing_is_delivered_signed(db: Database) -> None:
    now = _now()
    await make_org(db, "acme", included="2", now=now)
    async with running(Receiver()) as receiver:
        endpoint_id, secret = await _endpoint(db, "acme", receiver.url, now)
        rule = await add_rule(
            db, "acme", now=now, kind="CREDITS_REMAINING_BELOW", name="low", thresholds=["1"]
        )
        await interviews(db, "acme", range(0, 2), now=now)
        assert await deliver_due(db, now=now, options=LOCAL) == 1
    [request] = receiver.got
    payload = Webhook(secret).verify(request.body, request.headers)
    [alert] = await alerts_service.alerts(db, "acme", after=None, limit=5)
    assert request.headers["webhook-id"] == payload["id"] == "msg_" + alert.id.removeprefix("alr_")
    assert payload["type"] == "credits.remaining_below"
    assert payload["data"]["rule"] == {
        "id": rule.id,
        "name": "low",
        "kind": "CREDITS_REMAINING_BELOW",
    }
    assert payload["data"]["figure"] == "0.0000"
    assert payload["data"]["threshold"] == "1"
    assert payload["data"]["organization"] == {"id": "acme", "name": "Org acme"}
    today = now.date()
    first = today.replace(day=1)
    assert payload["data"]["period"]["start"] == first.isoformat()
    delivered = await _delivery(db, "acme", endpoint_id)
    assert (delivered.status, delivered.attempts, delivered.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    assert await deliver_due(db, now=now + timedelta(hours=1), options=LOCAL) == 0


async def test_500_then_200_same_webhook_id_attempts_counted(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    for name in ("gateway", "httpx", "httpcore", "uvicorn"):
        caplog.set_level("DEBUG", logger=name)
    now = _now()
    await make_org(db, "acme", now=now)
    async with running(Receiver(script=[(500, {}, b"boom")])) as receiver:
        endpoint_id, secret = await _endpoint(db, "acme", receiver.url, now)
        test = await endpoint_service.send_test(db, "acme", endpoint_id, now=now)
        assert await deliver_due(db, now=now, options=LOCAL) == 1
        first = await _delivery(db, "acme", endpoint_id)
        assert (first.status, first.attempts, first.last_status_code) == (
            DeliveryStatus.PENDING,
            1,
            500,
        )
        assert first.next_attempt_at is not None
        wait = first.next_attempt_at - now
        assert DELAYS[0] * 0.9 <= wait <= DELAYS[0] * 1.1
        assert await deliver_due(db, now=now + timedelta(seconds=4), options=LOCAL) == 0
        assert await deliver_due(db, now=now + timedelta(seconds=6), options=LOCAL) == 1
    assert [r.headers["webhook-id"] for r in receiver.got] == [test.message_id] * 2
    for request in receiver.got:
        assert Webhook(secret).verify(request.body, request.headers)["type"] == "webhook.test"
    done = await _delivery(db, "acme", endpoint_id)
    assert (done.status, done.attempts, done.last_status_code) == (DeliveryStatus.DELIVERED, 2, 200)
    # The secret is in no log line, no field of a log record, no recorded error.
    logged = [r for r in caplog.records if r.name == "gateway.webhooks"]
    assert len(logged) == 2
    key = secret.removeprefix("whsec_")
    assert [r.name for r in caplog.records if key in repr(vars(r))] == []
    assert first.last_error == "HTTP 500" and key not in repr(done)


async def test_receiver_down_retries_on_schedule_then_fails(db: Database) -> None:
    start = datetime(2026, 11, 20, 12, tzinfo=UTC)
    await make_org(db, "acme", now=start)
    endpoint_id, _ = await _endpoint(db, "acme", f"http://127.0.0.1:{free_port()}/down", start)
    await endpoint_service.send_test(db, "acme", endpoint_id, now=start)
    now = start
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await deliver_due(db, now=now, options=LOCAL) == 1
        found = await _delivery(db, "acme", endpoint_id)
        assert found.attempts == attempt
        assert found.last_error is not None and found.last_error.startswith("connection failed")
        if attempt == MAX_ATTEMPTS:
            assert (found.status, found.next_attempt_at) == (DeliveryStatus.FAILED, None)
            break
        assert found.status is DeliveryStatus.PENDING and found.next_attempt_at is not None
        wait = found.next_attempt_at - now
        assert DELAYS[attempt - 1] * 0.9 <= wait <= DELAYS[attempt - 1] * 1.1
        assert await deliver_due(db, now=now + wait * 0.85, options=LOCAL) == 0
        now = found.next_attempt_at
    assert now - start >= timedelta(hours=24)


async def test_429_retry_after_is_honoured_and_410_disables(db: Database) -> None:
    now = _now()
    await make_org(db, "acme", now=now)
    script = [(429, {"retry-after": "120"}, b""), (410, {}, b"gone")]
    async with running(Receiver(script=script)) as receiver:
        endpoint_id, _ = await _endpoint(db, "acme", receiver.url, now)
        await endpoint_service.send_test(db, "acme", endpoint_id, now=now)
        await deliver_due(db, now=now, options=LOCAL)
        first = await _delivery(db, "acme", endpoint_id)
        assert first.next_attempt_at is not None
        assert first.next_attempt_at - now >= timedelta(seconds=120)
        await deliver_due(db, now=now + timedelta(seconds=121), options=LOCAL)
    gone = await _delivery(db, "acme", endpoint_id)
    assert (gone.status, gone.last_status_code) == (DeliveryStatus.FAILED, 410)
    endpoint = await endpoint_service.endpoint(db, "acme", endpoint_id)
    assert endpoint is not None and not endpoint.enabled
    assert endpoint.disabled_reason == "the receiver answered 410 Gone"


async def test_redirects_are_not_followed(db: Database) -> None:
    now = _now()
    await make_org(db, "acme", now=now)
    async with running(Receiver()) as target:
        redirect = [(307, {"location": target.url}, b"")]
        async with running(Receiver(script=redirect)) as receiver:
            endpoint_id, _ = await _endpoint(db, "acme", receiver.url, now)
            await endpoint_service.send_test(db, "acme", endpoint_id, now=now)
            await deliver_due(db, now=now, options=LOCAL)
    assert len(receiver.got) == 1 and target.got == []
    found = await _delivery(db, "acme", endpoint_id)
    assert (found.status, found.last_status_code) == (DeliveryStatus.FAILED, 307)


async def test_rotation_signs_with_both_secrets_for_a_day(db: Database) -> None:
    now = _now()
    await make_org(db, "acme", now=now)
    async with running(Receiver()) as receiver:
        endpoint_id, old = await _endpoint(db, "acme", receiver.url, now)
        _, new = await endpoint_service.rotate_secret(db, "acme", endpoint_id, now=now)
        assert new != old and new.startswith("whsec_")
        await endpoint_service.send_test(db, "acme", endpoint_id, now=now)
        await deliver_due(db, now=now, options=LOCAL)
    [request] = receiver.got
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(request.body, request.headers)
    endpoint = await endpoint_service.endpoint(db, "acme", endpoint_id)
    assert endpoint is not None
    assert endpoint.secrets_at(now + timedelta(hours=23)) == [new, old]
    assert endpoint.secrets_at(now + timedelta(hours=24)) == [new]


async def test_two_workers_send_each_delivery_once(db: Database) -> None:
    now = _now()
    await make_org(db, "acme", now=now)
    async with running(Receiver()) as receiver:
        endpoint_id, _ = await _endpoint(db, "acme", receiver.url, now)
        sent = [
            await endpoint_service.send_test(db, "acme", endpoint_id, now=now) for _ in range(30)
        ]

        async def worker() -> int:
            total = 0
            while claimed := await deliver_due(db, now=now, options=LOCAL, limit=4):
                total += claimed
            return total

        counts = await asyncio.gather(worker(), worker())
    assert sum(counts) == 30
    assert sorted(r.headers["webhook-id"] for r in receiver.got) == sorted(
        d.message_id for d in sent
    )
    rows = await endpoint_service.deliveries(db, "acme", endpoint_id, after=None, limit=50)
    assert {(d.status, d.attempts) for d in rows} == {(DeliveryStatus.DELIVERED, 1)}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.100.100.200/",
        "ftp://example.com/hook",
        "http://user:pass@93.184.216.34/hook",
    ],
)
async def test_ssrf_targets_are_refused_at_creation(db: Database, url: str) -> None:
    from gateway.core.errors import InvalidInput

    await make_org(db, "acme")
    body = WebhookEndpointIn.model_validate({"url": url, "eventTypes": TYPES})
    with pytest.raises(InvalidInput) as caught:
        await endpoint_service.create_endpoint(
            db, "acme", body, now=_now(), production=False, allow_private=False
        )
    assert caught.value.problems[0].field == "url"
    assert await endpoint_service.endpoints(db, "acme") == []


async def test_http_is_refused_in_production(db: Database) -> None:
    from gateway.core.errors import InvalidInput

    await make_org(db, "acme")
    body = WebhookEndpointIn.model_validate(
        {"url": "http://93.184.216.34/hook", "eventTypes": TYPES}
    )
    with pytest.raises(InvalidInput):
        await endpoint_service.create_endpoint(
            db, "acme", body, now=_now(), production=True, allow_private=False
        )


async def test_private_targets_are_refused_at_call_time(db: Database) -> None:
    now = _now()
    await make_org(db, "acme", now=now)
    async with running(Receiver()) as receiver:
        endpoint_id, _ = await _endpoint(db, "acme", receiver.url, now)  # allowed then
        await endpoint_service.send_test(db, "acme", endpoint_id, now=now)
        await deliver_due(db, now=now, options=Options(production=False, allow_private=False))
    assert receiver.got == []
    found = await _delivery(db, "acme", endpoint_id)
    assert found.status is DeliveryStatus.FAILED
    assert found.last_error is not None and "private" in found.last_error
    assert json.loads(found.payload)["type"] == "webhook.test"


async def test_a_receiver_that_does_not_answer_in_time_is_retried(db: Database) -> None:
    now = _now()
    await make_org(db, "acme", now=now)
    receiver = Receiver(hold=asyncio.Event())
    async with running(receiver):
        endpoint_id, _ = await _endpoint(db, "acme", receiver.url, now)
        await endpoint_service.send_test(db, "acme", endpoint_id, now=now)
        quick = Options(production=False, allow_private=True, timeout_s=0.5)
        began = asyncio.get_running_loop().time()
        assert await deliver_due(db, now=now, options=quick) == 1
        assert asyncio.get_running_loop().time() - began < 5
    found = await _delivery(db, "acme", endpoint_id)
    assert (found.status, found.attempts, found.last_error) == (
        DeliveryStatus.PENDING,
        1,
        "timed out",
    )
