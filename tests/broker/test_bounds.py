"""A backlog the consumer fetches in one go may hold more than a client's batch may: the
per-batch bounds of the ingest are a client's, the consumer splits instead of refusing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from gateway.broker.consumer import run
from gateway.broker.messages import Event, Kind, Rejection, decode
from gateway.broker.metrics import BrokerMetrics
from gateway.broker.parts import parts
from gateway.core.validation import MAX_BATCH_CREDITS, MAX_CALL_CREDITS
from gateway.storage.db import Database
from gateway.usage import writes as ingest_queries
from tests.broker.conftest import NatsServer
from tests.broker.streams import (
    consumer_info,
    dead_letters,
    ensure_stream,
    publish,
    wait_until_done,
)
from tests.broker.support import Message, set_up_orgs, stored
from tests.broker.test_consumer import consumer_settings, sample
from tests.support import ai_call

# One call more than a client's batch may charge, each at the most a call may charge.
CALLS = int(MAX_BATCH_CREDITS / MAX_CALL_CREDITS) + 1


def backlog() -> list[Message]:
    return [
        Message(
            "usage.ai-calls",
            json.dumps(ai_call(f"big-{n}", member_id="m2", credits=str(MAX_CALL_CREDITS))).encode(),
            {"Nats-Msg-Id": f"big-{n}"},
        )
        for n in range(CALLS)
    ]


def decoded(kind: Kind, bodies: list[dict[str, Any] | bytes]) -> list[Event | Rejection]:
    return [
        decode(kind, body if isinstance(body, bytes) else json.dumps(body).encode())
        for body in bodies
    ]


def test_parts_keep_the_credits_bound_of_a_batch() -> None:
    most = str(MAX_CALL_CREDITS)
    full = [ai_call(f"c{n}", credits=most) for n in range(10)]
    assert parts(decoded(Kind.AI_CALLS, [*full])) == [list(range(10))]  # exactly the bound
    items = decoded(
        Kind.AI_CALLS,
        [
            *full,
            b"{not json",  # no event: costs nothing, goes with the part in hand
            ai_call("c10", credits="0.0001"),  # one ten-thousandth over: a part of its own
            ai_call("c3", credits=most),  # a second copy: with the first
            ai_call("c11", mode="BYOK", credits=None),  # charges nothing
            ai_call("c10", credits="0.0001"),
        ],
    )
    assert parts(items) == [[*range(10), 10, 12], [11, 13, 14]]


def test_interview_events_are_one_part() -> None:
    base = {
        "orgId": "acme",
        "openingId": "o1",
        "interviewId": "iv1",
        "candidateId": "c1",
        "occurredAt": "2026-11-02T10:00:00Z",
        "status": "STARTED",
    }
    items = decoded(Kind.INTERVIEW_EVENTS, [{**base, "eventId": f"e{n}"} for n in range(30)])
    assert parts(items) == [list(range(30))]
    assert parts([]) == []


async def consume_backlog(db: Database, url: str, metrics: BrokerMetrics) -> None:
    stop = asyncio.Event()
    # A fetch holds the whole backlog: one batch as fetched would charge too much.
    task = asyncio.create_task(run(consumer_settings(db, url), stop=stop, metrics=metrics))
    await wait_until_done(url)
    stop.set()
    await asyncio.wait_for(task, timeout=10)


async def check_all_stored(db: Database, url: str, metrics: BrokerMetrics) -> None:
    numbers = await stored(db)  # checks the rollups against the stored calls too
    assert (numbers["acme"].calls, numbers["acme"].call_credits) == (
        CALLS,
        CALLS * MAX_CALL_CREDITS,
    )
    assert numbers["acme"].call_credits > MAX_BATCH_CREDITS
    assert await dead_letters(url) == []
    info = await consumer_info(url, "ai-calls")
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    assert info.ack_floor.stream_seq == CALLS  # every message acknowledged
    assert sample(metrics, "gateway_broker_messages_total", kind="ai-calls") == CALLS
    dead = sum(
        sample(metrics, "gateway_broker_dead_letters_total", kind="ai-calls", reason=reason)
        for reason in ("not_json", "invalid", "rejected", "conflict")
    )
    assert dead == 0


async def test_a_backlog_over_the_batch_bound_is_stored_whole(
    db: Database, client: httpx.AsyncClient, nats_server: NatsServer
) -> None:
    await set_up_orgs(client)
    await ensure_stream(nats_server.url)
    await publish(nats_server.url, backlog())  # no consumer runs yet

    metrics = BrokerMetrics()
    await consume_backlog(db, nats_server.url, metrics)

    await check_all_stored(db, nats_server.url, metrics)
    assert sample(metrics, "gateway_broker_duplicates_total", kind="ai-calls") == 0
    assert sample(metrics, "gateway_broker_retried_batches_total", kind="ai-calls") == 0


async def test_a_failed_part_is_retried_and_the_committed_part_is_not(
    db: Database,
    client: httpx.AsyncClient,
    nats_server: NatsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await set_up_orgs(client)
    await ensure_stream(nats_server.url)
    await publish(nats_server.url, backlog())

    # The second part's transaction fails once; the first part stays committed and acknowledged.
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
    await consume_backlog(db, nats_server.url, metrics)

    assert calls == 3
    await check_all_stored(db, nats_server.url, metrics)
    assert sample(metrics, "gateway_broker_retried_batches_total", kind="ai-calls") == 1
    # The first part was acknowledged once committed: it did not come back.
    assert sample(metrics, "gateway_broker_duplicates_total", kind="ai-calls") == 0
