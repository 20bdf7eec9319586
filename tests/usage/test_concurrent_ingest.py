"""Several batches into one organization at once: nothing lost, nothing counted twice, no
deadlock, and every rollup equal to the sums of the plain-Python reference."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from gateway.storage.db import Database
from gateway.storage.tables import (
    ai_daily_by_member,
    ai_daily_by_model,
    ai_daily_by_reason,
    ai_monthly_by_member,
    ai_monthly_by_model,
    ai_monthly_by_reason,
)
from gateway.usage.inputs import AiCallIn
from gateway.usage.service import ingest
from tests.reference.usage import Org, parse_call
from tests.support import NOW, SERVICE, ai_call, put_member, put_org

ZONE = "America/New_York"  # a DST change (1 November) inside the range
MEMBERS = [f"m{n}" for n in range(1, 6)]
MODELS = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"]
TABLES = {
    ("day", "reason"): ai_daily_by_reason,
    ("day", "member_id"): ai_daily_by_member,
    ("day", "model"): ai_daily_by_model,
    ("month", "reason"): ai_monthly_by_reason,
    ("month", "member_id"): ai_monthly_by_member,
    ("month", "model"): ai_monthly_by_model,
}

Sums = tuple[int, int, int, int]


def _events(rng: random.Random, count: int) -> list[dict[str, Any]]:
    start = datetime(2026, 9, 28, tzinfo=UTC)
    events = []
    for n in range(count):
        at = start + timedelta(seconds=rng.randrange(0, 52 * 86400))
        byok = rng.random() < 0.25
        events.append(
            ai_call(
                f"e{n:05d}",
                occurred_at=at.isoformat().replace("+00:00", "Z"),
                member_id=rng.choice(MEMBERS),
                reason=rng.choice(["CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"]),
                mode="BYOK" if byok else "CREDITS",
                model=rng.choice(MODELS),
                credits=None if byok else f"{rng.randrange(1, 40000) / 10000:.4f}",
                input_tokens=rng.randrange(0, 5000),
                output_tokens=rng.randrange(0, 2000),
            )
        )
    return events


def _reference(org: Org, events: list[dict[str, Any]]) -> dict[str, dict[tuple[Any, ...], Sums]]:
    """Each rollup recomputed from the raw events with the reference's own parsing."""
    out: dict[str, dict[tuple[Any, ...], list[int]]] = {
        table.name: defaultdict(lambda: [0, 0, 0, 0]) for table in TABLES.values()
    }
    for event in events:
        call = parse_call(event)
        day = call.occurred_at.astimezone(org.zone).date()
        credits = int(call.credits * 10_000)
        cost = int((call.cost or Decimal(0)) * 1_000_000)
        for (grain, dimension), table in TABLES.items():
            when = day if grain == "day" else day.replace(day=1)
            rest = (
                (call.provider, call.tier)
                if dimension == "model"
                else ((call.reason,) if dimension == "reason" else (call.member_id,))
            )
            sums = out[table.name][(when, call.mode, *rest)]
            for position, value in enumerate((1, credits, cost, call.tokens)):
                sums[position] += value
    return {
        name: {k: (v[0], v[1], v[2], v[3]) for k, v in rows.items()} for name, rows in out.items()
    }


async def _stored(db: Database) -> dict[str, dict[tuple[Any, ...], Sums]]:
    out: dict[str, dict[tuple[Any, ...], Sums]] = {}
    async with db.read() as conn:
        for table in TABLES.values():
            key = [c for c in table.c if c.primary_key and c.name != "org_id"]
            sums = [table.c.calls, table.c.credits_e4, table.c.cost_micros, table.c.tokens]
            rows = await conn.execute(select(*key, *sums).where(table.c.org_id == "acme"))
            out[table.name] = {tuple(row[: len(key)]): tuple(row[len(key) :]) for row in rows}
    return out


async def test_concurrent_batches_add_up_to_the_reference(
    client: httpx.AsyncClient, db: Database
) -> None:
    await put_org(client, "acme", time_zone=ZONE)
    org = Org("acme", time_zone=ZONE)
    for member in MEMBERS:
        await put_member(client, "acme", member)
        org.add_member(member)
    rng = random.Random(12)
    events = _events(rng, 1_200)
    # Eight batches that overlap (each event is in one or two of them), shuffled so that
    # they name shared events in different orders: the writers must still take them in one.
    batches: list[list[dict[str, Any]]] = [[] for _ in range(8)]
    for event in events:
        for slot in rng.sample(range(8), rng.choice([1, 1, 2])):
            batches[slot].append(event)
    for batch in batches:
        rng.shuffle(batch)

    # Straight to the service, as several server processes (or consumers) would: one process
    # takes its own batches one at a time.
    bodies = [[AiCallIn.model_validate(event) for event in batch] for batch in batches]
    answers = await asyncio.gather(*(ingest(db, body, now=NOW) for body in bodies))
    assert sum(a.accepted for a in answers) == len(events)
    assert sum(a.accepted + a.duplicates for a in answers) == sum(map(len, batches))
    assert await _stored(db) == _reference(org, events)

    # Replaying every batch at once changes nothing, through HTTP as well.
    again = await asyncio.gather(*(ingest(db, body, now=NOW) for body in bodies[:4]))
    assert [a.accepted for a in again] == [0] * 4
    replies = await asyncio.gather(
        *(
            client.post("/v1/ingest/ai-calls", json={"events": batch}, headers=SERVICE)
            for batch in batches[4:]
        )
    )
    assert [r.json()["accepted"] for r in replies] == [0] * 4, [r.text for r in replies]
    assert await _stored(db) == _reference(org, events)
