"""Append-only prices: the one in effect at an instant, and which new ones may be added."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.catalog.prices import check_new_price, price_at
from gateway.catalog.records import PriceRecord
from gateway.core.errors import Conflict

JAN = datetime(2025, 1, 1, tzinfo=UTC)
MAR = datetime(2025, 3, 1, tzinfo=UTC)
JUN = datetime(2025, 6, 1, tzinfo=UTC)
HISTORY = [
    PriceRecord("m", JAN, 3_000_000, 15_000_000),
    PriceRecord("m", MAR, 2_000_000, 10_000_000),
    PriceRecord("m", JUN, 1_000_000, 5_000_000),
]
US = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (JAN - US, None),  # before any price
        (JAN, 0),  # at its first instant a price is in effect
        (datetime(2025, 2, 14, tzinfo=UTC), 0),
        (MAR - US, 0),
        (MAR, 1),
        (JUN - US, 1),
        (JUN, 2),
        (datetime(2030, 1, 1, tzinfo=UTC), 2),
    ],
)
def test_price_at(at: datetime, expected: int | None) -> None:
    found = price_at(HISTORY, at)
    assert found is (None if expected is None else HISTORY[expected])


def test_price_at_without_history() -> None:
    assert price_at([], JAN) is None


@settings(max_examples=100, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=10_000), unique=True, max_size=8),
    probe=st.integers(min_value=-10, max_value=10_010),
)
def test_price_at_is_the_latest_not_after(offsets: list[int], probe: int) -> None:
    history = [PriceRecord("m", JAN + timedelta(hours=h), h, h) for h in sorted(offsets)]
    at = JAN + timedelta(hours=probe)
    candidates = [p for p in history if p.effective_from <= at]
    expected = max(candidates, key=lambda p: p.effective_from) if candidates else None
    assert price_at(history, at) == expected


# --- check_new_price -------------------------------------------------------------------------

STORED = PriceRecord("m", MAR, 2_000_000, 10_000_000)


def test_the_same_price_at_a_recorded_instant_is_a_no_op() -> None:
    assert check_new_price(0, MAR, (2_000_000, 10_000_000), STORED, last_call=None) is False
    # Even when calls after that instant are recorded: nothing changes.
    assert check_new_price(0, MAR, (2_000_000, 10_000_000), STORED, last_call=JUN) is False


@pytest.mark.parametrize("figures", [(2_000_001, 10_000_000), (2_000_000, 9_999_999)])
def test_a_different_price_at_a_recorded_instant_is_a_conflict(figures: tuple[int, int]) -> None:
    with pytest.raises(Conflict) as caught:
        check_new_price(2, MAR, figures, STORED, last_call=None)
    assert [p.field for p in caught.value.problems] == ["prices.2.effectiveFrom"]
    assert "different price" in caught.value.problems[0].message


def test_a_new_price_after_the_last_call_is_added() -> None:
    assert check_new_price(0, JUN, (1, 1), None, last_call=None) is True
    assert check_new_price(0, JUN, (1, 1), None, last_call=JUN - US) is True


@pytest.mark.parametrize("at", [JUN, JUN - timedelta(days=30)])
def test_a_new_price_at_or_before_the_last_call_is_a_conflict(at: datetime) -> None:
    with pytest.raises(Conflict) as caught:
        check_new_price(4, at, (1, 1), None, last_call=JUN)
    problem = caught.value.problems[0]
    assert problem.field == "prices.4.effectiveFrom"
    assert JUN.isoformat() in problem.message
