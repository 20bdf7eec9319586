"""The current billing period's interview credits read in the caller's transaction: the
figures of the CREDITS_REMAINING_BELOW, RUNS_OUT_BEFORE_PERIOD_END and OPENING_CREDITS_ABOVE
alert rules, computed as the Consumption page computes them (:func:`books` is shared)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts.records import CreditStanding
from gateway.consumption import ledger as rules
from gateway.consumption import queries
from gateway.consumption.records import LedgerInput
from gateway.core.calendar import local_day, local_midnight
from gateway.orgs import queries as org_queries
from gateway.orgs.records import OrgRecord, PlanRecord


def window(target: date, today: date) -> tuple[date, date]:
    """``(lo, hi)``: the periods containing the target day and today start on or after
    ``lo`` and are counted day by day; every earlier one is over and read as one rollup row.
    Days from ``hi`` on count in neither (the future, or past the target's period)."""
    lo = min(target, today) - rules.LONGEST_PERIOD
    hi = min(today, target + rules.LONGEST_PERIOD) + timedelta(days=1)
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
) -> rules.BillingPeriod | None:
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
    chain = rules.billing_periods(
        plans=plans,
        active_since=org.active_since,
        until=target,
        daily_credits=daily,
        purchases=bought,
        balance_until=today + timedelta(days=1),
        settled=rules.SettledPeriods(lo, settled),
    )
    return rules.period_containing(chain, target)


async def credit_standing(
    conn: AsyncConnection, org: OrgRecord, now: datetime
) -> CreditStanding | None:
    """Today's billing period with its forecast; None before the organization is active."""
    zone = ZoneInfo(org.time_zone)
    today = local_day(now, zone)
    lo, hi = window(today, today)
    plans = await org_queries.plan_history(conn, org_id=org.id)
    inputs = await queries.ledger_inputs(
        conn,
        org_id=org.id,
        lo=lo,
        hi=hi,
        lo_at=local_midnight(lo, zone),
        hi_at=local_midnight(hi, zone),
    )
    period = books(org=org, plans=plans, inputs=inputs, target=today, today=today, now=now, lo=lo)
    if period is None:
        return None
    recent = await queries.totals_by_day(
        conn, org_id=org.id, first=today - timedelta(days=14), end=today
    )
    forecast = rules.forecast(
        period=period, today=today, last_14_days_e4=sum(r.credits_e4 for r in recent)
    )
    openings: dict[str, int] = {}
    for row in await queries.totals_by_opening(
        conn, org_id=org.id, first=period.start, end=period.end
    ):
        opening = str(row.key[0])
        openings[opening] = openings.get(opening, 0) + row.credits_e4
    return CreditStanding(
        period_start=period.start,
        period_end=period.end,
        today=today,
        total_e4=period.total,
        remaining_e4=period.remaining,
        runs_out_on=forecast.runs_out_on,
        by_opening_e4=openings,
    )
