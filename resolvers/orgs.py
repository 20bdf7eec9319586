"""The caller's organization: its billing set-up and the entry points of both pages."""

from __future__ import annotations

import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import strawberry

from gateway.core.calendar import local_day
from gateway.orgs import service as org_service
from gateway.orgs.enums import Permission
from gateway.orgs.records import OrgRecord
from gateway.usage.service import UsagePage
from resolvers.alerts import fields as alert_fields
from resolvers.alerts.endpoints import WebhookEndpoint
from resolvers.alerts.types import AlertConnection, AlertRule
from resolvers.audit import SINCE_DESCRIPTION, AuditEventConnection, audit_log_connection
from resolvers.bulk import LIST_DEFAULT, LIST_MAX, BulkExport, bulk_exports
from resolvers.consumption.resolvers import (
    ConsumptionPeriod,
    consumption_period,
    openings_connection,
)
from resolvers.consumption.types import OpeningConnection
from resolvers.context import Info
from resolvers.enums import AiBillingMode, AiProvider, PeriodPreset
from resolvers.errors import NotFound
from resolvers.keys import fields as key_fields
from resolvers.keys.types import ApiKey, EmbedToken
from resolvers.node import Node, encode_global_id
from resolvers.period import AFTER_ARG, FIRST_ARG, PERIOD_ARG, PeriodInput, period_for
from resolvers.permissions import requires
from resolvers.plan import BillingPlan
from resolvers.usage.resolvers import UsagePeriod

ALERTS_FIRST = strawberry.argument(description="Page size, 1-100 (default 20).")
ACTIVE_ARG = strawberry.argument(
    description="True: only the alerts still active, all on one page (after is ignored)."
)
THIS_MONTH = PeriodInput(preset=PeriodPreset.THIS_MONTH)
CURRENT_BILLING_PERIOD = PeriodInput(preset=PeriodPreset.CURRENT_BILLING_PERIOD)


@strawberry.type(description="The organization's AI billing set-up.")
class AiBilling:
    mode: AiBillingMode = strawberry.field(description="Intervy credits, or its own API key.")
    provider: AiProvider | None = strawberry.field(description="Set when mode is BYOK.")


@strawberry.type(description="An organization (tenant).")
class Organization(Node):
    org_id: strawberry.Private[str]
    name: str = strawberry.field(description="The organization's name.")
    time_zone: str = strawberry.field(
        description="IANA time zone; every period boundary and day bucket is computed in it."
    )
    ai_billing: AiBilling = strawberry.field(description="How AI calls are paid for.")
    active_since: datetime.date = strawberry.field(
        description=(
            "The day the organization started using the product (plan allocations start with "
            "the billing period that contains it); no data lies before it, so a partner's first "
            "sync can start there."
        )
    )

    @strawberry.field(
        description=(
            "The terms behind the Consumption page's allocation ('check your plan'). "
            "Requires consumption:view (null with a FORBIDDEN error otherwise)."
        ),
        extensions=[requires(Permission.CONSUMPTION_VIEW)],
    )
    async def plan(self, info: Info) -> BillingPlan | None:
        today = local_day(info.context.clock(), ZoneInfo(self.time_zone))
        context = info.context
        plan = await org_service.plan_in_force(context.db, self.org_id, today, context.memo)
        return BillingPlan.from_record(plan) if plan is not None else None

    @strawberry.field(
        description=(
            "Settings -> Usage. Requires credits:view (null with a FORBIDDEN error otherwise)."
        ),
        extensions=[requires(Permission.CREDITS_VIEW)],
    )
    async def usage(
        self, info: Info, period: Annotated[PeriodInput, PERIOD_ARG] = THIS_MONTH
    ) -> UsagePeriod | None:
        span = await period_for(info, period, org_id=self.org_id, time_zone=self.time_zone)
        context = info.context
        page = UsagePage(
            context.db,
            org_id=self.org_id,
            mode=self.ai_billing.mode,
            provider=self.ai_billing.provider,
            span=span,
            clock=context.clock,
            memo=context.memo,
        )
        return UsagePeriod(span=span, page=page)

    @strawberry.field(
        description=(
            "Tenant Management -> Consumption. Requires consumption:view "
            "(null with a FORBIDDEN error otherwise)."
        ),
        extensions=[requires(Permission.CONSUMPTION_VIEW)],
    )
    async def consumption(
        self, info: Info, period: Annotated[PeriodInput, PERIOD_ARG] = CURRENT_BILLING_PERIOD
    ) -> ConsumptionPeriod | None:
        return await consumption_period(info, period, org_id=self.org_id, time_zone=self.time_zone)

    @strawberry.field(
        description=(
            "The organization's job openings, most interview credits of the current billing "
            "period first. Requires consumption:view (null with a FORBIDDEN error otherwise)."
        ),
        extensions=[requires(Permission.CONSUMPTION_VIEW)],
    )
    async def openings(
        self,
        info: Info,
        first: Annotated[int | None, FIRST_ARG] = 50,
        after: Annotated[str | None, AFTER_ARG] = None,
    ) -> OpeningConnection | None:
        return await openings_connection(info, time_zone=self.time_zone, first=first, after=after)

    @strawberry.field(
        description="The organization's alert rules, oldest first (at most 100). Requires alerts:manage (null with a FORBIDDEN error otherwise).",
        extensions=[requires(Permission.ALERTS_MANAGE)],
    )
    async def alert_rules(self, info: Info) -> list[AlertRule] | None:
        return await alert_fields.alert_rules(info, self.org_id)

    @strawberry.field(
        description="The organization's webhook endpoints, oldest first (at most 10). Requires alerts:manage (null with a FORBIDDEN error otherwise).",
        extensions=[requires(Permission.ALERTS_MANAGE)],
    )
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint] | None:
        return await alert_fields.webhook_endpoints(info, self.org_id)

    @strawberry.field(
        description="The organization's API keys, revoked and expired ones included, newest first, at most 100. Requires keys:manage (null with a FORBIDDEN error otherwise).",
        extensions=[requires(Permission.KEYS_MANAGE)],
    )
    async def api_keys(self, info: Info) -> list[ApiKey] | None:
        return await key_fields.api_keys(info, self.org_id)

    @strawberry.field(
        description="The organization's embed tokens not yet expired (revoked ones included), newest first, at most 100. Requires keys:manage (null with a FORBIDDEN error otherwise).",
        extensions=[requires(Permission.KEYS_MANAGE)],
    )
    async def embed_tokens(self, info: Info) -> list[EmbedToken] | None:
        return await key_fields.embed_tokens(info, self.org_id)

    @strawberry.field(
        description="What the alert rules fired, newest first, and whether each still holds: only the alerts on figures the caller may see (consumption:view for interview credits, credits:view for AI credits)."
    )
    async def alerts(
        self,
        info: Info,
        first: Annotated[int | None, ALERTS_FIRST] = 20,
        after: Annotated[str | None, AFTER_ARG] = None,
        active: Annotated[bool | None, ACTIVE_ARG] = None,
    ) -> AlertConnection:
        return await alert_fields.alerts_connection(
            info, self.org_id, first=first, after=after, active=active
        )

    @strawberry.field(
        description="Every change of the organization's settings, plans, members and roles, API keys and embed tokens, credit purchases, alert rules and webhook endpoints: who, when, what, and the values before and after (secrets never). Newest first; kept at least a year. Requires audit:view (null with a FORBIDDEN error otherwise).",
        extensions=[requires(Permission.AUDIT_VIEW)],
    )
    async def audit_log(
        self,
        info: Info,
        first: Annotated[int | None, FIRST_ARG] = 50,
        after: Annotated[str | None, AFTER_ARG] = None,
        since: Annotated[
            datetime.datetime | None, strawberry.argument(description=SINCE_DESCRIPTION)
        ] = None,
    ) -> AuditEventConnection | None:
        return await audit_log_connection(info, self.org_id, first=first, after=after, since=since)

    @strawberry.field(
        description="The organization's bulk exports, newest first: only the kinds the caller may export."
    )
    async def bulk_exports(
        self,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(description=f"How many, 1-{LIST_MAX} (default {LIST_DEFAULT})."),
        ] = LIST_DEFAULT,
    ) -> list[BulkExport]:
        return await bulk_exports(info, self.org_id, first)

    @classmethod
    def from_record(cls, org: OrgRecord) -> Organization:
        return cls(
            org_id=org.id,
            id=encode_global_id("Organization", org.id),
            name=org.name,
            time_zone=org.time_zone,
            ai_billing=AiBilling(mode=org.ai_mode, provider=org.ai_provider),
            active_since=org.active_since,
        )


async def load_organization(info: Info, org_id: str) -> Organization | None:
    """The caller's own organization (any other is not the caller's to see)."""
    if org_id != info.context.caller.org_id:
        return None
    org = await info.context.organization()
    return Organization.from_record(org) if org is not None else None


async def resolve_organization(info: Info) -> Organization:
    org = await load_organization(info, info.context.caller.org_id)
    if org is None:
        raise NotFound("the organization of this credential no longer exists")
    return org
