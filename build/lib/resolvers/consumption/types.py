"""Leaf types of Tenant Management → Consumption, built from the consumption service's figures."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from gateway.consumption import ledger
from gateway.consumption.openings import OpeningFigures
from gateway.consumption.records import OpeningRecord
from gateway.consumption.service import (
    ConsumptionPage,
    CreditBucketFigures,
    StatusFigures,
    YearComparison,
)
from gateway.core.money import credits_from_int
from gateway.orgs.enums import Permission
from resolvers.context import Info
from resolvers.enums import InterviewStatus, PeriodPreset
from resolvers.errors import NotFound
from resolvers.node import Node, encode_global_id
from resolvers.pagination import PageInfo
from resolvers.period import PERIOD_ARG, PeriodInput, period_for
from resolvers.permissions import requires

CURRENT_BILLING_PERIOD = PeriodInput(preset=PeriodPreset.CURRENT_BILLING_PERIOD)


@strawberry.type(description="The period's credits: what the plan includes, carries over and buys.")
class CreditAllocation:
    included: Decimal = strawberry.field(description="Credits the plan includes.")
    rolled_over: Decimal = strawberry.field(
        description="Left over from the previous period under the plan's rollover rule."
    )
    purchased: Decimal = strawberry.field(description="Credits bought during the period.")
    total: Decimal = strawberry.field(
        description="The whole allocation: included + rolledOver + purchased."
    )

    @classmethod
    def of(cls, period: ledger.BillingPeriod) -> CreditAllocation:
        return cls(
            included=credits_from_int(period.included),
            rolled_over=credits_from_int(period.rolled_over),
            purchased=credits_from_int(period.purchased),
            total=credits_from_int(period.total),
        )


@strawberry.type(description="Interviews of one status in the period.")
class StatusCount:
    status: InterviewStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(
        description="Interviews whose first event of this status fell in the period."
    )
    credits_used: Decimal = strawberry.field(
        description="Credits charged by events of this status."
    )

    @classmethod
    def of(cls, figures: StatusFigures) -> StatusCount:
        return cls(
            status=figures.status,
            count=figures.count,
            credits_used=credits_from_int(figures.credits_e4),
        )


@strawberry.type(description="A job opening.")
class Opening(Node):
    opening_id: strawberry.Private[str]
    job_title: str = strawberry.field(description="Name of the position.")

    @strawberry.field(
        description=(
            "This opening's interview credits in a period. Requires consumption:view "
            "(null with a FORBIDDEN error otherwise)."
        ),
        extensions=[requires(Permission.CONSUMPTION_VIEW)],
    )
    async def credits(
        self, info: Info, period: Annotated[PeriodInput, PERIOD_ARG] = CURRENT_BILLING_PERIOD
    ) -> OpeningUsage | None:
        context = info.context
        org_id = context.caller.org_id
        org = await context.organization()
        if org is None:
            raise NotFound("the organization of this credential no longer exists")
        span = await period_for(info, period, org_id=org_id, time_zone=org.time_zone)
        page = ConsumptionPage(
            context.db, org=org, span=span, clock=context.clock, memo=context.memo
        )
        figures = await page.opening_figures()
        record = await context.loaders.openings.load(self.opening_id)
        if record is None:
            return None
        return OpeningUsage.of(record, figures.get(self.opening_id))

    @classmethod
    def from_record(cls, opening: OpeningRecord) -> Opening:
        return cls(
            id=encode_global_id("Opening", opening.org_id, opening.id),
            opening_id=opening.id,
            job_title=opening.job_title,
        )


@strawberry.type(description="Interview credits of one opening in a period.")
class OpeningUsage:
    opening_record: strawberry.Private[OpeningRecord]
    job_title: str = strawberry.field(description="Name of the position.")
    interviews_invited: int = strawberry.field(
        description="Candidates invited (first invitation in the period)."
    )
    interviews_completed: int = strawberry.field(description="Interviews completed in the period.")
    credits_used: Decimal = strawberry.field(description="Credits consumed for this opening.")

    @strawberry.field(description="The opening.")
    def opening(self) -> Opening:
        return Opening.from_record(self.opening_record)

    @classmethod
    def of(cls, record: OpeningRecord, figures: OpeningFigures | None) -> OpeningUsage:
        return cls(
            opening_record=record,
            job_title=record.job_title,
            interviews_invited=figures.invited if figures else 0,
            interviews_completed=figures.completed if figures else 0,
            credits_used=credits_from_int(figures.credits_e4 if figures else 0),
        )


@strawberry.type(description="An edge of the By opening table.")
class OpeningUsageEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this row.")
    node: OpeningUsage = strawberry.field(description="The row.")


@strawberry.type(description="The By opening table, most credits first.")
class OpeningUsageConnection:
    edges: list[OpeningUsageEdge] = strawberry.field(description="The rows of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="Openings with activity in the period.")


@strawberry.type(description="One bucket of the credit usage chart.")
class CreditBucket:
    start: date = strawberry.field(description="First local day of the bucket.")
    interviews_completed: int = strawberry.field(
        description="Interviews first completed in the bucket."
    )
    credits_used: Decimal = strawberry.field(description="Credits used in the bucket.")

    @classmethod
    def of(cls, bucket: CreditBucketFigures) -> CreditBucket:
        return cls(
            start=bucket.start,
            interviews_completed=bucket.interviews_completed,
            credits_used=credits_from_int(bucket.credits_e4),
        )


@strawberry.type(description="The same span one year earlier.")
class ConsumptionComparison:
    start: datetime = strawberry.field(description="Inclusive start.")
    end: datetime = strawberry.field(description="Exclusive end.")
    total_interviews: int = strawberry.field(
        description="Interviews completed or partially completed."
    )
    credits_used: Decimal = strawberry.field(description="Credits used.")
    credits_change_percent: int | None = strawberry.field(
        description="Signed whole percent change of creditsUsed; null when the earlier span had none."
    )

    @classmethod
    def of(cls, comparison: YearComparison) -> ConsumptionComparison:
        return cls(
            start=comparison.start,
            end=comparison.end,
            total_interviews=comparison.total_interviews,
            credits_used=credits_from_int(comparison.credits_e4),
            credits_change_percent=comparison.change_percent,
        )


@strawberry.type(description="Where the period is heading at the recent daily rate.")
class CreditForecast:
    projected_credits_used: Decimal = strawberry.field(
        description="Projected credits used by the end of the period at the recent daily rate."
    )
    projected_remaining_balance: Decimal = strawberry.field(
        description="Allocation minus the projection."
    )
    runs_out_on: date | None = strawberry.field(
        description="The day the balance reaches zero at that rate; null if not within the horizon."
    )
    recommended_purchase: Decimal = strawberry.field(
        description="Credits to buy now to finish the period with the 20% buffer; 0 when none are needed."
    )

    @classmethod
    def of(cls, figures: ledger.Forecast) -> CreditForecast:
        return cls(
            projected_credits_used=credits_from_int(figures.projected_used),
            projected_remaining_balance=credits_from_int(figures.projected_remaining),
            runs_out_on=figures.runs_out_on,
            recommended_purchase=credits_from_int(figures.recommended_purchase),
        )


@strawberry.type(description="The Consumption page's planning example.")
class CreditPlan:
    expected_interviews: int = strawberry.field(
        description="Roles x candidates x completion rate, rounded up."
    )
    credits_needed: Decimal = strawberry.field(description="One credit per expected interview.")
    credits_with_buffer: Decimal = strawberry.field(
        description="Credits needed plus the safety buffer, rounded up."
    )


@strawberry.type(description="An edge of the openings list.")
class OpeningEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this opening.")
    node: Opening = strawberry.field(description="The opening.")


@strawberry.type(description="The organization's openings, most credits first.")
class OpeningConnection:
    edges: list[OpeningEdge] = strawberry.field(description="The openings of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="All openings.")
