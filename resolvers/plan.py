"""The organization's billing plan (the terms behind the Consumption page)."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from gateway.money import credits_from_int


@strawberry.enum(description="What happens to unused credits at the end of a billing period.")
class RolloverRule(Enum):
    NONE = "NONE"
    FULL = "FULL"
    CAPPED = "CAPPED"


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
    def from_row(cls, row: Any) -> BillingPlan:
        cap = row.rollover_cap_e4
        return cls(
            interview_credits_per_period=credits_from_int(row.credits_per_period_e4),
            rollover=RolloverRule(row.rollover),
            rollover_cap=None if cap is None else credits_from_int(cap),
            billing_anchor_day=row.billing_anchor_day,
        )
