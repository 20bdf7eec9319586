"""A batch's problems refuse it whole, naming each item; events too far ahead are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gateway.core.batches import MAX_CLOCK_SKEW, BatchProblems, IngestResult
from gateway.core.errors import InvalidInput, Problem

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_no_problems_no_error() -> None:
    problems = BatchProblems()
    problems.raise_if_any()
    assert problems.items == []


def test_problems_raise_one_invalid_input_with_their_indexes() -> None:
    problems = BatchProblems()
    problems.add(0, "eventId", "is required")
    problems.add(3, "creditsCharged", "must not be negative")
    with pytest.raises(InvalidInput) as caught:
        problems.raise_if_any()
    error = caught.value
    assert error.batch is True
    assert error.problems == [
        Problem("eventId", "is required", 0),
        Problem("creditsCharged", "must not be negative", 3),
    ]
    assert [p.as_json(batch=True) for p in error.problems] == [
        {"index": 0, "field": "eventId", "message": "is required"},
        {"index": 3, "field": "creditsCharged", "message": "must not be negative"},
    ]


def test_clock_skew_limit_is_ten_minutes() -> None:
    assert timedelta(minutes=10) == MAX_CLOCK_SKEW


@pytest.mark.parametrize(
    ("occurred_at", "refused"),
    [
        (NOW - timedelta(days=400), False),
        (NOW, False),
        (NOW + timedelta(minutes=9, seconds=59), False),
        (NOW + timedelta(minutes=10), False),  # exactly at the limit is still fine
        (NOW + timedelta(minutes=10, microseconds=1), True),
        (NOW + timedelta(hours=1), True),
        # 14:05 at +02:00 is 12:05 UTC: five minutes ahead, fine.
        (datetime(2025, 6, 1, 14, 5, tzinfo=timezone(timedelta(hours=2))), False),
        # 14:11 at +02:00 is 12:11 UTC: eleven minutes ahead.
        (datetime(2025, 6, 1, 14, 11, tzinfo=timezone(timedelta(hours=2))), True),
    ],
)
def test_check_time(occurred_at: datetime, refused: bool) -> None:
    problems = BatchProblems()
    problems.check_time(7, occurred_at, NOW)
    if refused:
        assert problems.items == [Problem("occurredAt", "is in the future", 7)]
        with pytest.raises(InvalidInput):
            problems.raise_if_any()
    else:
        assert problems.items == []


def test_ingest_result_json() -> None:
    assert IngestResult(accepted=3, duplicates=2).as_json() == {"accepted": 3, "duplicates": 2}
