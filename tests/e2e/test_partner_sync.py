"""The partner example syncs a real server's calls with an API key, incrementally."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.e2e.conftest import JWT_SECRET, SERVICE_TOKEN, Server, clock_env, serving
from tests.support import ai_call, free_port

SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner_sync.py"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("partner_sync", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_syncs_every_call_once_then_only_the_new_ones(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, headers=SERVICE) as client:
        client.put("/v1/orgs/sync", json={"name": "Sync", "timeZone": "UTC"}).raise_for_status()
        client.put(
            "/v1/orgs/sync/members/m1",
            json={"name": "M", "email": "m@example.com", "role": "ADMIN"},
        ).raise_for_status()
        calls = [
            ai_call(
                f"s{n:03d}",
                org_id="sync",
                member_id="m1",
                occurred_at=f"2026-11-{1 + n // 24:02d}T{n % 24:02d}:00:00Z",
            )
            for n in range(230)
        ]
        client.post("/v1/ingest/ai-calls", json=calls).raise_for_status()
        created = client.post(
            "/v1/orgs/sync/api-keys", json={"name": "dashboards", "permissions": ["credits:view"]}
        )
        created.raise_for_status()
        key = created.json()["key"]

    example = _example()
    store: dict[str, dict[str, object]] = {}
    since = example.sync(server.base_url, key, store, "2025-12-01T00:00:00Z", clock=server.now)
    assert len(store) == 230  # three pages of 100
    assert since.startswith("2026-11-10T13:00:00")

    with httpx.Client(base_url=server.base_url, headers=SERVICE) as client:
        later = [ai_call("s999", org_id="sync", member_id="m1", occurred_at="2026-11-11T00:00:00Z")]
        client.post("/v1/ingest/ai-calls", json=later).raise_for_status()
    since = example.sync(server.base_url, key, store, since, clock=server.now)
    assert len(store) == 231
    assert since.startswith("2026-11-11T00:00:00")


# The server's clock and the example's: 2 January 2027, past the year the example once named.
NEW_YEAR = datetime(2027, 1, 2, 12, 0, tzinfo=UTC)
# (instant sent, what New York's local day makes of it): from the first active day, across the
# boundary of the example's first 400-day window (2025-10-01 .. 2026-11-04 locally) and the
# year's end (in UTC already 2027, in New York still 2026), up to this morning.
SPREAD = [
    "2025-10-01T04:30:00Z",  # 2025-10-01 00:30 local, the first active day
    "2025-11-15T12:00:00Z",
    "2026-06-01T12:00:00Z",
    "2026-11-05T04:59:00Z",  # 2026-11-04 23:59 local, the first window's last minute
    "2026-11-05T05:00:00Z",  # 2026-11-05 00:00 local, the second window's first
    "2027-01-01T04:30:00Z",  # 2026-12-31 23:30 local
    "2027-01-01T12:00:00Z",
    "2027-01-02T11:00:00Z",
]


@pytest.fixture(scope="module")
def new_year_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("new-year") / "gateway.db"
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN,
        "GATEWAY_JWT_SECRET": JWT_SECRET,
        "GATEWAY_LOG_LEVEL": "warning",
        **clock_env(NEW_YEAR),
    }
    with serving(env, free_port(), workers=1) as server:
        yield server


def test_a_first_sync_covers_every_day_from_active_since_across_new_year(
    new_year_server: Server,
) -> None:
    base_url = new_year_server.base_url
    with httpx.Client(base_url=base_url, headers=SERVICE) as client:
        org = {"name": "Year", "timeZone": "America/New_York", "activeSince": "2025-10-01"}
        client.put("/v1/orgs/year", json=org).raise_for_status()
        client.put(
            "/v1/orgs/year/members/m1",
            json={"name": "M", "email": "m@example.com", "role": "ADMIN"},
        ).raise_for_status()
        calls = [
            ai_call(f"y{n}", org_id="year", member_id="m1", occurred_at=at)
            for n, at in enumerate(SPREAD)
        ]
        client.post("/v1/ingest/ai-calls", json=calls).raise_for_status()
        created = client.post(
            "/v1/orgs/year/api-keys", json={"name": "sync", "permissions": ["credits:view"]}
        )
        created.raise_for_status()
        key = created.json()["key"]

    example = _example()
    store: dict[str, dict[str, str]] = {}
    since = example.sync(base_url, key, store, clock=lambda: NEW_YEAR)
    assert len(store) == len(SPREAD)
    assert sorted(example.instant(c["occurredAt"]) for c in store.values()) == [
        datetime.fromisoformat(at) for at in SPREAD
    ]
    # The next sync starts at the latest call, whatever offset it is written with.
    assert example.instant(since) == datetime(2027, 1, 2, 11, 0, tzinfo=UTC)

    with httpx.Client(base_url=base_url, headers=SERVICE) as client:
        later = [ai_call("y99", org_id="year", member_id="m1", occurred_at="2027-01-02T11:30:00Z")]
        client.post("/v1/ingest/ai-calls", json=later).raise_for_status()
    # Resumed from the same instant written in UTC: the new call is written "…T06:30:00-05:00",
    # which sorts before "…T11:00:00Z" as text but is half an hour later.
    since = example.sync(base_url, key, store, "2027-01-02T11:00:00Z", clock=lambda: NEW_YEAR)
    assert len(store) == len(SPREAD) + 1
    assert example.instant(since) == datetime(2027, 1, 2, 11, 30, tzinfo=UTC)


def test_the_bulk_mode_makes_the_first_sync_from_one_file_per_period(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, headers=SERVICE) as client:
        org = {"name": "Bulk", "timeZone": "Europe/Paris", "activeSince": "2026-10-01"}
        client.put("/v1/orgs/bulk", json=org).raise_for_status()
        client.put(
            "/v1/orgs/bulk/members/m1",
            json={"name": "M", "email": "m@example.com", "role": "ADMIN"},
        ).raise_for_status()
        calls = [
            ai_call(
                f"b{n:03d}",
                org_id="bulk",
                member_id="m1",
                occurred_at=f"2026-11-{1 + n // 24:02d}T{n % 24:02d}:00:00Z",
                credits=f"{1 + n % 7}.25",
            )
            for n in range(230)
        ]
        client.post("/v1/ingest/ai-calls", json=calls).raise_for_status()
        created = client.post(
            "/v1/orgs/bulk/api-keys", json={"name": "sync", "permissions": ["credits:view"]}
        )
        created.raise_for_status()
        key = created.json()["key"]

    example = _example()
    worker = subprocess.Popen([sys.executable, "-m", "gateway.cli", "bulk"], env=server.env)
    try:
        rows: dict[str, dict[str, object]] = {}
        since = example.sync_bulk(server.base_url, key, rows, clock=server.now, poll_s=0.1)
    finally:
        worker.terminate()
        assert worker.wait(timeout=30) == 0
    assert sorted(rows) == sorted(c["eventId"] for c in calls)
    # The same calls as the GraphQL sync finds, and the same place to go on from.
    nodes: dict[str, dict[str, object]] = {}
    assert example.sync(server.base_url, key, nodes, clock=server.now) == since
    assert sorted((example.instant(str(r["when"])), r["credits"]) for r in rows.values()) == sorted(
        (example.instant(str(n["occurredAt"])), n["creditsCharged"]) for n in nodes.values()
    )
    assert example.instant(since) == datetime(2026, 11, 10, 13, 0, tzinfo=UTC)
