"""The AI-usage export: the activity log of a range, one row per call, newest first.

The last two columns carry the call's eventId and the member id it was reported with (also for
removed members, whose User column reads "Unknown user"), so a partner can match rows to its own.
"""

from __future__ import annotations

from datetime import datetime

from gateway.catalog import queries as catalog_queries
from gateway.core.exports import PAGE_SIZE, CellKind, Column, DecimalTexts, Pages, keyset_pages
from gateway.core.money import CREDIT_PLACES, USD_PLACES
from gateway.core.periods import Period
from gateway.orgs import member_queries
from gateway.orgs.enums import AiBillingMode
from gateway.storage.db import Database
from gateway.usage import export_queries
from gateway.usage import queries as usage_queries
from gateway.usage.enums import UsageReason
from gateway.usage.export_queries import CallColumns
from gateway.usage.rules import UNKNOWN_USER

# When: local time in the organization's zone (with its offset in CSV; see CellKind.DATE_TIME).
COLUMNS = (
    Column("When", CellKind.DATE_TIME, width=20),
    Column("Reason", width=24),
    Column("User", width=24),
    Column("Email", width=30),
    Column("Billing mode", width=13),
    Column("Model", width=22),
    Column("Credits", CellKind.DECIMAL, places=CREDIT_PLACES, width=12),
    Column("Tokens", CellKind.WHOLE, width=10),
    Column("Estimated cost USD", CellKind.DECIMAL, places=USD_PLACES, width=19, currency="$"),
    Column("Call id", width=38),
    Column("Member id", width=38),
)
_LABELS = {reason.value: reason.label for reason in UsageReason}
_BYOK = AiBillingMode.BYOK.value


async def row_count(db: Database, *, org_id: str, period: Period) -> int:
    """One row per call of the period: counted from the rollups (whole local days)."""
    totals = await db.run(
        usage_queries.totals_by_reason, org_id=org_id, first=period.first_day, end=period.end_day
    )
    return sum(t.calls for t in totals)


async def ai_usage_pages(db: Database, *, org_id: str, period: Period) -> Pages:
    """The period's calls, newest first (the activity log's rows), a page at a time."""
    async with db.read() as conn:
        people = await member_queries.members_of_org(conn, org_id=org_id)
        catalog = await catalog_queries.all_models(conn)
    # Removed members keep their id in the last column but lose their name.
    names = {m.id: m.name for m in people if not m.removed}
    emails = {m.id: m.email for m in people if not m.removed}
    labels = {m.id: m.label for m in catalog}
    credits = DecimalTexts(CREDIT_PLACES)
    usd = DecimalTexts(USD_PLACES)
    zone = period.zone

    async def fetch(before: tuple[datetime, str]) -> CallColumns:
        return await db.run(
            export_queries.call_columns,
            org_id=org_id,
            start=period.start,
            before=before,
            limit=PAGE_SIZE,
        )

    def after(page: CallColumns) -> tuple[datetime, str] | None:
        if len(page) < PAGE_SIZE:
            return None
        return page.occurred_at[-1], page.event_id[-1]

    async for page in keyset_pages(fetch, (period.end, ""), after):
        byok = [mode == _BYOK for mode in page.billing_mode]
        yield (
            [at.astimezone(zone) for at in page.occurred_at],
            [_LABELS[reason] for reason in page.reason],
            [names.get(member, UNKNOWN_USER) for member in page.member_id],
            [emails.get(member, "") for member in page.member_id],
            page.billing_mode,
            [labels.get(m, "") if b else "" for m, b in zip(page.model_id, byok, strict=True)],
            [None if b else credits[c] for c, b in zip(page.credits_e4, byok, strict=True)],
            [t if b else None for t, b in zip(page.tokens, byok, strict=True)],
            [usd[c] if b else None for c, b in zip(page.cost_micros, byok, strict=True)],
            page.event_id,
            page.member_id,
        )
