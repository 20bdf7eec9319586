"""This month's AI credits of an organization, read in the caller's transaction: the figures
of the AI_CREDITS_ABOVE alert rules (the Usage page's THIS_MONTH figures)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts.records import AiMonth
from gateway.core.calendar import add_months, local_day, month_start
from gateway.orgs.records import OrgRecord
from gateway.usage import queries


async def ai_month(conn: AsyncConnection, org: OrgRecord, now: datetime) -> AiMonth:
    first = month_start(local_day(now, ZoneInfo(org.time_zone)))
    end = add_months(first, 1)
    reasons = await queries.totals_by_reason(conn, org_id=org.id, first=first, end=end)
    members = await queries.totals_by_member(conn, org_id=org.id, first=first, end=end)
    models = await queries.totals_by_model(conn, org_id=org.id, first=first, end=end)
    tiers: dict[str, int] = {}
    for totals in models:
        tier = str(totals.key[1])
        tiers[tier] = tiers.get(tier, 0) + totals.credits_e4
    return AiMonth(
        month_start=first,
        month_end=end,
        total_e4=sum(t.credits_e4 for t in reasons),
        by_member_e4={str(t.key[0]): t.credits_e4 for t in members},
        by_tier_e4=tiers,
    )
