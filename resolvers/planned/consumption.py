"""Handlers of Tenant Management → Consumption: each card is one call to
``consumption.service.ConsumptionPage``, the values the same as ``resolvers/consumption`` gives
them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from gateway.consumption.openings import OpeningRow
from gateway.consumption.service import ConsumptionPage
from gateway.core.buckets import Granularity
from gateway.core.calendar import local_day
from gateway.core.money import credits_from_int
from gateway.orgs import service as org_service
from gateway.orgs.enums import Permission
from gateway.orgs.records import OrgRecord, PlanRecord
from resolvers.consumption.resolvers import by_opening_position
from resolvers.pagination import PageInfo, check_first, decode_after, page_info
from resolvers.period import period_id
from resolvers.planned.common import (
    attr,
    credits,
    fetch,
    global_id,
    of,
    require,
    span_of,
)
from resolvers.planned.plan import Args, Fallback, Handler, Request


@dataclass(frozen=True, slots=True)
class OpeningEdge:
    cursor: str
    node: OpeningRow


@dataclass(frozen=True, slots=True)
class OpeningPage:
    edges: list[OpeningEdge]
    page_info: PageInfo
    total_count: int


async def _plan(org: OrgRecord, _args: Args, request: Request) -> PlanRecord | None:
    require(request, Permission.CONSUMPTION_VIEW)
    context = request.context
    today = local_day(context.clock(), ZoneInfo(org.time_zone))
    return await org_service.plan_in_force(context.db, org.id, today, context.memo)


async def _consumption(org: OrgRecord, args: Args, request: Request) -> ConsumptionPage:
    require(request, Permission.CONSUMPTION_VIEW)
    period = args.get("period")
    if not isinstance(period, dict):
        raise Fallback("an unplanned period argument")
    span = await span_of(request, org, period)
    context = request.context
    return ConsumptionPage(context.db, org=org, span=span, clock=context.clock, memo=context.memo)


async def _total_interviews(page: ConsumptionPage, _args: Args, _request: Request) -> int:
    return await page.total_interviews()


async def _credits_used(page: ConsumptionPage, _args: Args, _request: Request) -> Any:
    return credits_from_int(await page.credits_used())


async def _remaining(page: ConsumptionPage, _args: Args, _request: Request) -> Any:
    return credits_from_int((await page.ledger()).period.remaining)


async def _allocation(page: ConsumptionPage, _args: Args, _request: Request) -> Any:
    return (await page.ledger()).period


async def _by_status(page: ConsumptionPage, _args: Args, _request: Request) -> Any:
    return await page.by_status()


async def _by_opening(page: ConsumptionPage, args: Args, request: Request) -> OpeningPage:
    limit = check_first(args.get("first"), argument="first", default=50, maximum=100)
    after = args.get("after")
    span = page.span
    scope = [page.org_id, "byOpening", span.first_day.isoformat(), span.end_day.isoformat()]
    codec = request.context.cursors
    position = decode_after(codec, after, scope, by_opening_position)
    result = await page.by_opening(
        request.context.loaders.openings.load_many, limit=limit, after=position
    )
    edges = [
        OpeningEdge(codec.encode(scope=scope, position=list(row.position)), row)
        for row in result.rows
    ]
    info = page_info([e.cursor for e in edges], has_next=result.has_next, after=after)
    return OpeningPage(edges, info, result.total_count)


async def _usage_trend(page: ConsumptionPage, args: Args, _request: Request) -> Any:
    return await page.usage_trend(args.get("granularity", Granularity.DAY))


async def _previous_year(page: ConsumptionPage, _args: Args, _request: Request) -> Any:
    return await page.previous_year()


async def _forecast(page: ConsumptionPage, _args: Args, _request: Request) -> Any:
    return await page.forecast()


def _cap(plan: PlanRecord) -> Any:
    cap = plan.rollover_cap_e4
    return None if cap is None else credits_from_int(cap)


CONSUMPTION_HANDLERS: dict[str, dict[str, Handler]] = {
    "Organization": {"plan": fetch(_plan), "consumption": fetch(_consumption)},
    "BillingPlan": {
        "interviewCreditsPerPeriod": credits("credits_per_period_e4"),
        "rollover": attr("rollover"),
        "rolloverCap": of(_cap),
        "billingAnchorDay": attr("billing_anchor_day"),
    },
    "ConsumptionPeriod": {
        "id": of(lambda page: period_id("ConsumptionPeriod", page.org_id, page.span)),
        "preset": attr("span.preset"),
        "start": attr("span.start"),
        "end": attr("span.end"),
        "totalInterviews": fetch(_total_interviews),
        "creditsUsed": fetch(_credits_used),
        "remainingBalance": fetch(_remaining),
        "allocation": fetch(_allocation),
        "byStatus": fetch(_by_status),
        "byOpening": fetch(_by_opening),
        "usageTrend": fetch(_usage_trend),
        "previousYear": fetch(_previous_year),
        "forecast": fetch(_forecast),
    },
    "CreditAllocation": {
        "included": credits("included"),
        "rolledOver": credits("rolled_over"),
        "purchased": credits("purchased"),
        "total": credits("total"),
    },
    "StatusCount": {
        "status": attr("status"),
        "count": attr("count"),
        "creditsUsed": credits("credits_e4"),
    },
    "OpeningUsageConnection": {
        "edges": attr("edges"),
        "pageInfo": attr("page_info"),
        "totalCount": attr("total_count"),
    },
    "OpeningUsageEdge": {"cursor": attr("cursor"), "node": attr("node")},
    "OpeningUsage": {
        "opening": attr("opening"),
        "jobTitle": attr("opening.job_title"),
        "interviewsInvited": attr("figures.invited"),
        "interviewsCompleted": attr("figures.completed"),
        "creditsUsed": credits("figures.credits_e4"),
    },
    "Opening": {"id": global_id("Opening", "org_id", "id"), "jobTitle": attr("job_title")},
    "CreditBucket": {
        "start": attr("start"),
        "interviewsCompleted": attr("interviews_completed"),
        "creditsUsed": credits("credits_e4"),
    },
    "ConsumptionComparison": {
        "start": attr("start"),
        "end": attr("end"),
        "totalInterviews": attr("total_interviews"),
        "creditsUsed": credits("credits_e4"),
        "creditsChangePercent": attr("change_percent"),
    },
    "CreditForecast": {
        "projectedCreditsUsed": credits("projected_used"),
        "projectedRemainingBalance": credits("projected_remaining"),
        "runsOutOn": attr("runs_out_on"),
        "recommendedPurchase": credits("recommended_purchase"),
    },
}
