"""The alert rules' AI-credit figures of several organizations at once (one statement for a
whole ingest batch): this month's credits by model tier and by member."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.tables import ai_monthly_by_member, ai_monthly_by_model

TIER, MEMBER = "t", "m"


@dataclass(frozen=True)
class MonthCredits:
    """Credits of one month (both billing modes), keyed ``(org, tier)`` and ``(org, member)``."""

    by_tier: dict[tuple[str, str], int] = field(default_factory=dict)
    by_member: dict[tuple[str, str], int] = field(default_factory=dict)


def _statement() -> Any:
    t, m = ai_monthly_by_model, ai_monthly_by_member
    month: Any = bindparam("month")
    tiers = (
        select(
            literal(TIER).label("dim"),
            t.c.org_id,
            t.c.tier.label("key"),
            func.sum(t.c.credits_e4).label("credits"),
        )
        .where(t.c.org_id.in_(bindparam("tier_orgs", expanding=True)), t.c.month == month)
        .group_by(t.c.org_id, t.c.tier)
    )
    members = (
        select(literal(MEMBER), m.c.org_id, m.c.member_id, func.sum(m.c.credits_e4))
        .where(m.c.org_id.in_(bindparam("member_orgs", expanding=True)), m.c.month == month)
        .group_by(m.c.org_id, m.c.member_id)
    )
    return union_all(tiers, members)


_MONTH_CREDITS = _statement()


async def month_credits(
    conn: AsyncConnection, *, tier_orgs: Sequence[str], member_orgs: Sequence[str], month: date
) -> MonthCredits:
    """The month starting on ``month``: by tier for ``tier_orgs``, by member for
    ``member_orgs``."""
    out = MonthCredits()
    params = {"tier_orgs": list(tier_orgs), "member_orgs": list(member_orgs), "month": month}
    for row in await conn.execute(_MONTH_CREDITS, params):
        target = out.by_tier if row.dim == TIER else out.by_member
        target[(row.org_id, row.key)] = int(row.credits)
    return out
