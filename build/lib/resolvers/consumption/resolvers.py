"""Tenant Management → Consumption: ``Organization.consumption``, ``openings`` and the plan
example, each a call to the consumption service."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import strawberry

from gateway.consumption import ledger
from gateway.consumption.openings import OpeningPage, Position
from gateway.consumption.service import ConsumptionPage
from gateway.core.errors import DomainError
from gateway.core.money import credits_from_int
from gateway.core.periods import Period
from resolvers.consumption.types import (
    ConsumptionComparison,
    CreditAllocation,
    CreditBucket,
    CreditForecast,
    CreditPlan,
    Opening,
    OpeningConnection,
    OpeningEdge,
    OpeningUsage,
    OpeningUsageConnection,
    OpeningUsageEdge,
    StatusCount,
)
from resolvers.context import Info
from resolvers.enums import Granularity, PeriodPreset
from resolvers.errors import NotFound, from_domain
from resolvers.pagination import check_first, decode_after, page_info
from resolvers.period import (
    AFTER_ARG,
    FIRST_ARG,
    GRANULARITY_ARG,
    PeriodFields,
    PeriodInput,
    period_for,
    period_id,
)


def by_opening_position(position: list[Any]) -> Position:
    credits, title, ident = position
    return int(credits), str(title), str(ident)


def _cursors(info: Info, scope: list[Any], page: OpeningPage) -> list[str]:
    codec = info.context.cursors
    return [codec.encode(scope=scope, position=list(row.position)) for row in page.rows]


@strawberry.type(description="Interview credits of one period (Tenant Management → Consumption).")
class ConsumptionPeriod(PeriodFields):
    page: strawberry.Private[ConsumptionPage]

    @strawberry.field(
        description=(
            "Stable id of this period of this organization (derived from the organization, the "
            "preset and the days), for normalized client caches. Not refetchable by node(id:)."
        )
    )
    def id(self) -> strawberry.ID:
        return period_id("ConsumptionPeriod", self.page.org_id, self.span)

    @strawberry.field(description="Interviews completed or partially completed in the period.")
    async def total_interviews(self) -> int:
        return await self.page.total_interviews()

    @strawberry.field(description="Credits consumed in the period.")
    async def credits_used(self) -> Decimal:
        return credits_from_int(await self.page.credits_used())

    @strawberry.field(description="Balance at the end of the period, or now for the current one.")
    async def remaining_balance(self) -> Decimal:
        return credits_from_int((await self.page.ledger()).period.remaining)

    @strawberry.field(description="Credits available in the period.")
    async def allocation(self) -> CreditAllocation:
        return CreditAllocation.of((await self.page.ledger()).period)

    @strawberry.field(description="Interviews and credits by status.")
    async def by_status(self) -> list[StatusCount]:
        return [StatusCount.of(row) for row in await self.page.by_status()]

    @strawberry.field(description="Credits per opening, most first.")
    async def by_opening(
        self,
        info: Info,
        first: Annotated[int | None, FIRST_ARG] = 50,
        after: Annotated[str | None, AFTER_ARG] = None,
    ) -> OpeningUsageConnection:
        limit = check_first(first, argument="first", default=50, maximum=100)
        span = self.page.span
        scope = [
            self.page.org_id,
            "byOpening",
            span.first_day.isoformat(),
            span.end_day.isoformat(),
        ]
        position = decode_after(info.context.cursors, after, scope, by_opening_position)
        result = await self.page.by_opening(
            info.context.loaders.openings.load_many, limit=limit, after=position
        )
        edges = [
            OpeningUsageEdge(cursor=cursor, node=OpeningUsage.of(row.opening, row.figures))
            for row, cursor in zip(result.rows, _cursors(info, scope, result), strict=True)
        ]
        return OpeningUsageConnection(
            edges=edges,
            page_info=page_info([e.cursor for e in edges], has_next=result.has_next, after=after),
            total_count=result.total_count,
        )

    @strawberry.field(
        description="Credits used per day, week or month of the period, empty buckets included."
    )
    async def usage_trend(
        self, granularity: Annotated[Granularity, GRANULARITY_ARG] = Granularity.DAY
    ) -> list[CreditBucket]:
        return [CreditBucket.of(bucket) for bucket in await self.page.usage_trend(granularity)]

    @strawberry.field(description="The same span one year earlier, for year-over-year comparison.")
    async def previous_year(self) -> ConsumptionComparison:
        return ConsumptionComparison.of(await self.page.previous_year())

    @strawberry.field(
        description="Projected use to the end of the period at the last 14 days' daily rate."
    )
    async def forecast(self) -> CreditForecast:
        return CreditForecast.of(await self.page.forecast())


async def consumption_page(info: Info, span: Period) -> ConsumptionPage:
    context = info.context
    org = await context.organization()
    if org is None:
        raise NotFound("the organization of this credential no longer exists")
    return ConsumptionPage(context.db, org=org, span=span, clock=context.clock, memo=context.memo)


async def consumption_period(
    info: Info, period: PeriodInput, *, org_id: str, time_zone: str
) -> ConsumptionPeriod:
    span = await period_for(info, period, org_id=org_id, time_zone=time_zone)
    return ConsumptionPeriod(span=span, page=await consumption_page(info, span))


async def openings_connection(
    info: Info, *, time_zone: str, first: int | None, after: str | None
) -> OpeningConnection:
    limit = check_first(first, argument="first", default=50, maximum=100)
    org_id = info.context.caller.org_id
    span = await period_for(
        info,
        PeriodInput(preset=PeriodPreset.CURRENT_BILLING_PERIOD),
        org_id=org_id,
        time_zone=time_zone,
    )
    scope = [org_id, "openings", span.first_day.isoformat()]
    position = decode_after(info.context.cursors, after, scope, by_opening_position)
    result = await (await consumption_page(info, span)).openings(
        limit=limit, after=position, prime=info.context.loaders.openings.prime_record
    )
    edges = [
        OpeningEdge(cursor=cursor, node=Opening.from_record(row.opening))
        for row, cursor in zip(result.rows, _cursors(info, scope, result), strict=True)
    ]
    return OpeningConnection(
        edges=edges,
        page_info=page_info([e.cursor for e in edges], has_next=result.has_next, after=after),
        total_count=result.total_count,
    )


def credit_plan(roles: int, candidates: int, completion_rate: float, buffer: float) -> CreditPlan:
    try:
        figures = ledger.plan_interview_credits(
            roles, candidates, Decimal(str(completion_rate)), Decimal(str(buffer))
        )
    except DomainError as exc:
        raise from_domain(exc) from None
    return CreditPlan(
        expected_interviews=figures.expected_interviews,
        credits_needed=figures.credits_needed,
        credits_with_buffer=figures.credits_with_buffer,
    )
