"""Sync an organization's AI calls into your own store, incrementally, with an API key.

Requires Python 3.11+ and httpx (``pip install httpx``; in this repository, ``.venv/bin/python``
has it):

    GATEWAY_URL=http://127.0.0.1:8000 GATEWAY_API_KEY=ugk_... python examples/partner_sync.py

The first sync starts at the organization's ``activeSince``; ``SYNC_SINCE`` (an RFC 3339 instant,
the value a previous run printed) starts at the last call already stored instead. It asks for the
calls at or after that instant (``activity(since:)``, oldest first) in periods of at most 400 days
(the longest the API takes), one after the other up to today, follows ``endCursor`` page by page,
and waits when the throttle says the key's budget is low: each answer reports
``extensions.cost.throttleStatus``, and an answer refused with 429 says in ``Retry-After`` when
enough budget is back.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

try:
    import httpx
except ImportError:  # pragma: no cover - what a bare interpreter says
    sys.exit("partner_sync.py needs httpx: pip install httpx")

# The longest period the API takes, from and to included.
WINDOW_DAYS = 400

ORGANIZATION = "query Organization { organization { activeSince timeZone } }"
PAGE = """
query Sync($from: Date!, $to: Date!, $since: DateTime!, $after: String) {
  organization {
    usage(period: {from: $from, to: $to}) {
      activity(since: $since, first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id occurredAt reasonLabel billingMode creditsCharged totalTokens } }
      }
    }
  }
}
"""

Clock = Callable[[], datetime]


def _post(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """One answer; waits out a 429 and, when the budget is low, the time to refill it."""
    while True:
        response = client.post("/graphql", json={"query": query, "variables": variables})
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


def windows(first: date, today: date) -> Iterator[tuple[date, date]]:
    """Periods of at most ``WINDOW_DAYS`` days, one after the other, from ``first`` to the one
    holding ``today``."""
    while first <= today:
        last = first + timedelta(days=WINDOW_DAYS - 1)
        yield first, last
        first = last + timedelta(days=1)


def calls_since(
    client: httpx.Client, since: datetime, zone: ZoneInfo, today: date
) -> Iterator[dict[str, Any]]:
    """Every call at or after ``since`` (an aware datetime) up to ``today``, oldest first.

    Periods are days in the organization's zone, so the first one starts on ``since``'s day
    there."""
    for first, last in windows(since.astimezone(zone).date(), today):
        after: str | None = None
        while True:
            variables = {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "since": since.isoformat(),
                "after": after,
            }
            activity = _post(client, PAGE, variables)["data"]["organization"]["usage"]["activity"]
            for edge in activity["edges"]:
                yield edge["node"]
            if not activity["pageInfo"]["hasNextPage"]:
                break
            after = activity["pageInfo"]["endCursor"]


def instant(text: str) -> datetime:
    """An RFC 3339 date-time as an aware datetime (``Z`` or any offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def sync(
    base_url: str,
    api_key: str,
    store: dict[str, dict[str, Any]],
    since: str | None = None,
    *,
    clock: Clock = lambda: datetime.now(UTC),
) -> str:
    """Add new calls to ``store`` (by id); returns where the next sync starts (RFC 3339).

    Without ``since``, from the start of the organization's ``activeSince`` day; ``clock``
    says what now is (tests pass a fixed one)."""
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        org = _post(client, ORGANIZATION, {})["data"]["organization"]
        zone = ZoneInfo(org["timeZone"])
        if since is None:
            start = datetime.combine(date.fromisoformat(org["activeSince"]), datetime.min.time())
            latest = start.replace(tzinfo=zone)
        else:
            latest = instant(since)
        today = clock().astimezone(zone).date()
        for call in calls_since(client, latest, zone, today):
            store.setdefault(call["id"], call)  # calls at ``since`` itself come back: skip them
            # Instants, not text: "…T09:00:00+01:00" is before "…T08:30:00Z".
            latest = max(latest, instant(call["occurredAt"]))
    return latest.isoformat()


def main() -> None:
    store: dict[str, dict[str, Any]] = {}
    since = sync(
        os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000"),
        os.environ["GATEWAY_API_KEY"],
        store,
        os.environ.get("SYNC_SINCE") or None,
    )
    print(f"{len(store)} calls; next sync from {since}")


if __name__ == "__main__":
    main()
