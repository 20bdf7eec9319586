"""Leaf types of Tenant Management → Consumption."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from resolvers.context import Info
from resolvers.node import Node, encode_global_id
from resolvers.pagination import PageInfo
from resolvers.period import PeriodInput, PeriodPreset
from resolvers.permissions import requires

if TYPE_CHECKING:
    from resolvers.consumption import OpeningUsage

CURRENT_BILLING_PERIOD = PeriodInput(preset=PeriodPreset.CURRENT_BILLING_PERIOD)


@strawberry.enum(description="Where an interview stands.")
class InterviewStatus(Enum):
    INVITED = "INVITED"
    STARTED = "STARTED"
    PARTIALLY_COMPLETED = "PARTIALLY_COMPLETED"
    COMPLETED = "COMPLETED"
    SIMULATION = "SIMULATION"


@strawberry.type(description="The period's credits: what the plan includes, carries over and buys.")
class CreditAllocation:
    included: Decimal = strawberry.field(description="Credits the plan includes.")
    rolled_over: Decimal = strawberry.field(
        description="Left over from the previous period under the plan's rollover rule."
    )
    purchased: Decimal = strawberry.field(description="Credits bought during the period.")
    total: Decimal = strawberry.field(description="included + rolledOver + purchased.")


@strawberry.type(description="Interviews of one status in the period.")
class StatusCount:
    status: InterviewStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(
        description="Interviews whose first event of this status fell in the period."
    )
    credits_used: Decimal = strawberry.field(
        description="Credits charged by events of this status."
    )


@strawberry.type(description="A job opening.")
class Opening(Node):
    opening_id: strawberry.Private[str]
    job_title: str = strawberry.field(description="Name of the position.")

    @strawberry.field(
        description="This opening's interview credits in a period.",
        extensions=[requires("consumption:view")],
    )
    async def credits(
        self, info: Info, period: PeriodInput = CURRENT_BILLING_PERIOD
    ) -> Annotated[OpeningUsage, strawberry.lazy("resolvers.consumption")] | None:
        from resolvers.consumption import opening_credits

        return await opening_credits(info, self, period)

    @classmethod
    def from_row(cls, row: Any) -> Opening:
        return cls(
            id=encode_global_id("Opening", row.org_id, row.id),
            opening_id=row.id,
            job_title=row.job_title,
        )


@strawberry.type(description="One bucket of the credit usage chart.")
class CreditBucket:
    start: date = strawberry.field(description="First local day of the bucket.")
    interviews_completed: int = strawberry.field(
        description="Interviews first completed in the bucket."
    )
    credits_used: Decimal = strawberry.field(description="Credits used in the bucket.")


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
