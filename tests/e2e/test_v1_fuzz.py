"""Schemathesis fuzzes every ``/v1`` route of a real server (on PostgreSQL) from
``GET /v1/openapi.json``.

Requests are generated from the document, valid and invalid (positive and negative modes), with
the credential each operation declares: the service token for writes, a member token or an API
key for the exports. Every answer must be no server error, have a status and a content type the
document lists for the operation, and a body that validates against the schema it documents.
The examples are derandomized with a fixed seed, so a red run replays the same requests."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from gateway.storage.db import Database
from gateway.web.v1.openapi import document
from tests.conftest import _empty_pg, _run
from tests.e2e.conftest import JWT_SECRET, SERVICE_TOKEN, Server, serving
from tests.support import free_port

# Per operation (12), beside the coverage phase's boundary cases: ~1,400 requests in all, under
# a minute on a shared 2-core box.
MAX_EXAMPLES = 25
SEED = 20261127
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    # Also: what the document says is invalid is refused (4xx), and another method on a path is
    # answered 405 with an Allow header naming the documented ones.
    negative_data_rejection,
    unsupported_method,
    allow_header_conformance,
]


def _seed(server: Server) -> dict[str, str]:
    """An organization with an ACCOUNT_ADMIN member and an API key; their credentials."""
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    with httpx.Client(base_url=server.base_url, headers=service) as client:
        client.put("/v1/orgs/fuzz", json={"name": "Fuzz", "timeZone": "UTC"}).raise_for_status()
        client.put(
            "/v1/orgs/fuzz/members/m1",
            json={"name": "Ann", "email": "ann@fuzz.test", "role": "ACCOUNT_ADMIN"},
        ).raise_for_status()
        key = client.post(
            "/v1/orgs/fuzz/api-keys",
            json={"name": "fuzz", "permissions": ["credits:view", "consumption:view"]},
        )
        key.raise_for_status()
    return {
        "serviceToken": SERVICE_TOKEN,
        "memberToken": server.cli("token", "--org", "fuzz", "--member", "m1"),
        "apiKey": key.json()["key"],
    }


async def _empty(url: str) -> None:
    db = Database.from_url(url)
    try:
        await _empty_pg(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def fuzzed_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    # PostgreSQL, the production engine: stricter than SQLite (a string over its column is
    # refused there, kept by SQLite). SQLite when no PostgreSQL server is reachable.
    try:
        url = request.getfixturevalue("pg_database")
    except pytest.skip.Exception:
        path: Path = tmp_path_factory.mktemp("fuzz") / "gateway.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        _run(_empty(url))
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN,
        "GATEWAY_JWT_SECRET": JWT_SECRET,
        "GATEWAY_LOG_LEVEL": "warning",
    }
    with serving(env, free_port(), workers=1) as server:
        yield server


@pytest.fixture(scope="module")
def credentials(fuzzed_server: Server) -> dict[str, str]:
    return _seed(fuzzed_server)


# Generated from the document the server serves (test_the_fuzzed_document_is_the_served_one);
# built at collection, before any server runs, so each operation is a test of its own.
schema = schemathesis.openapi.from_dict(
    document(),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                "mode": "all",
            },
        }
    ),
)


def test_the_fuzzed_document_is_the_served_one(fuzzed_server: Server) -> None:
    served = httpx.get(f"{fuzzed_server.base_url}/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(json.dumps(document()))


@schema.parametrize()
def test_every_v1_answer_is_documented(
    case: schemathesis.Case, fuzzed_server: Server, credentials: dict[str, str]
) -> None:
    # Each credential the operation declares: the service token, or a member token and an API key.
    for requirement in case.operation.definition.raw["security"]:
        [scheme] = requirement
        headers = {"Authorization": f"Bearer {credentials[scheme]}"}
        case.call_and_validate(
            base_url=fuzzed_server.base_url, headers=headers, checks=CHECKS, timeout=30
        )


def test_unknown_routes_and_methods_answer_the_error_body(fuzzed_server: Server) -> None:
    with httpx.Client(base_url=fuzzed_server.base_url) as client:
        other = client.patch("/v1/orgs/fuzz/members/m1")
        assert other.status_code == 405
        assert other.headers["Allow"] == "DELETE, PUT"
        assert other.json()["error"]["code"] == "BAD_USER_INPUT"
        unknown = client.post("/v1/nothing/here", json={})
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "NOT_FOUND"
