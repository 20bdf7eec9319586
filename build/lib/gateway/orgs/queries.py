"""Organizations, their plans and the permissions of roles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.orgs.records import OrgRecord, PlanRecord
from gateway.storage.db import upsert_replace
from gateway.storage.records import record
from gateway.storage.tables import organizations, plan_versions

# Built once: every request reads its organization.
_GET_ORG = select(organizations).where(organizations.c.id == bindparam("org_id"))

# The organization's columns under names of their own, for statements that read it beside
# another row (the credential's: one round trip for both).
_ORG_FIELDS = tuple(f.name for f in fields(OrgRecord))
ORG_COLUMNS = [organizations.c[name].label(f"org__{name}") for name in _ORG_FIELDS]


def org_beside(row: Any) -> OrgRecord | None:
    """The organization read through ``ORG_COLUMNS`` (an outer join: None when there is none)."""
    if row.org__id is None:
        return None
    return OrgRecord(*[getattr(row, f"org__{name}") for name in _ORG_FIELDS])


async def get_org(conn: AsyncConnection, *, org_id: str) -> OrgRecord | None:
    row = (await conn.execute(_GET_ORG, {"org_id": org_id})).first()
    return record(OrgRecord, row) if row is not None else None


async def upsert_org(
    conn: AsyncConnection,
    *,
    org_id: str,
    name: str,
    time_zone: str,
    ai_mode: str,
    ai_provider: str | None,
    active_since: date,
    now: datetime,
    created_at: datetime,
) -> None:
    await upsert_replace(
        conn,
        organizations,
        {
            "id": org_id,
            "name": name,
            "time_zone": time_zone,
            "ai_mode": ai_mode,
            "ai_provider": ai_provider,
            "active_since": active_since,
            "created_at": created_at,
            "updated_at": now,
        },
        key=["id"],
    )


async def plan_history(conn: AsyncConnection, *, org_id: str) -> list[PlanRecord]:
    stmt = (
        select(plan_versions)
        .where(plan_versions.c.org_id == org_id)
        .order_by(plan_versions.c.effective_from)
    )
    return [record(PlanRecord, row) for row in await conn.execute(stmt)]


async def put_plan_version(
    conn: AsyncConnection,
    *,
    org_id: str,
    effective_from: date,
    credits_per_period_e4: int,
    rollover: str,
    rollover_cap_e4: int | None,
    billing_anchor_day: int,
) -> None:
    await upsert_replace(
        conn,
        plan_versions,
        {
            "org_id": org_id,
            "effective_from": effective_from,
            "credits_per_period_e4": credits_per_period_e4,
            "rollover": rollover,
            "rollover_cap_e4": rollover_cap_e4,
            "billing_anchor_day": billing_anchor_day,
        },
        key=["org_id", "effective_from"],
    )


async def orgs_by_ids(conn: AsyncConnection, *, ids: Sequence[str]) -> list[OrgRecord]:
    stmt = select(organizations).where(organizations.c.id.in_(list(ids)))
    return [record(OrgRecord, row) for row in await conn.execute(stmt)]


async def delete_plans_from(conn: AsyncConnection, *, org_id: str, effective_from: date) -> None:
    """Drop plan versions not yet in force at or after ``effective_from`` (replaced by a newer)."""
    await conn.execute(
        plan_versions.delete().where(
            plan_versions.c.org_id == org_id, plan_versions.c.effective_from >= effective_from
        )
    )


async def plan_in_force(conn: AsyncConnection, *, org_id: str, on: date) -> PlanRecord | None:
    """The plan version that applies on local day ``on`` (the latest one started by then)."""
    stmt = (
        select(plan_versions)
        .where(plan_versions.c.org_id == org_id, plan_versions.c.effective_from <= on)
        .order_by(plan_versions.c.effective_from.desc())
        .limit(1)
    )
    row = (await conn.execute(stmt)).first()
    return record(PlanRecord, row) if row is not None else None
