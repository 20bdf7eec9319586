"""What AI calls add to the daily and monthly rollups (the pure part)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.catalog.records import ModelRecord
from gateway.core.calendar import local_midnight
from gateway.orgs.enums import AiBillingMode, AiProvider
from gateway.usage.enums import UsageReason
from gateway.usage.records import CallRecord
from gateway.usage.sums import CallFacts, ai_rollup_rows

PARIS = ZoneInfo("Europe/Paris")
ZONES = {
    "paris": PARIS,
    "kathmandu": ZoneInfo("Asia/Kathmandu"),  # +05:45
    "st-johns": ZoneInfo("America/St_Johns"),  # -03:30 / -02:30
}
ROLLUPS = {
    "daily_by_reason": ("day", ("reason",)),
    "daily_by_member": ("day", ("member_id",)),
    "daily_by_model": ("day", ("provider", "tier")),
    "monthly_by_reason": ("month", ("reason",)),
    "monthly_by_member": ("month", ("member_id",)),
    "monthly_by_model": ("month", ("provider", "tier")),
}
SUMS = ("calls", "credits_e4", "cost_micros", "tokens")


def _facts(
    at: datetime,
    *,
    org: str = "paris",
    credits: int = 100,
    cost: int = 7,
    tokens: int = 30,
    mode: str = "CREDITS",
    reason: str = "CHAT",
    member: str = "m1",
    provider: str = "ANTHROPIC",
    tier: str = "Sonnet",
) -> CallFacts:
    return CallFacts(org, at, mode, reason, member, provider, tier, credits, cost, tokens)


def test_call_facts_of_a_call() -> None:
    call = CallRecord(
        org_id="paris",
        event_id="e1",
        occurred_at=datetime(2025, 1, 10, 12, tzinfo=UTC),
        member_id="m1",
        reason=UsageReason.SUMMARIZE_CV,
        billing_mode=AiBillingMode.BYOK,
        model_id="gpt-4o",
        credits_e4=0,
        input_tokens=120,
        output_tokens=30,
        cost_micros=999,
    )
    model = ModelRecord("gpt-4o", AiProvider.OPENAI, "GPT-4o", "OpenAI GPT-4o")
    facts = CallFacts.of(call, model)
    assert facts == CallFacts(
        "paris",
        datetime(2025, 1, 10, 12, tzinfo=UTC),
        "BYOK",
        "SUMMARIZE_CV",
        "m1",
        "OPENAI",
        "GPT-4o",
        0,
        999,
        150,  # 120 input + 30 output tokens
    )


def test_a_late_evening_utc_call_counts_on_the_next_local_day_in_paris() -> None:
    # 23:30 UTC on 31 January is 00:30 on 1 February in Paris (+01:00): the next day and the
    # next month.
    rows = ai_rollup_rows([_facts(datetime(2025, 1, 31, 23, 30, tzinfo=UTC))], {"paris": PARIS})
    assert rows["daily_by_reason"] == [
        {
            "org_id": "paris",
            "day": date(2025, 2, 1),
            "billing_mode": "CREDITS",
            "reason": "CHAT",
            "calls": 1,
            "credits_e4": 100,
            "cost_micros": 7,
            "tokens": 30,
        }
    ]
    assert [r["month"] for r in rows["monthly_by_model"]] == [date(2025, 2, 1)]
    assert rows["monthly_by_model"][0]["provider"] == "ANTHROPIC"
    assert rows["monthly_by_model"][0]["tier"] == "Sonnet"
    assert set(rows) == set(ROLLUPS)


def test_calls_of_one_key_are_summed_into_one_row() -> None:
    calls = [
        _facts(datetime(2025, 1, 10, 9, tzinfo=UTC), credits=100, member="m1"),
        _facts(datetime(2025, 1, 10, 18, tzinfo=UTC), credits=250, member="m2"),
        # 22:59 UTC is 23:59 in Paris: the same local day.
        _facts(datetime(2025, 1, 10, 22, 59, tzinfo=UTC), credits=50, member="m1"),
        # 23:00 UTC is midnight in Paris: the next local day.
        _facts(datetime(2025, 1, 10, 23, 0, tzinfo=UTC), credits=1, member="m1"),
    ]
    rows = ai_rollup_rows(calls, {"paris": PARIS})
    daily_reason = {r["day"]: (r["calls"], r["credits_e4"]) for r in rows["daily_by_reason"]}
    # 10 Jan: 100 + 250 + 50 = 400 in 3 calls; 11 Jan: 1 in 1 call.
    assert daily_reason == {date(2025, 1, 10): (3, 400), date(2025, 1, 11): (1, 1)}
    daily_member = {
        (r["day"], r["member_id"]): (r["calls"], r["credits_e4"]) for r in rows["daily_by_member"]
    }
    assert daily_member == {
        (date(2025, 1, 10), "m1"): (2, 150),
        (date(2025, 1, 10), "m2"): (1, 250),
        (date(2025, 1, 11), "m1"): (1, 1),
    }
    assert [(r["month"], r["calls"], r["credits_e4"]) for r in rows["monthly_by_reason"]] == [
        (date(2025, 1, 1), 4, 401)
    ]


def test_quarter_hour_offsets_split_days_inside_one_utc_hour() -> None:
    # Kathmandu is +05:45: 18:14 UTC is 23:59 local, 18:15 UTC is 00:00 the next day.
    # St John's is -03:30 in January: 03:29 UTC is 23:59 local, 03:30 UTC 00:00 local.
    calls = [
        _facts(datetime(2025, 1, 10, 18, 14, tzinfo=UTC), org="kathmandu"),
        _facts(datetime(2025, 1, 10, 18, 15, tzinfo=UTC), org="kathmandu"),
        _facts(datetime(2025, 1, 11, 3, 29, tzinfo=UTC), org="st-johns"),
        _facts(datetime(2025, 1, 11, 3, 30, tzinfo=UTC), org="st-johns"),
    ]
    rows = ai_rollup_rows(calls, ZONES)
    assert sorted((r["org_id"], r["day"], r["calls"]) for r in rows["daily_by_reason"]) == [
        ("kathmandu", date(2025, 1, 10), 1),
        ("kathmandu", date(2025, 1, 11), 1),
        ("st-johns", date(2025, 1, 10), 1),
        ("st-johns", date(2025, 1, 11), 1),
    ]


def test_billing_modes_are_kept_apart() -> None:
    at = datetime(2025, 1, 10, 9, tzinfo=UTC)
    rows = ai_rollup_rows(
        [_facts(at, mode="CREDITS"), _facts(at, mode="BYOK", credits=0)], {"paris": PARIS}
    )
    assert sorted((r["billing_mode"], r["calls"]) for r in rows["daily_by_model"]) == [
        ("BYOK", 1),
        ("CREDITS", 1),
    ]


def test_no_calls_no_rows() -> None:
    assert ai_rollup_rows([], {"paris": PARIS}) == {}


_call = st.builds(
    lambda org, seconds, credits, cost, tokens, mode, reason, member, model: _facts(
        datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds),
        org=org,
        credits=credits,
        cost=cost,
        tokens=tokens,
        mode=mode,
        reason=reason,
        member=member,
        provider=model[0],
        tier=model[1],
    ),
    st.sampled_from(sorted(ZONES)),
    # Two years of instants, often near a local midnight of some zone.
    st.one_of(
        st.integers(min_value=0, max_value=2 * 366 * 86_400),
        st.integers(min_value=0, max_value=730).flatmap(
            lambda d: st.integers(
                min_value=d * 86_400 - 6 * 3_600, max_value=d * 86_400 + 6 * 3_600
            )
        ),
    ).filter(lambda s: s >= 0),
    st.integers(min_value=0, max_value=50_000),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=5_000),
    st.sampled_from(["CREDITS", "BYOK"]),
    st.sampled_from(["CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"]),
    st.sampled_from(["m1", "m2", "m3"]),
    st.sampled_from([("ANTHROPIC", "Sonnet"), ("ANTHROPIC", "Haiku"), ("OPENAI", "GPT-4o")]),
)


def _expected(
    calls: list[CallFacts], grain: str, dims: tuple[str, ...]
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """An independent count: local day by ``astimezone``, then plain dictionaries."""
    out: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for call in calls:
        day = call.occurred_at.astimezone(ZONES[call.org_id]).date()
        bucket = day if grain == "day" else date(day.year, day.month, 1)
        key = (call.org_id, bucket, call.billing_mode, *(getattr(call, d) for d in dims))
        sums = out[key]
        sums[0] += 1
        sums[1] += call.credits_e4
        sums[2] += call.cost_micros
        sums[3] += call.tokens
    return {key: tuple(sums) for key, sums in out.items()}


@settings(max_examples=60, deadline=None)
@given(calls=st.lists(_call, max_size=40))
def test_rollups_match_an_independent_count(calls: list[CallFacts]) -> None:
    rows = ai_rollup_rows(calls, ZONES)
    if not calls:
        assert rows == {}
        return
    assert set(rows) == set(ROLLUPS)
    for name, (time_column, dims) in ROLLUPS.items():
        got: dict[tuple[Any, ...], tuple[int, ...]] = {}
        for row in rows[name]:
            key = (row["org_id"], row[time_column], row["billing_mode"], *(row[d] for d in dims))
            assert key not in got, f"{name}: key {key} appears twice"
            got[key] = tuple(row[s] for s in SUMS)
        assert got == _expected(calls, time_column, dims), name
        # Every rollup adds up to the calls' totals.
        totals = (
            len(calls),
            sum(c.credits_e4 for c in calls),
            sum(c.cost_micros for c in calls),
            sum(c.tokens for c in calls),
        )
        assert tuple(sum(row[s] for row in rows[name]) for s in SUMS) == totals, name


@settings(max_examples=100, deadline=None)
@given(
    org=st.sampled_from(sorted(ZONES)),
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31)),
    minutes=st.lists(st.integers(min_value=-60, max_value=60), min_size=1, max_size=20),
)
def test_calls_around_a_local_midnight_count_on_their_own_local_day(
    org: str, day: date, minutes: list[int]
) -> None:
    # Local midnight is 18:15 UTC in Kathmandu and hh:30 UTC in St John's: one UTC hour holds
    # calls of two local days.
    midnight = local_midnight(day, ZONES[org]).astimezone(UTC)
    calls = [_facts(midnight + timedelta(minutes=m), org=org, credits=m + 100) for m in minutes]
    rows = ai_rollup_rows(calls, ZONES)
    got = {
        (r["org_id"], r["day"], r["billing_mode"], r["reason"]): tuple(r[s] for s in SUMS)
        for r in rows["daily_by_reason"]
    }
    assert got == _expected(calls, "day", ("reason",))
    before = sum(1 for m in minutes if m < 0)
    by_day = {r["day"]: r["calls"] for r in rows["daily_by_reason"]}
    assert by_day.get(day - timedelta(days=1), 0) == before
    assert by_day.get(day, 0) == len(minutes) - before
