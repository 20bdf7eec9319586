"""The AI-usage export: the activity log of a range, one row per call, newest first.

The last two columns carry the call's eventId and the member id it was reported with (also for
removed members, whose User column reads "Unknown user"), so a partner can match rows to its own.
"""

from __future__ import annotations

from datetime import datetime

from gateway.catalog import queries as catalog_queries
from gateway.core.exports import PAGE_SIZE, Rows
from gateway.core.money import credits_from_int, usd_from_int
from gateway.core.periods import Period
from gateway.orgs import member_queries
from gateway.storage.db import Database
from gateway.usage import queries as usage_queries
from gateway.usage.rules import UNKNOWN_USER

COLUMNS = (
    "When",
    "Reason",
    "User",
    "Email",
    "Billing mode",
    "Model",
    "Credits",
    "Tokens",
    "Estimated cost USD",
    "Call id",
    "Member id",
)


async def row_count(db: Database, *, org_id: str, period: Period) -> int:
    """One row per call of the period: counted from the rollups (whole local days)."""
    totals = await db.run(
        usage_queries.totals_by_reason, org_id=org_id, first=period.first_day, end=period.end_day
    )
    return sum(t.calls for t in totals)


async def ai_usage_rows(db: Database, *, org_id: str, period: Period) -> Rows:
    """The period's calls, newest first, one export row each (the activity log's rows)."""
    async with db.read() as conn:
        people = {m.id: m for m in await member_queries.members_of_org(conn, org_id=org_id)}
        models = {m.id: m for m in await catalog_queries.all_models(conn)}
    before: tuple[datetime, str] | None = None
    while True:
        page = await db.run(
            usage_queries.activity_page,
            org_id=org_id,
            start=period.start,
            end=period.end,
            before=before,
            limit=PAGE_SIZE,
        )
        for call in page:
            member = people.get(call.member_id)
            if member is not None and member.removed:
                member = None
            model = models.get(call.model_id) if call.byok else None
            yield [
                call.occurred_at.astimezone(period.zone).isoformat(),
                call.reason.label,
                member.name if member else UNKNOWN_USER,
                member.email if member else "",
                call.billing_mode.value,
                model.label if model else "",
                None if call.byok else credits_from_int(call.credits_e4),
                call.tokens if call.byok else None,
                usd_from_int(call.cost_micros) if call.byok else None,
                call.event_id,
                call.member_id,
            ]
        if len(page) < PAGE_SIZE:
            return
        before = (page[-1].occurred_at, page[-1].event_id)
