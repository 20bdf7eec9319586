"""The pieces of replica routing that need no replica: WAL positions, lag, settings, and the
``X-Data-Version`` header without replicas (SQLite and PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from gateway.config import ConfigurationError, Settings
from gateway.storage.db import Database
from gateway.storage.replicas import ReplicaSet, server_name
from gateway.storage.routing import format_lsn, parse_lsn
from tests.support import SERVICE, ai_call, bearer, member_token, put_member, put_org

SUMMARY = "{ organization { usage { summary { calls } } } }"


@pytest.mark.parametrize(
    ("text", "number"),
    [("0/0", 0), ("0/16B3748", 0x16B3748), ("16/B374D848", (0x16 << 32) | 0xB374D848)],
)
def test_wal_positions_read_and_written_as_postgresql_does(text: str, number: int) -> None:
    assert parse_lsn(text) == number
    assert format_lsn(number) == text


@pytest.mark.parametrize("text", ["", "16", "0/", "/1", "g/1", "0/1/2", "123456789/0", "-1/0"])
def test_anything_else_is_not_a_wal_position(text: str) -> None:
    assert parse_lsn(text) is None


def test_lag_is_how_long_the_primary_has_held_what_the_replica_lacks() -> None:
    replicas = ReplicaSet(Database.from_url("sqlite+aiosqlite:///:memory:"), [], max_lag_s=5.0)
    assert replicas.lag(100, now=0.0) is None  # the primary not polled yet
    replicas.primary_at(10.0, 100)
    replicas.primary_at(11.0, 150)
    replicas.primary_at(12.0, 150)
    replicas.primary_at(13.0, 400)
    assert replicas.lag(400, now=13.5) == 0.0
    assert replicas.lag(500, now=13.5) == 0.0
    assert replicas.lag(150, now=13.5) == 0.5
    assert replicas.lag(120, now=13.5) == 2.5
    assert replicas.lag(99, now=13.5) == 3.5
    assert replicas.lag(None, now=13.5) == 3.5


def test_servers_are_named_without_credentials() -> None:
    url = "postgresql+asyncpg://reader:s3cret@replica-1.internal:6432/gateway"
    assert server_name(url) == "replica-1.internal:6432"
    assert server_name("postgresql+asyncpg://u@10.0.0.7/db") == "10.0.0.7:5432"


def test_replica_urls_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql+asyncpg://u@primary/db")
    monkeypatch.setenv(
        "GATEWAY_DATABASE_REPLICA_URLS",
        " postgresql+asyncpg://u@r1/db, postgresql+asyncpg://u@r2:5433/db ,",
    )
    settings = Settings()
    assert settings.replica_urls == [
        "postgresql+asyncpg://u@r1/db",
        "postgresql+asyncpg://u@r2:5433/db",
    ]
    assert settings.replica_max_lag_seconds == 5.0
    monkeypatch.delenv("GATEWAY_DATABASE_REPLICA_URLS")
    assert Settings().replica_urls == []


def test_replicas_need_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "sqlite+aiosqlite:///./gateway.db")
    monkeypatch.setenv("GATEWAY_DATABASE_REPLICA_URLS", "postgresql+asyncpg://u@r1/db")
    with pytest.raises(ConfigurationError, match="GATEWAY_DATABASE_REPLICA_URLS"):
        Settings()


async def test_data_version_header_without_replicas(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    response = await client.post("/v1/ingest/ai-calls", json=[ai_call("e1")], headers=SERVICE)
    assert response.status_code == 200, response.text
    version = response.headers.get("x-data-version")
    postgres = app.state.gateway.db.dialect == "postgresql"
    if postgres:
        assert version is not None and parse_lsn(version) is not None
    else:
        assert version is None  # SQLite: no replicas, no WAL position
    token = bearer(member_token("acme", "m1"))
    # A version the primary has (it has them all): answered as usual.
    demanded = {**token, "X-Data-Version": version or "0/0"}
    answer = await client.post("/graphql", json={"query": SUMMARY}, headers=demanded)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == {"organization": {"usage": {"summary": {"calls": 1}}}}
    refused = await client.post(
        "/graphql", json={"query": SUMMARY}, headers={**token, "X-Data-Version": "latest"}
    )
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "header": "X-Data-Version"}
    assert "X-Data-Version" in error["message"]
