"""The organization's billing plan (the terms behind the Consumption page)."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from gateway.core.money import credits_from_int
from gateway.orgs.records import PlanRecord
from resolvers.enums import RolloverRule


@strawberry.type(description="The terms behind the Consumption page's allocation.")
class BillingPlan:
    interview_credits_per_period: Decimal = strawberry.field(
        description="Interview credits included in each billing period."
    )
    rollover: RolloverRule = strawberry.field(
        description="What happens to unused credits at the end of a period."
    )
    rollover_cap: Decimal | None = strawberry.field(description="Set when rollover is CAPPED.")
    billing_anchor_day: int = strawberry.field(
        description=(
            "Day of the month (1-28) on which each billing period starts, "
            "in the organization's time zone."
        )
    )

    @classmethod
    def from_record(cls, plan: PlanRecord) -> BillingPlan:
        cap = plan.rollover_cap_e4
        return cls(
            interview_credits_per_period=credits_from_int(plan.credits_per_period_e4),
            rollover=plan.rollover,
            rollover_cap=None if cap is None else credits_from_int(cap),
            billing_anchor_day=plan.billing_anchor_day,
        )
