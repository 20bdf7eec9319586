"""What partners' clients rely on: described arguments and values, stable period ids, nodes,
incremental sync with activity(since:), activeSince and the supported date range."""

from __future__ import annotations

from pathlib import Path

import httpx
from graphql import (
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    InputValueDefinitionNode,
    StringValueNode,
    parse,
    visit,
)
from graphql.language import Visitor

from resolvers.node import encode_global_id
from tests.support import SERVICE, ai_call, graphql, member_token, put_member, put_org

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_every_argument_and_enum_value_is_described_and_guards_are_stated() -> None:
    missing: list[str] = []
    unstated: list[str] = []

    class Check(Visitor):
        def enter_directive_definition(self, *_: object) -> bool:
            # The directive's own argument is described in the directive's description.
            return False

        def enter_input_value_definition(self, node: InputValueDefinitionNode, *_: object) -> None:
            if node.description is None or not node.description.value.strip():
                missing.append(node.name.value)

        def enter_enum_value_definition(self, node: EnumValueDefinitionNode, *_: object) -> None:
            if node.description is None or not node.description.value.strip():
                missing.append(node.name.value)

        def enter_field_definition(self, node: FieldDefinitionNode, *_: object) -> None:
            for directive in node.directives or ():
                if directive.name.value != "requiresPermission":
                    continue
                [argument] = directive.arguments
                assert isinstance(argument.value, StringValueNode)
                text = node.description.value if node.description else ""
                if f"Requires {argument.value.value}" not in text:
                    unstated.append(node.name.value)

    visit(parse(SCHEMA.read_text()), Check())
    assert missing == []
    assert unstated == []
    for scalar in ("Date", "DateTime", "Decimal"):
        assert f"scalar {scalar} @specifiedBy(url:" in SCHEMA.read_text()


async def _seed(client: httpx.AsyncClient) -> None:
    for org in ("acme", "globex"):
        await put_org(client, org, activeSince="2026-01-15")
        await put_member(client, org, f"{org}-m1", role="ACCOUNT_ADMIN")
    calls = [
        ai_call("a1", org_id="acme", member_id="acme-m1", occurred_at="2026-11-03T09:00:00Z"),
        ai_call("a2", org_id="acme", member_id="acme-m1", occurred_at="2026-11-04T09:00:00Z"),
        ai_call("a3", org_id="acme", member_id="acme-m1", occurred_at="2026-11-04T09:00:00Z"),
        ai_call("a4", org_id="acme", member_id="acme-m1", occurred_at="2026-11-05T09:00:00Z"),
        ai_call("g1", org_id="globex", member_id="globex-m1", occurred_at="2026-11-04T09:00:00Z"),
    ]
    response = await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)
    assert response.status_code == 200, response.text


PERIODS = """
query($p: PeriodInput!) { organization { activeSince
  usage(period: $p) { id } consumption(period: $p) { id } } }
"""


async def test_period_ids_are_stable_and_distinct(client: httpx.AsyncClient) -> None:
    await _seed(client)
    token = member_token("acme", "acme-m1")
    ids = []
    for period in (
        {"preset": "THIS_MONTH"},
        {"preset": "THIS_MONTH"},
        {"from": "2026-11-01", "to": "2026-11-30"},
        {"preset": "LAST_MONTH"},
    ):
        body = await graphql(client, PERIODS, token=token, variables={"p": period})
        org = body["data"]["organization"]
        assert org["activeSince"] == "2026-01-15"
        ids.append((org["usage"]["id"], org["consumption"]["id"]))
    assert ids[0] == ids[1]
    assert len({ids[0], ids[2], ids[3]}) == 3
    assert ids[0][0] != ids[0][1]
    other = await graphql(
        client,
        PERIODS,
        token=member_token("globex", "globex-m1"),
        variables={"p": {"preset": "THIS_MONTH"}},
    )
    assert other["data"]["organization"]["usage"]["id"] != ids[0][0]


NODES = """
query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Member { name } } }
"""


async def test_nodes_answers_in_order_and_only_for_the_callers_organization(
    client: httpx.AsyncClient,
) -> None:
    await _seed(client)
    token = member_token("acme", "acme-m1")
    ids = [
        encode_global_id("Member", "acme", "acme-m1"),
        encode_global_id("Member", "globex", "globex-m1"),
        encode_global_id("UsageCall", "acme", "a1"),
        encode_global_id("UsageCall", "globex", "g1"),
        encode_global_id("UsageCall", "acme", "g1"),
        "not-an-id",
    ]
    body = await graphql(client, NODES, token=token, variables={"ids": ids})
    nodes = body["data"]["nodes"]
    assert [n and n["__typename"] for n in nodes] == ["Member", None, "UsageCall", None, None, None]
    assert nodes[0]["name"] == "Member acme-m1"
    too_many = await client.post(
        "/graphql",
        json={"query": NODES, "variables": {"ids": ["x"] * 101}},
        headers={"Authorization": f"Bearer {token}"},
    )
    error = too_many.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "100" in error["message"]


SINCE = """
query($since: DateTime, $after: String) { organization { usage(period: {preset: THIS_MONTH}) {
  activity(first: 2, since: $since, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id occurredAt } } } } } }
"""


async def test_activity_since_is_ascending_and_pages(client: httpx.AsyncClient) -> None:
    await _seed(client)
    token = member_token("acme", "acme-m1")
    seen: list[str] = []
    after = None
    while True:
        body = await graphql(
            client, SINCE, token=token, variables={"since": "2026-11-04T09:00:00Z", "after": after}
        )
        activity = body["data"]["organization"]["usage"]["activity"]
        assert activity["totalCount"] == 3
        seen += [edge["node"]["occurredAt"] for edge in activity["edges"]]
        if not activity["pageInfo"]["hasNextPage"]:
            break
        after = activity["pageInfo"]["endCursor"]
    assert seen == sorted(seen) and len(seen) == 3
    assert seen[0].startswith("2026-11-04T09:00:00")
    # A cursor of the newest-first list does not fit the since list.
    plain = await graphql(client, SINCE, token=token, variables={"since": None, "after": None})
    cursor = plain["data"]["organization"]["usage"]["activity"]["pageInfo"]["endCursor"]
    wrong = await client.post(
        "/graphql",
        json={"query": SINCE, "variables": {"since": "2026-11-04T09:00:00Z", "after": cursor}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert wrong.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_dates_outside_1900_2999_are_refused_naming_the_value(
    client: httpx.AsyncClient,
) -> None:
    await _seed(client)
    token = member_token("acme", "acme-m1")
    for period in (
        {"from": "1899-12-31", "to": "1900-01-05"},
        {"from": "2999-12-30", "to": "3000-01-01"},
    ):
        response = await client.post(
            "/graphql",
            json={"query": PERIODS, "variables": {"p": period}},
            headers={"Authorization": f"Bearer {token}"},
        )
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "supported range" in error["message"]
        assert "$p" in error["message"]
    body = await graphql(
        client, PERIODS, token=token, variables={"p": {"from": "1900-01-01", "to": "1900-01-31"}}
    )
    assert body["data"]["organization"]["usage"]["id"]


async def test_a_price_may_start_on_a_plain_date(client: httpx.AsyncClient) -> None:
    body = {
        "provider": "ANTHROPIC",
        "tier": "mini",
        "prices": [
            {"effectiveFrom": "2026-01-01", "inputUsdPerMillion": "1", "outputUsdPerMillion": "2"}
        ],
    }
    response = await client.put("/v1/models/new-model", json=body, headers=SERVICE)
    assert response.status_code in (200, 201), response.text
    body["prices"][0]["effectiveFrom"] = "2026-02-30"
    response = await client.put("/v1/models/other-model", json=body, headers=SERVICE)
    assert response.status_code == 422
    assert response.json()["error"]["errors"][0]["field"] == "prices.0.effectiveFrom"
