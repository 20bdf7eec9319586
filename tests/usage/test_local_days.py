"""Calls count on their own local day where a zone's offset is not a whole quarter hour.

In 1960 Africa/Monrovia was 00:44:30 behind UTC, so its local midnight fell in the middle of a
UTC quarter hour: a call just before it and one just after share that quarter hour but not their
local day. Every card of a day must agree with the activity log of that day.
"""

from __future__ import annotations

from typing import Any

import httpx

from gateway.maintenance.verify import verify_org
from gateway.storage.db import Database
from tests.support import NOW, SERVICE, ai_call, graphql, member_token, put_member, put_org

DAY_QUERY = """
query($period: PeriodInput!) {
  organization { usage(period: $period) {
    summary { calls creditsCharged }
    byReason { reason calls }
    byUser(first: 10) { nodes { calls } }
    byModel { calls }
    activity(first: 100) { totalCount edges { node { occurredAt creditsCharged } } }
    day: timeSeries(granularity: DAY) { start calls creditsCharged }
    month: timeSeries(granularity: MONTH) { start calls creditsCharged }
  } }
}
"""

# Local 1960-05-31 23:50:00 and 1960-06-01 00:00:15 (-00:44:30): one UTC quarter hour,
# 00:30-00:45, holds both, and local midnight (00:44:30 UTC) lies between them.
BEFORE = "1960-06-01T00:34:30Z"
AFTER = "1960-06-01T00:44:45Z"


async def _day(client: httpx.AsyncClient, day: str) -> dict[str, Any]:
    token = member_token("monrovia", "m1", now=NOW)
    body = await graphql(
        client, DAY_QUERY, token=token, variables={"period": {"from": day, "to": day}}
    )
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["organization"]["usage"]
    return result


async def _expect_day(client: httpx.AsyncClient, day: str, *, calls: int, credits: str) -> None:
    """Every card of the day counts the calls its activity log lists, all on that day."""
    result = await _day(client, day)
    nodes = [edge["node"] for edge in result["activity"]["edges"]]
    assert all(node["occurredAt"].startswith(day) for node in nodes), nodes
    assert len(nodes) == result["activity"]["totalCount"] == calls
    assert result["summary"] == {"calls": calls, "creditsCharged": credits}
    assert [r["calls"] for r in result["byReason"]] == [calls]
    assert [r["calls"] for r in result["byUser"]["nodes"]] == [calls]
    assert [r["calls"] for r in result["byModel"]] == [calls]
    assert result["day"] == [{"start": day, "calls": calls, "creditsCharged": credits}]
    month = {"start": f"{day[:8]}01", "calls": calls, "creditsCharged": credits}
    assert result["month"] == [month]


async def test_calls_around_a_midnight_off_the_quarter_hours_count_on_their_own_day(
    client: httpx.AsyncClient, db: Database
) -> None:
    await put_org(client, "monrovia", time_zone="Africa/Monrovia")
    await put_member(client, "monrovia", "m1")
    # The call before midnight comes first in the batch, then the one after, and the other way
    # round in a second batch: neither may decide the other's day.
    for batch in (
        [ai_call("a1", org_id="monrovia", occurred_at=BEFORE, credits="1")],
        [
            ai_call("b1", org_id="monrovia", occurred_at=BEFORE, credits="1"),
            ai_call("b2", org_id="monrovia", occurred_at=AFTER, credits="2"),
            ai_call("b3", org_id="monrovia", occurred_at=AFTER, credits="2"),
        ],
        [
            ai_call("c1", org_id="monrovia", occurred_at=AFTER, credits="2"),
            ai_call("c2", org_id="monrovia", occurred_at=BEFORE, credits="1"),
        ],
    ):
        response = await client.post("/v1/ingest/ai-calls", json=batch, headers=SERVICE)
        assert response.status_code == 200, response.text

    await _expect_day(client, "1960-05-31", calls=3, credits="3.0000")
    await _expect_day(client, "1960-06-01", calls=3, credits="6.0000")
    # The recount agrees with what ingest stored.
    assert await verify_org(db, "monrovia") == []


async def test_a_time_zone_change_puts_each_call_on_its_own_day(
    client: httpx.AsyncClient, db: Database
) -> None:
    # In UTC both calls are on 1 June; re-bucketed in Monrovia they are a day apart.
    await put_org(client, "monrovia", time_zone="UTC")
    await put_member(client, "monrovia", "m1")
    batch = [
        ai_call("a-before", org_id="monrovia", occurred_at=BEFORE, credits="1"),
        ai_call("b-after", org_id="monrovia", occurred_at=AFTER, credits="2"),
    ]
    response = await client.post("/v1/ingest/ai-calls", json=batch, headers=SERVICE)
    assert response.status_code == 200, response.text
    await _expect_day(client, "1960-06-01", calls=2, credits="3.0000")

    await put_org(client, "monrovia", time_zone="Africa/Monrovia")
    await _expect_day(client, "1960-05-31", calls=1, credits="1.0000")
    await _expect_day(client, "1960-06-01", calls=1, credits="2.0000")
    assert await verify_org(db, "monrovia") == []
