"""Handlers of Settings → Usage: each card is one call to ``usage.service.UsagePage``, the
values the same as ``resolvers/usage`` gives them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from gateway.catalog.records import ModelRecord
from gateway.core.buckets import Granularity
from gateway.core.money import credits_from_int, usd_from_int
from gateway.core.periods import Period
from gateway.orgs.enums import Permission
from gateway.orgs.records import MemberRecord, OrgRecord
from gateway.usage import rules
from gateway.usage.enums import TrendBasis
from gateway.usage.records import CallRecord
from gateway.usage.service import UsagePage, UserList
from resolvers.pagination import PageInfo, check_first, page_info
from resolvers.period import period_id
from resolvers.planned.common import (
    COMMON_HANDLERS,
    attr,
    credits,
    fetch,
    global_id,
    of,
    require,
    span_of,
    usd,
)
from resolvers.planned.plan import Args, Fallback, Handler, Request
from resolvers.usage.resolvers import read_activity


@dataclass(frozen=True, slots=True)
class SummarySource:
    figures: rules.SummaryFigures
    page: UsagePage


@dataclass(frozen=True, slots=True)
class CallRow:
    call: CallRecord
    zone: ZoneInfo
    member: MemberRecord | None
    model: ModelRecord | None
    make_cursor: Callable[[], str]


@dataclass(frozen=True, slots=True)
class CallPage:
    edges: list[CallRow]
    page_info: PageInfo
    total_count: int


async def _usage(org: OrgRecord, args: Args, request: Request) -> UsagePage:
    require(request, Permission.CREDITS_VIEW)
    period = args.get("period")
    if not isinstance(period, dict):
        raise Fallback("an unplanned period argument")
    span = await span_of(request, org, period)
    context = request.context
    return UsagePage(
        context.db,
        org_id=org.id,
        mode=org.ai_mode,
        provider=org.ai_provider,
        span=span,
        clock=context.clock,
        memo=context.memo,
    )


async def _summary(page: UsagePage, _args: Args, _request: Request) -> SummarySource:
    return SummarySource(await page.summary(), page)


async def _trend(source: SummarySource, args: Args, _request: Request) -> Any:
    return await source.page.trend(args.get("basis", TrendBasis.PREVIOUS_MONTH))


async def _by_reason(page: UsagePage, _args: Args, _request: Request) -> Any:
    return await page.by_reason()


async def _by_model(page: UsagePage, _args: Args, _request: Request) -> Any:
    return await page.by_model()


async def _by_user(page: UsagePage, args: Args, request: Request) -> UserList:
    limit = check_first(args.get("first"), argument="first", default=5, maximum=500)
    users = await page.by_user(limit)
    for row in users.rows:
        if row.member is not None:
            # As the general path: the card's query already read the member.
            request.context.loaders.members.prime_record(row.member)
    return users


async def _raw_kept_since(page: UsagePage, _args: Args, _request: Request) -> Any:
    return await page.raw_kept_since()


async def _time_series(page: UsagePage, args: Args, _request: Request) -> Any:
    return await page.time_series(args.get("granularity", Granularity.DAY))


async def _activity(page: UsagePage, args: Args, request: Request) -> CallPage:
    after = args.get("after")
    context = request.context
    codec = context.cursors
    read = await read_activity(page, codec, args.get("first"), after, args.get("since"))
    result, scope, span = read.result, read.scope, page.span
    calls = result.calls
    if result.people is None:
        loaders = context.loaders
        members: Sequence[MemberRecord | None] = await loaders.members.load_many(
            [call.member_id for call in calls]
        )
        byok = [call.model_id for call in calls if call.byok]
        models = dict(zip(byok, await loaders.models.load_many(byok), strict=True))
    else:
        # As the general path: the page's own statement read its members and models.
        members = list(result.people[0])
        models = {model.id: model for model in result.people[1]}
    people = {m.id: m for m in members if m is not None and not m.removed}
    edges = [
        CallRow(
            call,
            span.zone,
            people.get(call.member_id),
            models.get(call.model_id) if call.byok else None,
            partial(_cursor, codec.encode, scope, call),
        )
        for call in calls
    ]
    ends = [edges[0].make_cursor(), edges[-1].make_cursor()] if edges else []
    info = page_info(ends, has_next=result.has_next, after=after)
    return CallPage(edges, info, result.total_count)


def _cursor(encode: Callable[..., str], scope: list[Any], call: CallRecord) -> str:
    return encode(scope=scope, position=[call.occurred_at.isoformat(), call.event_id])


def _local(row: CallRow) -> datetime:
    return row.call.occurred_at.astimezone(row.zone)


def _period_id(page: UsagePage) -> str:
    return period_id("UsagePeriod", page.org_id, page.span)


def _span(read: Callable[[Period], Any]) -> Handler:
    return of(lambda page: read(page.span))


def _byok_only(read: Callable[[CallRecord], Any]) -> Handler:
    return of(lambda row: read(row.call) if row.call.byok else None)


USAGE_HANDLERS: dict[str, dict[str, Handler]] = {
    **COMMON_HANDLERS,
    "Organization": {**COMMON_HANDLERS["Organization"], "usage": fetch(_usage)},
    "UsagePeriod": {
        "id": of(_period_id),
        "preset": _span(lambda span: span.preset),
        "start": _span(lambda span: span.start),
        "end": _span(lambda span: span.end),
        "trackingAvailable": attr("tracking_available"),
        "byokNotice": of(lambda page: page.byok_notice()),
        "summary": fetch(_summary),
        "byReason": fetch(_by_reason),
        "byUser": fetch(_by_user),
        "byModel": fetch(_by_model),
        "activity": fetch(_activity),
        "activityPage": fetch(_activity),
        "timeSeries": fetch(_time_series),
        "rawKeptSince": fetch(_raw_kept_since),
    },
    "UsageSummary": {
        "creditsCharged": credits("figures.credits_e4"),
        "estimatedCostUsd": usd("figures.cost_micros"),
        "calls": attr("figures.calls"),
        "byokCalls": attr("figures.byok_calls"),
        "featureTypeCount": attr("figures.feature_type_count"),
        "modelTierCount": attr("figures.model_tier_count"),
        "trend": fetch(_trend),
    },
    "Trend": {
        "direction": attr("direction"),
        "percent": attr("percent"),
        "label": attr("label"),
        "previousCreditsCharged": credits("previous_credits_e4"),
    },
    "ByokNotice": {
        "provider": attr("provider"),
        "message": attr("message"),
        "providerDashboardUrl": attr("provider_dashboard_url"),
    },
    "ReasonUsage": {
        "reason": attr("reason"),
        "label": attr("reason.label"),
        "creditsCharged": credits("totals.credits_e4"),
        "estimatedCostUsd": usd("totals.cost_micros"),
        "calls": attr("totals.calls"),
    },
    "UserUsageList": {"totalCount": attr("total_count"), "nodes": attr("rows")},
    "UserUsage": {
        "displayName": attr("display_name"),
        # The row's member is the record the loader was primed with.
        "member": attr("member"),
        "creditsCharged": credits("totals.credits_e4"),
        "estimatedCostUsd": usd("totals.cost_micros"),
        "calls": attr("totals.calls"),
        "share": attr("share"),
    },
    "ModelUsage": {
        "provider": attr("provider"),
        "tier": attr("tier"),
        "label": attr("label"),
        "creditsCharged": credits("totals.credits_e4"),
        "estimatedCostUsd": usd("totals.cost_micros"),
        "calls": attr("totals.calls"),
        "relativeToMax": attr("relative_to_max"),
    },
    "UsageBucket": {
        "start": attr("start"),
        "creditsCharged": credits("credits_e4"),
        "estimatedCostUsd": usd("cost_micros"),
        "calls": attr("calls"),
    },
    "UsageCallConnection": {
        "edges": attr("edges"),
        "pageInfo": attr("page_info"),
        "totalCount": attr("total_count"),
    },
    "UsageCallEdge": {
        "cursor": of(lambda row: row.make_cursor()),
        "node": of(lambda row: row),
    },
    "UsageCall": {
        "id": global_id("UsageCall", "call.org_id", "call.event_id"),
        "occurredAt": of(_local),
        "reason": attr("call.reason"),
        "reasonLabel": attr("call.reason.label"),
        "member": attr("member"),
        "billingMode": attr("call.billing_mode"),
        "creditsCharged": of(
            lambda row: None if row.call.byok else credits_from_int(row.call.credits_e4)
        ),
        "totalTokens": _byok_only(lambda call: call.tokens),
        "estimatedCostUsd": _byok_only(lambda call: usd_from_int(call.cost_micros)),
        "model": attr("model"),
    },
}
