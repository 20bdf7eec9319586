"""The caller's organization."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import strawberry

from gateway.calendar import local_day
from gateway.queries import orgs as org_queries
from resolvers.catalog import AiProvider
from resolvers.context import Info
from resolvers.errors import NotFound
from resolvers.node import Node, encode_global_id
from resolvers.period import PeriodInput, PeriodPreset, period_for
from resolvers.permissions import requires
from resolvers.plan import BillingPlan

if TYPE_CHECKING:
    from resolvers.consumption import ConsumptionPeriod
    from resolvers.consumption_types import OpeningConnection
    from resolvers.usage import UsagePeriod

THIS_MONTH = PeriodInput(preset=PeriodPreset.THIS_MONTH)
CURRENT_BILLING_PERIOD = PeriodInput(preset=PeriodPreset.CURRENT_BILLING_PERIOD)


@strawberry.enum(description="How the organization pays for AI calls.")
class AiBillingMode(Enum):
    CREDITS = "CREDITS"
    BYOK = "BYOK"


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

    @strawberry.field(
        description="The terms behind the Consumption page's allocation ('check your plan').",
        extensions=[requires("consumption:view")],
    )
    async def plan(self, info: Info) -> BillingPlan | None:
        caller = info.context.caller
        async with info.context.db.read() as conn:
            today = local_day(info.context.clock(), ZoneInfo(self.time_zone))
            row = await org_queries.plan_in_force(conn, org_id=caller.org_id, on=today)
        return BillingPlan.from_row(row) if row is not None else None

    @strawberry.field(
        description="Settings -> Usage. Null, with a FORBIDDEN error, without the permission.",
        extensions=[requires("credits:view")],
    )
    async def usage(
        self, info: Info, period: PeriodInput = THIS_MONTH
    ) -> Annotated[UsagePeriod, strawberry.lazy("resolvers.usage")] | None:
        from resolvers.usage import usage_period

        span = await period_for(info, period, org_id=self.org_id, time_zone=self.time_zone)
        return usage_period(
            span=span,
            org_id=self.org_id,
            mode=self.ai_billing.mode.value,
            provider=self.ai_billing.provider.value if self.ai_billing.provider else None,
            memo=info.context.memo,
        )

    @strawberry.field(
        description="Tenant Management -> Consumption. Null, with a FORBIDDEN error, without the permission.",
        extensions=[requires("consumption:view")],
    )
    async def consumption(
        self, info: Info, period: PeriodInput = CURRENT_BILLING_PERIOD
    ) -> Annotated[ConsumptionPeriod, strawberry.lazy("resolvers.consumption")] | None:
        from resolvers.consumption import consumption_period

        return await consumption_period(info, period, org_id=self.org_id, time_zone=self.time_zone)

    @strawberry.field(
        description="The organization's job openings, most interview credits of the current billing period first.",
        extensions=[requires("consumption:view")],
    )
    async def openings(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Annotated[OpeningConnection, strawberry.lazy("resolvers.consumption_types")] | None:
        from resolvers.consumption import openings_connection

        return await openings_connection(info, time_zone=self.time_zone, first=first, after=after)

    @classmethod
    def from_row(cls, row: Any) -> Organization:
        return cls(
            org_id=row.id,
            id=encode_global_id("Organization", row.id),
            name=row.name,
            time_zone=row.time_zone,
            ai_billing=AiBilling(
                mode=AiBillingMode(row.ai_mode),
                provider=AiProvider(row.ai_provider) if row.ai_provider else None,
            ),
        )


async def load_organization(info: Info, org_id: str) -> Organization | None:
    async with info.context.db.read() as conn:
        row = await org_queries.get_org(conn, org_id=org_id)
    return Organization.from_row(row) if row is not None else None


async def resolve_organization(info: Info) -> Organization:
    org = await load_organization(info, info.context.caller.org_id)
    if org is None:
        raise NotFound("the organization of this credential no longer exists")
    return org
