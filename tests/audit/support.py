"""Reading the audit log in tests: through GraphQL, and straight from the table."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from gateway.storage.db import Database
from tests.support import SERVICE, graphql, member_token, put_member, put_org

AUDIT = """query($first: Int, $after: String, $since: DateTime) { organization {
  auditLog(first: $first, after: $after, since: $since) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id occurredAt actor { kind id } action targetType targetId
      before after } } } } }"""


async def audit_log(client: httpx.AsyncClient, token: str, **variables: Any) -> dict[str, Any]:
    body = await graphql(client, AUDIT, token=token, variables=variables)
    assert "errors" not in body, body
    log: dict[str, Any] = body["data"]["organization"]["auditLog"]
    return log


async def all_events(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    """Every event, newest first (at most 100)."""
    log = await audit_log(client, token, first=100)
    assert not log["pageInfo"]["hasNextPage"]
    return [edge["node"] for edge in log["edges"]]


async def stored_rows(db: Database, org_id: str) -> list[str]:
    """Every stored event of the organization, each as the text of all its columns."""
    async with db.read() as conn:
        rows = await conn.execute(
            text("SELECT * FROM audit_events WHERE org_id = :org"), {"org": org_id}
        )
        return [" ".join(str(value) for value in row) for row in rows]


async def make_org(client: httpx.AsyncClient, org_id: str) -> dict[str, str]:
    """An organization with an account admin, an admin and a staffing member; their tokens."""
    await put_org(
        client,
        org_id,
        plan={"interviewCreditsPerPeriod": "10", "billingAnchorDay": 1},
        activeSince="2026-10-01",
    )
    for member, role in (("boss", "ACCOUNT_ADMIN"), ("admin", "ADMIN"), ("staff", "STAFFING")):
        await put_member(client, org_id, member, role=role)
    return {member: member_token(org_id, member) for member in ("boss", "admin", "staff")}


async def create_key(client: httpx.AsyncClient, org_id: str, *permissions: str) -> dict[str, Any]:
    response = await client.post(
        f"/v1/orgs/{org_id}/api-keys",
        json={"name": "partner", "permissions": list(permissions)},
        headers=SERVICE,
    )
    assert response.status_code == 201, response.text
    key: dict[str, Any] = response.json()
    return key
