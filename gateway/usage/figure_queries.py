"""The alert rules' AI-credit figures of several organizations at once (one statement per
rollup for a whole ingest batch): this month's credits by model tier and by member."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.tables import ai_monthly_by_member, ai_monthly_by_model


async def month_credits_by_tier(
    conn: AsyncConnection, *, org_ids: Sequence[str], month: date
) -> dict[tuple[str, str], int]:
    """``(org, tier)`` -> credits of the month starting on ``month`` (both billing modes)."""
    t = ai_monthly_by_model
    stmt = (
        select(t.c.org_id, t.c.tier, func.sum(t.c.credits_e4).label("credits"))
        .where(t.c.org_id.in_(list(org_ids)), t.c.month == month)
        .group_by(t.c.org_id, t.c.tier)
    )
    return {(r.org_id, r.tier): int(r.credits) for r in await conn.execute(stmt)}


async def month_credits_by_member(
    conn: AsyncConnection, *, org_ids: Sequence[str], month: date
) -> dict[tuple[str, str], int]:
    """``(org, member)`` -> credits of the month starting on ``month`` (both billing modes)."""
    t = ai_monthly_by_member
    stmt = (
        select(t.c.org_id, t.c.member_id, func.sum(t.c.credits_e4).label("credits"))
        .where(t.c.org_id.in_(list(org_ids)), t.c.month == month)
        .group_by(t.c.org_id, t.c.member_id)
    )
    return {(r.org_id, r.member_id): int(r.credits) for r in await conn.execute(stmt)}
