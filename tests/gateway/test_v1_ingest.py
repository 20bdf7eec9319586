"""Ingest: idempotent, all-or-nothing, and the rollups move in step with the events."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from gateway.consumption.rollups import rebuild_interview_rollups
from gateway.storage.db import Database
from gateway.storage.tables import (
    ai_calls,
    ai_daily_by_member,
    ai_daily_by_reason,
    ai_monthly_by_model,
    interview_daily,
)
from gateway.storage.tables import interview_events as events_table
from tests.support import SERVICE, ai_call, put_member, put_org


async def _setup(client: httpx.AsyncClient, time_zone: str = "UTC") -> None:
    await put_org(client, "acme", time_zone=time_zone)
    await put_member(client, "acme", "m1")
    await put_member(client, "acme", "m2")


async def _rows(db: Database, stmt: Any) -> list[tuple[Any, ...]]:
    async with db.read() as conn:
        return [tuple(row) for row in (await conn.execute(stmt)).all()]


async def _by_reason(db: Database) -> list[tuple[Any, ...]]:
    t = ai_daily_by_reason
    return await _rows(
        db,
        select(t.c.day, t.c.billing_mode, t.c.reason, t.c.calls, t.c.credits_e4, t.c.cost_micros)
        .where(t.c.org_id == "acme")
        .order_by(t.c.day, t.c.billing_mode, t.c.reason),
    )


BATCH = [
    ai_call("c1", credits="1.25"),
    ai_call("c2", credits="0.0001", reason="SUMMARIZE_CV", member_id="m2"),
    ai_call("c3", credits="2", occurred_at="2026-11-04T23:59:59Z"),
    # Claude Sonnet 4.5: $3 in / $15 out per million -> 1200*3 + 300*15 = 8100 micro-dollars.
    ai_call("c4", mode="BYOK", credits=None, reason="GENERATE_FIELD"),
]

EXPECTED_BY_REASON = [
    (date(2026, 11, 3), "BYOK", "GENERATE_FIELD", 1, 0, 8100),
    (date(2026, 11, 3), "CREDITS", "CHAT", 1, 12500, 0),
    (date(2026, 11, 3), "CREDITS", "SUMMARIZE_CV", 1, 1, 0),
    (date(2026, 11, 4), "CREDITS", "CHAT", 1, 20000, 0),
]


async def test_ingest_counts_once_under_replay(client: httpx.AsyncClient, db: Database) -> None:
    await _setup(client)
    first = await client.post("/v1/ingest/ai-calls", json={"events": BATCH}, headers=SERVICE)
    assert first.json() == {"accepted": 4, "duplicates": 0}
    assert await _by_reason(db) == EXPECTED_BY_REASON
    again = await client.post("/v1/ingest/ai-calls", json={"events": BATCH}, headers=SERVICE)
    assert again.json() == {"accepted": 0, "duplicates": 4}
    partly = await client.post(
        "/v1/ingest/ai-calls", json=[*BATCH[:2], ai_call("c5", credits="3")], headers=SERVICE
    )
    assert partly.json() == {"accepted": 1, "duplicates": 2}
    expected = list(EXPECTED_BY_REASON)
    expected[1] = (date(2026, 11, 3), "CREDITS", "CHAT", 2, 42500, 0)
    assert await _by_reason(db) == expected


async def test_concurrent_identical_batches_count_once(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _setup(client)
    batch = [ai_call(f"k{i}", credits="0.5", member_id=f"m{1 + i % 2}") for i in range(200)]
    responses = await asyncio.gather(
        *(client.post("/v1/ingest/ai-calls", json=batch, headers=SERVICE) for _ in range(2))
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    results = sorted((r.json()["accepted"], r.json()["duplicates"]) for r in responses)
    assert sum(accepted for accepted, _ in results) == 200
    assert sum(duplicates for _, duplicates in results) == 200
    t = ai_daily_by_member
    assert await _rows(
        db, select(t.c.member_id, t.c.calls, t.c.credits_e4).order_by(t.c.member_id)
    ) == [("m1", 100, 500_000), ("m2", 100, 500_000)]
    assert await _rows(db, select(func.count()).select_from(ai_calls)) == [(200,)]


async def test_one_bad_event_stores_nothing(client: httpx.AsyncClient, db: Database) -> None:
    await _setup(client)
    bad_batches = [
        ([*BATCH, ai_call("x", member_id="ghost")], 4, "memberId"),
        ([ai_call("x", org_id="nope"), *BATCH], 0, "orgId"),
        ([*BATCH, ai_call("x", model="gpt-9")], 4, "model"),
        ([*BATCH, ai_call("x", credits="1.00005")], 4, "creditsCharged"),
        ([*BATCH, ai_call("x", credits=None)], 4, "creditsCharged"),
        (
            [*BATCH, {**ai_call("x", mode="BYOK", credits=None), "creditsCharged": "1"}],
            4,
            "creditsCharged",
        ),
        ([*BATCH, ai_call("x", occurred_at="2026-11-03T09:15:00")], 4, "occurredAt"),
        ([*BATCH, ai_call("x", occurred_at="2027-01-01T00:00:00Z")], 4, "occurredAt"),
        ([*BATCH, ai_call("x", reason="POETRY")], 4, "reason"),
        ([*BATCH, ai_call("c1")], 4, "eventId"),
        ([*BATCH, {**ai_call("x"), "inputTokens": -1}], 4, "inputTokens"),
        ([*BATCH, {**ai_call("x"), "extra": 1}], 4, "extra"),
        # A BYOK call before the model's first price cannot be priced.
        (
            [*BATCH, ai_call("x", mode="BYOK", credits=None, occurred_at="2023-06-01T00:00:00Z")],
            4,
            "model",
        ),
    ]
    for batch, index, field in bad_batches:
        response = await client.post("/v1/ingest/ai-calls", json=batch, headers=SERVICE)
        assert response.status_code == 422, (field, response.text)
        problems = response.json()["error"]["errors"]
        assert {"index": index, "field": field} in [
            {"index": p["index"], "field": p["field"]} for p in problems
        ], (field, problems)
    assert await _rows(db, select(func.count()).select_from(ai_calls)) == [(0,)]
    assert await _by_reason(db) == []
    empty = await client.post("/v1/ingest/ai-calls", json=[], headers=SERVICE)
    assert empty.status_code == 422


async def test_days_are_local_and_time_zone_change_rebuckets(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _setup(client, time_zone="America/New_York")
    # 02:30 UTC on 1 Nov is 22:30 on 31 Oct in New York (EDT, UTC-4).
    batch = [ai_call("n1", occurred_at="2026-11-01T02:30:00Z", credits="1")]
    await client.post("/v1/ingest/ai-calls", json=batch, headers=SERVICE)
    t = ai_monthly_by_model
    monthly = select(t.c.month, t.c.provider, t.c.tier, t.c.calls, t.c.credits_e4)
    assert await _by_reason(db) == [(date(2026, 10, 31), "CREDITS", "CHAT", 1, 10000, 0)]
    assert await _rows(db, monthly) == [(date(2026, 10, 1), "ANTHROPIC", "Sonnet", 1, 10000)]
    await put_org(client, "acme", time_zone="Europe/Paris")
    assert await _by_reason(db) == [(date(2026, 11, 1), "CREDITS", "CHAT", 1, 10000, 0)]
    assert await _rows(db, monthly) == [(date(2026, 11, 1), "ANTHROPIC", "Sonnet", 1, 10000)]


def _interview(
    event_id: str, status: str, at: str, fraction: str | None = None, **extra: str
) -> dict[str, Any]:
    event = {
        "eventId": event_id,
        "orgId": "acme",
        "openingId": "o1",
        "interviewId": extra.get("interview", "i1"),
        "candidateId": "cand1",
        "occurredAt": at,
        "status": status,
    }
    if fraction is not None:
        event["completedFraction"] = fraction
    return event


async def _charges(db: Database) -> dict[str, int]:
    rows = await _rows(db, select(events_table.c.event_id, events_table.c.charge_e4))
    return dict(rows)  # type: ignore[arg-type]


async def test_interview_charges_follow_the_running_maximum(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _setup(client)
    await client.put("/v1/orgs/acme/openings/o1", json={"jobTitle": "Chef"}, headers=SERVICE)
    batch = [
        _interview("e1", "INVITED", "2026-10-01T10:00:00Z"),
        _interview("e2", "PARTIALLY_COMPLETED", "2026-10-02T10:00:00Z", "0.455"),
        _interview("e3", "COMPLETED", "2026-11-02T10:00:00Z"),
        _interview("e4", "COMPLETED", "2026-11-03T10:00:00Z"),
    ]
    response = await client.post("/v1/ingest/interview-events", json=batch, headers=SERVICE)
    assert response.json() == {"accepted": 4, "duplicates": 0}
    # 0.455 rounds half-up to 0.46; the completion pays the rest; a second completion nothing.
    assert await _charges(db) == {"e1": 0, "e2": 4600, "e3": 5400, "e4": 0}
    # A late partial before the first one raises the charge earlier, and later ones adjust.
    late = [_interview("e0", "PARTIALLY_COMPLETED", "2026-09-30T10:00:00Z", "0.8")]
    response = await client.post("/v1/ingest/interview-events", json=late, headers=SERVICE)
    assert response.json() == {"accepted": 1, "duplicates": 0}
    assert await _charges(db) == {"e0": 8000, "e1": 0, "e2": 0, "e3": 2000, "e4": 0}
    # Replays change nothing; a simulation makes the whole interview free.
    again = await client.post("/v1/ingest/interview-events", json=batch, headers=SERVICE)
    assert again.json() == {"accepted": 0, "duplicates": 4}
    sim = [_interview("s1", "SIMULATION", "2026-11-05T10:00:00Z")]
    await client.post("/v1/ingest/interview-events", json=sim, headers=SERVICE)
    assert set((await _charges(db)).values()) == {0}


async def test_interview_event_validation(client: httpx.AsyncClient, db: Database) -> None:
    await _setup(client)
    await client.put("/v1/orgs/acme/openings/o1", json={"jobTitle": "Chef"}, headers=SERVICE)
    cases = [
        (_interview("a", "PARTIALLY_COMPLETED", "2026-11-01T00:00:00Z"), "completedFraction"),
        (_interview("a", "COMPLETED", "2026-11-01T00:00:00Z", "0.5"), "completedFraction"),
        (_interview("a", "PARTIALLY_COMPLETED", "2026-11-01T00:00:00Z", "1"), "completedFraction"),
        ({**_interview("a", "INVITED", "2026-11-01T00:00:00Z"), "openingId": "nope"}, "openingId"),
        (_interview("a", "HIRED", "2026-11-01T00:00:00Z"), "status"),
    ]
    for event, field in cases:
        ok = _interview("ok", "INVITED", "2026-11-01T00:00:00Z")
        response = await client.post(
            "/v1/ingest/interview-events", json=[ok, event], headers=SERVICE
        )
        assert response.status_code == 422, field
        assert response.json()["error"]["errors"][0] == {
            "index": 1,
            "field": field,
            "message": response.json()["error"]["errors"][0]["message"],
        }
    assert await _charges(db) == {}


async def _interview_rollup(db: Database) -> list[tuple[Any, ...]]:
    t = interview_daily
    return await _rows(
        db,
        select(t.c.day, t.c.opening_id, t.c.status, t.c.firsts, t.c.credits_e4, t.c.events)
        .where(t.c.org_id == "acme")
        .order_by(t.c.day, t.c.opening_id, t.c.status),
    )


async def test_interview_rollups_move_with_late_events(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _setup(client)
    await client.put("/v1/orgs/acme/openings/o1", json={"jobTitle": "Chef"}, headers=SERVICE)
    batch = [
        _interview("e1", "INVITED", "2026-10-01T10:00:00Z"),
        _interview("e2", "PARTIALLY_COMPLETED", "2026-10-02T10:00:00Z", "0.5"),
        _interview("e3", "COMPLETED", "2026-11-02T10:00:00Z"),
        _interview("e4", "COMPLETED", "2026-11-03T10:00:00Z"),
    ]
    await client.post("/v1/ingest/interview-events", json=batch, headers=SERVICE)
    assert await _interview_rollup(db) == [
        (date(2026, 10, 1), "o1", "INVITED", 1, 0, 1),
        (date(2026, 10, 2), "o1", "PARTIALLY_COMPLETED", 1, 5000, 1),
        (date(2026, 11, 2), "o1", "COMPLETED", 1, 5000, 1),
        (date(2026, 11, 3), "o1", "COMPLETED", 0, 0, 1),
    ]
    # A late, earlier invitation moves the INVITED first to its day; a late completion before
    # the partial takes the whole credit on its day.
    late = [
        _interview("e0", "INVITED", "2026-09-30T10:00:00Z"),
        _interview("e1b", "COMPLETED", "2026-10-01T12:00:00Z"),
    ]
    await client.post("/v1/ingest/interview-events", json=late, headers=SERVICE)
    assert await _interview_rollup(db) == [
        (date(2026, 9, 30), "o1", "INVITED", 1, 0, 1),
        (date(2026, 10, 1), "o1", "COMPLETED", 1, 10000, 1),
        (date(2026, 10, 1), "o1", "INVITED", 0, 0, 1),
        (date(2026, 10, 2), "o1", "PARTIALLY_COMPLETED", 1, 0, 1),
        (date(2026, 11, 2), "o1", "COMPLETED", 0, 0, 1),
        (date(2026, 11, 3), "o1", "COMPLETED", 0, 0, 1),
    ]
    # A simulation makes the interview free and counts it only as a simulation.
    await client.post(
        "/v1/ingest/interview-events",
        json=[_interview("s", "SIMULATION", "2026-11-04T10:00:00Z")],
        headers=SERVICE,
    )
    rows = await _interview_rollup(db)
    assert sum(r[4] for r in rows) == 0
    assert [(r[2], r[3]) for r in rows if r[3]] == [("SIMULATION", 1)]


async def test_incremental_rollups_equal_a_rebuild(client: httpx.AsyncClient, db: Database) -> None:
    await _setup(client, time_zone="Asia/Kolkata")
    for opening in ("o1", "o2"):
        await client.put(
            f"/v1/orgs/acme/openings/{opening}", json={"jobTitle": opening}, headers=SERVICE
        )
    rng = random.Random(7)
    statuses = ["INVITED", "STARTED", "PARTIALLY_COMPLETED", "COMPLETED", "SIMULATION"]
    events = []
    for n in range(120):
        status = rng.choices(statuses, weights=[4, 3, 2, 3, 1])[0]
        at = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 80 * 24 * 60))
        events.append(
            {
                **_interview(
                    f"x{n}",
                    status,
                    at.isoformat(),
                    "0.35" if status == "PARTIALLY_COMPLETED" else None,
                    interview=f"i{rng.randrange(25)}",
                ),
                "openingId": rng.choice(["o1", "o2"]),
                "candidateId": f"c{rng.randrange(10)}",
            }
        )
    rng.shuffle(events)
    for start in range(0, len(events), 17):
        response = await client.post(
            "/v1/ingest/interview-events", json=events[start : start + 17], headers=SERVICE
        )
        assert response.status_code == 200, response.text
    incremental = await _interview_rollup(db)
    async with db.write() as conn:
        await rebuild_interview_rollups(conn, org_id="acme", zone=ZoneInfo("Asia/Kolkata"))
    assert await _interview_rollup(db) == incremental
    assert incremental
