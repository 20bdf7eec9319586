"""What the entrances call for organizations, members and API keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.core.errors import NotFound
from gateway.orgs import api_key_queries, member_queries
from gateway.orgs import queries as org_queries
from gateway.orgs.credentials import hash_api_key, new_api_key
from gateway.orgs.inputs import ApiKeyIn, MemberIn
from gateway.orgs.records import MemberRecord, OrgRecord, PlanRecord
from gateway.storage.db import Database
from gateway.storage.versions import move_versions


async def require_org(conn: AsyncConnection, org_id: str) -> OrgRecord:
    org = await org_queries.get_org(conn, org_id=org_id)
    if org is None:
        raise NotFound("organization", org_id, "orgId")
    return org


async def put_member(
    db: Database, org_id: str, member_id: str, body: MemberIn, *, now: datetime
) -> bool:
    """Create or update a member (a removed one comes back); True when it is new."""
    async with db.write() as conn:
        await require_org(conn, org_id)
        known = await member_queries.existing_member_ids(conn, org_id=org_id, ids=[member_id])
        await member_queries.upsert_member(
            conn,
            org_id=org_id,
            member_id=member_id,
            name=body.name,
            email=body.email,
            role=body.role.value,
            now=now,
        )
        await move_versions(conn, [org_id])
    return not known


async def remove_member(db: Database, org_id: str, member_id: str, *, now: datetime) -> None:
    """Flag a member removed; their calls stay, as "Unknown user"."""
    async with db.write() as conn:
        await require_org(conn, org_id)
        removed = await member_queries.remove_member(
            conn, org_id=org_id, member_id=member_id, now=now
        )
        await move_versions(conn, [org_id] if removed else [])
    if not removed:
        raise NotFound("member", member_id, "memberId")


@dataclass(frozen=True)
class CreatedApiKey:
    id: str
    name: str
    permissions: list[str]
    secret: str
    created_at: datetime


async def create_api_key(
    db: Database, org_id: str, body: ApiKeyIn, *, now: datetime
) -> CreatedApiKey:
    """A new key bound to the organization; only its hash is stored, the secret shown once."""
    key_id, secret = new_api_key()
    async with db.write() as conn:
        await require_org(conn, org_id)
        await api_key_queries.insert_api_key(
            conn,
            org_id=org_id,
            key_id=key_id,
            name=body.name,
            key_hash=hash_api_key(secret),
            permissions=body.permissions,
            now=now,
        )
    return CreatedApiKey(key_id, body.name, sorted(set(body.permissions)), secret, now)


async def revoke_api_key(db: Database, org_id: str, key_id: str, *, now: datetime) -> None:
    async with db.write() as conn:
        await require_org(conn, org_id)
        revoked = await api_key_queries.revoke_api_key(conn, org_id=org_id, key_id=key_id, now=now)
    if not revoked:
        raise NotFound("active API key", key_id, "keyId")


async def organizations(db: Database, org_ids: Sequence[str]) -> list[OrgRecord]:
    return await db.run(org_queries.orgs_by_ids, ids=org_ids)


async def organization(db: Database, org_id: str) -> OrgRecord | None:
    return await db.run(org_queries.get_org, org_id=org_id)


async def plan_in_force(db: Database, org_id: str, on: date) -> PlanRecord | None:
    return await db.run(org_queries.plan_in_force, org_id=org_id, on=on)


async def members_by_ids(db: Database, org_id: str, ids: Iterable[str]) -> list[MemberRecord]:
    return await db.run(member_queries.members_by_ids, org_id=org_id, ids=set(ids))
