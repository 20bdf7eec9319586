"""Replays: the same eventId with the same content is a duplicate, with other content a 409;
large interview batches work on both engines."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import SERVICE, ai_call, put_member, put_org


def _interview(event_id: str, interview: str = "i1", **extra: Any) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "orgId": "acme",
        "openingId": "o1",
        "interviewId": interview,
        "candidateId": f"cand-{interview}",
        "occurredAt": "2026-11-02T10:00:00Z",
        "status": "COMPLETED",
        **extra,
    }


async def _setup(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    await put_member(client, "acme", "m2")
    response = await client.put(
        "/v1/orgs/acme/openings/o1", json={"jobTitle": "Chef"}, headers=SERVICE
    )
    assert response.status_code in (200, 201)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"creditsCharged": "1.26"}, "creditsCharged"),
        ({"memberId": "m2"}, "memberId"),
        ({"occurredAt": "2026-11-03T09:15:01Z"}, "occurredAt"),
        ({"reason": "SUMMARIZE_CV"}, "reason"),
        ({"inputTokens": 1}, "inputTokens"),
    ],
)
async def test_an_ai_call_replayed_with_other_content_is_a_conflict(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    await _setup(client)
    first = [ai_call("c1"), ai_call("c2")]
    response = await client.post("/v1/ingest/ai-calls", json=first, headers=SERVICE)
    assert response.json() == {"accepted": 2, "duplicates": 0}
    # The same instant in another offset is the same content.
    same = {**ai_call("c1"), "occurredAt": "2026-11-03T10:15:00+01:00"}
    response = await client.post("/v1/ingest/ai-calls", json=[same], headers=SERVICE)
    assert response.json() == {"accepted": 0, "duplicates": 1}

    batch = [ai_call("c3"), {**ai_call("c2"), **change}]
    response = await client.post("/v1/ingest/ai-calls", json=batch, headers=SERVICE)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "CONFLICT"
    assert error["errors"][0]["index"] == 1
    assert error["errors"][0]["field"] == "eventId"
    assert field in error["errors"][0]["message"]
    # All or nothing: c3 was not stored either.
    response = await client.post("/v1/ingest/ai-calls", json=[ai_call("c3")], headers=SERVICE)
    assert response.json() == {"accepted": 1, "duplicates": 0}


async def test_an_interview_event_replayed_with_other_content_is_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    await _setup(client)
    batch = [_interview("e1"), _interview("e2", "i2", status="PARTIALLY_COMPLETED")]
    batch[1]["completedFraction"] = "0.5"
    response = await client.post("/v1/ingest/interview-events", json=batch, headers=SERVICE)
    assert response.json() == {"accepted": 2, "duplicates": 0}
    response = await client.post("/v1/ingest/interview-events", json=batch, headers=SERVICE)
    assert response.json() == {"accepted": 0, "duplicates": 2}
    for change, field in [
        ({"status": "INVITED"}, "status"),
        ({"interviewId": "i9"}, "interviewId"),
        ({"occurredAt": "2026-11-02T10:00:01Z"}, "occurredAt"),
        ({"completedFraction": "0.6"}, "completedFraction"),
    ]:
        changed = {**batch[1], **change}
        if change.get("status") == "INVITED":
            changed.pop("completedFraction")
        response = await client.post("/v1/ingest/interview-events", json=[changed], headers=SERVICE)
        assert response.status_code == 409, (field, response.text)
        assert field in response.json()["error"]["errors"][0]["message"]


async def test_a_batch_of_8000_distinct_interviews(client: httpx.AsyncClient) -> None:
    """A row-value IN of 8,000 pairs overflowed PostgreSQL's stack; the lookups are chunked."""
    await _setup(client)
    batch = [_interview(f"e{n}", f"i{n}") for n in range(8_000)]
    response = await client.post("/v1/ingest/interview-events", json=batch, headers=SERVICE)
    assert response.status_code == 200, response.text[:500]
    assert response.json() == {"accepted": 8_000, "duplicates": 0}
    response = await client.post("/v1/ingest/interview-events", json=batch, headers=SERVICE)
    assert response.json() == {"accepted": 0, "duplicates": 8_000}
