"""The balance chain of billing periods, the forecast and the planning example."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.consumption.ledger import (
    CREDIT,
    BillingPeriod,
    Forecast,
    billing_periods,
    forecast,
    past_forecast,
    period_containing,
    plan_interview_credits,
)
from gateway.core.errors import InvalidInput
from gateway.orgs.enums import RolloverRule
from gateway.orgs.plans import EPOCH, PlanTerms, effective_from
from gateway.orgs.records import PlanRecord

C = CREDIT  # 10_000 ten-thousandths


def _plan(
    credits: int = 100,
    rule: RolloverRule = RolloverRule.NONE,
    cap: int | None = None,
    *,
    since: date = EPOCH,
    anchor: int = 1,
) -> PlanRecord:
    return PlanRecord(since, credits * C, rule, None if cap is None else cap * C, anchor)


# Use: 30 credits in January, 50 in February, 10 in March.
USE = {date(2025, 1, 5): 30 * C, date(2025, 2, 10): 50 * C, date(2025, 3, 3): 10 * C}


def _chain(plan: PlanRecord, **kwargs: object) -> list[BillingPeriod]:
    args: dict[str, object] = {
        "plans": [plan],
        "active_since": date(2025, 1, 1),
        "until": date(2025, 3, 15),
        "daily_credits": USE,
        "purchases": [],
    }
    args.update(kwargs)
    return billing_periods(**args)  # type: ignore[arg-type]


def _figures(periods: list[BillingPeriod]) -> list[tuple[int, int, int, int, int]]:
    """(included, rolled over, purchased, used, remaining) in whole credits."""
    return [
        (p.included // C, p.rolled_over // C, p.purchased // C, p.used // C, p.remaining // C)
        for p in periods
    ]


def test_three_periods_of_a_monthly_plan() -> None:
    periods = _chain(_plan())
    assert [(p.start, p.end) for p in periods] == [
        (date(2025, 1, 1), date(2025, 2, 1)),
        (date(2025, 2, 1), date(2025, 3, 1)),
        (date(2025, 3, 1), date(2025, 4, 1)),
    ]


def test_no_rollover() -> None:
    # Each period starts again from the 100 included credits.
    assert _figures(_chain(_plan(rule=RolloverRule.NONE))) == [
        (100, 0, 0, 30, 70),
        (100, 0, 0, 50, 50),
        (100, 0, 0, 10, 90),
    ]


def test_full_rollover() -> None:
    # Jan: 100 - 30 = 70 left. Feb: 100 + 70 = 170, - 50 = 120. Mar: 100 + 120 = 220, - 10 = 210.
    assert _figures(_chain(_plan(rule=RolloverRule.FULL))) == [
        (100, 0, 0, 30, 70),
        (100, 70, 0, 50, 120),
        (100, 120, 0, 10, 210),
    ]


def test_capped_rollover() -> None:
    # Cap 40. Jan: 70 left, 40 carried. Feb: 140 - 50 = 90, 40 carried. Mar: 140 - 10 = 130.
    assert _figures(_chain(_plan(rule=RolloverRule.CAPPED, cap=40))) == [
        (100, 0, 0, 30, 70),
        (100, 40, 0, 50, 90),
        (100, 40, 0, 10, 130),
    ]


def test_an_overdrawn_period_carries_nothing() -> None:
    use = {date(2025, 1, 5): 120 * C}
    periods = _chain(_plan(rule=RolloverRule.FULL), daily_credits=use, until=date(2025, 2, 1))
    assert _figures(periods) == [(100, 0, 0, 120, -20), (100, 0, 0, 0, 100)]
    assert periods[0].first_empty_day == date(2025, 1, 5)


def test_purchases_count_in_their_period() -> None:
    purchases = [
        (date(2025, 2, 10), 25 * C),
        (date(2025, 2, 10), 5 * C),  # same day: summed
        (date(2024, 12, 31), 99 * C),  # before the first period: not part of the chain
        (date(2025, 3, 20), 10 * C),
    ]
    # Feb: 100 + 70 rolled + 30 bought = 200, - 50 = 150. Mar: 100 + 150 + 10 = 260, - 10 = 250.
    assert _figures(_chain(_plan(rule=RolloverRule.FULL), purchases=purchases)) == [
        (100, 0, 0, 30, 70),
        (100, 70, 30, 50, 150),
        (100, 150, 10, 10, 250),
    ]


def test_balance_until_stops_counting_at_that_day() -> None:
    use = {**USE, date(2025, 3, 5): 7 * C}
    purchases = [(date(2025, 3, 20), 10 * C)]
    periods = _chain(
        _plan(rule=RolloverRule.FULL),
        daily_credits=use,
        purchases=purchases,
        balance_until=date(2025, 3, 5),
    )
    # 5 March itself and the purchase of the 20th are not counted yet; the period still ends
    # on 1 April.
    assert _figures(periods)[2] == (100, 120, 0, 10, 210)
    assert periods[2].end == date(2025, 4, 1)


def test_first_empty_day() -> None:
    use = {date(2025, 1, 3): 60 * C, date(2025, 1, 7): 40 * C, date(2025, 1, 9): 5 * C}
    periods = _chain(_plan(), daily_credits=use, until=date(2025, 1, 31))
    # 100 - 60 = 40 on the 3rd, 40 - 40 = 0 on the 7th: empty from the 7th.
    assert periods[0].first_empty_day == date(2025, 1, 7)
    assert periods[0].remaining == -5 * C


def test_a_period_without_credits_or_use_is_not_empty() -> None:
    periods = _chain(_plan(credits=0), daily_credits={}, until=date(2025, 1, 31))
    assert periods[0].first_empty_day is None


def test_anchor_day_sets_the_periods() -> None:
    periods = _chain(_plan(anchor=15), active_since=date(2025, 1, 20), until=date(2025, 2, 20))
    assert [(p.start, p.end) for p in periods] == [
        (date(2025, 1, 15), date(2025, 2, 15)),
        (date(2025, 2, 15), date(2025, 3, 15)),
    ]


def test_a_plan_change_applies_from_the_next_period() -> None:
    first = _plan(credits=100)
    wanted = PlanTerms(200 * C, RolloverRule.NONE, None, 1)
    since = effective_from([first], wanted, today=date(2025, 1, 20), active_since=date(2024, 6, 1))
    assert since == date(2025, 2, 1)
    changed = PlanRecord(since, 200 * C, RolloverRule.NONE, None, 1)
    periods = _chain(first, plans=[first, changed])
    assert [p.included // C for p in periods] == [100, 200, 200]
    assert [p.remaining // C for p in periods] == [70, 150, 190]


def test_period_containing() -> None:
    periods = _chain(_plan())
    assert period_containing(periods, date(2025, 2, 1)) is periods[1]
    assert period_containing(periods, date(2025, 1, 31)) is periods[0]
    assert period_containing(periods, date(2025, 4, 1)) is None


# --- forecast --------------------------------------------------------------------------------

MARCH = BillingPeriod(date(2025, 3, 1), date(2025, 4, 1), C, 0, 0, 0, None)


def test_forecast_with_exact_arithmetic() -> None:
    # Two credits over the last fourteen days: 2/14 = 1/7 credit a day.
    result = forecast(period=MARCH, today=date(2025, 3, 10), last_14_days_e4=2 * C)
    # 10 March .. 31 March is 22 days: 22/7 = 3.142857 credits -> 3.14 (hundredths, half-up).
    assert result.projected_used == 31_400
    assert result.projected_remaining == C - 31_400  # -2.14 credits
    # A balance of 1 at 1/7 a day lasts exactly 7 days (floating point would say 6.999…).
    assert result.runs_out_on == date(2025, 3, 17)
    # Short 2.14 credits; with 20 % buffer 2.568, rounded up to 3 whole credits.
    assert result.recommended_purchase == 3 * C


@pytest.mark.parametrize(
    ("today", "runs_out"),
    [
        (date(2025, 3, 24), date(2025, 3, 31)),  # 24 + 7 = 31 March, the period's last day
        (date(2025, 3, 25), None),  # 25 + 7 = 1 April, the next period: not this one
        (date(2025, 3, 31), None),
    ],
)
def test_runs_out_on_is_none_past_the_period_end(today: date, runs_out: date | None) -> None:
    result = forecast(period=MARCH, today=today, last_14_days_e4=2 * C)
    assert result.runs_out_on == runs_out


def test_forecast_without_use() -> None:
    period = BillingPeriod(date(2025, 3, 1), date(2025, 4, 1), 10 * C, 0, 0, 3 * C, None)
    result = forecast(period=period, today=date(2025, 3, 10), last_14_days_e4=0)
    assert result == Forecast(3 * C, 7 * C, None, 0)


def test_an_empty_balance_runs_out_today() -> None:
    period = BillingPeriod(date(2025, 3, 1), date(2025, 4, 1), C, 0, 0, C, None)
    result = forecast(period=period, today=date(2025, 3, 10), last_14_days_e4=0)
    assert result.runs_out_on == date(2025, 3, 10)


def test_recommended_purchase_is_exact_when_the_buffer_gives_whole_credits() -> None:
    # 14 credits per 14 days = 1 credit a day, for the 6 days 26..31 March: 6 credits projected, 1 included, 5 short; 5 x 1.2 = 6 credits exactly.
    result = forecast(period=MARCH, today=date(2025, 3, 26), last_14_days_e4=14 * C)
    assert result.projected_used == 6 * C
    assert result.projected_remaining == -5 * C
    assert result.recommended_purchase == 6 * C
    assert result.runs_out_on == date(2025, 3, 27)  # 1 credit at 1 a day: one day


def test_the_smallest_shortfall_recommends_one_whole_credit() -> None:
    # Used one hundredth of a credit (100 e4) more than the total: 1.2 hundredths -> 1 credit.
    period = BillingPeriod(date(2025, 3, 1), date(2025, 4, 1), C, 0, 0, C + 100, None)
    result = forecast(period=period, today=date(2025, 3, 10), last_14_days_e4=0)
    assert result.projected_remaining == -100
    assert result.recommended_purchase == C


@pytest.mark.parametrize(
    ("used", "projected"),
    [(49, 0), (50, 100), (150, 200), (250, 300), (10_049, 10_000), (10_050, 10_100)],
)
def test_projected_use_rounds_half_up_to_hundredths(used: int, projected: int) -> None:
    period = BillingPeriod(date(2025, 3, 1), date(2025, 4, 1), 10 * C, 0, 0, used, None)
    result = forecast(period=period, today=date(2025, 3, 10), last_14_days_e4=0)
    assert result.projected_used == projected


@settings(max_examples=150, deadline=None)
@given(
    included=st.integers(min_value=0, max_value=500 * C),
    used=st.integers(min_value=0, max_value=600 * C),
    # 0, or at least one hundredth of a credit (the smallest charge an interview makes).
    last_14=st.one_of(st.just(0), st.integers(min_value=100, max_value=200 * C)),
    day=st.integers(min_value=1, max_value=31),
)
def test_forecast_matches_integer_arithmetic(
    included: int, used: int, last_14: int, day: int
) -> None:
    period = BillingPeriod(date(2025, 3, 1), date(2025, 4, 1), included, 0, 0, used, None)
    today = date(2025, 3, day)
    result = forecast(period=period, today=today, last_14_days_e4=last_14)
    days_left = 32 - day  # to 1 April
    # projected = used + last_14 x days / 14, in hundredths of a credit (100 e4), half-up:
    # numerator / 1400 rounded half-up is (2 x numerator + 1400) // 2800.
    numerator = used * 14 + last_14 * days_left
    projected = (2 * numerator + 1400) // 2800 * 100
    assert result.projected_used == projected
    assert result.projected_remaining == included - projected
    balance = included - used
    if balance <= 0:
        assert result.runs_out_on == today
    elif last_14 == 0:
        assert result.runs_out_on is None
    else:
        # balance / (last_14 / 14) whole days.
        runs_out = today + timedelta(days=balance * 14 // last_14)
        assert result.runs_out_on == (runs_out if runs_out < date(2025, 4, 1) else None)
    shortfall = max(0, projected - included)
    # ceil(shortfall x 6 / 5 / C) with integers.
    assert result.recommended_purchase == -(-shortfall * 6 // (5 * C)) * C


def test_a_large_balance_at_a_tiny_rate_does_not_run_out_this_period() -> None:
    # 5,000 credits left, and one interview 1 % completed in the last fourteen days: 100 e4.
    # 50,000,000 e4 / (100/14 e4 a day) = 7,000,000 days, far past 1 April (and past 9999).
    period = BillingPeriod(date(2025, 3, 1), date(2025, 4, 1), 5_000 * C, 0, 0, 0, None)
    result = forecast(period=period, today=date(2025, 3, 10), last_14_days_e4=100)
    assert result.runs_out_on is None
    # 100/14 e4 a day for 22 days = 157.14 e4 -> 1.57 hundredths -> 2 hundredths = 200 e4.
    assert result.projected_used == 200


def test_past_forecast_is_what_happened() -> None:
    period = BillingPeriod(date(2025, 1, 1), date(2025, 2, 1), 100 * C, 5 * C, 0, 30 * C, None)
    assert past_forecast(period) == Forecast(30 * C, 75 * C, None, 0)
    emptied = BillingPeriod(date(2025, 1, 1), date(2025, 2, 1), C, 0, 0, 2 * C, date(2025, 1, 9))
    assert past_forecast(emptied) == Forecast(2 * C, -C, date(2025, 1, 9), 0)


# --- plan_interview_credits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "candidates", "rate", "buffer", "expected", "with_buffer"),
    [
        # 5 roles x 50 candidates x 100 % = 250 interviews; + 20 % = 300.
        (5, 50, "1", "0.2", 250, "300.0000"),
        # 250 x 0.7 = 175; 175 x 1.2 = 210.
        (5, 50, "0.7", "0.2", 175, "210.0000"),
        # 3 x 7 x 0.5 = 10.5 -> 11 interviews; 11 x 1.1 = 12.1 -> 13.
        (3, 7, "0.5", "0.1", 11, "13.0000"),
        # 4 x 10 x 0.33 = 13.2 -> 14; no buffer.
        (4, 10, "0.33", "0", 14, "14.0000"),
        (0, 50, "1", "0.2", 0, "0.0000"),
        # The largest buffer: 1 x 11 = 11.
        (1, 1, "1", "10", 1, "11.0000"),
        (5, 50, "0", "0.2", 0, "0.0000"),
    ],
)
def test_plan_interview_credits(
    roles: int, candidates: int, rate: str, buffer: str, expected: int, with_buffer: str
) -> None:
    figures = plan_interview_credits(roles, candidates, Decimal(rate), Decimal(buffer))
    assert figures.expected_interviews == expected
    assert str(figures.credits_needed) == f"{expected}.0000"
    assert str(figures.credits_with_buffer) == with_buffer


@pytest.mark.parametrize(
    ("roles", "candidates", "rate", "buffer", "field"),
    [
        (-1, 50, "1", "0.2", "rolesPerMonth"),
        (5, -1, "1", "0.2", "rolesPerMonth"),
        (5, 50, "1.01", "0.2", "completionRate"),
        (5, 50, "-0.01", "0.2", "completionRate"),
        (5, 50, "1", "10.5", "buffer"),
        (5, 50, "1", "-0.1", "buffer"),
    ],
)
def test_plan_interview_credits_refuses_bad_input(
    roles: int, candidates: int, rate: str, buffer: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_interview_credits(roles, candidates, Decimal(rate), Decimal(buffer))
    assert [p.field for p in caught.value.problems] == [field]
    assert caught.value.batch is False
