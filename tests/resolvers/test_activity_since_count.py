"""activity(since:) { totalCount }: the whole local days from the daily rollups, only the rest
of since's own day from the raw calls; exact either way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import event

from gateway.storage.db import Database
from tests.support import NOW, SERVICE, ai_call, graphql, member_token, put_member, put_org

PARIS = ZoneInfo("Europe/Paris")
# 400 days, the longest period.
LONG = {"from": "2025-10-17", "to": "2026-11-20"}


@contextmanager
def raw_counts(db: Database) -> Iterator[list[list[datetime]]]:
    """The instants bounding each count of raw calls."""
    counts: list[list[datetime]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        text = " ".join(statement.lower().split())
        if "count(" in text and "from ai_calls" in text:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            counts.append([at for at in map(_instant, values) if at is not None])

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield counts
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


# Calls every 7 hours and 13 minutes over the 400 days up to now: every hour of the local day
# is hit.
_EVERY = [
    datetime(2025, 10, 16, 20, 0, tzinfo=UTC) + n * timedelta(hours=7, minutes=13)
    for n in range(1_340)
]
CALLS = [at for at in _EVERY if at <= NOW]


async def _seed(client: httpx.AsyncClient) -> str:
    await put_org(client, "acme", time_zone="Europe/Paris")
    await put_member(client, "acme", "m1")
    events = [ai_call(f"c{n:04d}", occurred_at=at.isoformat()) for n, at in enumerate(CALLS)]
    for start in range(0, len(events), 500):
        response = await client.post(
            "/v1/ingest/ai-calls", json=events[start : start + 500], headers=SERVICE
        )
        assert response.status_code == 200, response.text
    return member_token("acme", "m1")


def _expected(since: datetime) -> int:
    start = datetime(2025, 10, 17, tzinfo=PARIS)
    end = datetime(2026, 11, 21, tzinfo=PARIS)
    return sum(1 for at in CALLS if max(start, since) <= at < end)


SINCES = [
    datetime(2025, 11, 3, 9, 47, tzinfo=UTC),  # mid-day
    datetime(2026, 3, 28, 23, 0, tzinfo=UTC),  # local midnight (UTC+1)
    datetime(2026, 3, 29, 12, 0, tzinfo=UTC),  # the day summer time starts
    datetime(2026, 10, 24, 22, 0, tzinfo=UTC),  # local midnight (UTC+2)
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # the day winter time starts, in the repeated hour
    datetime(2026, 11, 20, 6, 5, tzinfo=UTC),  # the period's last day, today
    datetime(2026, 11, 20, 23, 0, tzinfo=UTC),  # the period's end
    datetime(2025, 1, 1, tzinfo=UTC),  # before the period
    datetime(2025, 10, 16, 22, 0, tzinfo=UTC),  # the period's start
    datetime(2025, 10, 16, 23, 59, tzinfo=UTC),  # its first day
]


async def test_the_count_since_an_instant_is_exact(client: httpx.AsyncClient, db: Database) -> None:
    token = await _seed(client)
    aliases = " ".join(
        f'a{i}: activity(first: 1, since: "{since.isoformat()}") {{ totalCount }}'
        for i, since in enumerate(SINCES)
    )
    query = f"query($p: PeriodInput!) {{ organization {{ usage(period: $p) {{ {aliases} }} }} }}"
    body = await graphql(client, query, token=token, variables={"p": LONG})
    usage = body["data"]["organization"]["usage"]
    assert [usage[f"a{i}"]["totalCount"] for i in range(len(SINCES))] == [
        _expected(since) for since in SINCES
    ]


@pytest.mark.parametrize(
    ("since", "partial"),
    [
        # Mid-day: the rest of that day from the calls, nothing more.
        (datetime(2025, 11, 3, 9, 47, tzinfo=UTC), True),
        # At local midnight: whole days only, from the rollups.
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), False),
    ],
)
async def test_aliased_counts_scan_at_most_a_day_of_raw_calls(
    client: httpx.AsyncClient, db: Database, since: datetime, partial: bool
) -> None:
    token = await _seed(client)
    aliases = " ".join(
        f"a{i}: activity(first: 1, since: $since) {{ totalCount }}" for i in range(15)
    )
    query = (
        "query($p: PeriodInput!, $since: DateTime) "
        f"{{ organization {{ usage(period: $p) {{ {aliases} }} }} }}"
    )
    with raw_counts(db) as counts:
        body = await graphql(
            client, query, token=token, variables={"p": LONG, "since": since.isoformat()}
        )
    usage = body["data"]["organization"]["usage"]
    assert {usage[f"a{i}"]["totalCount"] for i in range(15)} == {_expected(since)}
    assert len(counts) == (1 if partial else 0), counts
    for bounds in counts:
        assert max(bounds) - min(bounds) <= timedelta(days=1), bounds
