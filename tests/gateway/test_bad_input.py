"""Malformed requests over real HTTP: a ``usage-gateway serve`` process on a socket, on SQLite
and on PostgreSQL. Each case gets its documented status and code, and the process stays healthy
(it still answers a small query afterwards: with one worker, uvicorn runs in the process started,
so a crash would refuse the connection)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gateway.storage.db import Database
from tests.conftest import _empty_pg, _run
from tests.e2e.conftest import Server, serving
from tests.gateway.bad_input_cases import GRAPHQL_CASES, Case
from tests.gateway.bad_input_v1_cases import V1_CASES
from tests.support import JWT_SECRET, SERVICE, bearer, free_port, member_token

CASES = GRAPHQL_CASES + V1_CASES
HEALTH_QUERY = "{ organization { name } viewer { role } }"


def _code(response: httpx.Response) -> tuple[str | None, str]:
    try:
        body: Any = response.json()
    except ValueError:
        return None, response.text
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code"), str(body["error"])
    if isinstance(body, dict) and body.get("errors"):
        return (body["errors"][0].get("extensions") or {}).get("code"), str(body["errors"])
    return None, str(body)


def _seed(client: httpx.Client) -> None:
    for path, body in (
        ("/v1/orgs/acme", {"name": "Org acme", "timeZone": "UTC"}),
        (
            "/v1/orgs/acme/members/m1",
            {"name": "Ann", "email": "ann@acme.test", "role": "ACCOUNT_ADMIN"},
        ),
        ("/v1/orgs/acme/openings/o1", {"jobTitle": "Chef"}),
    ):
        response = client.put(path, json=body, headers=SERVICE)
        assert response.status_code in (200, 201), response.text


async def _empty(url: str) -> None:
    db = Database.from_url(url)
    try:
        await _empty_pg(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('bad-input') / 'gateway.db'}"
    else:
        url = request.getfixturevalue("pg_database")
        # The session's database: other modules' tests leave rows behind.
        _run(_empty(url))
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_SERVICE_TOKEN": SERVICE["Authorization"].removeprefix("Bearer "),
        "GATEWAY_JWT_SECRET": JWT_SECRET,
        # As in the in-process tests: no case is about the budget.
        "GATEWAY_RATE_LIMIT_POINTS": "0",
        "GATEWAY_LOG_LEVEL": "error",
    }
    with serving(env, free_port(), workers=1) as started:
        with httpx.Client(base_url=started.base_url, timeout=30) as client:
            _seed(client)
        yield started


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    # The server runs on the real clock.
    return member_token("acme", "m1", now=datetime.now(UTC))


def test_the_table_is_large_and_names_are_unique() -> None:
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_malformed_request_is_answered_as_documented(
    client: httpx.Client, token: str, case: Case
) -> None:
    headers = dict(case.headers)
    if case.auth == "member":
        headers.update(bearer(token))
    elif case.auth == "service":
        headers.update(SERVICE)
    response = client.request(case.method, case.path, headers=headers, **case.kwargs)
    code, message = _code(response)
    assert (response.status_code, code) == (case.status, case.code), message[:500]
    if case.mentions is not None:
        assert case.mentions in message, message[:500]
    # Whatever came before, the process still answers a good query.
    health = client.post("/graphql", json={"query": HEALTH_QUERY}, headers=bearer(token))
    assert health.status_code == 200, health.text
    assert health.json()["data"] == {
        "organization": {"name": "Org acme"},
        "viewer": {"role": "ACCOUNT_ADMIN"},
    }
