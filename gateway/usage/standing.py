"""This month's AI credits of organizations, read in the caller's transaction: the figures
of the AI_CREDITS_ABOVE alert rules (the Usage page's THIS_MONTH figures, from the same
monthly rollups), for a whole ingest batch at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts.records import AiMonth, RuleRecord
from gateway.core.calendar import add_months, local_day, month_start
from gateway.orgs.records import OrgRecord
from gateway.usage import figure_queries


async def ai_months(
    conn: AsyncConnection, orgs: Sequence[tuple[OrgRecord, Sequence[RuleRecord]]], now: datetime
) -> dict[str, AiMonth]:
    """Each organization's month, with the per-member sums only when one of its rules is on a
    member (the per-tier sums also give the total: every call has a model)."""
    by_month: dict[date, list[tuple[OrgRecord, Sequence[RuleRecord]]]] = defaultdict(list)
    for org, rules in orgs:
        by_month[month_start(local_day(now, ZoneInfo(org.time_zone)))].append((org, rules))
    out: dict[str, AiMonth] = {}
    for first, group in sorted(by_month.items()):
        wanted = [org.id for org, rules in group if any(r.member_id for r in rules)]
        sums = await figure_queries.month_credits(
            conn, tier_orgs=[org.id for org, _ in group], member_orgs=wanted, month=first
        )
        tiers, members = sums.by_tier, sums.by_member
        for org, _ in group:
            org_tiers = {tier: v for (o, tier), v in tiers.items() if o == org.id}
            out[org.id] = AiMonth(
                month_start=first,
                month_end=add_months(first, 1),
                total_e4=sum(org_tiers.values()),
                by_member_e4={m: v for (o, m), v in members.items() if o == org.id},
                by_tier_e4=org_tiers,
            )
    return out
