"""Partner API keys (stored as hashes only)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.orgs.queries import ORG_COLUMNS, org_beside
from gateway.orgs.records import ApiKeyRecord, OrgRecord
from gateway.storage.records import record
from gateway.storage.tables import api_keys, organizations
from gateway.storage.versions import DataVersions, version_columns, versions_of


async def insert_api_key(
    conn: AsyncConnection,
    *,
    org_id: str,
    key_id: str,
    name: str,
    key_hash: str,
    permissions: list[str],
    now: datetime,
    created_by: str,
    expires_at: datetime | None = None,
) -> None:
    await conn.execute(
        insert(api_keys).values(
            org_id=org_id,
            id=key_id,
            name=name,
            key_hash=key_hash,
            permissions=" ".join(sorted(set(permissions))),
            created_at=now,
            created_by=created_by,
            expires_at=expires_at,
        )
    )


_RECORD_COLUMNS = [c for c in api_keys.c if c.name != "key_hash"]


async def list_api_keys(conn: AsyncConnection, *, org_id: str, limit: int) -> list[ApiKeyRecord]:
    """The organization's newest keys, revoked ones included, newest first."""
    stmt = (
        select(*_RECORD_COLUMNS)
        .where(api_keys.c.org_id == org_id)
        .order_by(api_keys.c.created_at.desc(), api_keys.c.id.desc())
        .limit(limit)
    )
    return [record(ApiKeyRecord, row) for row in await conn.execute(stmt)]


async def get_api_key(conn: AsyncConnection, *, org_id: str, key_id: str) -> ApiKeyRecord | None:
    stmt = select(*_RECORD_COLUMNS).where(api_keys.c.org_id == org_id, api_keys.c.id == key_id)
    row = (await conn.execute(stmt)).first()
    return None if row is None else record(ApiKeyRecord, row)


async def mark_used(
    conn: AsyncConnection, *, org_id: str, key_id: str, now: datetime, gap: timedelta
) -> bool:
    """Set the key's last use to ``now`` unless it was set less than ``gap`` ago (by any
    replica): at most one write per key and gap."""
    stmt = (
        update(api_keys)
        .where(
            api_keys.c.org_id == org_id,
            api_keys.c.id == key_id,
            or_(api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at <= now - gap),
        )
        .values(last_used_at=now)
    )
    return bool((await conn.execute(stmt)).rowcount)


_API_KEY = (
    select(api_keys, *version_columns(api_keys.c.org_id), *ORG_COLUMNS)
    .outerjoin(organizations, organizations.c.id == api_keys.c.org_id)
    .where(api_keys.c.key_hash == bindparam("key_hash"))
)


async def find_api_key(
    conn: AsyncConnection, *, key_hash: str
) -> tuple[ApiKeyRecord, DataVersions, OrgRecord | None] | None:
    """The key, its organization and the organization's data versions, in one statement."""
    row = (await conn.execute(_API_KEY, {"key_hash": key_hash})).first()
    if row is None:
        return None
    return record(ApiKeyRecord, row), versions_of(row), org_beside(row)


async def revoke_api_key(conn: AsyncConnection, *, org_id: str, key_id: str, now: datetime) -> bool:
    stmt = (
        update(api_keys)
        .where(
            api_keys.c.org_id == org_id,
            api_keys.c.id == key_id,
            api_keys.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return bool((await conn.execute(stmt)).rowcount)
