"""What interview events are worth, what each charges, and what an interview adds to the rollups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.consumption.charges import (
    COMPLETED_WORTH_E4,
    NO_DAY,
    Contribution,
    Counts,
    add_into,
    charges,
    contribution,
    difference,
    done_days,
    fraction_e2,
    worth_e4,
)
from gateway.consumption.enums import InterviewStatus as S
from gateway.consumption.records import InterviewEventRecord

PARIS = ZoneInfo("Europe/Paris")


def _event(
    n: int,
    at: datetime,
    status: S,
    fraction: int | None = None,
    *,
    opening: str = "op-1",
) -> InterviewEventRecord:
    return InterviewEventRecord(
        org_id="org-1",
        event_id=f"e{n}",
        opening_id=opening,
        interview_id="iv-1",
        candidate_id="c-1",
        occurred_at=at,
        status=status,
        completed_fraction_e2=fraction,
        charge_e4=0,
    )


def _t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 1, day, hour, minute, tzinfo=UTC)


# --- worth and fractions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fraction", "worth"),
    [
        (S.COMPLETED, None, 10_000),  # one whole credit
        (S.COMPLETED, 40, 10_000),  # the fraction does not matter once completed
        (S.PARTIALLY_COMPLETED, 40, 4_000),  # 40 hundredths x 100 = 0.4 credit
        (S.PARTIALLY_COMPLETED, 1, 100),
        (S.PARTIALLY_COMPLETED, None, 0),
        (S.INVITED, None, 0),
        (S.STARTED, 50, 0),
        (S.SIMULATION, 100, 0),
    ],
)
def test_worth_e4(status: S, fraction: int | None, worth: int) -> None:
    assert worth_e4(status, fraction) == worth
    assert COMPLETED_WORTH_E4 == 10_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (Decimal("0.4"), 40),
        (Decimal("0.125"), 13),  # 12.5 hundredths rounds half up
        (Decimal("0.124"), 12),
        (Decimal("0.005"), 1),  # 0.5 hundredths rounds up
        (Decimal("0.0049"), 0),
        (Decimal("1"), 100),
    ],
)
def test_fraction_e2(value: Decimal | None, expected: int | None) -> None:
    assert fraction_e2(value) == expected


# --- charges: the running maximum ------------------------------------------------------------


def test_partial_then_completed_charges_the_rest() -> None:
    events = [
        _event(1, _t(10, 9), S.INVITED),
        _event(2, _t(10, 10), S.STARTED),
        _event(3, _t(10, 11), S.PARTIALLY_COMPLETED, 40),
        _event(4, _t(10, 12), S.COMPLETED),
    ]
    # 0, 0, then 0.4 credit, then 1 - 0.4 = 0.6 credit: the interview costs one credit in all.
    assert charges(events) == {"e1": 0, "e2": 0, "e3": 4_000, "e4": 6_000}


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # A lower partial after a higher one charges nothing.
        ([(S.PARTIALLY_COMPLETED, 60), (S.PARTIALLY_COMPLETED, 40)], [6_000, 0]),
        # A higher partial charges the increase: 0.7 - 0.4 = 0.3 credit.
        ([(S.PARTIALLY_COMPLETED, 40), (S.PARTIALLY_COMPLETED, 70)], [4_000, 3_000]),
        # Nothing after completion is charged again.
        ([(S.COMPLETED, None), (S.PARTIALLY_COMPLETED, 90), (S.COMPLETED, None)], [10_000, 0, 0]),
        # 0.4, then 0.2 (no change), then 0.9: 4000 + 0 + 5000, then completed: +1000.
        (
            [
                (S.PARTIALLY_COMPLETED, 40),
                (S.PARTIALLY_COMPLETED, 20),
                (S.PARTIALLY_COMPLETED, 90),
                (S.COMPLETED, None),
            ],
            [4_000, 0, 5_000, 1_000],
        ),
    ],
)
def test_running_maximum(steps: list[tuple[S, int | None]], expected: list[int]) -> None:
    events = [_event(n, _t(10, n), status, frac) for n, (status, frac) in enumerate(steps)]
    assert [charges(events)[f"e{n}"] for n in range(len(steps))] == expected


def test_a_simulated_interview_is_free() -> None:
    # The simulation event comes last, yet the completed event before it is free too.
    events = [
        _event(1, _t(10, 9), S.INVITED),
        _event(2, _t(10, 10), S.COMPLETED),
        _event(3, _t(10, 11), S.SIMULATION),
    ]
    assert charges(events) == {"e1": 0, "e2": 0, "e3": 0}


_step = st.tuples(st.sampled_from(list(S)), st.integers(min_value=0, max_value=100))


def _events_from(steps: list[tuple[S, int]]) -> list[InterviewEventRecord]:
    start = datetime(2025, 1, 10, 20, 0, tzinfo=UTC)
    return [
        _event(
            n,
            start + timedelta(hours=3 * n),
            status,
            frac if status is S.PARTIALLY_COMPLETED else None,
        )
        for n, (status, frac) in enumerate(steps)
    ]


@settings(max_examples=100, deadline=None)
@given(steps=st.lists(_step, max_size=8))
def test_charges_add_up_to_the_highest_worth(steps: list[tuple[S, int]]) -> None:
    events = _events_from(steps)
    charged = charges(events)
    assert set(charged) == {e.event_id for e in events}
    assert all(c >= 0 for c in charged.values())
    if any(status is S.SIMULATION for status, _ in steps):
        expected = 0
    else:
        worths = [
            10_000 if s is S.COMPLETED else (f * 100 if s is S.PARTIALLY_COMPLETED else 0)
            for s, f in steps
        ]
        expected = max(worths, default=0)
    assert sum(charged.values()) == expected


# --- contribution ----------------------------------------------------------------------------


def test_contribution_counts_firsts_on_the_first_events_local_day() -> None:
    events = [
        # 23:30 UTC on the 10th is 00:30 on the 11th in Paris.
        _event(1, _t(10, 23, 30), S.INVITED),
        _event(2, _t(11, 9), S.STARTED),
        _event(3, _t(11, 10), S.PARTIALLY_COMPLETED, 50),
        _event(4, _t(12, 8), S.PARTIALLY_COMPLETED, 80),
        _event(5, _t(12, 9), S.COMPLETED),
    ]
    d11, d12 = date(2025, 1, 11), date(2025, 1, 12)
    assert contribution(events, PARIS) == {
        # Counts(firsts, credits_e4, events)
        (d11, "op-1", "INVITED"): Counts(1, 0, 1),
        (d11, "op-1", "STARTED"): Counts(1, 0, 1),
        # First partial on the 11th: counted there, charged 0.5 credit.
        (d11, "op-1", "PARTIALLY_COMPLETED"): Counts(1, 5_000, 1),
        # The second partial raises 0.5 -> 0.8: 0.3 credit, not a new first.
        (d12, "op-1", "PARTIALLY_COMPLETED"): Counts(0, 3_000, 1),
        # Completion charges 1 - 0.8 = 0.2 credit.
        (d12, "op-1", "COMPLETED"): Counts(1, 2_000, 1),
    }


def test_repeated_status_on_one_day_counts_once() -> None:
    events = [
        _event(1, _t(10, 9), S.INVITED),
        _event(2, _t(10, 10), S.INVITED),
        _event(3, _t(10, 11), S.INVITED),
    ]
    assert contribution(events, ZoneInfo("UTC")) == {
        (date(2025, 1, 10), "op-1", "INVITED"): Counts(1, 0, 3)
    }


def test_a_simulated_interview_counts_only_under_simulation() -> None:
    events = [
        _event(1, _t(10, 9), S.INVITED),
        _event(2, _t(10, 10), S.SIMULATION),
        _event(3, _t(10, 11), S.COMPLETED),
    ]
    day = date(2025, 1, 10)
    assert contribution(events, PARIS) == {
        (day, "op-1", "INVITED"): Counts(0, 0, 1),
        (day, "op-1", "SIMULATION"): Counts(1, 0, 1),
        (day, "op-1", "COMPLETED"): Counts(0, 0, 1),
    }


# --- difference and add_into -----------------------------------------------------------------


def test_difference_keeps_only_changed_keys() -> None:
    d = date(2025, 1, 10)
    before: Contribution = {
        (d, "op", "INVITED"): Counts(1, 0, 1),
        (d, "op", "PARTIALLY_COMPLETED"): Counts(1, 4_000, 1),
    }
    after: Contribution = {
        (d, "op", "INVITED"): Counts(1, 0, 1),  # unchanged: left out
        (d, "op", "PARTIALLY_COMPLETED"): Counts(1, 4_000, 1),  # unchanged: left out
        (d, "op", "COMPLETED"): Counts(1, 6_000, 1),
    }
    assert difference(after, before) == {(d, "op", "COMPLETED"): Counts(1, 6_000, 1)}
    # The other way round the delta is negative.
    assert difference(before, after) == {(d, "op", "COMPLETED"): Counts(-1, -6_000, -1)}


def test_add_into_sums_in_place() -> None:
    d = date(2025, 1, 10)
    total: Contribution = {(d, "op", "INVITED"): Counts(2, 0, 3)}
    part: Contribution = {
        (d, "op", "INVITED"): Counts(1, 0, 1),
        (d, "op", "COMPLETED"): Counts(1, 10_000, 1),
    }
    add_into(total, part)
    assert total == {
        (d, "op", "INVITED"): Counts(3, 0, 4),
        (d, "op", "COMPLETED"): Counts(1, 10_000, 1),
    }
    # The part is not changed by adding it.
    assert part[(d, "op", "COMPLETED")] == Counts(1, 10_000, 1)


def test_counts_truthiness_and_equality() -> None:
    assert not Counts()
    assert Counts(0, 0, 1)
    assert Counts(1, 2, 3) == Counts(1, 2, 3)
    assert Counts(1, 2, 3) != Counts(1, 2, 4)
    assert Counts(5, 7, 9) - Counts(1, 2, 3) == Counts(4, 5, 6)


@settings(max_examples=100, deadline=None)
@given(steps=st.lists(_step, min_size=1, max_size=8), data=st.data())
def test_replaying_an_interview_updates_rollups_by_the_difference(
    steps: list[tuple[S, int]], data: st.DataObject
) -> None:
    """Rollups hold the contribution of the events seen so far; a later event updates them
    by the difference, ending exactly where a full recount would."""
    events = _events_from(steps)
    cut = data.draw(st.integers(min_value=0, max_value=len(events)))
    before = contribution(events[:cut], PARIS)
    after = contribution(events, PARIS)
    rollup: Contribution = {}
    add_into(rollup, before)
    add_into(rollup, difference(after, before))
    assert {k: v for k, v in rollup.items() if v} == after

    # Independent checks of the full contribution.
    simulated = any(status is S.SIMULATION for status, _ in steps)
    assert sum(c.events for c in after.values()) == len(events)
    assert sum(c.credits_e4 for c in after.values()) == sum(charges(events).values())
    expected_firsts = 1 if simulated else len({status for status, _ in steps})
    assert sum(c.firsts for c in after.values()) == expected_firsts
    for (day, _, status), counts in after.items():
        first = next(e for e in events if e.status.value == status)
        if counts.firsts:
            assert day == first.occurred_at.astimezone(PARIS).date()


def test_done_days_key_each_done_day_with_the_previous_one() -> None:
    day = datetime(2026, 3, 2, 12, tzinfo=UTC)
    events = [
        _event(1, day, S.INVITED),
        _event(2, day + timedelta(hours=1), S.PARTIALLY_COMPLETED, 40),
        _event(3, day + timedelta(hours=2), S.COMPLETED),  # the same day: one entry
        _event(4, day + timedelta(days=1), S.STARTED),  # not done
        _event(5, day + timedelta(days=3), S.COMPLETED),
    ]
    assert done_days(events, PARIS) == {
        (date(2026, 3, 2), NO_DAY): 1,
        (date(2026, 3, 5), date(2026, 3, 2)): 1,
    }
    # 23:30 UTC on the 2nd is the 3rd in Paris.
    late = [_event(1, datetime(2026, 3, 2, 23, 30, tzinfo=UTC), S.COMPLETED)]
    assert done_days(late, PARIS) == {(date(2026, 3, 3), NO_DAY): 1}
    assert done_days([*events, _event(9, day, S.SIMULATION)], PARIS) == {}
    assert done_days(events[:1], PARIS) == {}
