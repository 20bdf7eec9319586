"""nodes(ids:) reads its objects in one statement per type, whatever the number of ids."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.storage.db import Database
from resolvers.node import encode_global_id
from tests.support import (
    SERVICE,
    ai_call,
    count_statements,
    graphql,
    member_token,
    put_member,
    put_org,
)

NODES = """
query($ids: [ID!]!) { nodes(ids: $ids) {
  __typename id ... on UsageCall { occurredAt member { name } } ... on Member { name } } }
"""


async def _seed(client: httpx.AsyncClient) -> None:
    for org in ("acme", "globex"):
        await put_org(client, org)
        for n in range(3):
            await put_member(client, org, f"{org}-m{n}")
    calls = [
        ai_call(
            f"{org[0]}{n}",
            org_id=org,
            member_id=f"{org}-m{n % 3}",
            occurred_at=f"2026-11-{1 + n % 19:02d}T09:{n % 60:02d}:00Z",
        )
        for org in ("acme", "globex")
        for n in range(60)
    ]
    response = await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)
    assert response.status_code == 200, response.text


async def _nodes(client: httpx.AsyncClient, db: Database, ids: list[str]) -> tuple[Any, int]:
    with count_statements(db) as statements:
        body = await graphql(
            client, NODES, token=member_token("acme", "acme-m0"), variables={"ids": ids}
        )
    assert "errors" not in body, body
    return body["data"]["nodes"], len(statements)


async def test_nodes_of_one_type_cost_the_same_statements_for_2_or_60_ids(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(client)
    few = [encode_global_id("UsageCall", "acme", f"a{n}") for n in range(2)]
    many = [encode_global_id("UsageCall", "acme", f"a{n}") for n in range(60)]
    found_few, statements_few = await _nodes(client, db, few)
    found_many, statements_many = await _nodes(client, db, many)
    assert [n["id"] for n in found_many] == many
    assert [n["id"] for n in found_few] == few
    assert statements_many == statements_few
    # The calls in one statement, their members in another.
    assert statements_many <= 3, statements_many


async def test_mixed_nodes_keep_their_order_and_nulls_in_few_statements(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(client)
    ids: list[str] = []
    expected: list[str | None] = []
    for n in range(40):
        ids += [
            encode_global_id("UsageCall", "acme", f"a{n}"),
            encode_global_id("UsageCall", "globex", f"g{n}"),  # another organization's call
            encode_global_id("UsageCall", "acme", f"g{n}"),  # its event id under ours: none
            encode_global_id("Member", "acme", f"acme-m{n % 3}"),
            encode_global_id("Member", "globex", f"globex-m{n % 3}"),
        ]
        expected += ["UsageCall", None, None, "Member", None]
    found, statements = await _nodes(client, db, ids[:100])
    assert [n and n["__typename"] for n in found] == expected[:100]
    assert [n and n["id"] for n in found] == [
        i if kind else None for i, kind in zip(ids[:100], expected[:100], strict=True)
    ]
    assert statements <= 3, statements
