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

``--bulk`` makes the first sync a bulk export instead (``python examples/partner_sync.py --bulk``):
for each period of at most 400 days it starts a background export of the AI-usage rows as JSON
Lines (``startBulkExport``, 10 points however many rows), polls ``bulkExport(id:)`` until it is
COMPLETED, downloads the file from its signed URL with the same key (no points) and parses one
JSON object per line. The rows are stored by their call id (``callId``); the instant it prints
is where the incremental syncs go on (``SYNC_SINCE``).
"""

from __future__ import annotations

import json
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

START = """
mutation Start($from: Date!, $to: Date!) {
  startBulkExport(kind: AI_USAGE, format: JSONL, from: $from, to: $to) { id status }
}
"""
POLL = "query Poll($id: ID!) { bulkExport(id: $id) { status url rows errorMessage } }"

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


def bulk_rows(client: httpx.Client, first: date, last: date, poll_s: float) -> Iterator[Any]:
    """One period's rows through a bulk export: start it, wait for it, read its file."""
    job = _post(client, START, {"from": first.isoformat(), "to": last.isoformat()})
    job_id = job["data"]["startBulkExport"]["id"]
    while True:
        state = _post(client, POLL, {"id": job_id})["data"]["bulkExport"]
        if state["status"] == "COMPLETED":
            break
        if state["status"] in ("FAILED", "EXPIRED"):
            raise RuntimeError(f"bulk export {job_id}: {state['status']} {state['errorMessage']}")
        time.sleep(poll_s)
    # The URL is absolute, signed for this key's organization and valid until expiresAt.
    with client.stream("GET", state["url"]) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line:
                yield json.loads(line)


def sync_bulk(
    base_url: str,
    api_key: str,
    store: dict[str, dict[str, Any]],
    *,
    clock: Clock = lambda: datetime.now(UTC),
    poll_s: float = 1.0,
) -> str:
    """The first sync through bulk exports, from the organization's ``activeSince`` to today;
    adds rows to ``store`` by call id and returns where the incremental syncs start."""
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        org = _post(client, ORGANIZATION, {})["data"]["organization"]
        zone = ZoneInfo(org["timeZone"])
        start = datetime.combine(date.fromisoformat(org["activeSince"]), datetime.min.time())
        latest = start.replace(tzinfo=zone)
        today = clock().astimezone(zone).date()
        for first, last in windows(latest.date(), today):
            for row in bulk_rows(client, first, min(last, today), poll_s):
                store.setdefault(row["callId"], row)
                latest = max(latest, instant(row["when"]))
    return latest.isoformat()


def main() -> None:
    store: dict[str, dict[str, Any]] = {}
    base_url = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
    if "--bulk" in sys.argv[1:]:
        since = sync_bulk(base_url, os.environ["GATEWAY_API_KEY"], store)
    else:
        since = sync(
            base_url, os.environ["GATEWAY_API_KEY"], store, os.environ.get("SYNC_SINCE") or None
        )
    print(f"{len(store)} calls; next sync from {since}")


if __name__ == "__main__":
    main()
