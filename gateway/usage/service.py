"""Settings → Usage: the page's cards for one organization and period.

One :class:`UsagePage` per request and period; each statement runs once, on a connection of
its own, however many cards need it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from gateway.catalog.records import ModelRecord
from gateway.clock import Clock
from gateway.core.batches import IngestResult
from gateway.core.buckets import Granularity
from gateway.core.calendar import add_months, local_day, local_midnight
from gateway.core.memo import RequestMemo
from gateway.core.periods import Period, PeriodPreset
from gateway.orgs.enums import AiBillingMode, AiProvider
from gateway.orgs.records import MemberRecord
from gateway.storage.db import Database
from gateway.usage import queries as usage_queries
from gateway.usage import rules
from gateway.usage.enums import TrendBasis
from gateway.usage.ingest import ingest_ai_calls
from gateway.usage.inputs import AiCallIn
from gateway.usage.records import CallRecord, Totals

T = TypeVar("T")


@dataclass(frozen=True)
class UserShare:
    member: MemberRecord | None
    display_name: str
    totals: Totals
    share: float


@dataclass(frozen=True)
class UserList:
    rows: list[UserShare]
    total_count: int


@dataclass(frozen=True)
class ActivityPage:
    calls: list[CallRecord]
    has_next: bool
    total_count: int
    # The members and models the calls name, when the page's statement read them already.
    people: tuple[Sequence[MemberRecord], Sequence[ModelRecord]] | None = None


class UsagePage:
    def __init__(
        self,
        db: Database,
        *,
        org_id: str,
        mode: AiBillingMode,
        provider: AiProvider | None,
        span: Period,
        clock: Clock,
        memo: RequestMemo | None = None,
    ) -> None:
        self.db = db
        self.org_id = org_id
        self.mode = mode
        self.provider = provider
        self.span = span
        self.clock = clock
        self.memo = memo or RequestMemo()

    async def _read(self, query: Callable[..., Awaitable[T]], span: Period | None = None) -> T:
        """A rollup read of the period (or ``span``), once per request."""
        period = span or self.span
        kwargs: dict[str, Any] = {
            "org_id": self.org_id,
            "first": period.first_day,
            "end": period.end_day,
        }
        key = (query, *sorted(kwargs.items()))
        return await self.memo.get(key, lambda: self.db.run(query, **kwargs))

    async def reason_totals(self) -> list[Totals]:
        """Keyed ``(billing_mode, reason)``."""
        return await self._read(usage_queries.totals_by_reason)

    async def model_totals(self) -> list[Totals]:
        """Keyed ``(provider, tier)``."""
        return await self._read(usage_queries.totals_by_model)

    @property
    def tracking_available(self) -> bool:
        return self.mode is not AiBillingMode.BYOK

    def byok_notice(self) -> rules.ByokNotice | None:
        return rules.byok_notice(self.mode, self.provider)

    async def summary(self) -> rules.SummaryFigures:
        reasons, models = await asyncio.gather(self.reason_totals(), self.model_totals())
        return rules.summary(reasons, models)

    async def by_reason(self) -> list[rules.ReasonFigures]:
        return rules.by_reason(await self.reason_totals())

    async def by_model(self) -> list[rules.ModelFigures]:
        return rules.by_model(await self.model_totals())

    async def by_user(self, limit: int) -> UserList:
        top = await self.db.run(
            usage_queries.top_members,
            org_id=self.org_id,
            first=self.span.first_day,
            end=self.span.end_day,
            limit=limit,
        )
        total = top.total_credits_e4
        rows = [
            UserShare(
                member,
                member.name if member is not None else rules.UNKNOWN_USER,
                totals,
                totals.credits_e4 / total if total else 0.0,
            )
            for totals, member in top.rows
        ]
        return UserList(rows, top.total_count)

    async def raw_kept_since(self) -> datetime | None:
        """From when the raw calls behind the activity log are kept (None: all of them), in
        the organization's time zone."""
        kept = await self.memo.get(
            ("raw_kept_since",), lambda: self.db.run(usage_queries.raw_kept_since)
        )
        return kept.astimezone(self.span.zone) if kept is not None else None

    async def activity(self, limit: int, before: tuple[datetime, str] | None) -> ActivityPage:
        """Calls newest first after ``before`` = ``(occurred_at, event_id)``."""
        page, reasons = await asyncio.gather(
            self.db.run(
                usage_queries.activity_page_with_people,
                org_id=self.org_id,
                start=self.span.start,
                end=self.span.end,
                before=before,
                limit=limit + 1,
            ),
            self.reason_totals(),
        )
        return ActivityPage(
            page.calls[:limit],
            len(page.calls) > limit,
            sum(t.calls for t in reasons),
            (page.members, page.models),
        )

    async def activity_since(
        self, since: datetime, limit: int, after: tuple[datetime, str] | None
    ) -> ActivityPage:
        """Calls at or after ``since`` (within the period), oldest first, after ``after``."""
        start = max(self.span.start, since)
        page, total = await asyncio.gather(
            self.db.run(
                usage_queries.activity_since_page,
                org_id=self.org_id,
                start=start,
                end=self.span.end,
                after=after,
                limit=limit + 1,
            ),
            self.calls_from(start),
        )
        return ActivityPage(page[:limit], len(page) > limit, total)

    async def calls_from(self, start: datetime) -> int:
        """Calls in ``[start, end of the period)``: the whole local days from the daily rollups
        (exact: written with the calls), only the rest of ``start``'s own day counted from the
        calls, so that no range of raw calls longer than a day is ever scanned for it."""
        span, zone = self.span, self.span.zone
        if start >= span.end:
            return 0
        day = local_day(start, zone)
        whole_from = day if local_midnight(day, zone) == start else day + timedelta(days=1)
        reads: list[Awaitable[int]] = []
        if whole_from < span.end_day:
            whole = Period(None, whole_from, span.end_day, zone)
            reads.append(self._calls_of(whole))
        if whole_from != day:
            # Never past the period's end: the period may end with the day ``start`` lies in.
            day_end = min(local_midnight(whole_from, zone), span.end)
            reads.append(
                self.memo.get(
                    ("calls_between", self.org_id, start, day_end),
                    lambda: self.db.run(
                        usage_queries.count_calls_between,
                        org_id=self.org_id,
                        start=start,
                        end=day_end,
                    ),
                )
            )
        return sum(await asyncio.gather(*reads))

    async def _calls_of(self, days: Period) -> int:
        return sum(t.calls for t in await self._read(usage_queries.totals_by_reason, days))

    async def time_series(self, granularity: Granularity) -> list[rules.Bucket]:
        days = await self._read(usage_queries.credits_by_day)
        return rules.buckets(self.span, granularity, days)

    async def trend(self, basis: TrendBasis) -> rules.TrendFigures | None:
        """This month so far against last month; only for the THIS_MONTH preset."""
        if self.span.preset is not PeriodPreset.THIS_MONTH:
            return None
        current = sum(t.credits_e4 for t in await self.reason_totals())
        last_first = add_months(self.span.first_day, -1)
        if basis is TrendBasis.PREVIOUS_MONTH:
            last = Period(None, last_first, self.span.first_day, self.span.zone)
            previous = sum(
                t.credits_e4 for t in await self._read(usage_queries.totals_by_reason, last)
            )
            return rules.trend(current, previous, against="last month")
        previous = await self._same_point_last_month(last_first)
        return rules.trend(current, previous, against="same point last month")

    async def _same_point_last_month(self, last_first: date) -> int:
        """Last month from day 1 to the same local day and time (clamped to its end)."""
        zone = self.span.zone
        point = rules.same_point_last_month(self.clock(), self.span.first_day, last_first, zone)
        point_day = point.date()
        whole = Period(None, last_first, min(point_day, self.span.first_day), zone)
        previous = sum(
            t.credits_e4 for t in await self._read(usage_queries.totals_by_reason, whole)
        )
        day_start = local_midnight(point_day, zone)
        if day_start < point and point_day < self.span.first_day:
            previous += await self.db.run(
                usage_queries.credits_between, org_id=self.org_id, start=day_start, end=point
            )
        return previous


async def calls_by_ids(db: Database, org_id: str, event_ids: Sequence[str]) -> list[CallRecord]:
    return await db.run(usage_queries.calls_by_ids, org_id=org_id, event_ids=event_ids)


async def ingest(db: Database, events: Sequence[AiCallIn], *, now: datetime) -> IngestResult:
    """A batch of AI calls in one transaction, all or nothing."""
    async with db.write() as conn:
        return await ingest_ai_calls(conn, events=events, now=now)
