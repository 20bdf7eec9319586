"""The consumer in this process, against a private nats-server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from gateway.broker.consumer import run
from gateway.broker.metrics import BrokerMetrics
from gateway.config import Settings
from gateway.storage.db import Database
from gateway.usage import writes as ingest_queries
from tests.broker.conftest import NatsServer
from tests.broker.streams import (
    check_dead_letters,
    dead_letters,
    ensure_stream,
    publish,
    wait_until_done,
)
from tests.broker.support import MEMBERS, Message, expected, make_dataset, set_up_orgs, stored
from tests.support import SERVICE, ai_call, make_settings


def consumer_settings(db: Database, url: str, **extra: Any) -> Settings:
    return make_settings(db.engine.url.render_as_string(hide_password=False)).model_copy(
        update={
            "nats_url": url,
            "nats_batch": 50,
            "nats_ack_wait_seconds": 2.0,
            "nats_nak_delay_seconds": 0.2,
            "nats_fetch_timeout_seconds": 0.5,
            **extra,
        }
    )


def sample(metrics: BrokerMetrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return value or 0.0


async def test_a_stream_with_duplicates_and_bad_messages(
    db: Database, client: httpx.AsyncClient, nats_server: NatsServer
) -> None:
    await set_up_orgs(client)
    data = make_dataset(1)
    assert data.copies_same_id and data.copies_without_id and data.bad  # the dataset has them
    await ensure_stream(nats_server.url)
    await publish(nats_server.url, data.messages)

    metrics = BrokerMetrics()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run(consumer_settings(db, nats_server.url), stop=stop, metrics=metrics)
    )
    await wait_until_done(nats_server.url)
    stop.set()
    await asyncio.wait_for(task, timeout=10)

    assert await stored(db) == expected(data)
    check_dead_letters(data, await dead_letters(nats_server.url))
    taken = sum(
        sample(metrics, "gateway_broker_messages_total", kind=k)
        for k in ("ai-calls", "interview-events", "credit-purchases")
    )
    assert taken == len(data.messages) - data.copies_same_id
    duplicates = sum(
        sample(metrics, "gateway_broker_duplicates_total", kind=k)
        for k in ("ai-calls", "interview-events", "credit-purchases")
    )
    assert duplicates == data.copies_without_id
    dead = {
        (kind, reason): sample(
            metrics, "gateway_broker_dead_letters_total", kind=kind, reason=reason
        )
        for kind in ("ai-calls", "interview-events", "credit-purchases")
        for reason in ("not_json", "invalid", "rejected", "conflict")
    }
    assert {key: n for key, n in dead.items() if n} == {
        ("ai-calls", "not_json"): 1,
        ("ai-calls", "invalid"): 2,
        ("ai-calls", "rejected"): 4,
        ("interview-events", "invalid"): 1,
        ("interview-events", "rejected"): 1,
        ("credit-purchases", "invalid"): 1,
        ("credit-purchases", "rejected"): 1,
    }
    assert sample(metrics, "gateway_broker_pending", kind="ai-calls") == 0
    assert sample(metrics, "gateway_broker_batch_seconds_count", kind="ai-calls") >= 1


async def test_a_purchase_id_reused_with_other_figures_is_dead_lettered(
    db: Database, client: httpx.AsyncClient, nats_server: NatsServer
) -> None:
    await set_up_orgs(client)
    await ensure_stream(nats_server.url)
    first = b'{"purchaseId": "p1", "orgId": "acme", "credits": "10", "occurredAt": "2026-10-01T00:00:00Z"}'
    again = b'{"purchaseId": "p1", "orgId": "acme", "credits": "10.00", "occurredAt": "2026-10-01T00:00:00Z"}'
    other = b'{"purchaseId": "p1", "orgId": "acme", "credits": "11", "occurredAt": "2026-10-01T00:00:00Z"}'

    subject = "usage.credit-purchases"
    await publish(
        nats_server.url, [Message(subject, first), Message(subject, again), Message(subject, other)]
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run(consumer_settings(db, nats_server.url), stop=stop))
    await wait_until_done(nats_server.url)
    stop.set()
    await asyncio.wait_for(task, timeout=10)

    numbers = await stored(db)
    assert (numbers["acme"].purchases, str(numbers["acme"].purchased)) == (1, "10")
    letters = await dead_letters(nats_server.url)
    assert [(body, headers["Usage-Error"]) for body, headers in letters] == [
        (other, "purchaseId: this purchaseId is already recorded with other figures")
    ]


async def test_a_failed_transaction_is_retried_and_counted_once(
    db: Database,
    client: httpx.AsyncClient,
    nats_server: NatsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await set_up_orgs(client)
    data = make_dataset(5, calls=120, interviews=0, purchases=0, bad=False)
    await ensure_stream(nats_server.url)
    await publish(nats_server.url, data.messages)

    # The second rollup update fails once: its transaction, calls included, must roll back.
    real = ingest_queries.add_deltas
    calls = 0

    async def flaky(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("the database went away")
        await real(*args, **kwargs)

    monkeypatch.setattr(ingest_queries, "add_deltas", flaky)
    metrics = BrokerMetrics()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run(consumer_settings(db, nats_server.url), stop=stop, metrics=metrics)
    )
    await wait_until_done(nats_server.url)
    stop.set()
    await asyncio.wait_for(task, timeout=10)

    assert calls > 2
    assert sample(metrics, "gateway_broker_retried_batches_total", kind="ai-calls") == 1
    assert await stored(db) == expected(data)
    assert await dead_letters(nats_server.url) == []


async def test_an_ai_call_resent_with_other_content_is_dead_lettered_not_retried(
    db: Database, client: httpx.AsyncClient, nats_server: NatsServer
) -> None:
    await set_up_orgs(client)
    member = MEMBERS[0]
    first = ai_call("ev-1", member_id=member, occurred_at="2026-10-01T09:00:00Z", credits="1.25")
    response = await client.post("/v1/ingest/ai-calls", json=[first], headers=SERVICE)
    assert response.json() == {"accepted": 1, "duplicates": 0}, response.text
    other = json.dumps({**first, "creditsCharged": "2.5"}).encode()
    valid = [
        json.dumps(
            ai_call(f"ev-{n}", member_id=member, occurred_at="2026-10-02T09:00:00Z")
        ).encode()
        for n in (2, 3)
    ]
    await ensure_stream(nats_server.url)
    subject = "usage.ai-calls"
    await publish(
        nats_server.url,
        [Message(subject, valid[0]), Message(subject, other), Message(subject, valid[1])],
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run(consumer_settings(db, nats_server.url), stop=stop))
    await wait_until_done(nats_server.url)
    stop.set()
    await asyncio.wait_for(task, timeout=10)

    # The valid calls are stored beside the first one; the changed copy is dead-lettered once.
    assert (await stored(db))["acme"].calls == 3
    letters = await dead_letters(nats_server.url)
    assert [body for body, _ in letters] == [other]
    assert letters[0][1]["Usage-Error"].startswith("eventId: already recorded with other content")
