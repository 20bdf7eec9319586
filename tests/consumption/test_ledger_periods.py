"""The balance chain read from one row per settled billing period equals the chain walked
day by day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.consumption.ledger import (
    LONGEST_PERIOD,
    SettledPeriods,
    billing_periods,
    credits_by_period,
    period_bounds,
)
from gateway.consumption.rollups import period_rows
from gateway.orgs.enums import RolloverRule
from gateway.orgs.plans import EPOCH
from gateway.orgs.records import PlanRecord

C = 10_000
FIRST = date(2024, 1, 1)


@st.composite
def plan_histories(draw: st.DrawFn) -> list[PlanRecord]:
    starts = sorted(
        {EPOCH, *draw(st.lists(st.integers(0, 700), max_size=3).map(_days))},
    )
    return [
        PlanRecord(
            start,
            draw(st.sampled_from([0, 5, 40])) * C,
            rule := draw(st.sampled_from(list(RolloverRule))),
            draw(st.sampled_from([0, 3, 7])) * C if rule is RolloverRule.CAPPED else None,
            draw(st.sampled_from([1, 5, 15, 28])),
        )
        for start in starts
    ]


def _days(offsets: list[int]) -> list[date]:
    return [FIRST + timedelta(days=n) for n in offsets]


@settings(max_examples=300, deadline=None)
@given(
    plans=plan_histories(),
    since=st.integers(0, 200),
    used=st.dictionaries(st.integers(0, 760), st.integers(0, 30 * C), max_size=120),
    bought=st.lists(st.tuples(st.integers(0, 760), st.integers(1, 20 * C)), max_size=8),
    today=st.integers(100, 760),
    target_back=st.integers(-40, 400),
)
def test_settled_periods_give_the_same_chain(
    plans: list[PlanRecord],
    since: int,
    used: dict[int, int],
    bought: list[tuple[int, int]],
    today: int,
    target_back: int,
) -> None:
    active_since = FIRST + timedelta(days=since)
    now = FIRST + timedelta(days=today)
    target = max(active_since, now - timedelta(days=target_back))
    daily = {FIRST + timedelta(days=n): credits for n, credits in used.items()}
    purchases = [(FIRST + timedelta(days=n), credits) for n, credits in bought]
    args = {
        "plans": plans,
        "active_since": active_since,
        "until": target,
        "purchases": purchases,
        "balance_until": now + timedelta(days=1),
    }
    walked = billing_periods(daily_credits=daily, **args)  # type: ignore[arg-type]

    # What the ledger reads: the sums of each whole period before ``lo`` (here summed the
    # obvious way, over every day of each period), then the days from ``lo`` on.
    lo = min(target, now) - LONGEST_PERIOD
    sums = {}
    for period in walked:
        if period.start < lo:
            days = [period.start + timedelta(n) for n in range((period.end - period.start).days)]
            sums[period.start] = (
                sum(daily.get(day, 0) for day in days),
                sum(c for day, c in purchases if day in days),
            )
    recent = {day: c for day, c in daily.items() if day >= lo}
    read = billing_periods(
        daily_credits=recent,
        settled=SettledPeriods(lo, sums),
        **args,  # type: ignore[arg-type]
    )
    assert [(p.start, p.end, p.total, p.used, p.remaining) for p in read] == [
        (p.start, p.end, p.total, p.used, p.remaining) for p in walked
    ]
    # Only settled periods lose their first empty day; the target's is always walked.
    assert read[-1] == walked[-1]
    # The rows the rollup stores are those same sums.
    rows = period_rows(
        "o", plans=plans, active_since=active_since, used=daily.items(), bought=purchases
    )
    stored = {row["period_start"]: (row["used_e4"], row["purchased_e4"]) for row in rows}
    assert {start: s for start, s in sums.items() if any(s)} == {
        start: s for start, s in stored.items() if start < lo and start <= target
    }


def test_days_before_the_first_period_belong_to_none() -> None:
    plans = [PlanRecord(EPOCH, 10 * C, RolloverRule.NONE, None, 15)]
    bounds = period_bounds(plans=plans, active_since=date(2026, 3, 20), until=date(2026, 5, 1))
    assert bounds == [
        (date(2026, 3, 15), date(2026, 4, 15)),
        (date(2026, 4, 15), date(2026, 5, 15)),
    ]
    amounts = [(date(2026, 3, 14), 1), (date(2026, 3, 15), 2), (date(2026, 4, 15), 4)]
    assert credits_by_period(bounds, amounts) == {bounds[0]: 2, bounds[1]: 4}
    # Past the last period: none either.
    assert credits_by_period(bounds, [(date(2026, 5, 15), 8)]) == {}
