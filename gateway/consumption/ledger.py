"""The balance chain of billing periods, the forecast and the planning example (pure: no I/O)."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from gateway.core.calendar import add_months, billing_period_start
from gateway.core.errors import InvalidInput
from gateway.core.money import credits_from_int, credits_to_int
from gateway.orgs.plans import plan_on, rolled_over
from gateway.orgs.records import PlanRecord

CREDIT = 10_000  # one credit in ten-thousandths


@dataclass(frozen=True)
class BillingPeriod:
    """One billing period's allocation and use (credits in ten-thousandths)."""

    start: date
    end: date
    included: int
    rolled_over: int
    purchased: int
    used: int
    first_empty_day: date | None  # the first day the balance was <= 0, if any

    @property
    def total(self) -> int:
        return self.included + self.rolled_over + self.purchased

    @property
    def remaining(self) -> int:
        return self.total - self.used


def _next_start(start: date, anchor: int) -> date:
    """The first day after ``start`` that falls on ``anchor``."""
    if start.day < anchor:
        return start.replace(day=anchor)
    return add_months(start.replace(day=anchor), 1)


# A billing period is at most this long (anchor days are 1-28): a day's period starts within
# this many days before it.
LONGEST_PERIOD = timedelta(days=31)

Bounds = tuple[date, date]  # a billing period's first day and the first day after it


def period_bounds(*, plans: Sequence[PlanRecord], active_since: date, until: date) -> list[Bounds]:
    """``[start, end)`` of every billing period from the one containing ``active_since``
    through the one containing ``until``.

    They depend only on ``active_since`` and the plans' start days and anchor days.
    """
    first_plan = plan_on(plans, active_since) or (plans[0] if plans else None)
    anchor = first_plan.billing_anchor_day if first_plan else 1
    start = billing_period_start(active_since, anchor)
    out: list[Bounds] = []
    while start <= until:
        plan = plan_on(plans, start)
        end = _next_start(start, plan.billing_anchor_day if plan else anchor)
        out.append((start, end))
        start = end
    return out


def boundary_terms(plans: Sequence[PlanRecord], active_since: date) -> tuple[object, ...]:
    """What the periods' boundaries depend on: equal terms, equal boundaries."""
    return (active_since, *((p.effective_from, p.billing_anchor_day) for p in plans))


def credits_by_period(
    bounds: Sequence[Bounds], amounts: Iterable[tuple[date, int]]
) -> dict[Bounds, int]:
    """Amounts summed per billing period (``bounds`` in order); days before the first period
    belong to none and are left out, as the balance chain leaves them out."""
    starts = [start for start, _ in bounds]
    out: dict[Bounds, int] = {}
    for day, amount in amounts:
        at = bisect_right(starts, day) - 1
        if at < 0 or day >= bounds[at][1]:
            continue
        out[bounds[at]] = out.get(bounds[at], 0) + amount
    return out


@dataclass(frozen=True)
class SettledPeriods:
    """Use and purchases of whole billing periods that started before ``before`` (all of them
    over by today), by the period's first day: one rollup row each instead of every day."""

    before: date
    sums: Mapping[date, tuple[int, int]]  # start -> (used, purchased)


def billing_periods(
    *,
    plans: Sequence[PlanRecord],
    active_since: date,
    until: date,
    daily_credits: Mapping[date, int],
    purchases: Iterable[tuple[date, int]],
    balance_until: date | None = None,
    settled: SettledPeriods | None = None,
) -> list[BillingPeriod]:
    """Every billing period from the one containing ``active_since`` through the one
    containing ``until``, each carrying the previous one's balance by its rollover rule.

    No scheduled job is needed: the chain is recomputed from the rollups on demand.
    ``balance_until`` stops counting use and purchases at that day (exclusive), for "now".
    Periods starting before ``settled.before`` take their sums from ``settled`` (their
    ``first_empty_day`` is then unknown: None); the rest count ``daily_credits`` day by day.
    """
    bought: dict[date, int] = {}
    for day, credits in purchases:
        bought[day] = bought.get(day, 0) + credits
    out: list[BillingPeriod] = []
    carry = 0
    for start, end in period_bounds(plans=plans, active_since=active_since, until=until):
        plan = plan_on(plans, start)
        included = plan.credits_per_period_e4 if plan else 0
        rolled = rolled_over(plan, carry) if out else 0
        empty_day = None
        if settled is not None and start < settled.before:
            used, purchased = settled.sums.get(start, (0, 0))
        else:
            stop = min(end, balance_until) if balance_until else end
            purchased = used = 0
            day = start
            while day < stop:
                purchased += bought.get(day, 0)
                used += daily_credits.get(day, 0)
                balance = included + rolled + purchased - used
                if empty_day is None and balance <= 0 and used > 0:
                    empty_day = day
                day += timedelta(days=1)
        period = BillingPeriod(start, end, included, rolled, purchased, used, empty_day)
        out.append(period)
        carry = period.remaining
    return out


def period_containing(periods: Sequence[BillingPeriod], day: date) -> BillingPeriod | None:
    for period in periods:
        if period.start <= day < period.end:
            return period
    return None


@dataclass(frozen=True)
class Forecast:
    projected_used: int
    projected_remaining: int
    runs_out_on: date | None
    recommended_purchase: int


def _round_credits_2(value: Fraction) -> int:
    """Ten-thousandths, rounded half-up to hundredths of a credit."""
    hundredths = value / 100
    return math.floor(hundredths + Fraction(1, 2)) * 100


def forecast(
    *,
    period: BillingPeriod,
    today: date,
    last_14_days_e4: int,
) -> Forecast:
    """Projection of the current period at the last fourteen days' daily rate.

    Exact rational arithmetic: a rate of 2/14 a day must empty a balance of 1 in 7 days, not
    in 6.999… of them.
    """
    rate = Fraction(last_14_days_e4, 14)
    remaining_days = max(0, (period.end - today).days)
    projected = _round_credits_2(period.used + rate * remaining_days)
    projected_remaining = period.total - projected
    balance = period.remaining
    runs_out: date | None
    if balance <= 0:
        runs_out = today
    elif rate == 0:
        runs_out = None
    else:
        # Compared in days first: a large balance at a tiny rate lasts past any date.
        days_left = math.floor(balance / rate)
        runs_out = None if days_left >= (period.end - today).days else today + timedelta(days_left)
    shortfall = max(0, -projected_remaining)
    recommended = math.ceil(Fraction(shortfall) * Fraction(6, 5) / CREDIT) * CREDIT
    return Forecast(projected, projected_remaining, runs_out, recommended)


def past_forecast(period: BillingPeriod) -> Forecast:
    return Forecast(period.used, period.remaining, period.first_empty_day, 0)


@dataclass(frozen=True)
class CreditPlanFigures:
    expected_interviews: int
    credits_needed: Decimal
    credits_with_buffer: Decimal


def plan_interview_credits(
    roles: int, candidates: int, completion_rate: Decimal, buffer: Decimal
) -> CreditPlanFigures:
    """Roles x candidates x completion rate, one credit per interview, plus the buffer."""
    if roles < 0 or candidates < 0:
        raise InvalidInput.one(
            "rolesPerMonth", "rolesPerMonth and candidatesPerRole must not be negative"
        )
    if not Decimal(0) <= completion_rate <= Decimal(1):
        raise InvalidInput.one("completionRate", "completionRate must be between 0 and 1")
    if not Decimal(0) <= buffer <= Decimal(10):
        raise InvalidInput.one("buffer", "buffer must be between 0 and 10")
    expected = math.ceil(Decimal(roles) * Decimal(candidates) * completion_rate)
    with_buffer = math.ceil(Decimal(expected) * (1 + buffer))
    # Credits, at the scale every credit amount is printed with.
    return CreditPlanFigures(
        expected,
        credits_from_int(credits_to_int(expected)),
        credits_from_int(credits_to_int(with_buffer)),
    )
