"""The Usage page's rules: summary, breakdowns, user rows, trend labels and time buckets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.buckets import Granularity
from gateway.core.periods import Period
from gateway.orgs.enums import AiBillingMode, AiProvider
from gateway.usage.enums import TrendDirection, UsageReason
from gateway.usage.records import Totals
from gateway.usage.rules import (
    Bucket,
    buckets,
    by_model,
    by_reason,
    byok_notice,
    relative,
    same_point_last_month,
    summary,
    trend,
)

PARIS = ZoneInfo("Europe/Paris")
UTC_ZONE = ZoneInfo("UTC")


def _t(
    key: tuple[object, ...], calls: int, credits: int = 0, cost: int = 0, tokens: int = 0
) -> Totals:
    return Totals(key, calls, credits, cost, tokens)


# --- summary and by reason -------------------------------------------------------------------

REASONS = [
    _t(("CREDITS", "CHAT"), calls=3, credits=30_000, cost=100, tokens=900),
    _t(("BYOK", "CHAT"), calls=2, credits=0, cost=500, tokens=400),
    _t(("CREDITS", "SUMMARIZE_CV"), calls=1, credits=50_000, cost=10, tokens=50),
]
MODELS = [_t(("ANTHROPIC", "Sonnet"), 4), _t(("OPENAI", "GPT-4o"), 2)]


def test_summary() -> None:
    figures = summary(REASONS, MODELS)
    assert figures.credits_e4 == 80_000  # 30,000 + 0 + 50,000
    assert figures.cost_micros == 610  # 100 + 500 + 10
    assert figures.calls == 6  # 3 + 2 + 1
    assert figures.byok_calls == 2
    assert figures.feature_type_count == 2  # CHAT and SUMMARIZE_CV
    assert figures.model_tier_count == 2


def test_summary_of_nothing() -> None:
    figures = summary([], [])
    assert (figures.calls, figures.byok_calls, figures.feature_type_count) == (0, 0, 0)


def test_by_reason_merges_billing_modes_and_orders_by_credits() -> None:
    rows = by_reason(REASONS)
    assert [r.reason for r in rows] == [UsageReason.SUMMARIZE_CV, UsageReason.CHAT]
    # CHAT: 3 + 2 calls, 30,000 + 0 credits, 100 + 500 cost, 900 + 400 tokens.
    assert rows[1].totals == Totals(("CHAT",), 5, 30_000, 600, 1_300)
    assert rows[0].totals == Totals(("SUMMARIZE_CV",), 1, 50_000, 10, 50)


def test_by_reason_orders_by_cost_when_there_are_no_credits() -> None:
    rows = by_reason(
        [
            _t(("BYOK", "CHAT"), calls=9, cost=100),
            _t(("BYOK", "GENERATE_FIELD"), calls=1, cost=300),
        ]
    )
    assert [r.reason for r in rows] == [UsageReason.GENERATE_FIELD, UsageReason.CHAT]


def test_by_reason_any_credit_means_ordering_by_credits() -> None:
    rows = by_reason(
        [
            _t(("CREDITS", "CHAT"), calls=1, credits=10, cost=1),
            _t(("BYOK", "GENERATE_FIELD"), calls=1, credits=0, cost=1_000),
        ]
    )
    assert [r.reason for r in rows] == [UsageReason.CHAT, UsageReason.GENERATE_FIELD]


def test_by_reason_ties_go_to_calls_then_name() -> None:
    rows = by_reason(
        [
            _t(("CREDITS", "GENERATE_FIELD"), calls=1, credits=10_000),
            _t(("CREDITS", "CHAT"), calls=1, credits=10_000),
            _t(("CREDITS", "SUMMARIZE_CV"), calls=2, credits=10_000),
        ]
    )
    assert [r.reason for r in rows] == [
        UsageReason.SUMMARIZE_CV,  # more calls
        UsageReason.CHAT,  # "CHAT" < "GENERATE_FIELD"
        UsageReason.GENERATE_FIELD,
    ]


# --- by model --------------------------------------------------------------------------------


def test_by_model_relative_to_max_by_credits() -> None:
    rows = by_model(
        [
            _t(("OPENAI", "GPT-4o"), calls=2, credits=10_000),
            _t(("ANTHROPIC", "Haiku"), calls=9, credits=0, cost=999),
            _t(("ANTHROPIC", "Sonnet"), calls=5, credits=40_000),
        ]
    )
    assert [r.label for r in rows] == ["Anthropic Sonnet", "OpenAI GPT-4o", "Anthropic Haiku"]
    assert [r.provider for r in rows] == [
        AiProvider.ANTHROPIC,
        AiProvider.OPENAI,
        AiProvider.ANTHROPIC,
    ]
    # 40,000 / 40,000 = 1; 10,000 / 40,000 = 0.25; 0 / 40,000 = 0.
    assert [r.relative_to_max for r in rows] == [1.0, 0.25, 0.0]


def test_by_model_relative_to_max_by_cost() -> None:
    rows = by_model(
        [
            _t(("OPENAI", "GPT-4o"), calls=1, cost=100),
            _t(("ANTHROPIC", "Opus"), calls=1, cost=300),
        ]
    )
    assert [r.tier for r in rows] == ["Opus", "GPT-4o"]
    assert rows[0].relative_to_max == 1.0
    assert rows[1].relative_to_max == pytest.approx(1 / 3)


def test_by_model_with_nothing_to_measure() -> None:
    rows = by_model([_t(("OPENAI", "GPT-4o"), calls=1), _t(("ANTHROPIC", "Opus"), calls=3)])
    assert [r.tier for r in rows] == ["Opus", "GPT-4o"]  # by calls
    assert [r.relative_to_max for r in rows] == [0.0, 0.0]
    assert by_model([]) == []


def test_relative() -> None:
    assert relative([8, 2, 0]) == [1.0, 0.25, 0.0]
    assert relative([0, 0]) == [0.0, 0.0]
    assert relative([]) == []


# --- trend -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "direction", "percent", "label"),
    [
        (112, 100, TrendDirection.UP, 12, "+12% vs last month"),
        (88, 100, TrendDirection.DOWN, -12, "-12% vs last month"),
        (1_002, 1_000, TrendDirection.FLAT, 0, "flat vs last month"),  # +0.2 % rounds to 0
        (1_005, 1_000, TrendDirection.UP, 1, "+1% vs last month"),  # +0.5 % rounds to 1
        (100, 100, TrendDirection.FLAT, 0, "flat vs last month"),
        (0, 100, TrendDirection.DOWN, -100, "-100% vs last month"),
        (5, 0, TrendDirection.UP, None, "new vs last month"),
        (0, 0, TrendDirection.FLAT, None, "flat vs last month"),
        (300, 100, TrendDirection.UP, 200, "+200% vs last month"),
    ],
)
def test_trend(
    current: int, previous: int, direction: TrendDirection, percent: int | None, label: str
) -> None:
    figures = trend(current, previous, against="last month")
    assert figures.direction is direction
    assert figures.percent == percent
    assert figures.label == label
    assert figures.previous_credits_e4 == previous


# --- same point last month -------------------------------------------------------------------


def test_same_point_last_month_keeps_the_local_time() -> None:
    # 15 April 12:00 in Paris (CEST, +02:00) is 10:00 UTC.
    now = datetime(2025, 4, 15, 10, 0, tzinfo=UTC)
    point = same_point_last_month(now, date(2025, 4, 1), date(2025, 3, 1), PARIS)
    # 15 March 12:00 in Paris (CET, +01:00) is 11:00 UTC.
    assert point == datetime(2025, 3, 15, 11, 0, tzinfo=UTC)


def test_same_point_last_month_clamps_to_this_months_start() -> None:
    # 31 March: February has no 31st, so the comparison stops at 1 March 00:00 local.
    now = datetime(2025, 3, 31, 8, 0, tzinfo=UTC)
    point = same_point_last_month(now, date(2025, 3, 1), date(2025, 2, 1), PARIS)
    # 1 March 00:00 in Paris (+01:00) is 28 February 23:00 UTC.
    assert point == datetime(2025, 2, 28, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local_day", "expected_day"),
    [
        (date(2024, 3, 29), date(2024, 2, 29)),  # a leap year has 29 February
        (date(2024, 3, 30), None),  # but no 30th
    ],
)
def test_same_point_last_month_in_a_leap_year(local_day: date, expected_day: date | None) -> None:
    now = datetime.combine(local_day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=15)
    point = same_point_last_month(now, date(2024, 3, 1), date(2024, 2, 1), UTC_ZONE)
    if expected_day is None:
        assert point == datetime(2024, 3, 1, tzinfo=UTC)
    else:
        assert point == datetime.combine(expected_day, datetime.min.time(), tzinfo=UTC) + timedelta(
            hours=15
        )


def test_same_point_last_month_across_the_year() -> None:
    now = datetime(2025, 1, 10, 9, 30, tzinfo=UTC)
    point = same_point_last_month(now, date(2025, 1, 1), date(2024, 12, 1), UTC_ZONE)
    assert point == datetime(2024, 12, 10, 9, 30, tzinfo=UTC)


# --- buckets ---------------------------------------------------------------------------------

# Wednesday 5 March .. Thursday 20 March 2025 (3 March is a Monday).
PERIOD = Period(None, date(2025, 3, 5), date(2025, 3, 21), UTC_ZONE)
DAYS = [
    _t((date(2025, 3, 4),), calls=100, credits=100),  # before the period: ignored
    _t((date(2025, 3, 5),), calls=1, credits=10, cost=1),
    _t((date(2025, 3, 9),), calls=2, credits=20, cost=2),  # Sunday: still the week of the 3rd
    _t((date(2025, 3, 17),), calls=4, credits=40, cost=4),
    _t((date(2025, 3, 20),), calls=8, credits=80, cost=8),
    _t((date(2025, 3, 21),), calls=100, credits=100),  # the end day is not in the period
]


def test_week_buckets_with_an_empty_week() -> None:
    assert buckets(PERIOD, Granularity.WEEK, DAYS) == [
        Bucket(date(2025, 3, 3), calls=3, credits_e4=30, cost_micros=3),  # 1 + 2
        Bucket(date(2025, 3, 10)),  # nothing that week
        Bucket(date(2025, 3, 17), calls=12, credits_e4=120, cost_micros=12),  # 4 + 8
    ]


def test_month_bucket() -> None:
    # 1 + 2 + 4 + 8 = 15 calls.
    assert buckets(PERIOD, Granularity.MONTH, DAYS) == [
        Bucket(date(2025, 3, 1), calls=15, credits_e4=150, cost_micros=15)
    ]


def test_day_buckets() -> None:
    result = buckets(PERIOD, Granularity.DAY, DAYS)
    assert [b.start for b in result] == [date(2025, 3, 5) + timedelta(days=n) for n in range(16)]
    by_day = {b.start: b.calls for b in result}
    assert by_day[date(2025, 3, 5)] == 1
    assert by_day[date(2025, 3, 6)] == 0
    assert by_day[date(2025, 3, 20)] == 8
    assert sum(by_day.values()) == 15


@settings(max_examples=100, deadline=None)
@given(
    first=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    length=st.integers(min_value=1, max_value=120),
    calls=st.lists(
        st.tuples(
            st.integers(min_value=-10, max_value=130), st.integers(min_value=1, max_value=50)
        ),
        max_size=30,
    ),
    granularity=st.sampled_from(list(Granularity)),
)
def test_buckets_sum_the_days_of_the_period(
    first: date, length: int, calls: list[tuple[int, int]], granularity: Granularity
) -> None:
    period = Period(None, first, first + timedelta(days=length), UTC_ZONE)
    days = [_t((first + timedelta(days=offset),), calls=n, credits=3 * n) for offset, n in calls]
    result = buckets(period, granularity, days)
    inside = [(offset, n) for offset, n in calls if 0 <= offset < length]
    assert sum(b.calls for b in result) == sum(n for _, n in inside)
    assert sum(b.credits_e4 for b in result) == 3 * sum(n for _, n in inside)
    starts = [b.start for b in result]
    assert starts == sorted(set(starts))
    # Each bucket holds exactly the in-period days from its start to the next bucket's start.
    bounds = [*starts[1:], date.max]
    for bucket, stop in zip(result, bounds, strict=True):
        expected = sum(
            n for offset, n in inside if bucket.start <= first + timedelta(days=offset) < stop
        )
        assert bucket.calls == expected


# --- BYOK notice -----------------------------------------------------------------------------


def test_byok_notice() -> None:
    assert byok_notice(AiBillingMode.CREDITS, AiProvider.OPENAI) is None
    assert byok_notice(AiBillingMode.BYOK, None) is None
    notice = byok_notice(AiBillingMode.BYOK, AiProvider.ANTHROPIC)
    assert notice is not None
    assert notice.provider is AiProvider.ANTHROPIC
    assert notice.provider_dashboard_url == "https://console.anthropic.com/settings/usage"
    assert "Anthropic Console" in notice.message
    openai = byok_notice(AiBillingMode.BYOK, AiProvider.OPENAI)
    assert (
        openai is not None and openai.provider_dashboard_url == "https://platform.openai.com/usage"
    )
