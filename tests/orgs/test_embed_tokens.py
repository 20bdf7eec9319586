"""Embed tokens: created by keys:manage holders for at most a day, read-only, running only their
documents (by text, by hash, or a client's rewrite), refused once revoked or expired, never on
/v1, with a bucket of their own."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import httpx
from graphql import parse, print_ast
from starlette.applications import Starlette

from gateway.storage.db import Database
from gateway.web.app import create_app
from resolvers.documents import DIRECTORY
from tests.orgs.keys_support import (
    CREATE_EMBED,
    LIST_EMBEDS,
    REVOKE_EMBED,
    code,
    run,
    service_key,
    setup_orgs,
)
from tests.support import NOW, MovableClock, bearer, make_settings

USAGE_PAGE = (DIRECTORY / "usage-page.graphql").read_text()
ACTIVITY_PAGE = (DIRECTORY / "usage-activity-page.graphql").read_text()
CONSUMPTION_PAGE = (DIRECTORY / "consumption-page.graphql").read_text()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def _embed(
    client: httpx.AsyncClient, token: str, documents: list[str], ttl: int = 3600
) -> dict[str, Any]:
    body = await run(client, CREATE_EMBED, token, documents=documents, ttl=ttl)
    assert "errors" not in body, body
    made: dict[str, Any] = body["data"]["createEmbedToken"]
    return made


async def _send(
    client: httpx.AsyncClient,
    secret: str,
    query: str | None,
    *,
    digest: str | None = None,
    **variables: Any,
) -> httpx.Response:
    payload: dict[str, Any] = {"variables": variables}
    if query is not None:
        payload["query"] = query
    if digest is not None:
        payload["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    return await client.post("/graphql", json=payload, headers=bearer(secret))


def _code(response: httpx.Response) -> str | None:
    errors = response.json().get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def test_an_embed_token_runs_only_its_documents(client: httpx.AsyncClient) -> None:
    tokens = await setup_orgs(client)
    made = await _embed(client, tokens["ACCOUNT_ADMIN"], ["UsagePage", sha256(ACTIVITY_PAGE)])
    token = made["embedToken"]
    secret = made["secret"]
    assert secret.startswith(f"uge_{token['id']}_")
    assert token["documents"] == ["UsagePage", sha256(ACTIVITY_PAGE)]
    assert token["permissions"] == ["consumption:view", "credits:view"]
    assert token["createdBy"] == "member:account_admin"
    assert token["expiresAt"] == (NOW + timedelta(hours=1)).isoformat()
    # By text, by hash alone, and as a client's printer rewrites it.
    for response in (
        await _send(client, secret, USAGE_PAGE),
        await _send(client, secret, None, digest=sha256(USAGE_PAGE)),
        await _send(client, secret, print_ast(parse(USAGE_PAGE))),
        await _send(client, secret, ACTIVITY_PAGE),
    ):
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
        assert response.json()["data"]["organization"]["usage"] is not None
    # Everything else is refused.
    refused = [
        await _send(client, secret, CONSUMPTION_PAGE),
        await _send(client, secret, None, digest=sha256(CONSUMPTION_PAGE)),
        await _send(client, secret, "{ organization { name } }"),
        await _send(client, secret, "{ viewer { permissions } }"),
        await _send(
            client, secret, 'mutation { createApiKey(name: "x", permissions: []) { secret } }'
        ),
        await _send(client, secret, CREATE_EMBED, documents=["UsagePage"], ttl=60),
    ]
    for response in refused:
        assert _code(response) == "FORBIDDEN", response.text
        assert response.json().get("data") is None
    # Not even a hash it does not know is registered for it.
    unknown = await _send(client, secret, None, digest=sha256("{ organization { name } }"))
    assert _code(unknown) in ("PERSISTED_QUERY_NOT_FOUND", "FORBIDDEN")


async def test_who_may_create_them(client: httpx.AsyncClient) -> None:
    tokens = await setup_orgs(client)
    for role in ("ADMIN", "STAFFING", "INTERVIEWER"):
        body = await run(client, CREATE_EMBED, tokens[role], documents=["UsagePage"], ttl=60)
        assert code(body) == "FORBIDDEN"
    without = await service_key(client, "acme", ["credits:view", "consumption:view"])
    body = await run(client, CREATE_EMBED, without, documents=["UsagePage"], ttl=60)
    assert code(body) == "FORBIDDEN"
    # A key with keys:manage and credits:view only passes on credits:view.
    manager = await service_key(client, "acme", ["keys:manage", "credits:view"])
    made = await _embed(client, manager, ["UsagePage"])
    assert made["embedToken"]["permissions"] == ["credits:view"]
    assert made["embedToken"]["createdBy"].startswith("key:")
    # An embed token creates nothing, lists nothing.
    secret = made["secret"]
    response = await _send(client, secret, CREATE_EMBED, documents=["UsagePage"], ttl=60)
    assert _code(response) == "FORBIDDEN"
    response = await _send(client, secret, LIST_EMBEDS)
    assert _code(response) == "FORBIDDEN"


async def test_bad_input(client: httpx.AsyncClient) -> None:
    tokens = await setup_orgs(client)
    admin = tokens["ACCOUNT_ADMIN"]
    cases = [
        ({"documents": ["UsagePage"], "ttl": 86_401}, "ttlSeconds"),
        ({"documents": ["UsagePage"], "ttl": 59}, "ttlSeconds"),
        ({"documents": [], "ttl": 600}, "documents"),
        ({"documents": ["UsagePage", "NoSuchPage"], "ttl": 600}, "documents.1"),
        ({"documents": [sha256("{ organization { name } }")], "ttl": 600}, "documents.0"),
    ]
    for variables, field in cases:
        body = await run(client, CREATE_EMBED, admin, **variables)
        assert code(body) == "BAD_USER_INPUT", body
        assert body["errors"][0]["extensions"]["field"] == field
    # 24 hours is allowed.
    made = await _embed(client, admin, ["UsagePage"], ttl=86_400)
    assert made["embedToken"]["expiresAt"] == (NOW + timedelta(days=1)).isoformat()


async def test_expiry_and_revocation_on_a_fixed_clock(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    tokens = await setup_orgs(client)
    admin = tokens["ACCOUNT_ADMIN"]
    short = await _embed(client, admin, ["UsagePage"], ttl=600)
    long = await _embed(client, admin, ["UsagePage"], ttl=3600)
    for made in (short, long):
        assert (await _send(client, made["secret"], USAGE_PAGE)).status_code == 200
    clock.advance(seconds=599)
    assert (await _send(client, short["secret"], USAGE_PAGE)).status_code == 200
    clock.advance(seconds=1)
    expired = await _send(client, short["secret"], USAGE_PAGE)
    assert expired.status_code == 401
    assert _code(expired) == "UNAUTHENTICATED"
    assert "expired" in expired.json()["errors"][0]["message"]
    # The listing leaves out expired tokens and shows revoked ones.
    revoked = await run(client, REVOKE_EMBED, admin, id=long["embedToken"]["id"])
    assert revoked["data"]["revokeEmbedToken"]["revokedAt"] == clock().isoformat()
    refused = await _send(client, long["secret"], USAGE_PAGE)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["errors"][0]["message"]
    listed = (await run(client, LIST_EMBEDS, admin))["data"]["organization"]["embedTokens"]
    assert [t["id"] for t in listed] == [long["embedToken"]["id"]]
    assert code(await run(client, REVOKE_EMBED, admin, id=long["embedToken"]["id"])) == (
        "NOT_FOUND"
    )


async def test_not_for_v1_reads(client: httpx.AsyncClient) -> None:
    tokens = await setup_orgs(client)
    made = await _embed(client, tokens["ACCOUNT_ADMIN"], ["UsagePage"])
    response = await client.get(
        "/v1/exports/ai-usage",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        headers=bearer(made["secret"]),
    )
    assert response.status_code == 403, response.text


async def test_an_embed_token_has_its_own_bucket(db: Database) -> None:
    settings = make_settings().model_copy(
        update={"rate_limit_points": 5_000, "rate_limit_restore_per_second": 0.001}
    )
    app: Starlette = create_app(settings, db=db, clock=MovableClock(NOW))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        tokens = await setup_orgs(client)
        admin = tokens["ACCOUNT_ADMIN"]
        made = await _embed(client, admin, ["UsagePage"])
        # The creator spends from its own bucket...
        spent = await client.post("/graphql", json={"query": USAGE_PAGE}, headers=bearer(admin))
        left_to_admin = int(spent.headers["RateLimit"].split(";r=")[1].split(";")[0])
        # ... and the token starts from a full one of its own.
        first = await _send(client, made["secret"], USAGE_PAGE)
        assert first.status_code == 200, first.text
        cost = first.json()["extensions"]["cost"]
        remaining = cost["throttleStatus"]["currentlyAvailable"]
        assert remaining == 5_000 - cost["actualQueryCost"]
        assert left_to_admin < remaining
