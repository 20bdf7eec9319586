"""Building an organization and its alert rules through the services (no mocks)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway import organizations
from gateway.alerting import evaluate_all
from gateway.alerts import service as alerts_service
from gateway.alerts.inputs import AlertRuleIn
from gateway.alerts.records import RuleRecord
from gateway.consumption import service as consumption_service
from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn, OpeningIn
from gateway.orgs import service as org_service
from gateway.orgs.inputs import MemberIn, OrganizationIn
from gateway.storage.db import Database
from gateway.usage import service as usage_service
from gateway.usage.inputs import AiCallIn

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def make_org(
    db: Database, org: str, *, included: str = "10", now: datetime = NOW, anchor: int = 1
) -> None:
    body = {
        "name": f"Org {org}",
        "timeZone": "UTC",
        "plan": {"interviewCreditsPerPeriod": included, "billingAnchorDay": anchor},
        "activeSince": "2026-10-01",
    }
    await organizations.put_organization(db, org, OrganizationIn.model_validate(body), now=now)
    await consumption_service.put_opening(
        db, org, "o1", OpeningIn.model_validate({"jobTitle": "chef"}), now=now
    )
    for member in ("m1", "m2"):
        await org_service.put_member(
            db,
            org,
            member,
            MemberIn.model_validate({"name": "M", "email": "m@example.com", "role": "ADMIN"}),
            now=now,
        )


async def add_rule(db: Database, org: str, now: datetime = NOW, **body: Any) -> RuleRecord:
    return await alerts_service.create_rule(
        db, org, AlertRuleIn.model_validate(body), now=now, evaluator=evaluate_all
    )


def interview(org: str, n: int, at: datetime, status: str = "COMPLETED") -> InterviewEventIn:
    return InterviewEventIn.model_validate(
        {
            "eventId": f"e{n}",
            "orgId": org,
            "openingId": "o1",
            "interviewId": f"i{n}",
            "candidateId": f"c{n}",
            "occurredAt": at.isoformat(),
            "status": status,
        }
    )


async def interviews(db: Database, org: str, ns: range, *, now: datetime = NOW) -> None:
    await consumption_service.ingest_interviews(db, [interview(org, n, now) for n in ns], now=now)


async def buy(db: Database, org: str, pid: str, credits: str, *, now: datetime = NOW) -> None:
    body = {"purchaseId": pid, "credits": credits, "occurredAt": now.isoformat()}
    await consumption_service.record_purchases(
        db, [(org, CreditPurchaseIn.model_validate(body))], now=now
    )


def call(
    org: str,
    n: int,
    credits: str,
    *,
    member: str = "m1",
    model: str = "claude-sonnet-4-5",
    at: datetime = NOW,
) -> AiCallIn:
    return AiCallIn.model_validate(
        {
            "eventId": f"a{n}",
            "orgId": org,
            "occurredAt": at.astimezone(UTC).isoformat(),
            "memberId": member,
            "reason": "CHAT",
            "billingMode": "CREDITS",
            "model": model,
            "creditsCharged": credits,
        }
    )


async def calls(db: Database, events: list[AiCallIn], *, now: datetime = NOW) -> None:
    await usage_service.ingest(db, events, now=now)
