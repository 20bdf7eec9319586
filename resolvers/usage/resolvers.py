"""Settings → Usage: ``Organization.usage`` and its cards, each a call to the usage service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import strawberry

from gateway.core.cursors import CursorCodec
from gateway.core.money import credits_from_int, usd_from_int
from gateway.orgs.enums import Permission
from gateway.usage.service import ActivityPage, UsagePage
from resolvers.context import Info
from resolvers.enums import Granularity, TrendBasis
from resolvers.pagination import check_first, decode_after, page_info
from resolvers.period import AFTER_ARG, FIRST_ARG, GRANULARITY_ARG, PeriodFields, period_id
from resolvers.usage.types import (
    ByokNotice,
    ModelUsage,
    ReasonUsage,
    Trend,
    UsageBucket,
    UsageCall,
    UsageCallConnection,
    UsageCallEdge,
    UserUsage,
    UserUsageList,
)

SINCE_ARG = strawberry.argument(
    description="Only calls at or after this instant, oldest first (incremental sync)."
)


@strawberry.type(description="The Usage page's summary tile.")
class UsageSummary:
    page: strawberry.Private[UsagePage]
    credits_charged: Decimal = strawberry.field(description="Credits charged in the period.")
    estimated_cost_usd: Decimal = strawberry.field(
        description="Estimated provider cost in USD of BYOK calls (tokens x the model's price)."
    )
    calls: int = strawberry.field(description="Calls of the period.")
    byok_calls: int = strawberry.field(description="Calls of the period made in BYOK mode.")
    feature_type_count: int = strawberry.field(description="Distinct features used.")
    model_tier_count: int = strawberry.field(description="Distinct provider and tier pairs used.")

    @strawberry.field(description="Only for the THIS_MONTH preset; null otherwise.")
    async def trend(
        self,
        basis: Annotated[
            TrendBasis,
            strawberry.argument(description="What this month is compared with."),
        ] = TrendBasis.PREVIOUS_MONTH,
    ) -> Trend | None:
        figures = await self.page.trend(basis)
        return Trend.of(figures) if figures is not None else None


def _activity_position(position: list[Any]) -> tuple[datetime, str]:
    at, event_id = position
    return datetime.fromisoformat(at), str(event_id)


@dataclass(frozen=True, slots=True)
class ActivityRead:
    """A page of the activity log and the cursor scope its positions are signed under."""

    result: ActivityPage
    scope: list[str]


async def read_activity(
    page: UsagePage,
    codec: CursorCodec,
    first: int | None,
    after: str | None,
    since: datetime | None,
) -> ActivityRead:
    """The activity log's arguments checked and its page read: the resolver and the planned
    document both start here."""
    limit = check_first(first, argument="first", default=50, maximum=100)
    span = page.span
    scope = [page.org_id, "activity", span.first_day.isoformat(), span.end_day.isoformat()]
    if since is not None:
        scope += ["since", since.isoformat()]
    position = decode_after(codec, after, scope, _activity_position)
    if since is None:
        return ActivityRead(await page.activity(limit, position), scope)
    return ActivityRead(await page.activity_since(since, limit, position), scope)


@strawberry.type(description="AI usage of one period (Settings → Usage).")
class UsagePeriod(PeriodFields):
    page: strawberry.Private[UsagePage]

    @strawberry.field(
        description=(
            "Stable id of this period of this organization (derived from the organization, the "
            "preset and the days), for normalized client caches. Not refetchable by node(id:)."
        )
    )
    def id(self) -> strawberry.ID:
        return period_id("UsagePeriod", self.page.org_id, self.span)

    @strawberry.field(
        description="False while the organization is in BYOK mode: calls go straight to the provider, so the log may be incomplete."
    )
    def tracking_available(self) -> bool:
        return self.page.tracking_available

    @strawberry.field(
        description="Set while the organization is in BYOK mode; shown above the cards, which still show what was recorded."
    )
    def byok_notice(self) -> ByokNotice | None:
        notice = self.page.byok_notice()
        return ByokNotice.of(notice) if notice is not None else None

    @strawberry.field(description="The summary tile.")
    async def summary(self) -> UsageSummary:
        figures = await self.page.summary()
        return UsageSummary(
            page=self.page,
            credits_charged=credits_from_int(figures.credits_e4),
            estimated_cost_usd=usd_from_int(figures.cost_micros),
            calls=figures.calls,
            byok_calls=figures.byok_calls,
            feature_type_count=figures.feature_type_count,
            model_tier_count=figures.model_tier_count,
        )

    @strawberry.field(description="Spend per feature: Chat, Generate field, Summarize CV.")
    async def by_reason(self) -> list[ReasonUsage]:
        return [ReasonUsage.of(row) for row in await self.page.by_reason()]

    @strawberry.field(
        description="Top contributors (1-500); totalCount is the N of 'Show all (N)'."
    )
    async def by_user(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="How many users, 1-500 (default 5).")
        ] = 5,
    ) -> UserUsageList:
        limit = check_first(first, argument="first", default=5, maximum=500)
        users = await self.page.by_user(limit)
        for row in users.rows:
            if row.member is not None:
                # The card's query already read the member: spare the loader a statement.
                info.context.loaders.members.prime_record(row.member)
        return UserUsageList(
            total_count=users.total_count, nodes=[UserUsage.of(row) for row in users.rows]
        )

    @strawberry.field(
        description="One bar per provider and tier; relativeToMax is 1.0 for the first."
    )
    async def by_model(self) -> list[ModelUsage]:
        return [ModelUsage.of(row) for row in await self.page.by_model()]

    @strawberry.field(
        description=(
            "Every call of the period, newest first, 50 a page by default. With `since`, only "
            "the calls at or after that instant, oldest first (ascending occurredAt, then id), "
            "and totalCount counts those: a partner syncs incrementally by keeping the "
            "occurredAt of the last call it stored and asking again with since = that instant "
            "(calls of that same instant come again: skip the ids already stored), or by "
            "following endCursor."
        )
    )
    async def activity(
        self,
        info: Info,
        first: Annotated[int | None, FIRST_ARG] = 50,
        after: Annotated[str | None, AFTER_ARG] = None,
        since: Annotated[datetime | None, SINCE_ARG] = None,
    ) -> UsageCallConnection:
        return await self._activity(info, first, after, since)

    @strawberry.field(
        description=(
            "The same page of the activity log as `activity`, with the same arguments, but "
            "null (with its BAD_USER_INPUT error) when they are refused, a stale or foreign "
            "`after` for one: the rest of `usage` still answers. Use it in a document that asks "
            "for other fields of `usage` beside a page of the log."
        )
    )
    async def activity_page(
        self,
        info: Info,
        first: Annotated[int | None, FIRST_ARG] = 50,
        after: Annotated[str | None, AFTER_ARG] = None,
        since: Annotated[datetime | None, SINCE_ARG] = None,
    ) -> UsageCallConnection | None:
        # Nullable where `activity` is not (and stays so: the schema only grows), so an error
        # here nulls this field alone instead of the whole period.
        return await self._activity(info, first, after, since)

    async def _activity(
        self, info: Info, first: int | None, after: str | None, since: datetime | None
    ) -> UsageCallConnection:
        codec = info.context.cursors
        read = await read_activity(self.page, codec, first, after, since)
        result, scope = read.result, read.scope
        calls = await UsageCall.build(info, result.calls, self.page.span.zone, result.people)
        edges = [
            UsageCallEdge(
                make_cursor=partial(
                    codec.encode,
                    scope=scope,
                    position=[record.occurred_at.isoformat(), record.event_id],
                ),
                node=call,
            )
            for record, call in zip(result.calls, calls, strict=True)
        ]
        ends = [edges[0].make_cursor(), edges[-1].make_cursor()] if edges else []
        return UsageCallConnection(
            edges=edges,
            page_info=page_info(ends, has_next=result.has_next, after=after),
            total_count=result.total_count,
        )

    @strawberry.field(
        description=(
            "The instant (local time) from which the calls behind `activity` are kept; null "
            "while every call is kept. Older calls were dropped by the operator's retention "
            "(GATEWAY_RAW_RETENTION_MONTHS): a period starting before it lists no call before "
            "it in `activity`, while its totalCount and every card still count them (the "
            "rollups are kept whole)."
        )
    )
    async def raw_kept_since(self) -> datetime | None:
        return await self.page.raw_kept_since()

    @strawberry.field(
        description="One bucket per day (or week, month) of the period, in the organization's time zone, empty buckets included."
    )
    async def time_series(
        self, granularity: Annotated[Granularity, GRANULARITY_ARG] = Granularity.DAY
    ) -> list[UsageBucket]:
        return [UsageBucket.of(bucket) for bucket in await self.page.time_series(granularity)]


async def load_usage_call(info: Info, event_id: str) -> UsageCall | None:
    """A call of the caller's organization, for ``node(id:)``; needs ``credits:view``."""
    caller = info.context.caller
    if not caller.can(Permission.CREDITS_VIEW):
        return None
    # Through the loader: nodes(ids:) reads all of its calls in one statement.
    call = await info.context.loaders.calls.load(event_id)
    org = await info.context.organization()
    if call is None or org is None:
        return None
    return (await UsageCall.build(info, [call], ZoneInfo(org.time_zone)))[0]
