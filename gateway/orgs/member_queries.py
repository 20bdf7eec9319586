"""Members of organizations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.orgs.queries import ORG_COLUMNS, org_beside
from gateway.orgs.records import MemberRecord, OrgRecord
from gateway.storage.db import upsert_replace
from gateway.storage.prepared import fetch_all
from gateway.storage.records import record, records
from gateway.storage.tables import members, organizations, role_permissions
from gateway.storage.versions import DataVersions, version_columns, versions_of

# Statements of every request, built once.
_MEMBER_WITH_PERMISSIONS = (
    select(members, role_permissions.c.permission, *version_columns(members.c.org_id), *ORG_COLUMNS)
    .outerjoin(role_permissions, role_permissions.c.role == members.c.role)
    .outerjoin(organizations, organizations.c.id == members.c.org_id)
    .where(members.c.org_id == bindparam("org_id"), members.c.id == bindparam("id"))
)
_MEMBERS_BY_IDS = select(members).where(
    members.c.org_id == bindparam("org_id"), members.c.id.in_(bindparam("ids", expanding=True))
)


@dataclass(frozen=True, slots=True)
class MemberCredential:
    """What one statement reads for a member's token."""

    member: MemberRecord
    permissions: frozenset[str]
    versions: DataVersions
    organization: OrgRecord | None


async def get_member_with_permissions(
    conn: AsyncConnection, *, org_id: str, member_id: str
) -> MemberCredential | None:
    """The member, the permissions of its role, the organization and its data versions, in one
    statement."""
    rows = await fetch_all(conn, _MEMBER_WITH_PERMISSIONS, {"org_id": org_id, "id": member_id})
    if not rows:
        return None
    permissions = frozenset(row.permission for row in rows if row.permission)
    first = rows[0]
    return MemberCredential(
        record(MemberRecord, first), permissions, versions_of(first), org_beside(first)
    )


async def members_by_ids(
    conn: AsyncConnection, *, org_id: str, ids: Iterable[str]
) -> list[MemberRecord]:
    result = await conn.execute(_MEMBERS_BY_IDS, {"org_id": org_id, "ids": list(ids)})
    return records(MemberRecord, result, result.keys())


async def existing_member_ids(
    conn: AsyncConnection, *, org_id: str, ids: Iterable[str]
) -> set[str]:
    """Ids among ``ids`` that name a member of the organization (removed ones included)."""
    stmt = select(members.c.id).where(members.c.org_id == org_id, members.c.id.in_(list(ids)))
    return set((await conn.execute(stmt)).scalars())


async def upsert_member(
    conn: AsyncConnection,
    *,
    org_id: str,
    member_id: str,
    name: str,
    email: str,
    role: str,
    now: datetime,
) -> None:
    await upsert_replace(
        conn,
        members,
        {
            "org_id": org_id,
            "id": member_id,
            "name": name,
            "email": email,
            "role": role,
            "removed": False,
            "removed_at": None,
            "updated_at": now,
        },
        key=["org_id", "id"],
    )


async def remove_member(
    conn: AsyncConnection, *, org_id: str, member_id: str, now: datetime
) -> bool:
    """Flag the member removed; their calls stay. False when there is no such member."""
    stmt = (
        update(members)
        .where(members.c.org_id == org_id, members.c.id == member_id)
        .values(
            removed=True,
            removed_at=now,
            updated_at=now,
        )
    )
    result = await conn.execute(stmt)
    return bool(result.rowcount)


async def members_of_org(conn: AsyncConnection, *, org_id: str) -> list[MemberRecord]:
    """Every member, removed ones included (exports resolve names from this)."""
    rows = await conn.execute(select(members).where(members.c.org_id == org_id))
    return [record(MemberRecord, row) for row in rows]
