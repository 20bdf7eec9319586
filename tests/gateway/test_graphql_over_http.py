"""GraphQL over HTTP: both media types, and their status codes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from tests.support import bearer, member_token, put_member, put_org

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def _setup(client: httpx.AsyncClient) -> dict[str, str]:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    return bearer(member_token("acme", "m1"))


async def test_graphql_response_media_type(client: httpx.AsyncClient) -> None:
    auth = await _setup(client)
    headers = {**auth, "Accept": GRAPHQL_RESPONSE}
    ok = await client.post("/graphql", json={"query": "{ organization { name } }"}, headers=headers)
    assert ok.status_code == 200
    assert ok.headers["content-type"] == GRAPHQL_RESPONSE
    assert ok.json()["data"] == {"organization": {"name": "Org acme"}}
    # A document that cannot run is a 400 in this media type ...
    bad = await client.post(
        "/graphql", json={"query": "{ organization { nope } }"}, headers=headers
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"] == GRAPHQL_RESPONSE
    assert bad.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "data" not in bad.json()  # refused before execution: no data entry
    # ... and a 200 in application/json, as clients of that media type expect.
    legacy = await client.post(
        "/graphql",
        json={"query": "{ organization { nope } }"},
        headers={**auth, "Accept": "application/json"},
    )
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")


async def test_field_errors_keep_status_200(client: httpx.AsyncClient) -> None:
    await _setup(client)
    key = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "k", "permissions": ["credits:view"]},
        headers={"Authorization": "Bearer test-service-token"},
    )
    headers = {**bearer(key.json()["key"]), "Accept": GRAPHQL_RESPONSE}
    partial = await client.post(
        "/graphql",
        json={"query": "{ organization { name plan { billingAnchorDay } } }"},
        headers=headers,
    )
    assert partial.status_code == 200
    assert partial.json()["data"] == {"organization": {"name": "Org acme", "plan": None}}


async def test_bodies_over_one_mib_are_refused_even_when_chunked(client: httpx.AsyncClient) -> None:
    auth = await _setup(client)
    padding = " " * (1024 * 1024)
    query = '{"query": "{ organization { name } }' + padding + '"}'

    async def chunks() -> AsyncIterator[bytes]:
        data = query.encode()
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    response = await client.post(
        "/graphql", content=chunks(), headers={**auth, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    small = await client.post("/graphql", json={"query": "{ organization { name } }"}, headers=auth)
    assert small.json()["data"] == {"organization": {"name": "Org acme"}}
