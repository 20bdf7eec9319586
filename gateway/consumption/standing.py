"""The current billing period's interview credits read in the caller's transaction: the
figures of the CREDITS_REMAINING_BELOW, RUNS_OUT_BEFORE_PERIOD_END and OPENING_CREDITS_ABOVE
alert rules, computed as the Consumption page computes them (:func:`books` is shared)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts.records import CreditStanding, RuleRecord
from gateway.consumption import figure_queries, ledger
from gateway.consumption.records import LedgerInput
from gateway.core.calendar import local_day, local_midnight
from gateway.orgs.records import OrgRecord, PlanRecord


def window(target: date, today: date) -> tuple[date, date]:
    """``(lo, hi)``: the periods containing the target day and today start on or after
    ``lo`` and are counted day by day; every earlier one is over and read as one rollup row.
    Days from ``hi`` on count in neither (the future, or past the target's period)."""
    lo = min(target, today) - ledger.LONGEST_PERIOD
    hi = min(today, target + ledger.LONGEST_PERIOD) + timedelta(days=1)
    return lo, hi


def books(
    *,
    org: OrgRecord,
    plans: Sequence[PlanRecord],
    inputs: Sequence[LedgerInput],
    target: date,
    today: date,
    now: datetime,
    lo: date,
) -> ledger.BillingPeriod | None:
    """The billing period containing ``target``; None before the organization was active."""
    zone = ZoneInfo(org.time_zone)
    settled: dict[date, tuple[int, int]] = {}
    daily: dict[date, int] = {}
    bought: list[tuple[date, int]] = []
    for row in inputs:
        if row.period_start is not None:
            settled[row.period_start] = (int(row.used_e4), int(row.purchased_e4))
        elif row.day is not None:
            daily[row.day] = int(row.used_e4)
        elif row.occurred_at is not None and row.occurred_at <= now:
            # Only what has been bought by now counts, even later the same day.
            bought.append((local_day(row.occurred_at, zone), int(row.purchased_e4)))
    chain = ledger.billing_periods(
        plans=plans,
        active_since=org.active_since,
        until=target,
        daily_credits=daily,
        purchases=bought,
        balance_until=today + timedelta(days=1),
        settled=ledger.SettledPeriods(lo, settled),
    )
    return ledger.period_containing(chain, target)


async def credit_standings(
    conn: AsyncConnection, orgs: Sequence[tuple[OrgRecord, Sequence[RuleRecord]]], now: datetime
) -> dict[str, CreditStanding | None]:
    """Each organization's billing period of today with its forecast (and its openings'
    credits when one of its rules is on an opening); None before it is active. One statement
    per kind of row for all of them."""
    if not orgs:
        return {}
    todays = {org.id: local_day(now, ZoneInfo(org.time_zone)) for org, _ in orgs}
    # One window holding every organization's (their "today" differs by a day at most).
    lo = min(todays.values()) - ledger.LONGEST_PERIOD
    hi = max(todays.values()) + timedelta(days=1)
    ids = [org.id for org, _ in orgs]
    plans = await figure_queries.plans_of(conn, org_ids=ids)
    # Two days past the last "today": an event may be dated a little ahead of the clock.
    rows = await figure_queries.ledger_rows_of(
        conn,
        org_ids=ids,
        lo=lo,
        hi=hi + timedelta(days=1),
        lo_at=min(local_midnight(lo, ZoneInfo(org.time_zone)) for org, _ in orgs),
        hi_at=max(local_midnight(hi, ZoneInfo(org.time_zone)) for org, _ in orgs),
    )
    inputs = rows.inputs
    out: dict[str, CreditStanding | None] = {}
    periods: dict[str, ledger.BillingPeriod] = {}
    for org, _ in orgs:
        today = todays[org.id]
        zone = ZoneInfo(org.time_zone)
        mine = [
            row
            for row in inputs.get(org.id, [])
            if (row.occurred_at is None or row.occurred_at < local_midnight(hi, zone))
            and (row.occurred_at is None or local_midnight(lo, zone) <= row.occurred_at)
        ]
        period = books(
            org=org,
            plans=plans.get(org.id, []),
            inputs=mine,
            target=today,
            today=today,
            now=now,
            lo=lo,
        )
        out[org.id] = None
        if period is not None:
            periods[org.id] = period
    for org_id, period in periods.items():
        today = todays[org_id]
        recent = sum(
            row.used_e4
            for row in inputs.get(org_id, [])
            if row.day is not None and today - timedelta(days=14) <= row.day < today
        )
        forecast = ledger.forecast(period=period, today=today, last_14_days_e4=recent)
        by_opening: dict[str, int] = {}
        for (opening, day), used in rows.opening_days.get(org_id, {}).items():
            if period.start <= day < period.end:
                by_opening[opening] = by_opening.get(opening, 0) + used
        out[org_id] = CreditStanding(
            period_start=period.start,
            period_end=period.end,
            today=today,
            total_e4=period.total,
            remaining_e4=period.remaining,
            runs_out_on=forecast.runs_out_on,
            by_opening_e4=by_opening,
        )
    return out
