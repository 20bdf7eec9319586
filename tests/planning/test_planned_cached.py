"""A planned answer goes into the response cache like any other, from a process's first request:
the planned documents never pass through the schema's parse, so the cache must know them."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from gateway.web.graphql_view import GraphQLEndpoint
from resolvers.documents import trusted_documents
from resolvers.schema import DOCUMENTS
from tests.support import bearer, member_token, put_member, put_org

USAGE = next(text for text in trusted_documents().values() if "usage(period: $period)" in text)


def endpoint_of(app: Starlette) -> GraphQLEndpoint:
    for route in app.routes:
        endpoint = getattr(route, "app", None)
        if isinstance(endpoint, GraphQLEndpoint):
            return endpoint
    raise AssertionError("no /graphql route")


async def test_the_first_planned_answer_is_cached(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    auth = bearer(member_token("acme", "m1"))
    # As in a new process: the general path has never parsed this document.
    DOCUMENTS._entries.pop(DOCUMENTS.key(USAGE), None)
    endpoint = endpoint_of(app)
    assert endpoint.planner is not None and endpoint.planner.planned(USAGE)
    planned = endpoint.planner.counts.planned

    first = await client.get("/graphql", params={"query": USAGE}, headers=auth)
    assert first.status_code == 200, first.text
    assert endpoint.planner.counts.planned == planned + 1
    assert DOCUMENTS.get(USAGE) is None
    etag = first.headers["etag"]

    again = await client.get("/graphql", params={"query": USAGE}, headers=auth)
    assert again.headers["etag"] == etag
    assert endpoint.responses.hits == 1
    assert endpoint.planner.counts.planned == planned + 1  # answered from the cache
    assert again.json()["data"] == first.json()["data"]
    unchanged = await client.get(
        "/graphql", params={"query": USAGE}, headers={**auth, "If-None-Match": etag}
    )
    assert unchanged.status_code == 304
