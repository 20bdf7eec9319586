"""Writes that touch one organization's numbers, sent at the same moment in a seeded random
order: AI-call and interview batches, purchases, settings changes (time zone, billing anchor)
that re-bucket what is stored, and a new tier for the batches' model, which moves its calls.
After every round, ``verify`` (a recount from the raw events) finds nothing to correct.

On PostgreSQL each write runs in its own transaction on its own connection, so without an
order between them a batch bucketed in the old zone lands after the re-bucketing
(gateway/storage/locks.py); SQLite serializes writers and holds trivially.
"""

from __future__ import annotations

import asyncio
import os
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from gateway.maintenance.verify import verify_org
from gateway.storage.db import Database
from tests.support import SERVICE, ai_call, put_member

ORG = "race"
ZONES = ["Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata", "Europe/Berlin", "UTC"]
MEMBERS = ["m1", "m2", "m3"]
OPENINGS = ["o1", "o2"]
ROUNDS = 4
SEED = int(os.environ.get("RACE_SEED", "20261207"))


def _instant(rng: random.Random) -> str:
    # Within the two months before the test clock (20 Nov 2026), across a DST change.
    start = datetime(2026, 9, 22, tzinfo=UTC)
    at = start + timedelta(seconds=rng.randrange(0, 58 * 86400))
    return at.isoformat().replace("+00:00", "Z")


def _org_body(zone: str, anchor: int) -> dict[str, Any]:
    plan = {"interviewCreditsPerPeriod": "100", "rollover": "NONE", "billingAnchorDay": anchor}
    return {"name": "Race Ltd", "timeZone": zone, "plan": plan, "activeSince": "2026-06-01"}


def _ai_batch(rng: random.Random, tag: str, count: int) -> list[dict[str, Any]]:
    return [
        ai_call(
            f"{tag}-{n}",
            org_id=ORG,
            member_id=rng.choice(MEMBERS),
            occurred_at=_instant(rng),
            credits=f"{rng.randrange(1, 30000) / 10000:.4f}",
        )
        for n in range(count)
    ]


def _interview(rng: random.Random, event_id: str) -> dict[str, Any]:
    status = rng.choice(["COMPLETED", "PARTIALLY_COMPLETED", "STARTED", "INVITED"])
    event = {
        "eventId": event_id,
        "orgId": ORG,
        "openingId": rng.choice(OPENINGS),
        "interviewId": f"{event_id}-i",
        "candidateId": f"c{rng.randrange(40)}",
        "occurredAt": _instant(rng),
        "status": status,
    }
    if status == "PARTIALLY_COMPLETED":
        event["completedFraction"] = "0.5"
    return event


def _interview_batch(rng: random.Random, tag: str, count: int) -> list[dict[str, Any]]:
    return [_interview(rng, f"{tag}-{n}") for n in range(count)]


async def _after(delay: float, request: Any) -> httpx.Response:
    await asyncio.sleep(delay)
    response: httpx.Response = await request
    return response


async def test_settings_changes_racing_batches_leave_nothing_to_correct(
    client: httpx.AsyncClient, db: Database
) -> None:
    rng = random.Random(SEED)
    zone, anchor = "UTC", 1
    (
        await client.put(f"/v1/orgs/{ORG}", json=_org_body(zone, anchor), headers=SERVICE)
    ).raise_for_status()
    for member in MEMBERS:
        await put_member(client, ORG, member)
    for opening in OPENINGS:
        response = await client.put(
            f"/v1/orgs/{ORG}/openings/{opening}", json={"jobTitle": opening}, headers=SERVICE
        )
        response.raise_for_status()
    for round_ in range(ROUNDS):
        zone = rng.choice([z for z in ZONES if z != zone])
        anchor = rng.choice([1, 9, 15, 28])
        writes = [
            client.post(
                "/v1/ingest/ai-calls", json=_ai_batch(rng, f"a{round_}", 2500), headers=SERVICE
            ),
            client.post(
                "/v1/ingest/interview-events",
                json=_interview_batch(rng, f"i{round_}", 1500),
                headers=SERVICE,
            ),
            client.post(
                f"/v1/orgs/{ORG}/credit-purchases",
                json={"purchaseId": f"p{round_}", "credits": "25", "occurredAt": _instant(rng)},
                headers=SERVICE,
            ),
            client.put(f"/v1/orgs/{ORG}", json=_org_body(zone, anchor), headers=SERVICE),
            # The batches' model changes tier: its calls move to another By model bar.
            client.put(
                "/v1/models/claude-sonnet-4-5",
                json={"provider": "ANTHROPIC", "tier": f"Sonnet r{round_}"},
                headers=SERVICE,
            ),
        ]
        rng.shuffle(writes)
        delays = [rng.uniform(0, 0.05) for _ in writes]
        answers = await asyncio.gather(
            *(_after(delay, write) for delay, write in zip(delays, writes, strict=True))
        )
        assert [a.status_code for a in answers if a.status_code >= 300] == [], [
            a.text for a in answers
        ]
        differences = await verify_org(db, ORG)
        assert differences == [], (
            f"seed {SEED}, round {round_} (zone {zone}, anchor {anchor}): "
            f"{len(differences)} rollup rows differ from a recount, e.g. {differences[:3]}"
        )
