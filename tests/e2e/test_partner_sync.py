"""The partner example syncs a real server's calls with an API key, incrementally."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import httpx

from tests.e2e.conftest import SERVICE_TOKEN, Server
from tests.support import ai_call

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
    since = example.sync(server.base_url, key, store, "2025-12-01T00:00:00Z")
    assert len(store) == 230  # three pages of 100
    assert since.startswith("2026-11-10T13:00:00")

    with httpx.Client(base_url=server.base_url, headers=SERVICE) as client:
        later = [ai_call("s999", org_id="sync", member_id="m1", occurred_at="2026-11-11T00:00:00Z")]
        client.post("/v1/ingest/ai-calls", json=later).raise_for_status()
    since = example.sync(server.base_url, key, store, since)
    assert len(store) == 231
    assert since.startswith("2026-11-11T00:00:00")
