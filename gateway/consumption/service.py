"""Tenant Management → Consumption: the page's cards for one organization and period.

One :class:`ConsumptionPage` per request and period; each statement runs once, on a
connection of its own, however many cards need it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.clock import Clock
from gateway.consumption import ledger as rules
from gateway.consumption import opening_queries, standing, writes
from gateway.consumption import queries as consumption_queries
from gateway.consumption.enums import InterviewStatus
from gateway.consumption.ingest import ingest_interview_events
from gateway.consumption.ingest import record_purchases as record_purchases_in
from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn, OpeningIn
from gateway.consumption.openings import (
    OpeningFigures,
    OpeningPage,
    Position,
    opening_figures,
    page_of_openings,
)
from gateway.consumption.records import OpeningRecord, StatusTotals
from gateway.core.batches import IngestResult
from gateway.core.buckets import Granularity, bucket_start, bucket_starts, percent_change
from gateway.core.calendar import local_day, local_midnight, shift_year
from gateway.core.errors import DomainError, NotFound
from gateway.core.memo import RequestMemo
from gateway.core.periods import Period
from gateway.orgs import queries as org_queries
from gateway.orgs import service as org_service
from gateway.orgs.records import OrgRecord
from gateway.storage.db import Database
from gateway.storage.versions import move_versions

T = TypeVar("T")

FORECAST_DAYS = timedelta(days=14)  # the forecast's rate: the use of the days before today

OpeningLoad = Callable[[list[str]], Awaitable[Sequence[OpeningRecord | None]]]


@dataclass(frozen=True)
class Ledger:
    period: rules.BillingPeriod  # the billing period containing the range's last day
    current: bool  # whether that period is the one running today
    today: date
    # Credits used in the 14 local days before today, when ``current`` (the balance chain's
    # days hold them: today's period is counted day by day from 31 days before today).
    last_14_days_e4: int


@dataclass(frozen=True)
class StatusFigures:
    status: InterviewStatus
    count: int
    credits_e4: int


@dataclass(frozen=True)
class CreditBucketFigures:
    start: date
    interviews_completed: int
    credits_e4: int


@dataclass(frozen=True)
class YearComparison:
    start: datetime
    end: datetime
    total_interviews: int
    credits_e4: int
    change_percent: int | None


class ConsumptionPage:
    def __init__(
        self,
        db: Database,
        *,
        org: OrgRecord,
        span: Period,
        clock: Clock,
        memo: RequestMemo | None = None,
    ) -> None:
        self.db = db
        self.org = org
        self.org_id = org.id
        self.span = span
        self.clock = clock
        self.memo = memo or RequestMemo()

    async def _read(self, query: Callable[..., Awaitable[T]], **kwargs: Any) -> T:
        """A read of this organization, once per request and arguments."""
        kwargs["org_id"] = self.org_id
        key = (query, *sorted(kwargs.items()))
        return await self.memo.get(key, lambda: self.db.run(query, **kwargs))

    async def status_totals(self) -> list[StatusTotals]:
        return await self._read(
            consumption_queries.totals_by_status, first=self.span.first_day, end=self.span.end_day
        )

    async def total_interviews(self) -> int:
        """Interviews completed or partially completed in the period (simulations never)."""
        return await self._read(
            consumption_queries.interviews_done, first=self.span.first_day, end=self.span.end_day
        )

    async def credits_used(self) -> int:
        return sum(row.credits_e4 for row in await self.status_totals())

    async def by_status(self) -> list[StatusFigures]:
        rows = {row.key[0]: row for row in await self.status_totals()}
        return [
            StatusFigures(
                status,
                rows[status].firsts if status in rows else 0,
                rows[status].credits_e4 if status in rows else 0,
            )
            for status in InterviewStatus
        ]

    async def opening_figures(self) -> dict[str, OpeningFigures]:
        rows = await self._read(
            consumption_queries.totals_by_opening,
            first=self.span.first_day,
            end=self.span.end_day,
        )
        return opening_figures(rows)

    async def by_opening(
        self, load: OpeningLoad, *, limit: int, after: Position | None
    ) -> OpeningPage:
        """Openings with activity in the period, most credits first."""
        figures = await self.opening_figures()
        loaded = await load(sorted(figures))
        openings = [row for row in loaded if row is not None]
        return page_of_openings(openings, figures, limit=limit, after=after)

    async def openings(
        self,
        *,
        limit: int,
        after: Position | None,
        prime: Callable[[OpeningRecord], None] | None = None,
    ) -> OpeningPage:
        """All the organization's openings, ranked by the credits of this period."""
        rows, figures = await asyncio.gather(
            self._read(consumption_queries.all_openings), self.opening_figures()
        )
        if prime is not None:
            for row in rows:
                prime(row)
        return page_of_openings(rows, figures, limit=limit, after=after)

    async def usage_trend(self, granularity: Granularity) -> list[CreditBucketFigures]:
        days = await self._read(
            consumption_queries.totals_by_day, first=self.span.first_day, end=self.span.end_day
        )
        sums = {start: StatusTotals((start,)) for start in bucket_starts(self.span, granularity)}
        completed = {start: 0 for start in sums}
        for row in days:
            day, status = row.key
            start = bucket_start(day, granularity)
            sums[start] = sums[start] + row
            if status == InterviewStatus.COMPLETED:
                completed[start] += row.firsts
        return [
            CreditBucketFigures(start, completed[start], totals.credits_e4)
            for start, totals in sums.items()
        ]

    async def previous_year(self) -> YearComparison:
        """The same span one year earlier, up to the same instant when the span is running."""
        zone = self.span.zone
        now = self.clock().astimezone(zone)
        start = local_midnight(shift_year(self.span.first_day, -1), zone)
        if now < self.span.end:
            day = shift_year(now.date(), -1)
            end = datetime.combine(day, now.timetz().replace(tzinfo=None), tzinfo=zone)
        else:
            end = local_midnight(shift_year(self.span.end_day, -1), zone)
        end = max(end, start)
        whole_end = end.date() if end > start else start.date()

        async def read(conn: AsyncConnection) -> tuple[list[StatusTotals], tuple[int, int]]:
            status_rows = await consumption_queries.totals_by_status(
                conn, org_id=self.org_id, first=start.date(), end=whole_end
            )
            counts = await consumption_queries.interviews_and_partial_day(
                conn,
                org_id=self.org_id,
                first=start.date(),
                whole_end=whole_end,
                since=start,
                day_start=min(local_midnight(whole_end, zone), end),
                end=end,
            )
            return status_rows, counts

        # One connection for the two statements, retried whole when a replica fails.
        status_rows, (interviews, partial) = await self.db.run(read)
        previous = sum(row.credits_e4 for row in status_rows) + partial
        current = await self.credits_used()
        return YearComparison(start, end, interviews, previous, percent_change(current, previous))

    async def ledger(self) -> Ledger:
        return await self.memo.get(("ledger", self.org_id, self.span), self._compute_ledger)

    async def _compute_ledger(self) -> Ledger:
        now = self.clock()
        zone = self.span.zone
        today = local_day(now, zone)
        target = self.span.last_day
        lo, hi = standing.window(target, today)
        plans, inputs = await asyncio.gather(
            org_service.plan_history(self.db, self.org_id, self.memo),
            self._read(
                consumption_queries.ledger_inputs,
                lo=lo,
                hi=hi,
                lo_at=local_midnight(lo, zone),
                hi_at=local_midnight(hi, zone),
            ),
        )
        period = standing.books(
            org=self.org, plans=plans, inputs=inputs, target=target, today=today, now=now, lo=lo
        )
        if period is None:  # the range ends before the organization became active
            period = rules.BillingPeriod(self.span.first_day, self.span.end_day, 0, 0, 0, 0, None)
        current = period.start <= today < period.end
        recent = 0
        if current:
            assert lo <= today - FORECAST_DAYS and today <= hi
            recent = sum(
                int(row.used_e4)
                for row in inputs
                if row.day is not None and today - FORECAST_DAYS <= row.day < today
            )
        return Ledger(period, current, today, recent)

    async def forecast(self) -> rules.Forecast:
        """The current period at the last 14 days' rate; a past period's actual figures."""
        books = await self.ledger()
        if not books.current:
            return rules.past_forecast(books.period)
        return rules.forecast(
            period=books.period, today=books.today, last_14_days_e4=books.last_14_days_e4
        )


async def openings_by_ids(db: Database, org_id: str, ids: Sequence[str]) -> list[OpeningRecord]:
    return await db.run(opening_queries.openings_by_ids, org_id=org_id, ids=set(ids))


async def put_opening(
    db: Database, org_id: str, opening_id: str, body: OpeningIn, *, now: datetime
) -> bool:
    """Create or rename an opening; True when it is new."""
    async with db.write() as conn:
        if await org_queries.get_org(conn, org_id=org_id) is None:
            raise NotFound("organization", org_id, "orgId")
        known = await opening_queries.existing_opening_ids(conn, org_id=org_id, ids=[opening_id])
        await opening_queries.upsert_opening(
            conn, org_id=org_id, opening_id=opening_id, job_title=body.job_title, now=now
        )
        await move_versions(conn, [org_id])
    return not known


async def ingest_interviews(
    db: Database, events: Sequence[InterviewEventIn], *, now: datetime
) -> IngestResult:
    """A batch of interview events in one transaction, all or nothing."""
    async with db.write() as conn:
        return await ingest_interview_events(conn, events=events, now=now)


async def record_purchases(
    db: Database, purchases: Sequence[tuple[str, CreditPurchaseIn]], *, now: datetime
) -> list[bool]:
    """``(org_id, purchase)`` pairs in one transaction; each True when it was new."""
    async with db.write() as conn:
        outcomes = await record_purchases_in(conn, purchases=purchases, now=now)
    created: list[bool] = []
    for outcome in outcomes:
        if isinstance(outcome, DomainError):
            raise outcome
        created.append(outcome)
    return created


async def has_purchase(db: Database, org_id: str, purchase_id: str) -> bool:
    found = await db.run(writes.get_purchase, org_id=org_id, purchase_id=purchase_id)
    return found is not None
