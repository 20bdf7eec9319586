"""Shared set-up of the API key and embed token tests: two organizations with a member of each
role, and the GraphQL documents."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from tests.support import SERVICE, bearer, member_token, put_member, put_org

ROLES = ("ACCOUNT_ADMIN", "ADMIN", "STAFFING", "INTERVIEWER")
CREATE_KEY = """mutation($name: String!, $permissions: [String!]!, $expiresAt: DateTime) {
  createApiKey(name: $name, permissions: $permissions, expiresAt: $expiresAt) {
    secret apiKey { id name permissions createdBy createdAt expiresAt lastUsedAt revokedAt } } }"""
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }"
LIST_KEYS = """{ organization { apiKeys {
  id name permissions createdBy createdAt expiresAt lastUsedAt revokedAt } } }"""
CREATE_EMBED = """mutation($documents: [String!]!, $ttl: Int!) {
  createEmbedToken(documents: $documents, ttlSeconds: $ttl) {
    secret embedToken { id documents permissions createdBy createdAt expiresAt revokedAt } } }"""
REVOKE_EMBED = "mutation($id: ID!) { revokeEmbedToken(id: $id) { id revokedAt } }"
LIST_EMBEDS = "{ organization { embedTokens { id documents permissions expiresAt revokedAt } } }"


async def setup_orgs(client: httpx.AsyncClient) -> dict[str, str]:
    """acme and globex, each with one member per role; acme's members' tokens by role, and
    globex's account admin as ``globex``."""
    for org in ("acme", "globex"):
        await put_org(client, org, activeSince="2026-10-01")
        for role in ROLES:
            await put_member(client, org, role.lower(), role=role)
    tokens = {role: member_token("acme", role.lower()) for role in ROLES}
    tokens["globex"] = member_token("globex", "account_admin")
    return tokens


async def post(
    client: httpx.AsyncClient, query: str, token: str, **variables: Any
) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )


async def run(
    client: httpx.AsyncClient, query: str, token: str, **variables: Any
) -> dict[str, Any]:
    response = await post(client, query, token, **variables)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def service_key(client: httpx.AsyncClient, org: str, permissions: list[str]) -> str:
    """A key made with the service token (``/v1``)."""
    response = await client.post(
        f"/v1/orgs/{org}/api-keys",
        json={"name": "made by the service", "permissions": permissions},
        headers=SERVICE,
    )
    assert response.status_code == 201, response.text
    secret: str = response.json()["key"]
    return secret


async def drain(app: Starlette) -> None:
    """Wait for the background writes of API keys' last use."""
    await app.state.gateway.authenticator.last_used.drain()
