"""Who may see the Consumption page, and walking its lists page by page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.resolvers.test_consumption_handmade import (
    ingest,
    interview_event,
    new_org,
    plan,
    put_opening,
)
from tests.support import SERVICE, graphql, member_token, put_member

OPENINGS = {
    "o1": "chef",
    "o2": "baker",
    "o3": "chef",
    "o4": "waiter",
    "o5": "zoo keeper",
    "o6": "alpha",
}
# Credits this billing period: o1, o2, o3 2 each; o4 1.5; o6 only invitations; o5 nothing.
BY_OPENING_ORDER = ["o2", "o1", "o3", "o4", "o6"]
OPENINGS_ORDER = ["o2", "o1", "o3", "o4", "o6", "o5"]

GUARDED = """
{ organization { name
  consumption { creditsUsed byOpening { edges { node { jobTitle creditsUsed } } } }
  openings { totalCount edges { node { jobTitle } } }
  plan { interviewCreditsPerPeriod }
} }
"""

WALK = """
query($first: Int, $after: String, $period: PeriodInput! = {preset: CURRENT_BILLING_PERIOD}) {
  organization { consumption(period: $period) { byOpening(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { opening { id } jobTitle creditsUsed } }
  } } }
}
"""

OPENINGS_WALK = """
query($first: Int, $after: String) {
  organization { openings(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id jobTitle } }
  } }
}
"""


async def _seed(client: httpx.AsyncClient) -> str:
    token = await new_org(
        client, "acme", plan_body=plan("25"), active_since="2026-10-01", openings=OPENINGS
    )
    events = []
    for opening in ("o1", "o2", "o3"):
        for k in range(2):
            events.append(
                interview_event(
                    f"{opening}-{k}",
                    "COMPLETED",
                    f"2026-11-1{k}T10:00:00Z",
                    interview=f"{opening}-i{k}",
                    opening=opening,
                )
            )
    events.append(
        interview_event(
            "o4-0", "COMPLETED", "2026-11-05T10:00:00Z", interview="o4-i0", opening="o4"
        )
    )
    events.append(
        interview_event(
            "o4-1",
            "PARTIALLY_COMPLETED",
            "2026-11-06T10:00:00Z",
            interview="o4-i1",
            opening="o4",
            fraction="0.5",
        )
    )
    events.append(
        interview_event("o6-0", "INVITED", "2026-11-07T10:00:00Z", interview="o6-i0", opening="o6")
    )
    # Last month, o5 used a lot: it does not move this period's order.
    for k in range(5):
        events.append(
            interview_event(
                f"o5-{k}", "COMPLETED", "2026-10-10T10:00:00Z", interview=f"o5-i{k}", opening="o5"
            )
        )
    await ingest(client, events)
    for member, role in (("ivan", "INTERVIEWER"), ("ada", "ADMIN"), ("sam", "STAFFING")):
        await put_member(client, "acme", member, role=role)
    # Another organization with its own openings and use.
    await new_org(
        client,
        "globex",
        plan_body=plan("5"),
        active_since="2026-10-01",
        openings={"g1": "secret title"},
    )
    await ingest(
        client,
        [
            interview_event(
                "g-0",
                "COMPLETED",
                "2026-11-10T10:00:00Z",
                interview="g",
                opening="g1",
                org="globex",
            )
        ],
    )
    return token


def _codes(body: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    return sorted((tuple(e["path"]), e["extensions"]["code"]) for e in body.get("errors", []))


@pytest.mark.parametrize("member", ["ivan", "ada", "sam"])
async def test_other_roles_get_forbidden_and_no_data(
    client: httpx.AsyncClient, member: str
) -> None:
    await _seed(client)
    response = await client.post(
        "/graphql",
        json={"query": GUARDED},
        headers={"Authorization": f"Bearer {member_token('acme', member)}"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {
        "organization": {"name": "Org acme", "consumption": None, "openings": None, "plan": None}
    }
    assert _codes(body) == [
        (("organization", "consumption"), "FORBIDDEN"),
        (("organization", "openings"), "FORBIDDEN"),
        (("organization", "plan"), "FORBIDDEN"),
    ]
    for leak in ("chef", "baker", "waiter", "25.0000", "6.5000"):
        assert leak not in response.text


async def test_api_keys_need_consumption_view(client: httpx.AsyncClient) -> None:
    await _seed(client)
    good = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "dash", "permissions": ["consumption:view"]},
        headers=SERVICE,
    )
    bad = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "usage", "permissions": ["credits:view"]},
        headers=SERVICE,
    )
    body = await graphql(client, GUARDED, token=good.json()["key"])
    assert "errors" not in body, body
    org = body["data"]["organization"]
    assert org["consumption"]["creditsUsed"] == "7.5000"
    assert [e["node"]["jobTitle"] for e in org["consumption"]["byOpening"]["edges"]] == [
        "baker",
        "chef",
        "chef",
        "waiter",
        "alpha",
    ]
    assert org["openings"]["totalCount"] == 6
    assert org["plan"] == {"interviewCreditsPerPeriod": "25.0000"}
    body = await graphql(client, GUARDED, token=bad.json()["key"])
    assert body["data"]["organization"]["consumption"] is None
    assert {code for _, code in _codes(body)} == {"FORBIDDEN"}
    assert len(body["errors"]) == 3


async def _walk(
    client: httpx.AsyncClient, token: str, query: str, key: str, first: int, **variables: Any
) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    pages = 0
    while True:
        body = await graphql(
            client, query, token=token, variables={"first": first, "after": after, **variables}
        )
        assert "errors" not in body, body
        org = body["data"]["organization"]
        connection = org[key] if key == "openings" else org["consumption"]["byOpening"]
        assert len(connection["edges"]) <= first
        nodes += [e["node"] for e in connection["edges"]]
        pages += 1
        if connection["edges"]:
            assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes
        after = connection["pageInfo"]["endCursor"]
        assert pages < 20


async def test_walking_by_opening_and_openings(client: httpx.AsyncClient) -> None:
    token = await _seed(client)
    everything = await _walk(client, token, OPENINGS_WALK, "openings", 100)
    id_of = {}
    for node, opening in zip(everything, OPENINGS_ORDER, strict=True):
        assert node["jobTitle"] == OPENINGS[opening]
        id_of[node["id"]] = opening
    for first in (1, 2, 4):
        nodes = await _walk(client, token, OPENINGS_WALK, "openings", first)
        assert [id_of[n["id"]] for n in nodes] == OPENINGS_ORDER, first
        nodes = await _walk(client, token, WALK, "byOpening", first)
        assert [id_of[n["opening"]["id"]] for n in nodes] == BY_OPENING_ORDER, first
        assert [n["creditsUsed"] for n in nodes] == [
            "2.0000",
            "2.0000",
            "2.0000",
            "1.5000",
            "0.0000",
        ]
    body = await graphql(client, WALK, token=token, variables={"first": 2})
    connection = body["data"]["organization"]["consumption"]["byOpening"]
    assert connection["totalCount"] == 5
    assert connection["pageInfo"]["hasNextPage"] is True
    # Last month: o5 alone.
    nodes = await _walk(
        client, token, WALK, "byOpening", 1, period={"preset": "PREVIOUS_BILLING_PERIOD"}
    )
    assert [(id_of[n["opening"]["id"]], n["creditsUsed"]) for n in nodes] == [("o5", "5.0000")]


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_first_out_of_bounds(client: httpx.AsyncClient, first: int) -> None:
    token = await _seed(client)
    for query in (WALK, OPENINGS_WALK):
        body = await graphql(client, query, token=token, variables={"first": first})
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], query


async def test_bad_cursors(client: httpx.AsyncClient) -> None:
    token = await _seed(client)
    body = await graphql(client, WALK, token=token, variables={"first": 2})
    cursor = body["data"]["organization"]["consumption"]["byOpening"]["pageInfo"]["endCursor"]
    body = await graphql(client, OPENINGS_WALK, token=token, variables={"first": 2})
    openings_cursor = body["data"]["organization"]["openings"]["pageInfo"]["endCursor"]
    globex = member_token("globex", "boss")
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    cases = [
        (token, WALK, {"after": tampered}),
        (token, WALK, {"after": "garbage"}),
        (token, WALK, {"after": cursor, "period": {"preset": "PREVIOUS_BILLING_PERIOD"}}),
        (token, WALK, {"after": cursor, "period": {"from": "2026-11-01", "to": "2026-11-19"}}),
        (globex, WALK, {"after": cursor}),
        (token, WALK, {"after": openings_cursor}),
        (token, OPENINGS_WALK, {"after": cursor}),
        (globex, OPENINGS_WALK, {"after": openings_cursor}),
    ]
    for who, query, variables in cases:
        body = await graphql(client, query, token=who, variables={"first": 2, **variables})
        assert [e["extensions"]["code"] for e in body.get("errors", [])] == ["BAD_USER_INPUT"], (
            variables,
            body,
        )
        assert "secret title" not in str(body) and "baker" not in str(body)


NODE = """
query($id: ID!) { node(id: $id) { id ... on Opening { jobTitle
  credits(period: {from: "2026-11-01", to: "2026-11-30"}) {
    jobTitle interviewsInvited interviewsCompleted creditsUsed } } } }
"""


async def test_openings_through_node_need_consumption_view(client: httpx.AsyncClient) -> None:
    token = await _seed(client)
    body = await graphql(client, OPENINGS_WALK, token=token, variables={"first": 100})
    ids = {
        e["node"]["jobTitle"]: e["node"]["id"]
        for e in body["data"]["organization"]["openings"]["edges"]
    }
    waiter = ids["waiter"]
    body = await graphql(client, NODE, token=token, variables={"id": waiter})
    assert body == {
        "data": {
            "node": {
                "id": waiter,
                "jobTitle": "waiter",
                "credits": {
                    "jobTitle": "waiter",
                    "interviewsInvited": 0,
                    "interviewsCompleted": 1,
                    "creditsUsed": "1.5000",
                },
            }
        }
    }
    # An opening without events this period still answers, with zeros.
    body = await graphql(client, NODE, token=token, variables={"id": ids["zoo keeper"]})
    assert body["data"]["node"]["credits"] == {
        "jobTitle": "zoo keeper",
        "interviewsInvited": 0,
        "interviewsCompleted": 0,
        "creditsUsed": "0.0000",
    }
    key = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "dash", "permissions": ["consumption:view"]},
        headers=SERVICE,
    )
    body = await graphql(client, NODE, token=key.json()["key"], variables={"id": waiter})
    assert body["data"]["node"]["credits"]["creditsUsed"] == "1.5000"
    for who in ("ivan", "ada", "sam"):
        body = await graphql(
            client, NODE, token=member_token("acme", who), variables={"id": waiter}
        )
        assert body == {"data": {"node": None}}, who
    # Another organization's admin cannot reach it either.
    body = await graphql(
        client, NODE, token=member_token("globex", "boss"), variables={"id": waiter}
    )
    assert body == {"data": {"node": None}}
    await put_opening(client, "acme", "o7", "new")
    body = await graphql(client, OPENINGS_WALK, token=token, variables={"first": 100})
    assert body["data"]["organization"]["openings"]["totalCount"] == 7
