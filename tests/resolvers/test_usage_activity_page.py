"""UsageActivityPage, the dashboard's Load more: the activity log alone, trusted and planned, and
what a cursor the gateway refuses costs (that request only, never the page's cards)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from resolvers.documents import DIRECTORY
from tests.resolvers.test_usage_pagination import _bad_input, _setup
from tests.support import bearer, graphql

ACTIVITY = (DIRECTORY / "usage-activity-page.graphql").read_text()
USAGE = (DIRECTORY / "usage-page.graphql").read_text()
THIS_MONTH = {"period": {"preset": "THIS_MONTH"}}


async def _by_hash(client: httpx.AsyncClient, token: str, variables: dict[str, Any]) -> Any:
    digest = hashlib.sha256(ACTIVITY.encode()).hexdigest()
    response = await client.post(
        "/graphql",
        json={
            "operationName": "UsageActivityPage",
            "variables": variables,
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}},
        },
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_activity_document_pages_like_the_usage_page(client: httpx.AsyncClient) -> None:
    token = await _setup(client, "walk")
    whole = await graphql(client, USAGE, token=token, variables=THIS_MONTH)
    page = whole["data"]["organization"]["usage"]["activity"]
    # Trusted from the start: its hash alone is enough, and it answers only the log.
    alone = await _by_hash(client, token, THIS_MONTH)
    assert "errors" not in alone, alone
    assert alone["data"] == {"organization": {"usage": {"activity": page}}}
    # It costs less than the page it pages through.
    full = await client.post(
        "/graphql", json={"query": USAGE, "variables": THIS_MONTH}, headers=bearer(token)
    )
    assert (
        alone["extensions"]["cost"]["requestedQueryCost"]
        < full.json()["extensions"]["cost"]["requestedQueryCost"]
    )


async def test_a_refused_cursor_fails_only_the_activity_request(
    client: httpx.AsyncClient,
) -> None:
    token = await _setup(client, "walk")
    other = await _setup(client, "other")
    theirs = (await graphql(client, ACTIVITY, token=other, variables=THIS_MONTH))["data"][
        "organization"
    ]["usage"]["activity"]["pageInfo"]["endCursor"]
    assert isinstance(theirs, str)
    cards = await graphql(client, USAGE, token=token, variables=THIS_MONTH)
    for bad in (theirs, theirs[:-4], "garbage"):
        body = await _by_hash(client, token, {**THIS_MONTH, "after": bad})
        body.pop("extensions", None)
        _bad_input(body)
        assert body["errors"][0]["path"] == ["organization", "usage", "activity"]
        assert body["data"] == {"organization": {"usage": None}}
        # The page's cards, drawn by their own request, answer as before.
        again = await graphql(client, USAGE, token=token, variables=THIS_MONTH)
        assert again == cards
