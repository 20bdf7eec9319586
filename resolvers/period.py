"""Period arguments shared by both pages."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from zoneinfo import ZoneInfo

import strawberry

from gateway.calendar import local_day
from gateway.periods import Period, PeriodError, resolve_period
from gateway.queries import orgs as org_queries
from resolvers.context import Info
from resolvers.errors import BadUserInput


@strawberry.enum(description="Named periods, resolved in the organization's time zone.")
class PeriodPreset(Enum):
    THIS_MONTH = "THIS_MONTH"
    LAST_MONTH = "LAST_MONTH"
    CURRENT_BILLING_PERIOD = "CURRENT_BILLING_PERIOD"
    PREVIOUS_BILLING_PERIOD = "PREVIOUS_BILLING_PERIOD"


@strawberry.enum(description="Bucket size of a time series.")
class Granularity(Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@strawberry.input(
    description=(
        "Exactly one of: a preset, or an inclusive from/to pair of dates in the "
        "organization's time zone."
    )
)
class PeriodInput:
    preset: PeriodPreset | None = strawberry.field(default=None, description="A named period.")
    from_: dt.date | None = strawberry.field(
        default=None, name="from", description="First day (inclusive)."
    )
    to: dt.date | None = strawberry.field(default=None, description="Last day (inclusive).")


async def period_for(info: Info, period: PeriodInput, *, org_id: str, time_zone: str) -> Period:
    """Turn the argument into a :class:`Period`; a bad one is BAD_USER_INPUT naming the field."""
    zone = ZoneInfo(time_zone)
    today = local_day(info.context.clock(), zone)
    anchor = 1
    if period.preset in (PeriodPreset.CURRENT_BILLING_PERIOD, PeriodPreset.PREVIOUS_BILLING_PERIOD):
        async with info.context.db.read() as conn:
            plan = await org_queries.plan_in_force(conn, org_id=org_id, on=today)
        anchor = plan.billing_anchor_day if plan is not None else 1
    try:
        return resolve_period(
            preset=period.preset.value if period.preset else None,
            first=period.from_,
            last=period.to,
            today=today,
            zone=zone,
            anchor_day=anchor,
        )
    except PeriodError as exc:
        raise BadUserInput(str(exc), field=f"period.{exc.field}") from None


@strawberry.type(description="A period in the organization's time zone.")
class PeriodFields:
    """``preset``, ``start`` and ``end`` of a page's period (both pages share them)."""

    span: strawberry.Private[Period]

    @strawberry.field(description="The preset asked for; null for a custom range.")
    def preset(self) -> PeriodPreset | None:
        return PeriodPreset(self.span.preset) if self.span.preset else None

    @strawberry.field(description="Inclusive start.")
    def start(self) -> dt.datetime:
        return self.span.start

    @strawberry.field(description="Exclusive end.")
    def end(self) -> dt.datetime:
        return self.span.end
