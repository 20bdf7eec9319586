"""Helpers shared by the tests: a movable clock, service-token calls, GraphQL calls."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from gateway.config import Settings
from gateway.orgs.credentials import issue_member_token
from gateway.storage.db import Database

SERVICE = {"Authorization": "Bearer test-service-token"}
JWT_SECRET = "test-jwt-secret-0123456789abcdef0123456789"


def make_settings(database_url: str = "sqlite+aiosqlite:///:memory:") -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        jwt_secret=JWT_SECRET,
        service_token="test-service-token",
        rate_limit_points=0,
    )


class MovableClock:
    """A clock the test sets and moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def member_token(
    org_id: str, member_id: str, *, now: datetime = NOW, ttl: timedelta = timedelta(hours=1)
) -> str:
    return issue_member_token(make_settings(), org_id=org_id, member_id=member_id, now=now, ttl=ttl)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def graphql(
    client: httpx.AsyncClient,
    query: str,
    *,
    token: str,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    # Every executed document reports its cost (tested in test_limits); the callers compare data.
    extensions = body.pop("extensions", None)
    if "data" in body and body["data"] is not None:
        assert isinstance(extensions, dict), extensions
        cost = extensions["cost"]
        assert 0 <= cost["actualQueryCost"] <= cost["requestedQueryCost"], extensions
    return body


async def put_org(
    client: httpx.AsyncClient, org_id: str, *, time_zone: str = "UTC", **extra: Any
) -> httpx.Response:
    body = {"name": f"Org {org_id}", "timeZone": time_zone, **extra}
    response = await client.put(f"/v1/orgs/{org_id}", json=body, headers=SERVICE)
    assert response.status_code in (200, 201), response.text
    return response


async def put_member(
    client: httpx.AsyncClient, org_id: str, member_id: str, *, role: str = "ADMIN"
) -> None:
    response = await client.put(
        f"/v1/orgs/{org_id}/members/{member_id}",
        json={"name": f"Member {member_id}", "email": f"{member_id}@example.com", "role": role},
        headers=SERVICE,
    )
    assert response.status_code in (200, 201), response.text


def ai_call(
    event_id: str,
    *,
    org_id: str = "acme",
    member_id: str = "m1",
    occurred_at: str = "2026-11-03T09:15:00Z",
    reason: str = "CHAT",
    mode: str = "CREDITS",
    model: str = "claude-sonnet-4-5",
    credits: str | None = "1.25",
    input_tokens: int = 1200,
    output_tokens: int = 300,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventId": event_id,
        "orgId": org_id,
        "occurredAt": occurred_at,
        "memberId": member_id,
        "reason": reason,
        "billingMode": mode,
        "model": model,
        "inputTokens": input_tokens,
        "outputTokens": output_tokens,
    }
    if mode == "CREDITS" and credits is not None:
        event["creditsCharged"] = credits
    return event


SHARED_QUERIES = Path(__file__).resolve().parents[2] / "shared" / "design" / "queries"


def frontend_query(name: str) -> str:
    """The exact query the frontend sends (kept beside the repository, in shared/design)."""
    path = SHARED_QUERIES / name
    if not path.exists():
        pytest.skip(f"the frontend's queries are not beside the repository ({path} is missing)")
    return path.read_text()


def free_port() -> int:
    """A loopback port nothing listens on right now (for the servers the tests start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def real_clock_env() -> dict[str, str]:
    """This environment without libfaketime, for the third-party servers a test starts.

    ``make test-dates`` fakes the clock of the tests and of the gateway's own processes; a private
    PostgreSQL, Redis or NATS server keeps the real one (libfaketime breaks their timers).
    """
    return {
        name: value
        for name, value in os.environ.items()
        if name != "LD_PRELOAD" and not name.startswith(("FAKETIME", "DONT_FAKE"))
    }


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def count_statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements sent through ``db`` inside the block, transaction control aside."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
