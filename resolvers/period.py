"""Period arguments and fields shared by both pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import strawberry

from gateway.core.calendar import local_day
from gateway.core.periods import Period, PeriodError, resolve_period
from gateway.orgs import service as org_service
from resolvers.context import Info
from resolvers.enums import PeriodPreset
from resolvers.errors import from_domain
from resolvers.node import encode_global_id


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


# Descriptions of the arguments every page shares.
PERIOD_ARG = strawberry.argument(
    description="A preset or an inclusive from/to pair of dates (at most 400 days)."
)
FIRST_ARG = strawberry.argument(description="Page size, 1-100 (default 50).")
AFTER_ARG = strawberry.argument(description="endCursor of the previous page of this list.")
GRANULARITY_ARG = strawberry.argument(description="Bucket size (default DAY).")


async def period_for(info: Info, period: PeriodInput, *, org_id: str, time_zone: str) -> Period:
    """Turn the argument into a :class:`Period`; a bad one is BAD_USER_INPUT naming the field."""
    zone = ZoneInfo(time_zone)
    today = local_day(info.context.clock(), zone)
    anchor = 1
    if period.preset is not None and period.preset.follows_billing:
        plan = await org_service.plan_in_force(info.context.db, org_id, today, info.context.memo)
        anchor = plan.billing_anchor_day if plan is not None else 1
    try:
        return resolve_period(
            preset=period.preset,
            first=period.from_,
            last=period.to,
            today=today,
            zone=zone,
            anchor_day=anchor,
        )
    except PeriodError as exc:
        raise from_domain(exc, field_prefix="period.") from None


@strawberry.type(description="A period in the organization's time zone.")
class PeriodFields:
    """``preset``, ``start`` and ``end`` of a page's period (both pages share them)."""

    span: strawberry.Private[Period]

    @strawberry.field(description="The preset asked for; null for a custom range.")
    def preset(self) -> PeriodPreset | None:
        return self.span.preset

    @strawberry.field(description="Inclusive start.")
    def start(self) -> dt.datetime:
        return self.span.start

    @strawberry.field(description="Exclusive end.")
    def end(self) -> dt.datetime:
        return self.span.end


def period_id(type_name: str, org_id: str, span: Period) -> strawberry.ID:
    """A stable id of a page's period: the same organization, preset and days give the same id
    (so normalized client caches keep the cards when a page of the activity log arrives)."""
    preset = span.preset.value if span.preset is not None else "CUSTOM"
    return encode_global_id(
        type_name, org_id, preset, span.first_day.isoformat(), span.end_day.isoformat()
    )
