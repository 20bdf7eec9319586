"""Organization.usage refusals: bad periods, a caller without credits:view, and SQL budgets."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from gateway.storage.db import Database
from tests.support import (
    SERVICE,
    ai_call,
    bearer,
    count_statements,
    frontend_query,
    graphql,
    member_token,
    put_member,
    put_org,
)

SUMMARY = """
query($period: PeriodInput!) {
  organization { name usage(period: $period) { start end summary { creditsCharged calls } } }
}
"""


async def _setup(client: httpx.AsyncClient) -> str:
    await put_org(client, "acme", time_zone="Europe/Paris")
    await put_member(client, "acme", "m1", role="INTERVIEWER")
    events = [
        ai_call("c1", org_id="acme", credits="7.7731"),
        ai_call("c2", org_id="acme", occurred_at="2026-11-04T10:00:00Z", credits="1.2345"),
    ]
    response = await client.post("/v1/ingest/ai-calls", json=events, headers=SERVICE)
    assert response.status_code == 200, response.text
    return member_token("acme", "m1")


async def _post(
    client: httpx.AsyncClient, query: str, token: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=bearer(token)
    )
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    assert "7.7731" not in response.text and "9.0076" not in response.text
    return body


def _assert_bad_input(body: dict[str, Any]) -> None:
    errors = body.get("errors") or []
    assert errors, body
    assert {e.get("extensions", {}).get("code") for e in errors} == {"BAD_USER_INPUT"}, errors
    assert all(e.get("message") for e in errors)
    data = body.get("data")
    assert data is None or data["organization"] is None or data["organization"]["usage"] is None


FROM = date(2025, 6, 1)
BAD_PERIODS: list[tuple[str, dict[str, Any]]] = [
    ("preset and dates", {"preset": "THIS_MONTH", "from": "2026-11-01", "to": "2026-11-30"}),
    ("preset and from", {"preset": "LAST_MONTH", "from": "2026-11-01"}),
    ("preset and to", {"preset": "LAST_MONTH", "to": "2026-11-30"}),
    ("neither", {}),
    ("explicit nulls", {"preset": None, "from": None, "to": None}),
    ("only from", {"from": "2026-11-01"}),
    ("only to", {"to": "2026-11-30"}),
    ("to before from", {"from": "2026-11-02", "to": "2026-11-01"}),
    (
        "401 days",
        {"from": FROM.isoformat(), "to": (FROM + timedelta(days=400)).isoformat()},
    ),
    ("far too long", {"from": "2000-01-01", "to": "2026-11-30"}),
    ("not a date", {"from": "2026-02-30", "to": "2026-03-01"}),
    ("not a preset", {"preset": "NEXT_MONTH"}),
]


@pytest.mark.parametrize(("case", "period"), BAD_PERIODS, ids=[c for c, _ in BAD_PERIODS])
async def test_bad_periods_are_bad_user_input(
    client: httpx.AsyncClient, case: str, period: dict[str, Any]
) -> None:
    token = await _setup(client)
    _assert_bad_input(await _post(client, SUMMARY, token, {"period": period}))


@pytest.mark.parametrize(
    "literal",
    [
        "{}",
        '{preset: THIS_MONTH, from: "2026-11-01", to: "2026-11-30"}',
        '{from: "2026-11-01"}',
        '{from: "2026-11-30", to: "2026-11-01"}',
        '{from: "2024-01-01", to: "2026-11-30"}',
        '{from: "2026-02-30", to: "2026-03-01"}',
        "{preset: NEXT_MONTH}",
    ],
)
async def test_bad_period_literals_are_bad_user_input(
    client: httpx.AsyncClient, literal: str
) -> None:
    token = await _setup(client)
    query = f"{{ organization {{ usage(period: {literal}) {{ summary {{ calls }} }} }} }}"
    _assert_bad_input(await _post(client, query, token))


async def test_exactly_400_days_is_allowed(client: httpx.AsyncClient) -> None:
    token = await _setup(client)
    to = FROM + timedelta(days=399)
    body = await graphql(
        client,
        SUMMARY,
        token=token,
        variables={"period": {"from": FROM.isoformat(), "to": to.isoformat()}},
    )
    assert body == {
        "data": {
            "organization": {
                "name": "Org acme",
                "usage": {
                    "start": "2025-06-01T00:00:00+02:00",
                    "end": "2026-07-06T00:00:00+02:00",
                    "summary": {"creditsCharged": "0.0000", "calls": 0},
                },
            }
        }
    }
    # A custom range includes the calls of both its first and its last day.
    body = await graphql(
        client,
        SUMMARY,
        token=token,
        variables={"period": {"from": "2026-11-03", "to": "2026-11-04"}},
    )
    assert body["data"]["organization"]["usage"]["summary"] == {
        "creditsCharged": "9.0076",
        "calls": 2,
    }


async def _api_key(client: httpx.AsyncClient, permissions: list[str]) -> str:
    response = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "partner", "permissions": permissions},
        headers=SERVICE,
    )
    assert response.status_code in (200, 201), response.text
    key: str = response.json()["key"]
    return key


FORBIDDEN_QUERY = """
{
  organization {
    name
    usage {
      summary { creditsCharged calls }
      byUser { totalCount nodes { displayName creditsCharged } }
      activity { totalCount edges { node { creditsCharged } } }
    }
  }
}
"""


async def test_a_caller_without_credits_view_gets_forbidden_and_no_data(
    client: httpx.AsyncClient,
) -> None:
    await _setup(client)
    key = await _api_key(client, ["consumption:view"])
    response = await client.post("/graphql", json={"query": FORBIDDEN_QUERY}, headers=bearer(key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == {"organization": {"name": "Org acme", "usage": None}}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["organization", "usage"], "FORBIDDEN")
    ]
    for secret in ("7.7731", "1.2345", "9.0076", "Member m1", "m1@example.com"):
        assert secret not in response.text

    # Every period, and a cursor-bearing page, is refused the same way.
    for period in ("{preset: LAST_MONTH}", '{from: "2026-11-01", to: "2026-11-30"}'):
        query = f"{{ organization {{ usage(period: {period}) {{ activity(first: 1) {{ totalCount }} }} }} }}"
        body = await _post(client, query, key)
        assert body["data"] == {"organization": {"usage": None}}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_an_api_key_with_credits_view_sees_usage(client: httpx.AsyncClient) -> None:
    await _setup(client)
    key = await _api_key(client, ["credits:view"])
    body = await graphql(
        client, "{ organization { usage { summary { creditsCharged calls } } } }", token=key
    )
    assert body == {
        "data": {"organization": {"usage": {"summary": {"creditsCharged": "9.0076", "calls": 2}}}}
    }


# --------------------------------------------------------------------------------------------
# The full page query costs a fixed number of SQL statements, whatever the page size or data.


def _page_query(first: int) -> str:
    text = frontend_query("usage-page.graphql")
    assert "activity(first: 50, after: $after)" in text
    return text.replace(
        "activity(first: 50, after: $after)", f"activity(first: {first}, after: $after)"
    )


async def _load_big(client: httpx.AsyncClient) -> None:
    await put_org(client, "big", time_zone="Europe/Paris")
    members = [f"m{i:02d}" for i in range(20)]
    for member in members:
        await put_member(client, "big", member)
    models = ["claude-sonnet-4-5", "claude-haiku-4-5", "gpt-4o", "gpt-4.1-mini", "claude-opus-4-1"]
    reasons = ["CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"]
    events = []
    for i in range(150):
        byok = i % 4 == 0
        events.append(
            ai_call(
                f"big-{i:03d}",
                org_id="big",
                member_id=members[i % 20],
                occurred_at=f"2026-11-{1 + i % 19:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
                reason=reasons[i % 3],
                mode="BYOK" if byok else "CREDITS",
                model=models[i % 5],
                credits=None if byok else f"{i % 7}.{i:04d}",
            )
        )
    # Last month too, so that the trend has something to compare with.
    events += [
        ai_call(
            f"big-oct-{i}", org_id="big", member_id=members[i], occurred_at="2026-10-05T10:00:00Z"
        )
        for i in range(5)
    ]
    response = await client.post("/v1/ingest/ai-calls", json=events, headers=SERVICE)
    assert response.status_code == 200, response.text
    for member in members[-3:]:
        response = await client.delete(f"/v1/orgs/big/members/{member}", headers=SERVICE)
        assert response.status_code == 204, response.text

    # The same kinds of rows (a credits call, a BYOK call, a removed member), 50 times fewer.
    await put_org(client, "tiny", time_zone="Europe/Paris")
    for member in ("m00", "gone"):
        await put_member(client, "tiny", member)
    tiny = [
        ai_call("t1", org_id="tiny", member_id="m00"),
        ai_call("t2", org_id="tiny", member_id="gone", mode="BYOK", credits=None),
        ai_call("t3", org_id="tiny", member_id="m00", occurred_at="2026-10-05T10:00:00Z"),
    ]
    response = await client.post("/v1/ingest/ai-calls", json=tiny, headers=SERVICE)
    assert response.status_code == 200, response.text
    response = await client.delete("/v1/orgs/tiny/members/gone", headers=SERVICE)
    assert response.status_code == 204, response.text


async def _count(client: httpx.AsyncClient, db: Database, token: str, first: int) -> list[str]:
    with count_statements(db) as statements:
        body = await graphql(client, _page_query(first), token=token)
    assert "errors" not in body, body
    edges = body["data"]["organization"]["usage"]["activity"]["edges"]
    assert len(edges) == min(first, body["data"]["organization"]["usage"]["activity"]["totalCount"])
    return statements


async def test_the_page_query_runs_a_fixed_number_of_statements(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _load_big(client)
    token = member_token("big", "m00")
    await graphql(client, _page_query(50), token=token)  # warm whatever caches exist

    five = await _count(client, db, token, 5)
    hundred = await _count(client, db, token, 100)
    tiny = await _count(client, db, member_token("tiny", "m00"), 100)
    assert len(five) == len(hundred), (five, hundred)
    assert len(tiny) == len(hundred), (tiny, hundred)
    assert len(hundred) <= 12, hundred
