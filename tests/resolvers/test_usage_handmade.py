"""Organization.usage on small hand-made datasets whose every expected card is written out here.

The datasets and expectations are module constants so that the reference model can be checked
against them too (see test_usage_property.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from resolvers.node import encode_global_id
from tests.support import (
    NOW,
    SERVICE,
    MovableClock,
    ai_call,
    frontend_query,
    graphql,
    member_token,
    put_member,
    put_org,
)

CARDS = """
  preset start end trackingAvailable
  byokNotice { provider message providerDashboardUrl }
  summary {
    creditsCharged estimatedCostUsd calls byokCalls featureTypeCount modelTierCount
    trend { direction percent label previousCreditsCharged }
    trendSamePoint: trend(basis: SAME_POINT_LAST_MONTH) { direction percent label previousCreditsCharged }
  }
  byReason { reason label creditsCharged estimatedCostUsd calls }
  byUser(first: 10) {
    totalCount
    nodes { displayName member { name email } creditsCharged estimatedCostUsd calls share }
  }
  byModel { provider tier label creditsCharged estimatedCostUsd calls relativeToMax }
"""
ACTIVITY = """
  activity(first: 100) {
    totalCount
    pageInfo { hasNextPage }
    edges { node {
      occurredAt reason reasonLabel member { name email } billingMode creditsCharged totalTokens
      estimatedCostUsd model { provider tier label }
    } }
  }
"""
SERIES = """
  day: timeSeries(granularity: DAY) { start creditsCharged estimatedCostUsd calls }
  week: timeSeries(granularity: WEEK) { start creditsCharged estimatedCostUsd calls }
  month: timeSeries(granularity: MONTH) { start creditsCharged estimatedCostUsd calls }
"""


def usage_query(*parts: str) -> str:
    body = "\n".join(parts)
    return (
        f"query($period: PeriodInput!) {{ organization {{ usage(period: $period) {{ {body} }} }} }}"
    )


def token_at(org_id: str, member_id: str, at: datetime) -> str:
    """A member token valid at ``at`` on the test clock, never issued after the real NOW."""
    issued = min(at, NOW)
    return member_token(org_id, member_id, now=issued, ttl=at - issued + timedelta(hours=1))


def _approx(tree: Any) -> Any:
    if isinstance(tree, float):
        return pytest.approx(tree, rel=1e-9, abs=1e-12)
    if isinstance(tree, dict):
        return {k: _approx(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_approx(v) for v in tree]
    return tree


def _member(member_id: str) -> dict[str, str]:
    return {"name": f"Member {member_id}", "email": f"{member_id}@example.com"}


def _bucket(
    start: str, credits: str = "0.0000", cost: str = "0.000000", calls: int = 0
) -> dict[str, Any]:
    return {"start": start, "creditsCharged": credits, "estimatedCostUsd": cost, "calls": calls}


def _days(first: str, count: int, filled: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    start = date.fromisoformat(first)
    days = [(start + timedelta(days=i)).isoformat() for i in range(count)]
    return [filled.get(day, _bucket(day)) for day in days]


async def load(
    client: httpx.AsyncClient,
    org_id: str,
    *,
    time_zone: str,
    members: list[str],
    events: list[dict[str, Any]],
    removed: tuple[str, ...] = (),
    **org: Any,
) -> None:
    await put_org(client, org_id, time_zone=time_zone, **org)
    for member in members:
        await put_member(client, org_id, member)
    if events:
        response = await client.post("/v1/ingest/ai-calls", json=events, headers=SERVICE)
        assert response.status_code == 200, response.text
        assert response.json() == {"accepted": len(events), "duplicates": 0}
    for member in removed:
        response = await client.delete(f"/v1/orgs/{org_id}/members/{member}", headers=SERVICE)
        assert response.status_code == 204, response.text


async def usage(
    client: httpx.AsyncClient, token: str, query: str, period: dict[str, Any]
) -> dict[str, Any]:
    body = await graphql(client, query, token=token, variables={"period": period})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["organization"]["usage"]
    return result


def activity_nodes(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in result["activity"]["edges"]]


# --------------------------------------------------------------------------------------------
# The main dataset: organization "acme" in Europe/Paris, clock at 2026-11-20T12:00Z (13:00 local).
# dave and erin are removed after their calls; hank has no calls; two calls are BYOK.

PAGE_ORG = "acme"
PAGE_ZONE = "Europe/Paris"
PAGE_MEMBERS = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank"]
PAGE_REMOVED = ("dave", "erin")


def _acme(event_id: str, member: str, at: str, **kw: Any) -> dict[str, Any]:
    return ai_call(event_id, org_id=PAGE_ORG, member_id=member, occurred_at=at, **kw)


PAGE_EVENTS = [
    # October (local): 4 credits on the 10th; the 25th has 25 hours (CEST -> CET) and two calls,
    # at 00:30 (+02:00) and 23:30 (+01:00); 23:30 local on the 31st still belongs to October.
    _acme("o1", "alice", "2026-10-10T10:00:00Z", credits="4"),
    _acme("o2", "carol", "2026-10-24T22:30:00Z", credits="2"),
    _acme("o3", "carol", "2026-10-25T22:30:00Z", credits="1.5"),
    _acme("o4", "alice", "2026-10-31T22:30:00Z", credits="1.5"),
    # November (local). n00 is still 31 October in UTC but 1 November 00:30 in Paris.
    _acme("n00", "alice", "2026-10-31T23:30:00Z", credits="1"),
    _acme("n01", "alice", "2026-11-02T08:00:00Z", credits="2.75"),
    _acme("n02", "alice", "2026-11-03T09:15:00Z", credits="1.25"),
    _acme(
        "n03",
        "bob",
        "2026-11-04T10:00:00Z",
        reason="GENERATE_FIELD",
        model="claude-opus-4-1",
        credits="2.5",
    ),
    _acme(
        "n04",
        "carol",
        "2026-11-05T11:00:00Z",
        reason="SUMMARIZE_CV",
        model="claude-haiku-4-5",
        credits="1",
    ),
    _acme("n05", "dave", "2026-11-06T12:00:00Z", credits="0.75"),
    _acme("n06", "erin", "2026-11-07T13:00:00Z", reason="GENERATE_FIELD", credits="0.25"),
    _acme("n07", "frank", "2026-11-08T14:00:00Z", model="claude-sonnet-4", credits="0.25"),
    _acme(
        "n08",
        "gina",
        "2026-11-09T15:00:00Z",
        reason="SUMMARIZE_CV",
        model="claude-haiku-4-5",
        credits="0.25",
    ),
    # Sonnet 4 at $3/$15 per million: 1000 in + 200 out = 0.003 + 0.003 = $0.006.
    _acme(
        "n09",
        "bob",
        "2026-11-10T16:00:00Z",
        mode="BYOK",
        model="claude-sonnet-4",
        credits=None,
        input_tokens=1000,
        output_tokens=200,
    ),
    # GPT-4o mini at $0.15/$0.60 per million: 10000 in + 5000 out = 0.0015 + 0.003 = $0.0045.
    _acme(
        "n10",
        "alice",
        "2026-11-19T23:30:00Z",
        reason="GENERATE_FIELD",
        mode="BYOK",
        model="gpt-4o-mini",
        credits=None,
        input_tokens=10000,
        output_tokens=5000,
    ),
]

PAGE_THIS_MONTH: dict[str, Any] = {
    "preset": "THIS_MONTH",
    "start": "2026-11-01T00:00:00+01:00",
    "end": "2026-12-01T00:00:00+01:00",
    "trackingAvailable": True,
    "byokNotice": None,
    "summary": {
        "creditsCharged": "10.0000",
        "estimatedCostUsd": "0.010500",
        "calls": 11,
        "byokCalls": 2,
        "featureTypeCount": 3,
        "modelTierCount": 4,
        # (10 - 9) / 9 = 11.1 %; against 1 Oct .. 20 Oct 13:00 local only o1 (4) counts: +150 %.
        "trend": {
            "direction": "UP",
            "percent": 11,
            "label": "+11% vs last month",
            "previousCreditsCharged": "9.0000",
        },
        "trendSamePoint": {
            "direction": "UP",
            "percent": 150,
            "label": "+150% vs same point last month",
            "previousCreditsCharged": "4.0000",
        },
    },
    "byReason": [
        {
            "reason": "CHAT",
            "label": "Chat",
            "creditsCharged": "6.0000",
            "estimatedCostUsd": "0.006000",
            "calls": 6,
        },
        {
            "reason": "GENERATE_FIELD",
            "label": "Generate field",
            "creditsCharged": "2.7500",
            "estimatedCostUsd": "0.004500",
            "calls": 3,
        },
        {
            "reason": "SUMMARIZE_CV",
            "label": "Summarize CV",
            "creditsCharged": "1.2500",
            "estimatedCostUsd": "0.000000",
            "calls": 2,
        },
    ],
    "byUser": {
        "totalCount": 6,
        "nodes": [
            {
                "displayName": "Member alice",
                "member": _member("alice"),
                "creditsCharged": "5.0000",
                "estimatedCostUsd": "0.004500",
                "calls": 4,
                "share": 0.5,
            },
            {
                "displayName": "Member bob",
                "member": _member("bob"),
                "creditsCharged": "2.5000",
                "estimatedCostUsd": "0.006000",
                "calls": 2,
                "share": 0.25,
            },
            # Ties on credits with carol; two calls beat one.
            {
                "displayName": "Unknown user",
                "member": None,
                "creditsCharged": "1.0000",
                "estimatedCostUsd": "0.000000",
                "calls": 2,
                "share": 0.1,
            },
            {
                "displayName": "Member carol",
                "member": _member("carol"),
                "creditsCharged": "1.0000",
                "estimatedCostUsd": "0.000000",
                "calls": 1,
                "share": 0.1,
            },
            # Ties on credits and calls: by display name.
            {
                "displayName": "Member frank",
                "member": _member("frank"),
                "creditsCharged": "0.2500",
                "estimatedCostUsd": "0.000000",
                "calls": 1,
                "share": 0.025,
            },
            {
                "displayName": "Member gina",
                "member": _member("gina"),
                "creditsCharged": "0.2500",
                "estimatedCostUsd": "0.000000",
                "calls": 1,
                "share": 0.025,
            },
        ],
    },
    "byModel": [
        # Sonnet 4.5 and Sonnet 4 share one bar.
        {
            "provider": "ANTHROPIC",
            "tier": "Sonnet",
            "label": "Anthropic Sonnet",
            "creditsCharged": "6.2500",
            "estimatedCostUsd": "0.006000",
            "calls": 7,
            "relativeToMax": 1.0,
        },
        {
            "provider": "ANTHROPIC",
            "tier": "Opus",
            "label": "Anthropic Opus",
            "creditsCharged": "2.5000",
            "estimatedCostUsd": "0.000000",
            "calls": 1,
            "relativeToMax": 0.4,
        },
        {
            "provider": "ANTHROPIC",
            "tier": "Haiku",
            "label": "Anthropic Haiku",
            "creditsCharged": "1.2500",
            "estimatedCostUsd": "0.000000",
            "calls": 2,
            "relativeToMax": 0.2,
        },
        {
            "provider": "OPENAI",
            "tier": "GPT-4o mini",
            "label": "OpenAI GPT-4o mini",
            "creditsCharged": "0.0000",
            "estimatedCostUsd": "0.004500",
            "calls": 1,
            "relativeToMax": 0.0,
        },
    ],
}


def _credits_row(at: str, reason: str, member: str | None, credits: str) -> dict[str, Any]:
    labels = {"CHAT": "Chat", "GENERATE_FIELD": "Generate field", "SUMMARIZE_CV": "Summarize CV"}
    return {
        "occurredAt": at,
        "reason": reason,
        "reasonLabel": labels[reason],
        "member": _member(member) if member else None,
        "billingMode": "CREDITS",
        "creditsCharged": credits,
        "totalTokens": None,
        "estimatedCostUsd": None,
        "model": None,
    }


PAGE_THIS_MONTH_ACTIVITY: list[dict[str, Any]] = [
    {
        "occurredAt": "2026-11-20T00:30:00+01:00",
        "reason": "GENERATE_FIELD",
        "reasonLabel": "Generate field",
        "member": _member("alice"),
        "billingMode": "BYOK",
        "creditsCharged": None,
        "totalTokens": 15000,
        "estimatedCostUsd": "0.004500",
        "model": {"provider": "OPENAI", "tier": "GPT-4o mini", "label": "OpenAI GPT-4o mini"},
    },
    {
        "occurredAt": "2026-11-10T17:00:00+01:00",
        "reason": "CHAT",
        "reasonLabel": "Chat",
        "member": _member("bob"),
        "billingMode": "BYOK",
        "creditsCharged": None,
        "totalTokens": 1200,
        "estimatedCostUsd": "0.006000",
        "model": {"provider": "ANTHROPIC", "tier": "Sonnet", "label": "Anthropic Sonnet"},
    },
    _credits_row("2026-11-09T16:00:00+01:00", "SUMMARIZE_CV", "gina", "0.2500"),
    _credits_row("2026-11-08T15:00:00+01:00", "CHAT", "frank", "0.2500"),
    _credits_row("2026-11-07T14:00:00+01:00", "GENERATE_FIELD", None, "0.2500"),
    _credits_row("2026-11-06T13:00:00+01:00", "CHAT", None, "0.7500"),
    _credits_row("2026-11-05T12:00:00+01:00", "SUMMARIZE_CV", "carol", "1.0000"),
    _credits_row("2026-11-04T11:00:00+01:00", "GENERATE_FIELD", "bob", "2.5000"),
    _credits_row("2026-11-03T10:15:00+01:00", "CHAT", "alice", "1.2500"),
    _credits_row("2026-11-02T09:00:00+01:00", "CHAT", "alice", "2.7500"),
    _credits_row("2026-11-01T00:30:00+01:00", "CHAT", "alice", "1.0000"),
]

# ISO weeks of November 2026 (1 Nov is a Sunday): the first bucket is Monday 26 October but
# counts only 1 November (o4 on 31 October is outside the period).
PAGE_THIS_MONTH_WEEKS = [
    _bucket("2026-10-26", "1.0000", "0.000000", 1),
    _bucket("2026-11-02", "8.7500", "0.000000", 7),
    _bucket("2026-11-09", "0.2500", "0.006000", 2),
    _bucket("2026-11-16", "0.0000", "0.004500", 1),
    _bucket("2026-11-23"),
    _bucket("2026-11-30"),
]
PAGE_THIS_MONTH_MONTHS = [_bucket("2026-11-01", "10.0000", "0.010500", 11)]
PAGE_THIS_MONTH_DAYS = _days(
    "2026-11-01",
    30,
    {
        "2026-11-01": _bucket("2026-11-01", "1.0000", "0.000000", 1),
        "2026-11-02": _bucket("2026-11-02", "2.7500", "0.000000", 1),
        "2026-11-03": _bucket("2026-11-03", "1.2500", "0.000000", 1),
        "2026-11-04": _bucket("2026-11-04", "2.5000", "0.000000", 1),
        "2026-11-05": _bucket("2026-11-05", "1.0000", "0.000000", 1),
        "2026-11-06": _bucket("2026-11-06", "0.7500", "0.000000", 1),
        "2026-11-07": _bucket("2026-11-07", "0.2500", "0.000000", 1),
        "2026-11-08": _bucket("2026-11-08", "0.2500", "0.000000", 1),
        "2026-11-09": _bucket("2026-11-09", "0.2500", "0.000000", 1),
        "2026-11-10": _bucket("2026-11-10", "0.0000", "0.006000", 1),
        "2026-11-20": _bucket("2026-11-20", "0.0000", "0.004500", 1),
    },
)

# Last month: October in Paris, from +02:00 to +01:00; no trend on this preset.
PAGE_LAST_MONTH: dict[str, Any] = {
    "preset": "LAST_MONTH",
    "start": "2026-10-01T00:00:00+02:00",
    "end": "2026-11-01T00:00:00+01:00",
    "trackingAvailable": True,
    "byokNotice": None,
    "summary": {
        "creditsCharged": "9.0000",
        "estimatedCostUsd": "0.000000",
        "calls": 4,
        "byokCalls": 0,
        "featureTypeCount": 1,
        "modelTierCount": 1,
        "trend": None,
        "trendSamePoint": None,
    },
    "byReason": [
        {
            "reason": "CHAT",
            "label": "Chat",
            "creditsCharged": "9.0000",
            "estimatedCostUsd": "0.000000",
            "calls": 4,
        }
    ],
    "byUser": {
        "totalCount": 2,
        "nodes": [
            {
                "displayName": "Member alice",
                "member": _member("alice"),
                "creditsCharged": "5.5000",
                "estimatedCostUsd": "0.000000",
                "calls": 2,
                "share": 5.5 / 9,
            },
            {
                "displayName": "Member carol",
                "member": _member("carol"),
                "creditsCharged": "3.5000",
                "estimatedCostUsd": "0.000000",
                "calls": 2,
                "share": 3.5 / 9,
            },
        ],
    },
    "byModel": [
        {
            "provider": "ANTHROPIC",
            "tier": "Sonnet",
            "label": "Anthropic Sonnet",
            "creditsCharged": "9.0000",
            "estimatedCostUsd": "0.000000",
            "calls": 4,
            "relativeToMax": 1.0,
        }
    ],
}
PAGE_LAST_MONTH_DAYS = _days(
    "2026-10-01",
    31,
    {
        "2026-10-10": _bucket("2026-10-10", "4.0000", "0.000000", 1),
        "2026-10-25": _bucket("2026-10-25", "3.5000", "0.000000", 2),
        "2026-10-31": _bucket("2026-10-31", "1.5000", "0.000000", 1),
    },
)

# The DST day alone, as a custom range: 25 hours long, both calls in its one DAY bucket.
PAGE_DST_DAY: dict[str, Any] = {
    "preset": None,
    "start": "2026-10-25T00:00:00+02:00",
    "end": "2026-10-26T00:00:00+01:00",
    "trackingAvailable": True,
    "byokNotice": None,
    "summary": {
        "creditsCharged": "3.5000",
        "estimatedCostUsd": "0.000000",
        "calls": 2,
        "byokCalls": 0,
        "featureTypeCount": 1,
        "modelTierCount": 1,
        "trend": None,
        "trendSamePoint": None,
    },
    "byReason": [
        {
            "reason": "CHAT",
            "label": "Chat",
            "creditsCharged": "3.5000",
            "estimatedCostUsd": "0.000000",
            "calls": 2,
        }
    ],
    "byUser": {
        "totalCount": 1,
        "nodes": [
            {
                "displayName": "Member carol",
                "member": _member("carol"),
                "creditsCharged": "3.5000",
                "estimatedCostUsd": "0.000000",
                "calls": 2,
                "share": 1.0,
            }
        ],
    },
    "byModel": [
        {
            "provider": "ANTHROPIC",
            "tier": "Sonnet",
            "label": "Anthropic Sonnet",
            "creditsCharged": "3.5000",
            "estimatedCostUsd": "0.000000",
            "calls": 2,
            "relativeToMax": 1.0,
        }
    ],
}
PAGE_DST_DAY_SERIES = {
    "day": [_bucket("2026-10-25", "3.5000", "0.000000", 2)],
    # 25 October 2026 is a Sunday: its ISO week starts on Monday the 19th.
    "week": [_bucket("2026-10-19", "3.5000", "0.000000", 2)],
    "month": [_bucket("2026-10-01", "3.5000", "0.000000", 2)],
}
PAGE_DST_DAY_ACTIVITY = [
    _credits_row("2026-10-25T23:30:00+01:00", "CHAT", "carol", "1.5000"),
    _credits_row("2026-10-25T00:30:00+02:00", "CHAT", "carol", "2.0000"),
]

# 15 October .. 10 December: MONTH buckets labelled with the first of each month, the first one
# counting only from the 15th (o1 on 10 October is outside).
PAGE_RANGE_MONTHS = [
    _bucket("2026-10-01", "5.0000", "0.000000", 3),
    _bucket("2026-11-01", "10.0000", "0.010500", 11),
    _bucket("2026-12-01"),
]


async def _load_page(client: httpx.AsyncClient) -> str:
    await load(
        client,
        PAGE_ORG,
        time_zone=PAGE_ZONE,
        members=PAGE_MEMBERS,
        events=PAGE_EVENTS,
        removed=PAGE_REMOVED,
    )
    return member_token(PAGE_ORG, "alice")


async def test_this_month_cards(client: httpx.AsyncClient) -> None:
    token = await _load_page(client)
    result = await usage(client, token, usage_query(CARDS, ACTIVITY), {"preset": "THIS_MONTH"})
    activity = result.pop("activity")
    assert result == _approx(PAGE_THIS_MONTH)
    assert activity["totalCount"] == 11
    assert activity["pageInfo"] == {"hasNextPage": False}
    assert [edge["node"] for edge in activity["edges"]] == PAGE_THIS_MONTH_ACTIVITY


async def test_this_month_time_series(client: httpx.AsyncClient) -> None:
    token = await _load_page(client)
    result = await usage(client, token, usage_query(SERIES), {"preset": "THIS_MONTH"})
    assert result["day"] == PAGE_THIS_MONTH_DAYS
    assert result["week"] == PAGE_THIS_MONTH_WEEKS
    assert result["month"] == PAGE_THIS_MONTH_MONTHS


async def test_last_month_keeps_its_last_evening_and_dst_day(client: httpx.AsyncClient) -> None:
    token = await _load_page(client)
    query = usage_query(
        CARDS, "day: timeSeries(granularity: DAY) { start creditsCharged estimatedCostUsd calls }"
    )
    result = await usage(client, token, query, {"preset": "LAST_MONTH"})
    days = result.pop("day")
    assert result == _approx(PAGE_LAST_MONTH)
    assert days == PAGE_LAST_MONTH_DAYS


async def test_a_dst_day_has_25_hours_and_one_bucket(client: httpx.AsyncClient) -> None:
    token = await _load_page(client)
    query = usage_query(CARDS, ACTIVITY, SERIES)
    result = await usage(client, token, query, {"from": "2026-10-25", "to": "2026-10-25"})
    activity = result.pop("activity")
    series = {key: result.pop(key) for key in ("day", "week", "month")}
    assert result == _approx(PAGE_DST_DAY)
    assert series == PAGE_DST_DAY_SERIES
    assert activity_nodes({"activity": activity}) == PAGE_DST_DAY_ACTIVITY
    assert activity["totalCount"] == 2


async def test_month_buckets_of_a_range_that_starts_mid_month(client: httpx.AsyncClient) -> None:
    token = await _load_page(client)
    query = usage_query(
        "preset start end summary { creditsCharged calls trend { label } }",
        "month: timeSeries(granularity: MONTH) { start creditsCharged estimatedCostUsd calls }",
    )
    result = await usage(client, token, query, {"from": "2026-10-15", "to": "2026-12-10"})
    assert result == {
        "preset": None,
        "start": "2026-10-15T00:00:00+02:00",
        "end": "2026-12-11T00:00:00+01:00",
        "summary": {"creditsCharged": "15.0000", "calls": 14, "trend": None},
        "month": PAGE_RANGE_MONTHS,
    }


async def test_the_page_query_end_to_end(client: httpx.AsyncClient) -> None:
    token = await _load_page(client)
    body = await graphql(client, frontend_query("usage-page.graphql"), token=token)
    assert "errors" not in body, body
    page = body["data"]["organization"]["usage"]["activity"]
    ids = [edge["node"].pop("id") for edge in page["edges"]]
    assert len(set(ids)) == 11 and all(isinstance(i, str) and i for i in ids)
    end_cursor = page["pageInfo"].pop("endCursor")
    assert isinstance(end_cursor, str) and end_cursor
    assert _approx(body) == {
        "data": {
            "organization": {
                "name": "Org acme",
                "timeZone": "Europe/Paris",
                "aiBilling": {"mode": "CREDITS", "provider": None},
                "usage": {
                    "preset": "THIS_MONTH",
                    "start": "2026-11-01T00:00:00+01:00",
                    "end": "2026-12-01T00:00:00+01:00",
                    "trackingAvailable": True,
                    "byokNotice": None,
                    "summary": {
                        "creditsCharged": "10.0000",
                        "estimatedCostUsd": "0.010500",
                        "calls": 11,
                        "byokCalls": 2,
                        "featureTypeCount": 3,
                        "modelTierCount": 4,
                        "trend": {"direction": "UP", "percent": 11, "label": "+11% vs last month"},
                    },
                    "byReason": [
                        {
                            "reason": "CHAT",
                            "label": "Chat",
                            "creditsCharged": "6.0000",
                            "estimatedCostUsd": "0.006000",
                            "calls": 6,
                        },
                        {
                            "reason": "GENERATE_FIELD",
                            "label": "Generate field",
                            "creditsCharged": "2.7500",
                            "estimatedCostUsd": "0.004500",
                            "calls": 3,
                        },
                        {
                            "reason": "SUMMARIZE_CV",
                            "label": "Summarize CV",
                            "creditsCharged": "1.2500",
                            "estimatedCostUsd": "0.000000",
                            "calls": 2,
                        },
                    ],
                    "byUser": {
                        "totalCount": 6,
                        "nodes": [
                            {
                                "displayName": "Member alice",
                                "member": {
                                    "id": encode_global_id("Member", "acme", "alice"),
                                    "email": "alice@example.com",
                                },
                                "creditsCharged": "5.0000",
                                "estimatedCostUsd": "0.004500",
                                "calls": 4,
                                "share": 0.5,
                            },
                            {
                                "displayName": "Member bob",
                                "member": {
                                    "id": encode_global_id("Member", "acme", "bob"),
                                    "email": "bob@example.com",
                                },
                                "creditsCharged": "2.5000",
                                "estimatedCostUsd": "0.006000",
                                "calls": 2,
                                "share": 0.25,
                            },
                            {
                                "displayName": "Unknown user",
                                "member": None,
                                "creditsCharged": "1.0000",
                                "estimatedCostUsd": "0.000000",
                                "calls": 2,
                                "share": 0.1,
                            },
                            {
                                "displayName": "Member carol",
                                "member": {
                                    "id": encode_global_id("Member", "acme", "carol"),
                                    "email": "carol@example.com",
                                },
                                "creditsCharged": "1.0000",
                                "estimatedCostUsd": "0.000000",
                                "calls": 1,
                                "share": 0.1,
                            },
                            {
                                "displayName": "Member frank",
                                "member": {
                                    "id": encode_global_id("Member", "acme", "frank"),
                                    "email": "frank@example.com",
                                },
                                "creditsCharged": "0.2500",
                                "estimatedCostUsd": "0.000000",
                                "calls": 1,
                                "share": 0.025,
                            },
                        ],
                    },
                    "byModel": [
                        {
                            "provider": "ANTHROPIC",
                            "tier": "Sonnet",
                            "label": "Anthropic Sonnet",
                            "creditsCharged": "6.2500",
                            "estimatedCostUsd": "0.006000",
                            "calls": 7,
                            "relativeToMax": 1.0,
                        },
                        {
                            "provider": "ANTHROPIC",
                            "tier": "Opus",
                            "label": "Anthropic Opus",
                            "creditsCharged": "2.5000",
                            "estimatedCostUsd": "0.000000",
                            "calls": 1,
                            "relativeToMax": 0.4,
                        },
                        {
                            "provider": "ANTHROPIC",
                            "tier": "Haiku",
                            "label": "Anthropic Haiku",
                            "creditsCharged": "1.2500",
                            "estimatedCostUsd": "0.000000",
                            "calls": 2,
                            "relativeToMax": 0.2,
                        },
                        {
                            "provider": "OPENAI",
                            "tier": "GPT-4o mini",
                            "label": "OpenAI GPT-4o mini",
                            "creditsCharged": "0.0000",
                            "estimatedCostUsd": "0.004500",
                            "calls": 1,
                            "relativeToMax": 0.0,
                        },
                    ],
                    "activity": {
                        "totalCount": 11,
                        "pageInfo": {"hasNextPage": False},
                        "edges": [
                            {
                                "node": {
                                    "occurredAt": "2026-11-20T00:30:00+01:00",
                                    "reason": "GENERATE_FIELD",
                                    "reasonLabel": "Generate field",
                                    "member": {
                                        "name": "Member alice",
                                        "email": "alice@example.com",
                                    },
                                    "billingMode": "BYOK",
                                    "creditsCharged": None,
                                    "totalTokens": 15000,
                                    "estimatedCostUsd": "0.004500",
                                    "model": {"label": "OpenAI GPT-4o mini"},
                                }
                            },
                            {
                                "node": {
                                    "occurredAt": "2026-11-10T17:00:00+01:00",
                                    "reason": "CHAT",
                                    "reasonLabel": "Chat",
                                    "member": {"name": "Member bob", "email": "bob@example.com"},
                                    "billingMode": "BYOK",
                                    "creditsCharged": None,
                                    "totalTokens": 1200,
                                    "estimatedCostUsd": "0.006000",
                                    "model": {"label": "Anthropic Sonnet"},
                                }
                            },
                            *(
                                {
                                    "node": {
                                        "occurredAt": at,
                                        "reason": reason,
                                        "reasonLabel": label,
                                        "member": (
                                            {"name": f"Member {who}", "email": f"{who}@example.com"}
                                            if who
                                            else None
                                        ),
                                        "billingMode": "CREDITS",
                                        "creditsCharged": credits,
                                        "totalTokens": None,
                                        "estimatedCostUsd": None,
                                        "model": None,
                                    }
                                }
                                for at, reason, label, who, credits in [
                                    (
                                        "2026-11-09T16:00:00+01:00",
                                        "SUMMARIZE_CV",
                                        "Summarize CV",
                                        "gina",
                                        "0.2500",
                                    ),
                                    (
                                        "2026-11-08T15:00:00+01:00",
                                        "CHAT",
                                        "Chat",
                                        "frank",
                                        "0.2500",
                                    ),
                                    (
                                        "2026-11-07T14:00:00+01:00",
                                        "GENERATE_FIELD",
                                        "Generate field",
                                        None,
                                        "0.2500",
                                    ),
                                    ("2026-11-06T13:00:00+01:00", "CHAT", "Chat", None, "0.7500"),
                                    (
                                        "2026-11-05T12:00:00+01:00",
                                        "SUMMARIZE_CV",
                                        "Summarize CV",
                                        "carol",
                                        "1.0000",
                                    ),
                                    (
                                        "2026-11-04T11:00:00+01:00",
                                        "GENERATE_FIELD",
                                        "Generate field",
                                        "bob",
                                        "2.5000",
                                    ),
                                    (
                                        "2026-11-03T10:15:00+01:00",
                                        "CHAT",
                                        "Chat",
                                        "alice",
                                        "1.2500",
                                    ),
                                    (
                                        "2026-11-02T09:00:00+01:00",
                                        "CHAT",
                                        "Chat",
                                        "alice",
                                        "2.7500",
                                    ),
                                    (
                                        "2026-11-01T00:30:00+01:00",
                                        "CHAT",
                                        "Chat",
                                        "alice",
                                        "1.0000",
                                    ),
                                ]
                            ),
                        ],
                    },
                },
            }
        }
    }


async def test_usage_defaults_to_this_month(client: httpx.AsyncClient) -> None:
    token = await _load_page(client)
    body = await graphql(
        client,
        "{ organization { usage { preset start end summary { creditsCharged calls } } } }",
        token=token,
    )
    assert body == {
        "data": {
            "organization": {
                "usage": {
                    "preset": "THIS_MONTH",
                    "start": "2026-11-01T00:00:00+01:00",
                    "end": "2026-12-01T00:00:00+01:00",
                    "summary": {"creditsCharged": "10.0000", "calls": 11},
                }
            }
        }
    }


async def test_usage_call_ids_refetch_through_node(client: httpx.AsyncClient) -> None:
    token = await _load_page(client)
    result = await usage(
        client,
        token,
        usage_query("activity(first: 2) { edges { node { id occurredAt billingMode } } }"),
        {"preset": "THIS_MONTH"},
    )
    for node in activity_nodes(result):
        body = await graphql(
            client,
            "query($id: ID!) { node(id: $id) { id ... on UsageCall { occurredAt billingMode } } }",
            token=token,
            variables={"id": node["id"]},
        )
        assert body == {"data": {"node": node}}


# --------------------------------------------------------------------------------------------
# America/New_York: 23:30 on 31 October is 03:30Z on 1 November, and 1 November 2026 is the day
# daylight saving time ends there (25 hours, -04:00 then -05:00).

NY_EVENTS = [
    ai_call("y1", org_id="ny", occurred_at="2026-11-01T03:30:00Z", credits="1"),
    ai_call("y2", org_id="ny", occurred_at="2026-11-01T04:30:00Z", credits="2"),
    ai_call("y3", org_id="ny", occurred_at="2026-11-02T04:30:00Z", credits="3"),
    ai_call("y4", org_id="ny", occurred_at="2026-11-02T05:30:00Z", credits="4"),
]
NY_THIS_MONTH = {
    "preset": "THIS_MONTH",
    "start": "2026-11-01T00:00:00-04:00",
    "end": "2026-12-01T00:00:00-05:00",
    "summary": {
        "creditsCharged": "9.0000",
        "calls": 3,
        "trend": {
            "direction": "UP",
            "percent": 800,
            "label": "+800% vs last month",
            "previousCreditsCharged": "1.0000",
        },
        # The same point of October is 20 Oct 07:00 local, before y1: nothing to compare with.
        "trendSamePoint": {
            "direction": "UP",
            "percent": None,
            "label": "new vs same point last month",
            "previousCreditsCharged": "0.0000",
        },
    },
    "activity": {
        "totalCount": 3,
        "edges": [
            {"node": {"occurredAt": "2026-11-02T00:30:00-05:00", "creditsCharged": "4.0000"}},
            {"node": {"occurredAt": "2026-11-01T23:30:00-05:00", "creditsCharged": "3.0000"}},
            {"node": {"occurredAt": "2026-11-01T00:30:00-04:00", "creditsCharged": "2.0000"}},
        ],
    },
    "day": _days(
        "2026-11-01",
        30,
        {
            "2026-11-01": _bucket("2026-11-01", "5.0000", "0.000000", 2),
            "2026-11-02": _bucket("2026-11-02", "4.0000", "0.000000", 1),
        },
    ),
}
NY_LAST_MONTH = {
    "preset": "LAST_MONTH",
    "start": "2026-10-01T00:00:00-04:00",
    "end": "2026-11-01T00:00:00-04:00",
    "summary": {"creditsCharged": "1.0000", "calls": 1, "trend": None, "trendSamePoint": None},
    "activity": {
        "totalCount": 1,
        "edges": [
            {"node": {"occurredAt": "2026-10-31T23:30:00-04:00", "creditsCharged": "1.0000"}}
        ],
    },
    "day": _days("2026-10-01", 31, {"2026-10-31": _bucket("2026-10-31", "1.0000", "0.000000", 1)}),
}
NY_QUERY = usage_query(
    """
    preset start end
    summary {
      creditsCharged calls
      trend { direction percent label previousCreditsCharged }
      trendSamePoint: trend(basis: SAME_POINT_LAST_MONTH) { direction percent label previousCreditsCharged }
    }
    activity { totalCount edges { node { occurredAt creditsCharged } } }
    day: timeSeries { start creditsCharged estimatedCostUsd calls }
    """
)


async def test_late_evening_of_a_month_end_stays_in_that_month(client: httpx.AsyncClient) -> None:
    await load(client, "ny", time_zone="America/New_York", members=["m1"], events=NY_EVENTS)
    token = member_token("ny", "m1")
    assert await usage(client, token, NY_QUERY, {"preset": "THIS_MONTH"}) == NY_THIS_MONTH
    assert await usage(client, token, NY_QUERY, {"preset": "LAST_MONTH"}) == NY_LAST_MONTH


# --------------------------------------------------------------------------------------------
# An organization that switched from credits to BYOK in the middle of the month, then changes
# provider, then goes back to credits. Each call keeps the mode it was made in.

SWITCH_EVENTS = [
    ai_call("s1", org_id="sw", occurred_at="2026-11-02T10:00:00Z", credits="2"),
    # Haiku 4.5 at $1/$5 per million: 2000 in + 400 out = 0.002 + 0.002 = $0.004.
    ai_call(
        "s2",
        org_id="sw",
        occurred_at="2026-11-12T10:00:00Z",
        mode="BYOK",
        model="claude-haiku-4-5",
        credits=None,
        input_tokens=2000,
        output_tokens=400,
    ),
]
SWITCH_QUERY = """
query { organization { aiBilling { mode provider } usage {
  trackingAvailable
  byokNotice { provider message providerDashboardUrl }
  summary { creditsCharged estimatedCostUsd calls byokCalls modelTierCount }
  byModel { label creditsCharged estimatedCostUsd calls relativeToMax }
  activity { edges { node {
    occurredAt billingMode creditsCharged totalTokens estimatedCostUsd model { provider tier label }
  } } }
} } }
"""
SWITCH_CARDS = {
    "summary": {
        "creditsCharged": "2.0000",
        "estimatedCostUsd": "0.004000",
        "calls": 2,
        "byokCalls": 1,
        "modelTierCount": 2,
    },
    "byModel": [
        {
            "label": "Anthropic Sonnet",
            "creditsCharged": "2.0000",
            "estimatedCostUsd": "0.000000",
            "calls": 1,
            "relativeToMax": 1.0,
        },
        {
            "label": "Anthropic Haiku",
            "creditsCharged": "0.0000",
            "estimatedCostUsd": "0.004000",
            "calls": 1,
            "relativeToMax": 0.0,
        },
    ],
    "activity": {
        "edges": [
            {
                "node": {
                    "occurredAt": "2026-11-12T10:00:00+00:00",
                    "billingMode": "BYOK",
                    "creditsCharged": None,
                    "totalTokens": 2400,
                    "estimatedCostUsd": "0.004000",
                    "model": {"provider": "ANTHROPIC", "tier": "Haiku", "label": "Anthropic Haiku"},
                }
            },
            {
                "node": {
                    "occurredAt": "2026-11-02T10:00:00+00:00",
                    "billingMode": "CREDITS",
                    "creditsCharged": "2.0000",
                    "totalTokens": None,
                    "estimatedCostUsd": None,
                    "model": None,
                }
            },
        ]
    },
}


async def test_a_mode_switch_keeps_each_calls_mode(client: httpx.AsyncClient) -> None:
    await load(client, "sw", time_zone="UTC", members=["m1"], events=SWITCH_EVENTS[:1])
    await put_org(
        client, "sw", time_zone="UTC", aiBilling={"mode": "BYOK", "provider": "ANTHROPIC"}
    )
    response = await client.post("/v1/ingest/ai-calls", json=SWITCH_EVENTS[1:], headers=SERVICE)
    assert response.status_code == 200, response.text
    token = member_token("sw", "m1")

    async def page() -> tuple[dict[str, Any], dict[str, Any]]:
        body = await graphql(client, SWITCH_QUERY, token=token)
        assert "errors" not in body, body
        org = body["data"]["organization"]
        return org["aiBilling"], org["usage"]

    billing, result = await page()
    assert billing == {"mode": "BYOK", "provider": "ANTHROPIC"}
    assert result.pop("trackingAvailable") is False
    notice = result.pop("byokNotice")
    assert isinstance(notice.pop("message"), str) and notice.get("provider")
    assert notice == {
        "provider": "ANTHROPIC",
        "providerDashboardUrl": "https://console.anthropic.com/settings/usage",
    }
    assert result == SWITCH_CARDS

    await put_org(client, "sw", time_zone="UTC", aiBilling={"mode": "BYOK", "provider": "OPENAI"})
    billing, result = await page()
    assert billing == {"mode": "BYOK", "provider": "OPENAI"}
    assert result.pop("trackingAvailable") is False
    notice = result.pop("byokNotice")
    assert notice.pop("message").strip()
    assert notice == {
        "provider": "OPENAI",
        "providerDashboardUrl": "https://platform.openai.com/usage",
    }
    assert result == SWITCH_CARDS

    await put_org(client, "sw", time_zone="UTC", aiBilling={"mode": "CREDITS"})
    billing, result = await page()
    assert billing == {"mode": "CREDITS", "provider": None}
    assert result.pop("trackingAvailable") is True
    assert result.pop("byokNotice") is None
    assert result == SWITCH_CARDS


# --------------------------------------------------------------------------------------------
# Only BYOK calls: no credits, so byReason and byModel order by estimated cost, and every
# per-call cost is rounded half-up to a micro-dollar before it is summed.

BYOK_EVENTS = [
    # GPT-4.1 at $2/$8: 1000 in + 1000 out = $0.010.
    ai_call(
        "b1",
        org_id="byok",
        member_id="m1",
        occurred_at="2026-11-02T10:00:00Z",
        reason="GENERATE_FIELD",
        mode="BYOK",
        model="gpt-4.1",
        credits=None,
        input_tokens=1000,
        output_tokens=1000,
    ),
    # Opus 4.1 at $15/$75: 100 in + 100 out = 0.0015 + 0.0075 = $0.009.
    ai_call(
        "b2",
        org_id="byok",
        member_id="m2",
        occurred_at="2026-11-03T10:00:00Z",
        reason="SUMMARIZE_CV",
        mode="BYOK",
        model="claude-opus-4-1",
        credits=None,
        input_tokens=100,
        output_tokens=100,
    ),
    # Haiku 4.5 at $1/$5: 4000 in + 1000 out = 0.004 + 0.005 = $0.009.
    ai_call(
        "b3",
        org_id="byok",
        member_id="m2",
        occurred_at="2026-11-04T10:00:00Z",
        reason="CHAT",
        mode="BYOK",
        model="claude-haiku-4-5",
        credits=None,
        input_tokens=4000,
        output_tokens=1000,
    ),
    # GPT-4o mini at $0.15 per million input: 10 tokens = $0.0000015, rounded up to $0.000002.
    ai_call(
        "b4",
        org_id="byok",
        member_id="m1",
        occurred_at="2026-11-05T10:00:00Z",
        reason="GENERATE_FIELD",
        mode="BYOK",
        model="gpt-4o-mini",
        credits=None,
        input_tokens=10,
        output_tokens=0,
    ),
    ai_call(
        "b5",
        org_id="byok",
        member_id="m1",
        occurred_at="2026-11-06T10:00:00Z",
        reason="GENERATE_FIELD",
        mode="BYOK",
        model="gpt-4o-mini",
        credits=None,
        input_tokens=10,
        output_tokens=0,
    ),
]
BYOK_THIS_MONTH: dict[str, Any] = {
    "preset": "THIS_MONTH",
    "start": "2026-11-01T00:00:00+00:00",
    "end": "2026-12-01T00:00:00+00:00",
    "trackingAvailable": False,
    "byokNotice": {
        "provider": "ANTHROPIC",
        "providerDashboardUrl": "https://console.anthropic.com/settings/usage",
    },
    "summary": {
        "creditsCharged": "0.0000",
        "estimatedCostUsd": "0.028004",
        "calls": 5,
        "byokCalls": 5,
        "featureTypeCount": 3,
        "modelTierCount": 4,
        "trend": {
            "direction": "FLAT",
            "percent": None,
            "label": "flat vs last month",
            "previousCreditsCharged": "0.0000",
        },
        "trendSamePoint": {
            "direction": "FLAT",
            "percent": None,
            "label": "flat vs same point last month",
            "previousCreditsCharged": "0.0000",
        },
    },
    "byReason": [
        {
            "reason": "GENERATE_FIELD",
            "label": "Generate field",
            "creditsCharged": "0.0000",
            "estimatedCostUsd": "0.010004",
            "calls": 3,
        },
        # Equal cost and calls: by label.
        {
            "reason": "CHAT",
            "label": "Chat",
            "creditsCharged": "0.0000",
            "estimatedCostUsd": "0.009000",
            "calls": 1,
        },
        {
            "reason": "SUMMARIZE_CV",
            "label": "Summarize CV",
            "creditsCharged": "0.0000",
            "estimatedCostUsd": "0.009000",
            "calls": 1,
        },
    ],
    # byUser orders by credits then calls, never by cost; shares are 0 with no credits.
    "byUser": {
        "totalCount": 2,
        "nodes": [
            {
                "displayName": "Member m1",
                "member": _member("m1"),
                "creditsCharged": "0.0000",
                "estimatedCostUsd": "0.010004",
                "calls": 3,
                "share": 0.0,
            },
            {
                "displayName": "Member m2",
                "member": _member("m2"),
                "creditsCharged": "0.0000",
                "estimatedCostUsd": "0.018000",
                "calls": 2,
                "share": 0.0,
            },
        ],
    },
    "byModel": [
        {
            "provider": "OPENAI",
            "tier": "GPT-4.1",
            "label": "OpenAI GPT-4.1",
            "creditsCharged": "0.0000",
            "estimatedCostUsd": "0.010000",
            "calls": 1,
            "relativeToMax": 1.0,
        },
        {
            "provider": "ANTHROPIC",
            "tier": "Haiku",
            "label": "Anthropic Haiku",
            "creditsCharged": "0.0000",
            "estimatedCostUsd": "0.009000",
            "calls": 1,
            "relativeToMax": 0.9,
        },
        {
            "provider": "ANTHROPIC",
            "tier": "Opus",
            "label": "Anthropic Opus",
            "creditsCharged": "0.0000",
            "estimatedCostUsd": "0.009000",
            "calls": 1,
            "relativeToMax": 0.9,
        },
        {
            "provider": "OPENAI",
            "tier": "GPT-4o mini",
            "label": "OpenAI GPT-4o mini",
            "creditsCharged": "0.0000",
            "estimatedCostUsd": "0.000004",
            "calls": 2,
            "relativeToMax": 0.0004,
        },
    ],
}


async def test_byok_only_orders_by_cost(client: httpx.AsyncClient) -> None:
    await load(
        client,
        "byok",
        time_zone="UTC",
        members=["m1", "m2"],
        events=BYOK_EVENTS,
        aiBilling={"mode": "BYOK", "provider": "ANTHROPIC"},
    )
    result = await usage(
        client, member_token("byok", "m1"), usage_query(CARDS), {"preset": "THIS_MONTH"}
    )
    assert result["byokNotice"].pop("message").strip()
    assert result == _approx(BYOK_THIS_MONTH)


# --------------------------------------------------------------------------------------------
# The trend pill: whole percent rounded half away from zero, FLAT at 0, "new" after an empty
# month. The clock is 2026-11-20T12:00Z (UTC organizations), so the same point of last month is
# 2026-10-20T12:00Z: "before" calls fall ahead of it, "after" calls behind it.

TREND_CASES: list[tuple[str, list[str], list[str], list[str], tuple[Any, ...], tuple[Any, ...]]] = [
    # (org, this month, last month before the same point, after it, (previous month), (same point))
    ("t1", ["9"], ["8"], [], ("UP", 13, "+13%", "8.0000"), ("UP", 13, "+13%", "8.0000")),
    ("t2", ["7"], ["4"], ["4"], ("DOWN", -13, "-13%", "8.0000"), ("UP", 75, "+75%", "4.0000")),
    ("t3", ["2.51"], ["2.5"], [], ("FLAT", 0, "flat", "2.5000"), ("FLAT", 0, "flat", "2.5000")),
    ("t4", ["5"], [], ["3"], ("UP", 67, "+67%", "3.0000"), ("UP", None, "new", "0.0000")),
    ("t5", [], [], [], ("FLAT", None, "flat", "0.0000"), ("FLAT", None, "flat", "0.0000")),
    ("t6", [], ["5"], [], ("DOWN", -100, "-100%", "5.0000"), ("DOWN", -100, "-100%", "5.0000")),
    ("t7", ["2.01"], ["2"], [], ("UP", 1, "+1%", "2.0000"), ("UP", 1, "+1%", "2.0000")),
    ("t8", ["1.99"], ["2"], [], ("DOWN", -1, "-1%", "2.0000"), ("DOWN", -1, "-1%", "2.0000")),
    ("t9", ["1.9901"], ["2"], [], ("FLAT", 0, "flat", "2.0000"), ("FLAT", 0, "flat", "2.0000")),
    ("t10", ["1"], ["3"], [], ("DOWN", -67, "-67%", "3.0000"), ("DOWN", -67, "-67%", "3.0000")),
    ("t11", ["0.0001"], [], [], ("UP", None, "new", "0.0000"), ("UP", None, "new", "0.0000")),
    (
        "t12",
        ["0.25", "0.125", "0.75"],
        ["0.5"],
        ["0.5"],
        ("UP", 13, "+13%", "1.0000"),
        ("UP", 125, "+125%", "0.5000"),
    ),
]


def trend_events(
    org: str, this: list[str], before: list[str], after: list[str]
) -> list[dict[str, Any]]:
    events = []
    for i, credits in enumerate(this):
        events.append(
            ai_call(
                f"{org}-n{i}",
                org_id=org,
                occurred_at=f"2026-11-0{i + 2}T10:00:00Z",
                credits=credits,
            )
        )
    for i, credits in enumerate(before):
        events.append(
            ai_call(
                f"{org}-b{i}",
                org_id=org,
                occurred_at=f"2026-10-0{i + 2}T10:00:00Z",
                credits=credits,
            )
        )
    for i, credits in enumerate(after):
        events.append(
            ai_call(
                f"{org}-a{i}",
                org_id=org,
                occurred_at=f"2026-10-2{i + 2}T10:00:00Z",
                credits=credits,
            )
        )
    return events


def expected_trend(case: tuple[Any, ...], suffix: str) -> dict[str, Any]:
    direction, percent, head, previous = case
    return {
        "direction": direction,
        "percent": percent,
        "label": f"{head} {suffix}",
        "previousCreditsCharged": previous,
    }


TREND_QUERY = usage_query(
    """
    summary {
      trend { direction percent label previousCreditsCharged }
      trendSamePoint: trend(basis: SAME_POINT_LAST_MONTH) { direction percent label previousCreditsCharged }
    }
    """
)


async def test_trend_rounding_and_zero_rules(client: httpx.AsyncClient) -> None:
    for org, this, before, after, _, _ in TREND_CASES:
        await load(
            client,
            org,
            time_zone="UTC",
            members=["m1"],
            events=trend_events(org, this, before, after),
        )
    for org, _, _, _, previous_month, same_point in TREND_CASES:
        result = await usage(client, member_token(org, "m1"), TREND_QUERY, {"preset": "THIS_MONTH"})
        assert result["summary"] == {
            "trend": expected_trend(previous_month, "vs last month"),
            "trendSamePoint": expected_trend(same_point, "vs same point last month"),
        }, org


async def test_trend_only_for_this_month(client: httpx.AsyncClient) -> None:
    org, this, before, after, _, _ = TREND_CASES[0]
    await load(
        client, org, time_zone="UTC", members=["m1"], events=trend_events(org, this, before, after)
    )
    token = member_token(org, "m1")
    periods: list[dict[str, Any]] = [
        {"preset": "LAST_MONTH"},
        {"preset": "CURRENT_BILLING_PERIOD"},
        {"preset": "PREVIOUS_BILLING_PERIOD"},
        {"from": "2026-11-01", "to": "2026-11-30"},
    ]
    for period in periods:
        result = await usage(client, token, TREND_QUERY, period)
        assert result["summary"] == {"trend": None, "trendSamePoint": None}, period


async def test_same_point_of_a_shorter_last_month_is_its_end(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    clock.now = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
    events = [
        ai_call("f1", org_id="clamp", occurred_at="2026-02-27T10:00:00Z", credits="2"),
        ai_call("f2", org_id="clamp", occurred_at="2026-02-28T20:00:00Z", credits="2"),
        ai_call("m1", org_id="clamp", occurred_at="2026-03-05T10:00:00Z", credits="3"),
    ]
    await load(client, "clamp", time_zone="UTC", members=["m1"], events=events)
    token = token_at("clamp", "m1", clock.now)
    # 31 March: February has no 31st, so the same point is the end of February: all of it.
    result = await usage(client, token, TREND_QUERY, {"preset": "THIS_MONTH"})
    assert result["summary"] == {
        "trend": expected_trend(("DOWN", -25, "-25%", "4.0000"), "vs last month"),
        "trendSamePoint": expected_trend(
            ("DOWN", -25, "-25%", "4.0000"), "vs same point last month"
        ),
    }
    # 28 March 12:00: the same point is 28 February 12:00, before f2.
    clock.now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    token = token_at("clamp", "m1", clock.now)
    result = await usage(client, token, TREND_QUERY, {"preset": "THIS_MONTH"})
    assert result["summary"] == {
        "trend": expected_trend(("DOWN", -25, "-25%", "4.0000"), "vs last month"),
        "trendSamePoint": expected_trend(("UP", 50, "+50%", "2.0000"), "vs same point last month"),
    }


# --------------------------------------------------------------------------------------------
# Presets in Europe/Paris with a billing anchor on the 15th, and an organization without a plan.

PERIODS_QUERY = """
query {
  organization {
    thisMonth: usage(period: {preset: THIS_MONTH}) { preset start end }
    lastMonth: usage(period: {preset: LAST_MONTH}) { preset start end }
    current: usage(period: {preset: CURRENT_BILLING_PERIOD}) { preset start end }
    previous: usage(period: {preset: PREVIOUS_BILLING_PERIOD}) { preset start end }
    custom: usage(period: {from: "2026-03-29", to: "2026-03-29"}) { preset start end }
  }
}
"""
PLAN = {"interviewCreditsPerPeriod": "100.0000", "billingAnchorDay": 15}


def _period(preset: str | None, start: str, end: str) -> dict[str, Any]:
    return {"preset": preset, "start": start, "end": end}


async def test_presets_resolve_in_the_organizations_zone(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    await load(client, "anch", time_zone="Europe/Paris", members=["m1"], events=[], plan=PLAN)
    await load(client, "noplan", time_zone="Europe/Paris", members=["m1"], events=[])
    body = await graphql(client, PERIODS_QUERY, token=member_token("anch", "m1"))
    assert body == {
        "data": {
            "organization": {
                "thisMonth": _period(
                    "THIS_MONTH", "2026-11-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00"
                ),
                "lastMonth": _period(
                    "LAST_MONTH", "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"
                ),
                "current": _period(
                    "CURRENT_BILLING_PERIOD",
                    "2026-11-15T00:00:00+01:00",
                    "2026-12-15T00:00:00+01:00",
                ),
                "previous": _period(
                    "PREVIOUS_BILLING_PERIOD",
                    "2026-10-15T00:00:00+02:00",
                    "2026-11-15T00:00:00+01:00",
                ),
                # 29 March 2026 is the spring-forward day: 23 hours.
                "custom": _period(None, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"),
            }
        }
    }
    body = await graphql(client, PERIODS_QUERY, token=member_token("noplan", "m1"))
    organization = body["data"]["organization"]
    assert organization["current"] == _period(
        "CURRENT_BILLING_PERIOD", "2026-11-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00"
    )
    assert organization["previous"] == _period(
        "PREVIOUS_BILLING_PERIOD", "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"
    )

    # Before the anchor day, the current billing period began on the 15th of last month.
    # 2026-11-10T23:30Z is already 11 November 00:30 in Paris.
    clock.now = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)
    body = await graphql(client, PERIODS_QUERY, token=token_at("anch", "m1", clock.now))
    organization = body["data"]["organization"]
    assert organization["current"] == _period(
        "CURRENT_BILLING_PERIOD", "2026-10-15T00:00:00+02:00", "2026-11-15T00:00:00+01:00"
    )
    assert organization["previous"] == _period(
        "PREVIOUS_BILLING_PERIOD", "2026-09-15T00:00:00+02:00", "2026-10-15T00:00:00+02:00"
    )
    # New Year's Eve 23:30 in Paris is still December there (22:30Z).
    clock.now = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    body = await graphql(client, PERIODS_QUERY, token=token_at("anch", "m1", clock.now))
    organization = body["data"]["organization"]
    assert organization["thisMonth"] == _period(
        "THIS_MONTH", "2026-12-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00"
    )
    clock.now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    body = await graphql(client, PERIODS_QUERY, token=token_at("anch", "m1", clock.now))
    organization = body["data"]["organization"]
    assert organization["thisMonth"] == _period(
        "THIS_MONTH", "2027-01-01T00:00:00+01:00", "2027-02-01T00:00:00+01:00"
    )
    assert organization["lastMonth"] == _period(
        "LAST_MONTH", "2026-12-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00"
    )
    assert organization["current"] == _period(
        "CURRENT_BILLING_PERIOD", "2026-12-15T00:00:00+01:00", "2027-01-15T00:00:00+01:00"
    )


# --------------------------------------------------------------------------------------------
# Reference data changes: a new price applies to the calls made after it; a new catalog model of
# an existing tier shares that tier's bar; a new time zone moves calls between local months.


async def test_byok_cost_uses_the_price_in_effect_at_the_call(client: httpx.AsyncClient) -> None:
    haiku = {"mode": "BYOK", "model": "claude-haiku-4-5", "credits": None}
    # $1/$5 per million: 1000 in + 1000 out = $0.006.
    first = [
        ai_call(
            "p1",
            org_id="px",
            occurred_at="2026-11-05T10:00:00Z",
            input_tokens=1000,
            output_tokens=1000,
            **haiku,
        )
    ]
    await load(client, "px", time_zone="UTC", members=["m1"], events=first)
    price = {
        "effectiveFrom": "2026-11-10T00:00:00Z",
        "inputUsdPerMillion": "2",
        "outputUsdPerMillion": "10",
    }
    response = await client.put(
        "/v1/models/claude-haiku-4-5",
        json={"provider": "ANTHROPIC", "tier": "Haiku", "prices": [price]},
        headers=SERVICE,
    )
    assert response.status_code in (200, 201), response.text
    response = await client.put(
        "/v1/models/claude-next",
        json={
            "provider": "ANTHROPIC",
            "tier": "Sonnet",
            "prices": [
                {
                    "effectiveFrom": "2024-01-01T00:00:00Z",
                    "inputUsdPerMillion": "3",
                    "outputUsdPerMillion": "15",
                }
            ],
        },
        headers=SERVICE,
    )
    assert response.status_code in (200, 201), response.text
    later = [
        # $2/$10 per million from 10 November: 1000 in + 1000 out = $0.012.
        ai_call(
            "p2",
            org_id="px",
            occurred_at="2026-11-12T10:00:00Z",
            input_tokens=1000,
            output_tokens=1000,
            **haiku,
        ),
        ai_call(
            "p3", org_id="px", occurred_at="2026-11-13T10:00:00Z", model="claude-next", credits="1"
        ),
        ai_call("p4", org_id="px", occurred_at="2026-11-14T10:00:00Z", credits="2"),
    ]
    response = await client.post("/v1/ingest/ai-calls", json=later, headers=SERVICE)
    assert response.status_code == 200, response.text
    query = usage_query(
        "summary { creditsCharged estimatedCostUsd calls byokCalls modelTierCount }",
        "byModel { label creditsCharged estimatedCostUsd calls relativeToMax }",
        "activity { edges { node { occurredAt estimatedCostUsd model { label } } } }",
    )
    result = await usage(client, member_token("px", "m1"), query, {"preset": "THIS_MONTH"})
    assert result == {
        "summary": {
            "creditsCharged": "3.0000",
            "estimatedCostUsd": "0.018000",
            "calls": 4,
            "byokCalls": 2,
            "modelTierCount": 2,
        },
        "byModel": [
            {
                "label": "Anthropic Sonnet",
                "creditsCharged": "3.0000",
                "estimatedCostUsd": "0.000000",
                "calls": 2,
                "relativeToMax": 1.0,
            },
            {
                "label": "Anthropic Haiku",
                "creditsCharged": "0.0000",
                "estimatedCostUsd": "0.018000",
                "calls": 2,
                "relativeToMax": 0.0,
            },
        ],
        "activity": {
            "edges": [
                {
                    "node": {
                        "occurredAt": "2026-11-14T10:00:00+00:00",
                        "estimatedCostUsd": None,
                        "model": None,
                    }
                },
                {
                    "node": {
                        "occurredAt": "2026-11-13T10:00:00+00:00",
                        "estimatedCostUsd": None,
                        "model": None,
                    }
                },
                {
                    "node": {
                        "occurredAt": "2026-11-12T10:00:00+00:00",
                        "estimatedCostUsd": "0.012000",
                        "model": {"label": "Anthropic Haiku"},
                    }
                },
                {
                    "node": {
                        "occurredAt": "2026-11-05T10:00:00+00:00",
                        "estimatedCostUsd": "0.006000",
                        "model": {"label": "Anthropic Haiku"},
                    }
                },
            ]
        },
    }


async def test_a_new_time_zone_moves_calls_between_months(client: httpx.AsyncClient) -> None:
    await load(client, "ny", time_zone="America/New_York", members=["m1"], events=NY_EVENTS)
    token = member_token("ny", "m1")
    query = usage_query(
        "start summary { creditsCharged calls }",
        "day: timeSeries { start creditsCharged calls }",
    )
    before = await usage(client, token, query, {"from": "2026-10-31", "to": "2026-11-02"})
    assert before == {
        "start": "2026-10-31T00:00:00-04:00",
        "summary": {"creditsCharged": "10.0000", "calls": 4},
        "day": [
            {"start": "2026-10-31", "creditsCharged": "1.0000", "calls": 1},
            {"start": "2026-11-01", "creditsCharged": "5.0000", "calls": 2},
            {"start": "2026-11-02", "creditsCharged": "4.0000", "calls": 1},
        ],
    }
    await put_org(client, "ny", time_zone="Europe/Paris")
    # In Paris the four calls are at 04:30 and 05:30 on 1 November, 05:30 and 06:30 on the 2nd.
    after = await usage(client, token, query, {"from": "2026-10-31", "to": "2026-11-02"})
    assert after == {
        "start": "2026-10-31T00:00:00+01:00",
        "summary": {"creditsCharged": "10.0000", "calls": 4},
        "day": [
            {"start": "2026-10-31", "creditsCharged": "0.0000", "calls": 0},
            {"start": "2026-11-01", "creditsCharged": "3.0000", "calls": 2},
            {"start": "2026-11-02", "creditsCharged": "7.0000", "calls": 2},
        ],
    }
    months = usage_query("summary { creditsCharged calls }")
    assert await usage(client, token, months, {"preset": "THIS_MONTH"}) == {
        "summary": {"creditsCharged": "10.0000", "calls": 4}
    }
    assert await usage(client, token, months, {"preset": "LAST_MONTH"}) == {
        "summary": {"creditsCharged": "0.0000", "calls": 0}
    }
