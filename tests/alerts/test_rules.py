"""The pure rules: conditions, and fire-once-per-crossing steps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from gateway.alerts.enums import RuleKind, ThresholdUnit
from gateway.alerts.records import AiMonth, CreditStanding, RuleRecord
from gateway.alerts.rules import Reading, percent_below, read, runs_out_early, step

AT = datetime(2026, 11, 20, tzinfo=UTC)
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


def _rule(
    kind: RuleKind,
    thresholds: str = "",
    unit: ThresholdUnit = ThresholdUnit.AMOUNT,
    **extra: object,
) -> RuleRecord:
    fields: dict[str, object] = {
        "within_days": None,
        "member_id": None,
        "tier": None,
        "opening_id": None,
    }
    fields.update(extra)
    return RuleRecord(
        "o", "r", kind, "n", thresholds, unit, enabled=True, created_at=AT, updated_at=AT, **fields
    )  # type: ignore[arg-type]


def _standing(remaining: int, total: int = 100_000, runs_out: date | None = None) -> CreditStanding:
    return CreditStanding(NOV, DEC, date(2026, 11, 20), total, remaining, runs_out, {"o1": 30_000})


@pytest.mark.parametrize(
    ("remaining", "total", "percent", "expected"),
    [
        (20_000, 100_000, "20", False),  # exactly 20 %: not below
        (19_999, 100_000, "20", True),
        (1, 3, "33.34", True),  # 33.33… % < 33.34 %
        (1, 3, "33.33", False),
        (0, 0, "50", False),  # no allocation: no percentage
        (-5, 10, "5", True),
    ],
)
def test_percent_below_is_exact(remaining: int, total: int, percent: str, expected: bool) -> None:
    assert percent_below(remaining, total, Decimal(percent)) is expected


def test_runs_out_early_within_days() -> None:
    assert runs_out_early(_standing(1, runs_out=date(2026, 11, 30)), None)
    assert not runs_out_early(_standing(1, runs_out=None), None)
    assert not runs_out_early(_standing(1, runs_out=DEC), None)
    assert runs_out_early(_standing(1, runs_out=date(2026, 11, 25)), 5)
    assert not runs_out_early(_standing(1, runs_out=date(2026, 11, 26)), 5)


def test_readings_of_each_kind() -> None:
    month = AiMonth(NOV, DEC, 50_000, {"m1": 20_001}, {"Haiku": 10_000})
    above = read(_rule(RuleKind.AI_CREDITS_ABOVE, "2", member_id="m1"), "2", None, month)
    assert above == Reading(NOV, DEC, 20_001, True)
    tier = read(_rule(RuleKind.AI_CREDITS_ABOVE, "1", tier="Haiku"), "1", None, month)
    assert tier is not None and not tier.crossed  # 1.0000 is not above 1
    assert read(_rule(RuleKind.AI_CREDITS_ABOVE, "1"), "1", _standing(0), None) is None
    opening = read(
        _rule(RuleKind.OPENING_CREDITS_ABOVE, "2.9999", opening_id="o1"),
        "2.9999",
        _standing(0),
        None,
    )
    assert opening is not None and opening.crossed and opening.figure_e4 == 30_000
    low = read(_rule(RuleKind.CREDITS_REMAINING_BELOW, "1.5"), "1.5", _standing(14_999), None)
    assert low is not None and low.crossed


def test_fire_once_per_crossing_and_per_period() -> None:
    yes, no = Reading(NOV, DEC, 0, True), Reading(NOV, DEC, 0, False)
    assert step(None, None, yes).fire
    assert not step(NOV, "a1", yes).fire  # still the same crossing
    assert step(NOV, "a1", no).resolve and not step(NOV, "a1", no).fire
    assert step(NOV, None, yes).fire  # re-armed: fires again
    december = Reading(DEC, date(2027, 1, 1), 0, True)
    moved = step(NOV, "a1", december)
    assert moved.resolve and moved.fire  # a new period: a new alert
