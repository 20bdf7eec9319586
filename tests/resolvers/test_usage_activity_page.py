"""UsageActivityPage, the dashboard's Load more: the activity log alone, trusted and planned, and
what a cursor the gateway refuses costs: with ``activityPage`` that field alone, never the cards
(with the non-null ``activity``, the whole period)."""

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


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


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
    assert alone["data"] == {"organization": {"usage": {"activityPage": page}}}
    # Priced as the same page of `activity` is, and less than the page it pages through.
    twin = ACTIVITY.replace("activityPage(", "activity(")
    same = await client.post(
        "/graphql", json={"query": twin, "variables": THIS_MONTH}, headers=bearer(token)
    )
    assert same.json()["data"]["organization"]["usage"]["activity"] == page
    assert (
        alone["extensions"]["cost"]["requestedQueryCost"]
        == same.json()["extensions"]["cost"]["requestedQueryCost"]
    )
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
    ]["usage"]["activityPage"]["pageInfo"]["endCursor"]
    assert isinstance(theirs, str)
    cards = await graphql(client, USAGE, token=token, variables=THIS_MONTH)
    for bad in (theirs, theirs[:-4], "garbage"):
        body = await _by_hash(client, token, {**THIS_MONTH, "after": bad})
        assert _codes(body) == ["BAD_USER_INPUT"], body
        assert body["errors"][0]["path"] == ["organization", "usage", "activityPage"]
        assert body["data"] == {"organization": {"usage": {"activityPage": None}}}
        # The page's cards, drawn by their own request, answer as before.
        again = await graphql(client, USAGE, token=token, variables=THIS_MONTH)
        assert again == cards


CARDS_AND_LOG = """
query($after: String) { organization { usage(period: {preset: THIS_MONTH}) {
  summary { calls creditsCharged }
  byReason { reason calls }
  LOG(first: 5, after: $after) { totalCount edges { node { id } } }
} } }
"""


async def test_activity_page_keeps_the_cards_beside_a_refused_cursor(
    client: httpx.AsyncClient,
) -> None:
    token = await _setup(client, "walk")
    page = CARDS_AND_LOG.replace("LOG", "activityPage")
    good = await graphql(client, page, token=token)
    cards = {key: value for key, value in good["data"]["organization"]["usage"].items()}
    del cards["activityPage"]
    assert cards["summary"]["calls"] == 23
    for bad in ("garbage", "", "=="):
        body = await graphql(client, page, token=token, variables={"after": bad})
        assert _codes(body) == ["BAD_USER_INPUT"], body
        assert body["errors"][0]["path"] == ["organization", "usage", "activityPage"]
        assert body["data"]["organization"]["usage"] == {**cards, "activityPage": None}
        # The same document with the non-null activity loses the whole period, as it always did
        # (kept as it is: the schema only grows).
        old = await graphql(
            client, CARDS_AND_LOG.replace("LOG", "activity"), token=token, variables={"after": bad}
        )
        _bad_input(old)
        assert old["data"]["organization"]["usage"] is None
