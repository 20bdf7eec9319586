"""Tenant Management → Consumption: ``Organization.consumption`` and its cards."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import strawberry

from gateway.calendar import local_day, local_midnight
from gateway.consumption import (
    BillingPeriod,
    Forecast,
    PlanTerms,
    billing_periods,
    forecast,
    past_forecast,
    period_containing,
    plan_interview_credits,
    shift_year,
)
from gateway.cursors import CursorError
from gateway.money import credits_from_int
from gateway.periods import Period
from gateway.queries import consumption as consumption_queries
from gateway.queries import orgs as org_queries
from gateway.queries.consumption import StatusTotals
from gateway.usage import bucket_start, bucket_starts, percent_change
from resolvers.consumption_types import (
    ConsumptionComparison,
    CreditAllocation,
    CreditBucket,
    CreditForecast,
    CreditPlan,
    InterviewStatus,
    Opening,
    OpeningConnection,
    OpeningEdge,
    StatusCount,
)
from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.memo import read_once
from resolvers.pagination import PageInfo, check_first, page_info
from resolvers.period import Granularity, PeriodFields, PeriodInput, PeriodPreset, period_for

STATUSES = ("INVITED", "STARTED", "PARTIALLY_COMPLETED", "COMPLETED", "SIMULATION")


@dataclass(frozen=True)
class OpeningFigures:
    opening_id: str
    invited: int
    completed: int
    credits_e4: int


def opening_figures(rows: list[StatusTotals]) -> dict[str, OpeningFigures]:
    acc: dict[str, list[int]] = {}
    for row in rows:
        opening_id, status = row.key
        sums = acc.setdefault(opening_id, [0, 0, 0])
        if status == "INVITED":
            sums[0] += row.firsts
        elif status == "COMPLETED":
            sums[1] += row.firsts
        sums[2] += row.credits_e4
    return {key: OpeningFigures(key, *sums) for key, sums in acc.items()}


@strawberry.type(description="Interview credits of one opening in a period.")
class OpeningUsage:
    opening_row: strawberry.Private[Any]
    job_title: str = strawberry.field(description="Name of the position.")
    interviews_invited: int = strawberry.field(
        description="Candidates invited (first invitation in the period)."
    )
    interviews_completed: int = strawberry.field(description="Interviews completed in the period.")
    credits_used: Decimal = strawberry.field(description="Credits consumed for this opening.")

    @strawberry.field(description="The opening.")
    def opening(self) -> Opening:
        return Opening.from_row(self.opening_row)

    @classmethod
    def build(cls, row: Any, figures: OpeningFigures | None) -> OpeningUsage:
        return cls(
            opening_row=row,
            job_title=row.job_title,
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


async def _read(info: Info, query: Any, **kwargs: Any) -> Any:
    context = info.context
    return await read_once(context.memo, context.db, query, org_id=context.caller.org_id, **kwargs)


async def _opening_totals(info: Info, span: Period) -> dict[str, OpeningFigures]:
    rows = await _read(
        info,
        consumption_queries.totals_by_opening,
        first=span.first_day,
        end=span.end_day,
    )
    return opening_figures(rows)


def _sorted_openings(rows: list[Any], figures: dict[str, OpeningFigures]) -> list[Any]:
    def key(row: Any) -> tuple[int, str, str]:
        f = figures.get(row.id)
        return (-(f.credits_e4 if f else 0), row.job_title, row.id)

    return sorted(rows, key=key)


def _page_after(
    info: Info,
    rows: list[Any],
    figures: dict[str, OpeningFigures],
    scope: list[Any],
    after: str | None,
) -> list[Any]:
    if after is None:
        return rows
    try:
        credits, title, ident = info.context.cursors.decode(after, scope=scope)
    except (CursorError, ValueError, TypeError) as exc:
        raise BadUserInput(str(exc) or "the cursor is not valid", field="after") from None
    position = (-int(credits), str(title), str(ident))
    return [
        row
        for row in rows
        if (-(figures[row.id].credits_e4 if row.id in figures else 0), row.job_title, row.id)
        > position
    ]


def _cursor(info: Info, scope: list[Any], row: Any, figures: dict[str, OpeningFigures]) -> str:
    credits = figures[row.id].credits_e4 if row.id in figures else 0
    return info.context.cursors.encode(scope=scope, position=[credits, row.job_title, row.id])


@strawberry.type(description="Interview credits of one period (Tenant Management → Consumption).")
class ConsumptionPeriod(PeriodFields):
    org_id: strawberry.Private[str]

    async def _status(self, info: Info) -> list[StatusTotals]:
        rows: list[StatusTotals] = await _read(
            info,
            consumption_queries.totals_by_status,
            first=self.span.first_day,
            end=self.span.end_day,
        )
        return rows

    @strawberry.field(description="Interviews completed or partially completed in the period.")
    async def total_interviews(self, info: Info) -> int:
        count: int = await _read(
            info,
            consumption_queries.interviews_completed_or_partial,
            start=self.span.start,
            end=self.span.end,
        )
        return count

    @strawberry.field(description="Credits consumed in the period.")
    async def credits_used(self, info: Info) -> Decimal:
        return credits_from_int(sum(row.credits_e4 for row in await self._status(info)))

    async def _ledger(self, info: Info) -> tuple[BillingPeriod, bool, date]:
        """The billing period containing the range's last day, whether it is current, today."""
        return await info.context.memo.get(
            ("ledger", self.span), lambda: self._compute_ledger(info)
        )

    async def _compute_ledger(self, info: Info) -> tuple[BillingPeriod, bool, date]:
        today = local_day(info.context.clock(), self.span.zone)
        target = self.span.last_day
        async with info.context.db.read() as conn:
            org = await org_queries.get_org(conn, org_id=self.org_id)
            plans = await org_queries.plan_history(conn, org_id=self.org_id)
            purchases = await consumption_queries.purchases(conn, org_id=self.org_id)
            horizon = max(target, today) + timedelta(days=62)
            daily = await consumption_queries.credits_per_day(conn, org_id=self.org_id, end=horizon)
        if org is None:
            raise BadUserInput("the organization no longer exists")
        terms = [
            PlanTerms(
                p.effective_from,
                p.credits_per_period_e4,
                p.rollover,
                p.rollover_cap_e4,
                p.billing_anchor_day,
            )
            for p in plans
        ]
        chain = billing_periods(
            plans=terms,
            active_since=org.active_since,
            until=target,
            daily_credits=daily,
            # Only what has been bought by now counts, even later the same day.
            purchases=[
                (local_day(p.occurred_at, self.span.zone), p.credits_e4)
                for p in purchases
                if p.occurred_at <= info.context.clock()
            ],
            balance_until=today + timedelta(days=1),
        )
        period = period_containing(chain, target)
        if period is None:  # the range ends before the organization became active
            period = BillingPeriod(self.span.first_day, self.span.end_day, 0, 0, 0, 0, None)
        return period, period.start <= today < period.end, today

    @strawberry.field(description="Balance at the end of the period, or now for the current one.")
    async def remaining_balance(self, info: Info) -> Decimal:
        period, _, _ = await self._ledger(info)
        return credits_from_int(period.remaining)

    @strawberry.field(description="Credits available in the period.")
    async def allocation(self, info: Info) -> CreditAllocation:
        period, _, _ = await self._ledger(info)
        return CreditAllocation(
            included=credits_from_int(period.included),
            rolled_over=credits_from_int(period.rolled_over),
            purchased=credits_from_int(period.purchased),
            total=credits_from_int(period.total),
        )

    @strawberry.field(description="Interviews and credits by status.")
    async def by_status(self, info: Info) -> list[StatusCount]:
        rows = {row.key[0]: row for row in await self._status(info)}
        return [
            StatusCount(
                status=InterviewStatus(status),
                count=rows[status].firsts if status in rows else 0,
                credits_used=credits_from_int(rows[status].credits_e4 if status in rows else 0),
            )
            for status in STATUSES
        ]

    @strawberry.field(description="Credits per opening, most first.")
    async def by_opening(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> OpeningUsageConnection:
        limit = check_first(first, argument="first", default=50, maximum=100)
        figures = await _opening_totals(info, self.span)
        loaded = await info.context.loaders.openings.load_many(sorted(figures))
        rows = _sorted_openings([row for row in loaded if row is not None], figures)
        scope = [
            self.org_id,
            "byOpening",
            self.span.first_day.isoformat(),
            self.span.end_day.isoformat(),
        ]
        rest = _page_after(info, rows, figures, scope, after)
        page = rest[:limit]
        edges = [
            OpeningUsageEdge(
                cursor=_cursor(info, scope, row, figures),
                node=OpeningUsage.build(row, figures.get(row.id)),
            )
            for row in page
        ]
        return OpeningUsageConnection(
            edges=edges,
            page_info=page_info([e.cursor for e in edges], has_next=len(rest) > limit, after=after),
            total_count=len(rows),
        )

    @strawberry.field(
        description="Credits used per day, week or month of the period, empty buckets included."
    )
    async def usage_trend(
        self, info: Info, granularity: Granularity = Granularity.DAY
    ) -> list[CreditBucket]:
        days = await _read(
            info,
            consumption_queries.totals_by_day,
            first=self.span.first_day,
            end=self.span.end_day,
        )
        sums: dict[date, list[int]] = {
            start: [0, 0] for start in bucket_starts(self.span, granularity.value)
        }
        for row in days:
            day, status = row.key
            acc = sums[bucket_start(day, granularity.value)]
            acc[1] += row.credits_e4
            if status == "COMPLETED":
                acc[0] += row.firsts
        return [
            CreditBucket(
                start=start, interviews_completed=acc[0], credits_used=credits_from_int(acc[1])
            )
            for start, acc in sums.items()
        ]

    @strawberry.field(description="The same span one year earlier, for year-over-year comparison.")
    async def previous_year(self, info: Info) -> ConsumptionComparison:
        zone = self.span.zone
        now = info.context.clock().astimezone(zone)
        start = local_midnight(shift_year(self.span.first_day, -1), zone)
        if now < self.span.end:
            day = shift_year(now.date(), -1)
            end = datetime.combine(day, now.timetz().replace(tzinfo=None), tzinfo=zone)
        else:
            end = local_midnight(shift_year(self.span.end_day, -1), zone)
        end = max(end, start)
        whole_end = end.date() if end > start else start.date()
        async with info.context.db.read() as conn:
            status_rows = await consumption_queries.totals_by_status(
                conn, org_id=self.org_id, first=start.date(), end=whole_end
            )
            partial = 0
            if end > local_midnight(whole_end, zone):
                partial = await consumption_queries.credits_between(
                    conn, org_id=self.org_id, start=local_midnight(whole_end, zone), end=end
                )
            interviews = await consumption_queries.interviews_completed_or_partial(
                conn, org_id=self.org_id, start=start, end=end
            )
        previous = sum(row.credits_e4 for row in status_rows) + partial
        current = sum(row.credits_e4 for row in await self._status(info))
        return ConsumptionComparison(
            start=start,
            end=end,
            total_interviews=interviews,
            credits_used=credits_from_int(previous),
            credits_change_percent=percent_change(current, previous),
        )

    @strawberry.field(
        description="Projected use to the end of the period at the last 14 days' daily rate."
    )
    async def forecast(self, info: Info) -> CreditForecast:
        period, current, today = await self._ledger(info)
        figures: Forecast
        if current:
            recent = await _read(
                info,
                consumption_queries.totals_by_day,
                first=today - timedelta(days=14),
                end=today,
            )
            figures = forecast(
                period=period, today=today, last_14_days_e4=sum(r.credits_e4 for r in recent)
            )
        else:
            figures = past_forecast(period)
        return CreditForecast(
            projected_credits_used=credits_from_int(figures.projected_used),
            projected_remaining_balance=credits_from_int(figures.projected_remaining),
            runs_out_on=figures.runs_out_on,
            recommended_purchase=credits_from_int(figures.recommended_purchase),
        )


async def consumption_period(
    info: Info, period: PeriodInput, *, org_id: str, time_zone: str
) -> ConsumptionPeriod:
    span = await period_for(info, period, org_id=org_id, time_zone=time_zone)
    return ConsumptionPeriod(span=span, org_id=org_id)


async def opening_credits(info: Info, opening: Opening, period: PeriodInput) -> OpeningUsage:
    caller = info.context.caller
    org = await info.context.memo.get(("org",), lambda: _org(info))
    span = await period_for(info, period, org_id=caller.org_id, time_zone=org.time_zone)
    figures = await _opening_totals(info, span)
    row = await info.context.loaders.openings.load(opening.opening_id)
    return OpeningUsage.build(row, figures.get(opening.opening_id))


async def _org(info: Info) -> Any:
    async with info.context.db.read() as conn:
        return await org_queries.get_org(conn, org_id=info.context.caller.org_id)


async def openings_connection(
    info: Info, *, time_zone: str, first: int | None, after: str | None
) -> OpeningConnection:
    limit = check_first(first, argument="first", default=50, maximum=100)
    caller = info.context.caller
    span = await period_for(
        info,
        PeriodInput(preset=PeriodPreset.CURRENT_BILLING_PERIOD),
        org_id=caller.org_id,
        time_zone=time_zone,
    )
    rows, figures = await asyncio.gather(
        _read(info, consumption_queries.all_openings),
        _opening_totals(info, span),
    )
    for row in rows:
        info.context.loaders.openings.prime(row.id, row)
    ordered = _sorted_openings(list(rows), figures)
    scope = [caller.org_id, "openings", span.first_day.isoformat()]
    rest = _page_after(info, ordered, figures, scope, after)
    page = rest[:limit]
    edges = [
        OpeningEdge(cursor=_cursor(info, scope, row, figures), node=Opening.from_row(row))
        for row in page
    ]
    return OpeningConnection(
        edges=edges,
        page_info=page_info([e.cursor for e in edges], has_next=len(rest) > limit, after=after),
        total_count=len(ordered),
    )


def credit_plan(roles: int, candidates: int, completion_rate: float, buffer: float) -> CreditPlan:
    if roles < 0 or candidates < 0:
        raise BadUserInput(
            "rolesPerMonth and candidatesPerRole must not be negative", field="rolesPerMonth"
        )
    rate, extra = Decimal(str(completion_rate)), Decimal(str(buffer))
    if not Decimal(0) <= rate <= Decimal(1):
        raise BadUserInput("completionRate must be between 0 and 1", field="completionRate")
    if not Decimal(0) <= extra <= Decimal(10):
        raise BadUserInput("buffer must be between 0 and 10", field="buffer")
    expected, needed, with_buffer = plan_interview_credits(roles, candidates, rate, extra)
    return CreditPlan(
        expected_interviews=expected,
        credits_needed=Decimal(needed).quantize(Decimal("0.01")),
        credits_with_buffer=Decimal(with_buffer).quantize(Decimal("0.01")),
    )
