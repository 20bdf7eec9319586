"""Settings → Usage: ``Organization.usage`` and its cards."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import strawberry

from gateway.calendar import add_months, local_midnight
from gateway.catalog import PROVIDER_NAMES
from gateway.cursors import CursorError
from gateway.money import credits_from_int, usd_from_int
from gateway.periods import Period
from gateway.queries import orgs as org_queries
from gateway.queries import usage as usage_queries
from gateway.queries.usage import Totals
from gateway.usage import buckets, ordered, relative, trend, user_rows
from resolvers.catalog import AiProvider
from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.memo import RequestMemo, read_once
from resolvers.pagination import check_first, page_info
from resolvers.period import Granularity, PeriodFields
from resolvers.usage_types import (
    ByokNotice,
    ModelUsage,
    ReasonUsage,
    Trend,
    TrendBasis,
    TrendDirection,
    UsageBucket,
    UsageCall,
    UsageCallConnection,
    UsageCallEdge,
    UserUsage,
    UserUsageList,
)

DASHBOARDS = {
    "ANTHROPIC": "https://console.anthropic.com/settings/usage",
    "OPENAI": "https://platform.openai.com/usage",
}
DASHBOARD_NAMES = {"ANTHROPIC": "Anthropic Console", "OPENAI": "OpenAI Platform"}


@strawberry.type(description="The Usage page's summary tile.")
class UsageSummary:
    period: strawberry.Private[UsagePeriod]
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
        self, info: Info, basis: TrendBasis = TrendBasis.PREVIOUS_MONTH
    ) -> Trend | None:
        return await self.period.trend(info, basis)


@strawberry.type(description="AI usage of one period (Settings → Usage).")
class UsagePeriod(PeriodFields):
    org_id: strawberry.Private[str]
    mode: strawberry.Private[str]
    provider: strawberry.Private[str | None]
    memo: strawberry.Private[RequestMemo]

    @strawberry.field(
        description="False while the organization is in BYOK mode: calls go straight to the provider, so the log may be incomplete."
    )
    def tracking_available(self) -> bool:
        return self.mode != "BYOK"

    @strawberry.field(
        description="Set while the organization is in BYOK mode; shown above the cards, which still show what was recorded."
    )
    def byok_notice(self) -> ByokNotice | None:
        if self.mode != "BYOK" or self.provider is None:
            return None
        name = PROVIDER_NAMES[self.provider]
        return ByokNotice(
            provider=AiProvider(self.provider),
            message=(
                f"Usage tracking is not available while your organization uses its own {name} "
                f"key: Ivy sends calls straight to {name}, so the full token and cost breakdown "
                f"is in the {DASHBOARD_NAMES[self.provider]}."
            ),
            provider_dashboard_url=DASHBOARDS[self.provider],
        )

    async def _read(self, info: Info, query: Any, *, span: Period | None = None) -> Any:
        period = span or self.span
        return await read_once(
            self.memo,
            info.context.db,
            query,
            org_id=self.org_id,
            first=period.first_day,
            end=period.end_day,
        )

    async def reason_totals(self, info: Info) -> list[Totals]:
        rows: list[Totals] = await self._read(info, usage_queries.totals_by_reason)
        return rows

    async def model_totals(self, info: Info) -> list[Totals]:
        rows: list[Totals] = await self._read(info, usage_queries.totals_by_model)
        return rows

    @strawberry.field(description="The summary tile.")
    async def summary(self, info: Info) -> UsageSummary:
        reasons, models = await asyncio.gather(self.reason_totals(info), self.model_totals(info))
        return UsageSummary(
            period=self,
            credits_charged=credits_from_int(sum(t.credits_e4 for t in reasons)),
            estimated_cost_usd=usd_from_int(sum(t.cost_micros for t in reasons)),
            calls=sum(t.calls for t in reasons),
            byok_calls=sum(t.calls for t in reasons if t.key[0] == "BYOK"),
            feature_type_count=len({t.key[1] for t in reasons}),
            model_tier_count=len(models),
        )

    @strawberry.field(description="Spend per feature: Chat, Generate field, Summarize CV.")
    async def by_reason(self, info: Info) -> list[ReasonUsage]:
        merged: dict[str, list[int]] = {}
        for totals in await self.reason_totals(info):
            acc = merged.setdefault(totals.key[1], [0, 0, 0, 0])
            acc[0] += totals.calls
            acc[1] += totals.credits_e4
            acc[2] += totals.cost_micros
            acc[3] += totals.tokens
        rows = [Totals((reason,), *acc) for reason, acc in merged.items()]
        by_credits = any(t.credits_e4 for t in rows)
        rows = ordered(rows, by_credits=by_credits, totals=lambda t: t, label=lambda t: t.key[0])
        return [ReasonUsage.from_totals(t.key[0], t) for t in rows]

    @strawberry.field(
        description="Top contributors (1-500); totalCount is the N of 'Show all (N)'."
    )
    async def by_user(self, info: Info, first: int | None = 5) -> UserUsageList:
        limit = check_first(first, argument="first", default=5, maximum=500)
        rows = await self._read(info, usage_queries.totals_by_member)
        merged = user_rows(rows)
        total = sum(row.totals.credits_e4 for row in merged)
        members = info.context.loaders.members
        nodes = []
        for row in merged[:limit]:
            if row.member is not None:
                # The card's query already read the member: spare the loader a statement.
                members.prime(row.member.id, row.member)
            nodes.append(
                UserUsage(
                    member_id=row.member.id if row.member is not None else None,
                    display_name=row.display_name,
                    credits_charged=credits_from_int(row.totals.credits_e4),
                    estimated_cost_usd=usd_from_int(row.totals.cost_micros),
                    calls=row.totals.calls,
                    share=row.totals.credits_e4 / total if total else 0.0,
                )
            )
        return UserUsageList(total_count=len(merged), nodes=nodes)

    @strawberry.field(
        description="One bar per provider and tier; relativeToMax is 1.0 for the first."
    )
    async def by_model(self, info: Info) -> list[ModelUsage]:
        rows = await self.model_totals(info)
        by_credits = any(t.credits_e4 for t in rows)

        def label(t: Totals) -> str:
            return f"{PROVIDER_NAMES[t.key[0]]} {t.key[1]}"

        rows = ordered(rows, by_credits=by_credits, totals=lambda t: t, label=label)
        metric = [t.credits_e4 if by_credits else t.cost_micros for t in rows]
        return [
            ModelUsage(
                provider=AiProvider(t.key[0]),
                tier=t.key[1],
                label=label(t),
                credits_charged=credits_from_int(t.credits_e4),
                estimated_cost_usd=usd_from_int(t.cost_micros),
                calls=t.calls,
                relative_to_max=share,
            )
            for t, share in zip(rows, relative(metric), strict=True)
        ]

    @strawberry.field(description="Every call of the period, newest first, 50 a page by default.")
    async def activity(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> UsageCallConnection:
        limit = check_first(first, argument="first", default=50, maximum=100)
        scope = [
            self.org_id,
            "activity",
            self.span.first_day.isoformat(),
            self.span.end_day.isoformat(),
        ]
        codec = info.context.cursors
        before = None
        if after is not None:
            try:
                at, event_id = codec.decode(after, scope=scope)
                before = (datetime.fromisoformat(at), str(event_id))
            except (CursorError, ValueError, TypeError) as exc:
                raise BadUserInput(str(exc) or "the cursor is not valid", field="after") from None

        async def page() -> Any:
            async with info.context.db.read() as conn:
                return await usage_queries.activity_page(
                    conn,
                    org_id=self.org_id,
                    start=self.span.start,
                    end=self.span.end,
                    before=before,
                    limit=limit + 1,
                )

        rows, reasons = await asyncio.gather(page(), self.reason_totals(info))
        page_rows = list(rows[:limit])
        calls = await UsageCall.build(info, page_rows, self.span.zone)
        edges = [
            UsageCallEdge(
                make_cursor=partial(
                    codec.encode, scope=scope, position=[row.occurred_at.isoformat(), row.event_id]
                ),
                node=call,
            )
            for row, call in zip(page_rows, calls, strict=True)
        ]
        ends = [edges[0].make_cursor(), edges[-1].make_cursor()] if edges else []
        return UsageCallConnection(
            edges=edges,
            page_info=page_info(ends, has_next=len(rows) > limit, after=after),
            total_count=sum(t.calls for t in reasons),
        )

    @strawberry.field(
        description="One bucket per day (or week, month) of the period, in the organization's time zone, empty buckets included."
    )
    async def time_series(
        self, info: Info, granularity: Granularity = Granularity.DAY
    ) -> list[UsageBucket]:
        days = await self._read(info, usage_queries.credits_by_day)
        return [
            UsageBucket(
                start=b.start,
                credits_charged=credits_from_int(b.credits_e4),
                estimated_cost_usd=usd_from_int(b.cost_micros),
                calls=b.calls,
            )
            for b in buckets(self.span, granularity.value, days)
        ]

    async def trend(self, info: Info, basis: TrendBasis) -> Trend | None:
        if self.span.preset != "THIS_MONTH":
            return None
        current = sum(t.credits_e4 for t in await self.reason_totals(info))
        last_first = add_months(self.span.first_day, -1)
        if basis is TrendBasis.PREVIOUS_MONTH:
            last = Period(None, last_first, self.span.first_day, self.span.zone)
            rows = await self._read(info, usage_queries.totals_by_reason, span=last)
            previous = sum(t.credits_e4 for t in rows)
            against = "last month"
        else:
            previous = await self._same_point_last_month(info, last_first)
            against = "same point last month"
        figures = trend(current, previous, against=against)
        return Trend(
            direction=TrendDirection(figures.direction),
            percent=figures.percent,
            label=figures.label,
            previous_credits_charged=credits_from_int(previous),
        )

    async def _same_point_last_month(self, info: Info, last_first: date) -> int:
        """Last month from day 1 to the same local day and time (clamped to its end)."""
        zone = self.span.zone
        now = info.context.clock().astimezone(zone)
        try:
            point = now.replace(year=last_first.year, month=last_first.month, fold=0)
        except ValueError:  # this month's day does not exist last month
            point = local_midnight(self.span.first_day, zone)
        point_day = point.date()
        whole = Period(None, last_first, min(point_day, self.span.first_day), zone)
        rows = await self._read(info, usage_queries.totals_by_reason, span=whole)
        previous: int = sum(t.credits_e4 for t in rows)
        day_start = local_midnight(point_day, zone)
        if day_start < point and point_day < self.span.first_day:
            async with info.context.db.read() as conn:
                previous += await usage_queries.credits_between(
                    conn, org_id=self.org_id, start=day_start, end=point
                )
        return previous


def usage_period(
    *, span: Period, org_id: str, mode: str, provider: str | None, memo: RequestMemo
) -> UsagePeriod:
    return UsagePeriod(span=span, org_id=org_id, mode=mode, provider=provider, memo=memo)


async def load_usage_call(info: Info, event_id: str) -> UsageCall | None:
    """A call of the caller's organization, for ``node(id:)``; needs ``credits:view``."""
    caller = info.context.caller
    if not caller.can("credits:view"):
        return None
    async with info.context.db.read() as conn:
        row = await usage_queries.call_by_id(conn, org_id=caller.org_id, event_id=event_id)
        org = await org_queries.get_org(conn, org_id=caller.org_id)
    if row is None or org is None:
        return None
    return (await UsageCall.build(info, [row], ZoneInfo(org.time_zone)))[0]
