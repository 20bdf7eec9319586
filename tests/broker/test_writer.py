"""A batch of one kind into the database: the bad events set aside, the rest in one go."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from gateway.broker.messages import Event, Kind, Reason, Rejection, decode
from gateway.broker.writer import write_batch
from gateway.storage.db import Database
from tests.broker.streams import count_calls
from tests.broker.support import set_up_orgs
from tests.support import NOW, ai_call


def events(kind: Kind, bodies: list[dict[str, Any]]) -> list[Event]:
    out = []
    for body in bodies:
        event = decode(kind, json.dumps(body).encode())
        assert not isinstance(event, Rejection), event
        out.append(event)
    return out


async def test_refused_events_are_set_aside_and_the_rest_is_stored(
    db: Database, client: httpx.AsyncClient
) -> None:
    await set_up_orgs(client)
    batch = events(
        Kind.AI_CALLS,
        [
            ai_call("a1", credits="1"),
            ai_call("a2", member_id="ghost", model="gpt-0"),
            ai_call("a3", credits="2"),
            ai_call("a1", credits="1"),  # a second copy in the same batch
            ai_call("a4", org_id="nowhere"),
            ai_call("a5", credits="3"),
        ],
    )
    outcome = await write_batch(db, Kind.AI_CALLS, batch, now=NOW)
    assert outcome.dead == {
        1: Rejection(
            Reason.REJECTED, "memberId: unknown member 'ghost'; model: unknown model 'gpt-0'"
        ),
        4: Rejection(Reason.REJECTED, "orgId: unknown organization 'nowhere'"),
    }
    assert (outcome.accepted, outcome.duplicates) == (3, 1)
    assert await count_calls(db) == 3

    again = await write_batch(db, Kind.AI_CALLS, batch, now=NOW)
    assert (again.accepted, again.duplicates, set(again.dead)) == (0, 4, {1, 4})
    assert await count_calls(db) == 3


async def test_interview_events_of_an_unknown_opening(
    db: Database, client: httpx.AsyncClient
) -> None:
    await set_up_orgs(client)
    base = {
        "orgId": "acme",
        "openingId": "o1",
        "interviewId": "iv1",
        "candidateId": "c1",
        "occurredAt": "2026-11-02T10:00:00Z",
        "status": "COMPLETED",
    }
    batch = events(
        Kind.INTERVIEW_EVENTS,
        [
            {**base, "eventId": "e1"},
            {**base, "eventId": "e2", "openingId": "o7", "interviewId": "iv2"},
        ],
    )
    outcome = await write_batch(db, Kind.INTERVIEW_EVENTS, batch, now=NOW)
    assert outcome.dead == {1: Rejection(Reason.REJECTED, "openingId: unknown opening 'o7'")}
    assert (outcome.accepted, outcome.duplicates) == (1, 0)


async def test_purchases_follow_the_http_route(db: Database, client: httpx.AsyncClient) -> None:
    await set_up_orgs(client)
    body = {
        "purchaseId": "p1",
        "orgId": "acme",
        "credits": "10",
        "occurredAt": "2026-10-01T00:00:00Z",
    }
    batch = events(
        Kind.CREDIT_PURCHASES,
        [
            body,
            {**body, "orgId": "beta"},  # another organization's p1
            {**body, "credits": "10.0"},  # the same figures: a duplicate
            {**body, "credits": "12"},
            {**body, "orgId": "nowhere"},
        ],
    )
    outcome = await write_batch(db, Kind.CREDIT_PURCHASES, batch, now=NOW)
    assert outcome.dead == {
        3: Rejection(
            Reason.CONFLICT, "purchaseId: this purchaseId is already recorded with other figures"
        ),
        4: Rejection(Reason.REJECTED, "orgId: no organization with id 'nowhere'"),
    }
    assert (outcome.accepted, outcome.duplicates) == (2, 1)


async def test_other_failures_propagate_and_store_nothing(
    db: Database, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up_orgs(client)
    from gateway.core.errors import Conflict
    from gateway.usage import writes as ai_writes

    async def conflict(*_: Any, **__: Any) -> None:
        raise Conflict("not a validation problem")

    monkeypatch.setattr(ai_writes, "add_deltas", conflict)
    with pytest.raises(Conflict):
        await write_batch(db, Kind.AI_CALLS, events(Kind.AI_CALLS, [ai_call("a1")]), now=NOW)
    assert await count_calls(db) == 0
