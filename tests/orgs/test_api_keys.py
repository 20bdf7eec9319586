"""API keys from GraphQL: keys:manage, never more than the creator holds, expiry and revocation
on a fixed clock, the coarse last use, another organization's ids, and /v1 alongside."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from tests.orgs.keys_support import (
    CREATE_EMBED,
    CREATE_KEY,
    LIST_EMBEDS,
    LIST_KEYS,
    REVOKE_EMBED,
    REVOKE_KEY,
    code,
    drain,
    post,
    run,
    service_key,
    setup_orgs,
)
from tests.support import NOW, SERVICE, MovableClock
from tests.web.test_response_cache import cache_of

VIEWER = "{ viewer { permissions apiKeyName } organization { name } }"
USAGE = "{ organization { usage { summary { calls } } } }"


def _variables(name: str = "BI", permissions: list[str] | None = None) -> dict[str, object]:
    return {"name": name, "permissions": permissions or ["credits:view"], "expiresAt": None}


@pytest.mark.parametrize("role", ["ADMIN", "STAFFING", "INTERVIEWER"])
async def test_members_without_keys_manage_are_forbidden(
    client: httpx.AsyncClient, role: str
) -> None:
    tokens = await setup_orgs(client)
    token = tokens[role]
    assert code(await run(client, CREATE_KEY, token, **_variables())) == "FORBIDDEN"
    assert code(await run(client, REVOKE_KEY, token, id="x")) == "FORBIDDEN"
    embed = {"documents": ["UsagePage"], "ttl": 600}
    assert code(await run(client, CREATE_EMBED, token, **embed)) == "FORBIDDEN"
    assert code(await run(client, REVOKE_EMBED, token, id="x")) == "FORBIDDEN"
    for listing, field in ((LIST_KEYS, "apiKeys"), (LIST_EMBEDS, "embedTokens")):
        body = await run(client, listing, token)
        assert code(body) == "FORBIDDEN"
        assert body["data"]["organization"] == {field: None}


async def test_account_admin_creates_lists_and_revokes(client: httpx.AsyncClient) -> None:
    tokens = await setup_orgs(client)
    admin = tokens["ACCOUNT_ADMIN"]
    expires = (NOW + timedelta(days=30)).isoformat()
    variables = {
        "name": "BI",
        "permissions": ["credits:view", "credits:view"],
        "expiresAt": expires,
    }
    made = (await run(client, CREATE_KEY, admin, **variables))["data"]["createApiKey"]
    key = made["apiKey"]
    assert made["secret"].startswith(f"ugk_{key['id']}_")
    assert key == {
        "id": key["id"],
        "name": "BI",
        "permissions": ["credits:view"],
        "createdBy": "member:account_admin",
        "createdAt": NOW.isoformat(),
        "expiresAt": expires,
        "lastUsedAt": None,
        "revokedAt": None,
    }
    # The secret is shown once: the listing has no field for it.
    listed = (await run(client, LIST_KEYS, admin))["data"]["organization"]["apiKeys"]
    assert listed == [key]
    viewer = (await run(client, VIEWER, made["secret"]))["data"]["viewer"]
    assert viewer == {"permissions": ["credits:view"], "apiKeyName": "BI"}
    revoked = (await run(client, REVOKE_KEY, admin, id=key["id"]))["data"]["revokeApiKey"]
    assert revoked == {"id": key["id"], "revokedAt": NOW.isoformat()}
    refused = await post(client, VIEWER, made["secret"])
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Revoking again: no active key of that id.
    assert code(await run(client, REVOKE_KEY, admin, id=key["id"])) == "NOT_FOUND"


async def test_api_keys_with_and_without_keys_manage(client: httpx.AsyncClient) -> None:
    await setup_orgs(client)
    manager = await service_key(client, "acme", ["keys:manage", "credits:view"])
    reader = await service_key(client, "acme", ["credits:view", "consumption:view"])
    assert code(await run(client, CREATE_KEY, reader, **_variables())) == "FORBIDDEN"
    assert code(await run(client, LIST_KEYS, reader)) == "FORBIDDEN"
    made = (await run(client, CREATE_KEY, manager, **_variables()))["data"]["createApiKey"]
    assert made["apiKey"]["createdBy"].startswith("key:")
    assert made["apiKey"]["permissions"] == ["credits:view"]


async def test_a_key_never_exceeds_its_creator(client: httpx.AsyncClient) -> None:
    await setup_orgs(client)
    manager = await service_key(client, "acme", ["keys:manage", "credits:view"])
    wanted = _variables(permissions=["credits:view", "consumption:view", "alerts:manage"])
    body = await run(client, CREATE_KEY, manager, **wanted)
    assert code(body) == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "permissions"
    assert "alerts:manage" in body["errors"][0]["message"]
    assert "consumption:view" in body["errors"][0]["message"]
    assert body["data"] is None
    # Nothing was created.
    listed = (await run(client, LIST_KEYS, manager))["data"]["organization"]["apiKeys"]
    assert len(listed) == 1  # the manager itself


async def test_bad_input_names_the_argument(client: httpx.AsyncClient) -> None:
    tokens = await setup_orgs(client)
    admin = tokens["ACCOUNT_ADMIN"]
    cases = [
        (_variables(permissions=["credits:edit"]), "permissions"),
        (_variables(name=""), "name"),
        ({**_variables(), "expiresAt": NOW.isoformat()}, "expiresAt"),
    ]
    for variables, field in cases:
        body = await run(client, CREATE_KEY, admin, **variables)
        assert code(body) == "BAD_USER_INPUT", body
        assert body["errors"][0]["extensions"]["field"] == field


async def test_expiry_on_the_gateway_clock(client: httpx.AsyncClient, clock: MovableClock) -> None:
    tokens = await setup_orgs(client)
    expires = (NOW + timedelta(hours=1)).isoformat()
    variables = {**_variables(), "expiresAt": expires}
    made = await run(client, CREATE_KEY, tokens["ACCOUNT_ADMIN"], **variables)
    secret = made["data"]["createApiKey"]["secret"]
    clock.advance(minutes=59, seconds=59)
    assert (await post(client, VIEWER, secret)).status_code == 200
    clock.advance(seconds=1)
    refused = await post(client, VIEWER, secret)
    assert refused.status_code == 401
    assert "expired" in refused.json()["errors"][0]["message"]


async def test_revoked_key_is_never_answered_from_the_response_cache(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    tokens = await setup_orgs(client)
    admin = tokens["ACCOUNT_ADMIN"]
    made = (await run(client, CREATE_KEY, admin, **_variables()))["data"]["createApiKey"]
    secret = made["secret"]
    first = await post(client, USAGE, secret)
    hits = cache_of(app).hits
    second = await post(client, USAGE, secret)
    assert first.json()["data"] == second.json()["data"]
    assert cache_of(app).hits == hits + 1  # the answer is cached for this key's callers
    await run(client, REVOKE_KEY, admin, id=made["apiKey"]["id"])
    refused = await post(client, USAGE, secret)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in refused.json()


async def test_last_use_is_coarse(
    app: Starlette, client: httpx.AsyncClient, clock: MovableClock
) -> None:
    tokens = await setup_orgs(client)
    admin = tokens["ACCOUNT_ADMIN"]
    made = (await run(client, CREATE_KEY, admin, **_variables()))["data"]["createApiKey"]
    secret = made["secret"]

    async def last_used() -> str | None:
        await drain(app)
        keys = (await run(client, LIST_KEYS, admin))["data"]["organization"]["apiKeys"]
        value: str | None = keys[0]["lastUsedAt"]
        return value

    assert await last_used() is None
    await post(client, VIEWER, secret)
    assert await last_used() == NOW.isoformat()
    # Within the minute: no write, however many uses.
    clock.advance(seconds=59)
    for _ in range(5):
        await post(client, VIEWER, secret)
    assert await last_used() == NOW.isoformat()
    clock.advance(seconds=1)
    await post(client, VIEWER, secret)
    assert await last_used() == (NOW + timedelta(minutes=1)).isoformat()


async def test_another_organizations_ids_are_not_found(client: httpx.AsyncClient) -> None:
    tokens = await setup_orgs(client)
    theirs = await run(client, CREATE_KEY, tokens["globex"], **_variables())
    their_key = theirs["data"]["createApiKey"]["apiKey"]["id"]
    embed = {"documents": ["UsagePage"], "ttl": 600}
    their_token = (await run(client, CREATE_EMBED, tokens["globex"], **embed))["data"]
    their_embed = their_token["createEmbedToken"]["embedToken"]["id"]
    admin = tokens["ACCOUNT_ADMIN"]
    assert code(await run(client, REVOKE_KEY, admin, id=their_key)) == "NOT_FOUND"
    assert code(await run(client, REVOKE_EMBED, admin, id=their_embed)) == "NOT_FOUND"
    ours = await run(client, "{ organization { apiKeys { id } embedTokens { id } } }", admin)
    assert ours["data"]["organization"] == {"apiKeys": [], "embedTokens": []}
    # Still working for globex.
    theirs_listed = await run(client, LIST_KEYS, tokens["globex"])
    assert theirs_listed["data"]["organization"]["apiKeys"][0]["revokedAt"] is None


async def test_v1_api_keys_share_the_service(client: httpx.AsyncClient) -> None:
    tokens = await setup_orgs(client)
    expires = (NOW + timedelta(days=1)).isoformat()
    created = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "ops", "permissions": ["consumption:view"], "expiresAt": expires},
        headers=SERVICE,
    )
    assert created.status_code == 201, created.text
    listed = (await run(client, LIST_KEYS, tokens["ACCOUNT_ADMIN"]))["data"]["organization"]
    assert [(k["name"], k["createdBy"], k["expiresAt"]) for k in listed["apiKeys"]] == [
        ("ops", "service", expires)
    ]
    past = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "ops", "permissions": ["consumption:view"], "expiresAt": NOW.isoformat()},
        headers=SERVICE,
    )
    assert past.status_code == 422
    assert "expiresAt" in past.text
    gone = await client.delete(f"/v1/orgs/acme/api-keys/{created.json()['id']}", headers=SERVICE)
    assert gone.status_code == 204
    wrong_org = await client.delete(
        f"/v1/orgs/globex/api-keys/{created.json()['id']}", headers=SERVICE
    )
    assert wrong_org.status_code == 404
