"""Persisted queries: the Apollo APQ protocol, trusted documents, and trusted-documents-only."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import httpx
import pytest
from graphql import parse, print_ast
from starlette.applications import Starlette
from starlette.routing import Route

from gateway.config import ConfigurationError
from gateway.storage.db import Database
from gateway.web.app import create_app
from gateway.web.graphql_view import GraphQLEndpoint
from resolvers.documents import DIRECTORY, FILES, SHARED_FILES
from resolvers.documents.manifest import load_manifest
from tests.resolvers.test_limits import _redis_url
from tests.support import (
    NOW,
    MovableClock,
    bearer,
    make_settings,
    member_token,
    put_member,
    put_org,
)

QUERY = "query Name { organization { name } }"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "design" / "queries"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _persisted(query: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}}


async def _setup(client: httpx.AsyncClient, org: str = "acme") -> dict[str, str]:
    await put_org(client, org)
    await put_member(client, org, "m1")
    return bearer(member_token(org, "m1"))


def _code(response: httpx.Response) -> str | None:
    errors = response.json().get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def test_apollo_link_sequence_with_get(client: httpx.AsyncClient) -> None:
    """What @apollo/client's persisted-query link sends with useGETForHashedQueries."""
    auth = await _setup(client)
    params = {
        "operationName": "Name",
        "variables": "{}",
        "extensions": json.dumps(_persisted(QUERY)),
    }
    # 1. The hash alone, by GET: unknown yet.
    miss = await client.get("/graphql", params=params, headers=auth)
    assert miss.status_code == 200
    assert _code(miss) == "PERSISTED_QUERY_NOT_FOUND"
    assert miss.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    # 2. The retry with the query (and the hash), by POST: registered and run.
    retry = await client.post(
        "/graphql",
        json={
            "operationName": "Name",
            "variables": {},
            "query": QUERY,
            "extensions": _persisted(QUERY),
        },
        headers=auth,
    )
    assert retry.status_code == 200
    assert retry.json()["data"] == {"organization": {"name": "Org acme"}}
    # 3. The next time, the hash alone is enough.
    hit = await client.get("/graphql", params=params, headers=auth)
    assert hit.json()["data"] == {"organization": {"name": "Org acme"}}


async def test_apollo_link_sequence_with_post(client: httpx.AsyncClient) -> None:
    auth = await _setup(client)
    hashed = {"operationName": "Name", "variables": {}, "extensions": _persisted(QUERY)}
    miss = await client.post("/graphql", json=hashed, headers=auth)
    assert _code(miss) == "PERSISTED_QUERY_NOT_FOUND"
    assert miss.json().get("data") is None
    retry = await client.post("/graphql", json={**hashed, "query": QUERY}, headers=auth)
    assert retry.json()["data"] == {"organization": {"name": "Org acme"}}
    hit = await client.post("/graphql", json=hashed, headers=auth)
    assert hit.json()["data"] == {"organization": {"name": "Org acme"}}
    # In application/graphql-response+json the miss is a request error: 400, no data entry.
    other = "query Other { organization { id } }"
    strict = await client.post(
        "/graphql",
        json={"extensions": _persisted(other)},
        headers={**auth, "Accept": "application/graphql-response+json"},
    )
    assert strict.status_code == 400
    assert "data" not in strict.json()
    assert _code(strict) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_hash_that_does_not_match_the_query_is_refused(client: httpx.AsyncClient) -> None:
    auth = await _setup(client)
    wrong = await client.post(
        "/graphql",
        json={"query": QUERY, "extensions": _persisted("{ organization { id } }")},
        headers=auth,
    )
    assert _code(wrong) == "BAD_USER_INPUT"
    assert "does not match" in wrong.json()["errors"][0]["message"]
    # Nothing was registered under that hash.
    miss = await client.post(
        "/graphql", json={"extensions": _persisted("{ organization { id } }")}, headers=auth
    )
    assert _code(miss) == "PERSISTED_QUERY_NOT_FOUND"
    bad = await client.post(
        "/graphql", json={"extensions": {"persistedQuery": {"version": 2}}}, headers=auth
    )
    assert _code(bad) == "BAD_USER_INPUT"


def _texts() -> dict[str, str]:
    return {name: (DIRECTORY / name).read_text() for name in FILES}


async def test_the_frontend_documents_are_trusted_from_the_start(client: httpx.AsyncClient) -> None:
    auth = await _setup(client)
    for name, text in _texts().items():
        # By the hash of the file as it is, and of its printed form (what Apollo Client hashes).
        for form in (text, print_ast(parse(text))):
            response = await client.post(
                "/graphql", json={"extensions": _persisted(form)}, headers=auth
            )
            assert response.status_code == 200, name
            # Found and run (this member may not see consumption: that card alone is null).
            assert response.json()["data"]["organization"], name


def test_the_documents_are_the_shared_ones() -> None:
    if not SHARED.is_dir():
        pytest.skip("shared/design/queries is not checked out beside the project")
    for name in SHARED_FILES:
        assert (DIRECTORY / name).read_text() == (SHARED / name).read_text(), name


def _app(db: Database, **settings: object) -> Starlette:
    return create_app(make_settings().model_copy(update=settings), db=db, clock=MovableClock(NOW))


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_trusted_documents_only_for_member_tokens(db: Database) -> None:
    async with _client(_app(db, trusted_documents_only=True)) as client:
        auth = await _setup(client)
        usage = _texts()["usage-page.graphql"]
        # A member runs the trusted documents, by hash or in full ...
        by_hash = await client.post(
            "/graphql", json={"extensions": _persisted(usage)}, headers=auth
        )
        assert by_hash.json()["data"]["organization"]["name"] == "Org acme"
        in_full = await client.post("/graphql", json={"query": usage}, headers=auth)
        assert in_full.json()["data"]["organization"]["name"] == "Org acme"
        # ... and nothing else, not even by registering it first.
        other = await client.post("/graphql", json={"query": QUERY}, headers=auth)
        assert _code(other) == "FORBIDDEN"
        register = await client.post(
            "/graphql", json={"query": QUERY, "extensions": _persisted(QUERY)}, headers=auth
        )
        assert _code(register) == "FORBIDDEN"
        # An API key keeps full GraphQL, APQ included.
        key = await client.post(
            "/v1/orgs/acme/api-keys",
            json={"name": "k", "permissions": ["credits:view"]},
            headers={"Authorization": "Bearer test-service-token"},
        )
        api = bearer(key.json()["key"])
        anything = await client.post("/graphql", json={"query": QUERY}, headers=api)
        assert anything.json()["data"] == {"organization": {"name": "Org acme"}}
        # A document an API key registered is still not one a member may run.
        await client.post(
            "/graphql", json={"query": QUERY, "extensions": _persisted(QUERY)}, headers=api
        )
        hashed = await client.post("/graphql", json={"extensions": _persisted(QUERY)}, headers=auth)
        assert _code(hashed) == "PERSISTED_QUERY_NOT_FOUND"


async def test_persisted_queries_are_shared_through_redis(db: Database) -> None:
    url = await _redis_url()
    if url is None:
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    query = f"query Q{uuid.uuid4().hex} {{ organization {{ name }} }}"  # new to Redis
    first, second = _app(db, redis_url=url), _app(db, redis_url=url)
    async with _client(first) as one, _client(second) as two:
        auth = await _setup(one)
        registered = await one.post(
            "/graphql", json={"query": query, "extensions": _persisted(query)}, headers=auth
        )
        assert registered.json()["data"] == {"organization": {"name": "Org acme"}}
        hit = await two.post("/graphql", json={"extensions": _persisted(query)}, headers=auth)
        assert hit.json()["data"] == {"organization": {"name": "Org acme"}}


async def test_a_sha256_prefixed_hash_names_the_same_document(client: httpx.AsyncClient) -> None:
    """client-preset's ids are ``sha256:<hex>``; its clients send them as they are."""
    auth = await _setup(client)
    prefixed = {"persistedQuery": {"version": 1, "sha256Hash": "sha256:" + sha256(QUERY)}}
    miss = await client.post("/graphql", json={"extensions": prefixed}, headers=auth)
    assert _code(miss) == "PERSISTED_QUERY_NOT_FOUND"
    retry = await client.post(
        "/graphql", json={"query": QUERY, "extensions": prefixed}, headers=auth
    )
    assert retry.json()["data"] == {"organization": {"name": "Org acme"}}
    for extensions in (prefixed, _persisted(QUERY)):
        hit = await client.post("/graphql", json={"extensions": extensions}, headers=auth)
        assert hit.json()["data"] == {"organization": {"name": "Org acme"}}


def _manifest(tmp_path: Path, entries: object) -> Path:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps(entries))
    return path


async def test_a_manifests_documents_are_trusted(db: Database, tmp_path: Path) -> None:
    # Reprinted as client-preset does: another text than any file, fields in its own order.
    text = "query Mine { organization { timeZone name } }"
    path = _manifest(tmp_path, {"sha256:" + sha256(text): text})
    app = _app(db, trusted_documents_only=True, trusted_documents_file=str(path))
    (endpoint,) = [r.app for r in app.routes if isinstance(r, Route) and r.path == "/graphql"]
    assert isinstance(endpoint, GraphQLEndpoint) and endpoint.planner is not None
    # Known before any request, so planned like the frontend's own.
    assert endpoint.planner.planned(text)
    planned = endpoint.planner.counts.planned
    async with _client(app) as client:
        auth = await _setup(client)
        for sha in ("sha256:" + sha256(text), sha256(text), "SHA256:" + sha256(text).upper()):
            extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
            hit = await client.post("/graphql", json={"extensions": extensions}, headers=auth)
            assert hit.json()["data"] == {"organization": {"timeZone": "UTC", "name": "Org acme"}}
        # Answered by its plan (the repeats come from the response cache).
        assert endpoint.planner.counts.planned == planned + 1
        in_full = await client.post("/graphql", json={"query": text}, headers=auth)
        assert "errors" not in in_full.json()
        # The frontend's own documents stay trusted beside it.
        usage = _texts()["usage-page.graphql"]
        by_hash = await client.post(
            "/graphql", json={"extensions": _persisted(usage)}, headers=auth
        )
        assert by_hash.json()["data"]["organization"]["name"] == "Org acme"
        other = await client.post("/graphql", json={"query": QUERY}, headers=auth)
        assert _code(other) == "FORBIDDEN"


@pytest.mark.parametrize(
    ("entries", "says"),
    [
        ([], "must be a JSON object"),
        ({}, "must be a JSON object"),
        ({"sha256:" + "0" * 64: "{ organization { name } }"}, "is not the SHA-256"),
        ({"sha256:" + sha256("{ organization {"): "{ organization {"}, "does not parse"),
        ({"sha256:" + sha256("{ nickname }"): "{ nickname }"}, "does not validate"),
        ({"x": 1}, "is not a document"),
    ],
)
def test_a_manifest_that_does_not_fit_is_refused(
    tmp_path: Path, entries: object, says: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_manifest(_manifest(tmp_path, entries))
    assert "GATEWAY_TRUSTED_DOCUMENTS_FILE" in str(refused.value)
    assert says in str(refused.value)


def test_an_unreadable_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    for path, says in (
        (tmp_path / "none.json", "cannot be read"),
        (tmp_path / "bad.json", "not JSON"),
    ):
        with pytest.raises(ConfigurationError, match=says):
            load_manifest(path)
