"""Sync an organization's AI calls into your own store, incrementally, with an API key.

    GATEWAY_URL=http://127.0.0.1:8000 GATEWAY_API_KEY=ugk_... python examples/partner_sync.py

It asks for the calls at or after the last one it has (``activity(since:)``, oldest first),
follows ``endCursor`` page by page, and waits when the throttle says the key's budget is low:
each answer reports ``extensions.cost.throttleStatus``, and an answer refused with 429 says in
``Retry-After`` when enough budget is back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx

PAGE = """
query Sync($since: DateTime!, $after: String) {
  organization {
    usage(period: {from: "2025-12-01", to: "2026-12-31"}) {
      activity(since: $since, first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id occurredAt reasonLabel billingMode creditsCharged totalTokens } }
      }
    }
  }
}
"""


def _post(client: httpx.Client, variables: dict[str, Any]) -> dict[str, Any]:
    """One page; waits out a 429 and, when the budget is low, the time to refill it."""
    while True:
        response = client.post("/graphql", json={"query": PAGE, "variables": variables})
        if response.status_code == 429:
            time.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        throttle = body.get("extensions", {}).get("cost", {}).get("throttleStatus")
        requested = body.get("extensions", {}).get("cost", {}).get("requestedQueryCost", 0)
        if throttle and throttle["currentlyAvailable"] < requested:
            # Not enough for one more page: wait until it has flowed back.
            missing = requested - throttle["currentlyAvailable"]
            time.sleep(missing / throttle["restoreRate"])
        return body


def calls_since(client: httpx.Client, since: str) -> Iterator[dict[str, Any]]:
    """Every call at or after ``since`` (an RFC 3339 instant), oldest first."""
    after: str | None = None
    while True:
        body = _post(client, {"since": since, "after": after})
        activity = body["data"]["organization"]["usage"]["activity"]
        for edge in activity["edges"]:
            yield edge["node"]
        if not activity["pageInfo"]["hasNextPage"]:
            return
        after = activity["pageInfo"]["endCursor"]


def sync(base_url: str, api_key: str, store: dict[str, dict[str, Any]], since: str) -> str:
    """Add new calls to ``store`` (by id); returns where the next sync starts."""
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for call in calls_since(client, since):
            store.setdefault(call["id"], call)  # calls at ``since`` itself come back: skip them
            since = max(since, call["occurredAt"])
    return since


def main() -> None:
    store: dict[str, dict[str, Any]] = {}
    since = sync(
        os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000"),
        os.environ["GATEWAY_API_KEY"],
        store,
        os.environ.get("SYNC_SINCE", "2025-12-01T00:00:00Z"),
    )
    print(f"{len(store)} calls; next sync from {since}")


if __name__ == "__main__":
    main()
