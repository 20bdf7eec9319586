"""Loading the demo dataset through the same services as the ``/v1`` routes.

Every write is idempotent, so loading the same dataset twice changes nothing; the rollups are
exactly what production ingest builds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from gateway import organizations
from gateway.config import Settings
from gateway.consumption import service as consumption_service
from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn, OpeningIn
from gateway.core.money import credits_from_int
from gateway.demo.dataset import build_dataset
from gateway.demo.records import DemoDataset, DemoSummary
from gateway.demo.specs import (
    ADMIN_MEMBER_ID,
    ADMIN_ORG_ID,
    BATCH_SIZE,
    DEMO_ORG_IDS,
    ORGS,
    TOKEN_TTL,
)
from gateway.orgs import service as org_service
from gateway.orgs.credentials import issue_member_token
from gateway.orgs.inputs import AiBillingIn, MemberIn, OrganizationIn
from gateway.storage.db import Database
from gateway.usage import service as usage_service
from gateway.usage.inputs import AiCallIn

T = TypeVar("T")


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _already_loaded(db: Database) -> bool:
    """True when every demo organization exists and the load's last step was committed."""
    found = await org_service.organizations(db, DEMO_ORG_IDS)
    if len(found) < len(DEMO_ORG_IDS):
        return False
    # Purchases are written in the final transaction of a load.
    last = ORGS[-1].id
    return await consumption_service.has_purchase(db, last, f"{last}-purchase-01")


async def _store_reference_data(db: Database, data: DemoDataset) -> None:
    for org in data.orgs:
        spec = org.spec
        body = OrganizationIn.model_validate(
            {
                "name": spec.name,
                "timeZone": spec.time_zone,
                "aiBilling": AiBillingIn.model_validate(
                    {"mode": spec.ai_mode, "provider": spec.ai_provider}
                ),
                "activeSince": org.active_since,
            }
        )
        await organizations.put_organization(
            db, spec.id, body, now=data.now, created_at=org.created_at
        )
        # The plan history is the demo's own: recorded as it stands, not as changes made today.
        await organizations.replace_plan_history(db, spec.id, org.plan_records(), now=data.now)
    for member in data.members:
        await org_service.put_member(
            db,
            member.org_id,
            member.id,
            MemberIn.model_validate(
                {"name": member.name, "email": member.email, "role": member.role}
            ),
            now=member.joined_at,
        )
    for opening in data.openings:
        await consumption_service.put_opening(
            db,
            opening.org_id,
            opening.id,
            OpeningIn.model_validate({"jobTitle": opening.job_title}),
            now=opening.opened_at,
        )


async def _store_events(db: Database, data: DemoDataset) -> tuple[int, int]:
    """Ingest the calls and the interview events in batches; ``(new calls, new events)``."""
    calls = events = 0
    for batch in _batches(data.ai_calls, BATCH_SIZE):
        call_bodies = [AiCallIn.model_validate(call) for call in batch]
        calls += (await usage_service.ingest(db, call_bodies, now=data.now)).accepted
    for batch in _batches(data.interview_events, BATCH_SIZE):
        event_bodies = [InterviewEventIn.model_validate(event) for event in batch]
        events += (
            await consumption_service.ingest_interviews(db, event_bodies, now=data.now)
        ).accepted
    return calls, events


def _purchase(row: dict[str, Any]) -> tuple[str, CreditPurchaseIn]:
    body = CreditPurchaseIn.model_validate(
        {
            "purchaseId": row["purchase_id"],
            "credits": credits_from_int(row["credits_e4"]),
            "occurredAt": row["occurred_at"],
        }
    )
    return row["org_id"], body


async def _store_final_step(db: Database, data: DemoDataset) -> int:
    """Leavers, then the credit purchases in the one transaction that marks a complete load."""
    for member in data.members:
        if member.removed_at is not None:
            await org_service.remove_member(db, member.org_id, member.id, now=member.removed_at)
    stored = await consumption_service.record_purchases(
        db, [_purchase(row) for row in data.purchases], now=data.now
    )
    return sum(stored)


async def load_demo(
    db: Database,
    *,
    settings: Settings,
    only_if_empty: bool,
    now: datetime | None = None,
    scale: float = 1.0,
) -> DemoSummary:
    """Fill the database with the demo dataset; the summary says how to explore it.

    ``only_if_empty``: leave a database that already holds the demo data as it is. Otherwise
    the dataset is stored again; every write is idempotent, so with the same ``now`` nothing
    changes. ``scale`` multiplies the volume of AI calls and interviews (tests use a fraction).
    """
    now = (now or settings.clock()).astimezone(UTC)
    host = "localhost" if settings.host in ("0.0.0.0", "::", "") else settings.host
    base = f"http://{host}:{settings.port}"
    token = issue_member_token(
        settings, org_id=ADMIN_ORG_ID, member_id=ADMIN_MEMBER_ID, now=now, ttl=TOKEN_TTL
    )
    summary = DemoSummary(
        org_ids=DEMO_ORG_IDS,
        members=0,
        ai_calls=0,
        interview_events=0,
        credit_purchases=0,
        admin_org_id=ADMIN_ORG_ID,
        admin_member_id=ADMIN_MEMBER_ID,
        token=token,
        graphiql_url=f"{base}/graphql",
        dashboard_url=f"{base}/dashboard",
        already_loaded=True,
    )
    if not (only_if_empty and await _already_loaded(db)):
        data = build_dataset(now, scale=scale)
        await _store_reference_data(db, data)
        calls, events = await _store_events(db, data)
        purchases = await _store_final_step(db, data)
        summary = replace(
            summary,
            members=len(data.members),
            ai_calls=calls,
            interview_events=events,
            credit_purchases=purchases,
            already_loaded=False,
            openings=len(data.openings),
            removed_members=sum(1 for m in data.members if m.removed_at is not None),
            skipped_events=len(data.ai_calls) - calls + len(data.interview_events) - events,
        )
    admins = await org_service.members_by_ids(db, ADMIN_ORG_ID, [ADMIN_MEMBER_ID])
    if admins:
        summary = replace(summary, admin_name=admins[0].name)
    return summary
