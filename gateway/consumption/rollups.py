"""Rebuilding an organization's interview rollups (daily, monthly, day candidates, done days)
from its events (after a time-zone change), and its per-billing-period rollup (after its
periods' boundaries move)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.consumption import queries, writes
from gateway.consumption.charges import (
    Contribution,
    DoneDays,
    add_done_days,
    add_into,
    contribution,
    done_days,
)
from gateway.consumption.ledger import credits_by_period, period_bounds
from gateway.consumption.records import InterviewEventRecord
from gateway.core.calendar import local_day
from gateway.orgs.records import PlanRecord


async def rebuild_interview_rollups(conn: AsyncConnection, *, org_id: str, zone: ZoneInfo) -> None:
    """Recount an organization's interview rollups from its events, in ``zone``."""
    await writes.lock_periods(conn, org_ids=[org_id])
    await writes.delete_interview_rollups(conn, org_id=org_id)
    current: list[InterviewEventRecord] = []
    totals: Contribution = {}
    done: DoneDays = {}
    candidates: set[tuple[date, str, str]] = set()
    async for event in writes.stream_interview_events(conn, org_id=org_id):
        if current and current[-1].interview_id != event.interview_id:
            add_into(totals, contribution(current, zone))
            add_done_days(done, done_days(current, zone))
            current = []
        current.append(event)
        candidates.add((local_day(event.occurred_at, zone), event.opening_id, event.candidate_id))
    add_into(totals, contribution(current, zone))
    add_done_days(done, done_days(current, zone))
    await writes.add_to_interview_rollups(conn, deltas={org_id: totals})
    await writes.add_to_done_days(conn, deltas={org_id: done})
    await writes.add_day_candidates(
        conn,
        rows=[
            {"org_id": org_id, "day": day, "opening_id": opening, "candidate_id": candidate}
            for day, opening, candidate in candidates
        ],
    )
    daily: dict[date, int] = {}
    for (day, _opening, _status), counts in totals.items():
        daily[day] = daily.get(day, 0) + counts.credits_e4
    await _write_periods(conn, org_id=org_id, zone=zone, daily=daily)


async def rebuild_period_rollups(conn: AsyncConnection, *, org_id: str, zone: ZoneInfo) -> None:
    """Recount the per-billing-period rollup from the daily one and the purchases."""
    await writes.lock_periods(conn, org_ids=[org_id])
    await writes.delete_period_rollups(conn, org_id=org_id)
    daily = await queries.credits_per_day(conn, org_id=org_id)
    await _write_periods(conn, org_id=org_id, zone=zone, daily=daily)


async def _write_periods(
    conn: AsyncConnection, *, org_id: str, zone: ZoneInfo, daily: Mapping[date, int]
) -> None:
    settings = await queries.billing_settings(conn, org_ids=[org_id])
    if org_id not in settings:
        return
    active_since, plans = settings[org_id]
    bought = [
        (local_day(p.occurred_at, zone), p.credits_e4)
        for p in await queries.purchases(conn, org_id=org_id)
    ]
    rows = period_rows(
        org_id, plans=plans, active_since=active_since, used=daily.items(), bought=bought
    )
    await writes.add_to_period_rollups(conn, rows=rows)


def period_rows(
    org_id: str,
    *,
    plans: Sequence[PlanRecord],
    active_since: date,
    used: Iterable[tuple[date, int]],
    bought: Iterable[tuple[date, int]],
) -> list[dict[str, Any]]:
    """Rows of the per-period rollup for credits used and bought on local days."""
    used, bought = list(used), list(bought)
    days = [day for day, _ in used] + [day for day, _ in bought]
    if not days:
        return []
    bounds = period_bounds(plans=plans, active_since=active_since, until=max(days))
    used_in = credits_by_period(bounds, used)
    bought_in = credits_by_period(bounds, bought)
    return [
        {
            "org_id": org_id,
            "period_start": start,
            "period_end": end,
            "used_e4": used_in.get((start, end), 0),
            "purchased_e4": bought_in.get((start, end), 0),
        }
        for start, end in sorted(used_in.keys() | bought_in.keys())
        if used_in.get((start, end)) or bought_in.get((start, end))
    ]
