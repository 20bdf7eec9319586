"""When a plan takes effect, which plan is in force, and what rolls over."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.orgs.enums import RolloverRule
from gateway.orgs.plans import (
    EPOCH,
    PlanTerms,
    effective_from,
    plan_on,
    rolled_over,
    same_terms,
)
from gateway.orgs.records import PlanRecord

C = 10_000


def _plan(since: date, credits: int = 100, anchor: int = 1, **kw: object) -> PlanRecord:
    rule = kw.get("rule", RolloverRule.NONE)
    cap = kw.get("cap")
    return PlanRecord(since, credits * C, rule, cap, anchor)  # type: ignore[arg-type]


def _terms(credits: int = 200, anchor: int = 1) -> PlanTerms:
    return PlanTerms(credits * C, RolloverRule.NONE, None, anchor)


# --- effective_from --------------------------------------------------------------------------


def test_a_first_plan_applies_from_the_epoch() -> None:
    since = effective_from([], _terms(), today=date(2025, 5, 10), active_since=date(2024, 1, 1))
    assert since == EPOCH == date(1970, 1, 1)


def test_a_first_plan_of_an_organization_starting_today_applies_from_the_epoch() -> None:
    since = effective_from([], _terms(), today=date(2025, 5, 10), active_since=date(2025, 5, 10))
    assert since == EPOCH


def test_a_first_plan_of_a_future_organization_applies_from_its_first_period() -> None:
    # Active from 20 July with anchor 15: its first period starts 15 July.
    since = effective_from(
        [], _terms(anchor=15), today=date(2025, 5, 10), active_since=date(2025, 7, 20)
    )
    assert since == date(2025, 7, 15)


def test_replacing_a_future_first_plan_still_starts_at_the_first_period() -> None:
    scheduled = [_plan(date(2025, 7, 1))]  # not in force yet
    since = effective_from(
        scheduled, _terms(anchor=1), today=date(2025, 5, 10), active_since=date(2025, 7, 20)
    )
    assert since == date(2025, 7, 1)


@pytest.mark.parametrize(
    ("anchor", "today", "expected"),
    [
        (1, date(2025, 1, 20), date(2025, 2, 1)),
        (1, date(2025, 12, 1), date(2026, 1, 1)),
        # Anchor 15: on the 10th the current period began 15 December, the next begins 15 January.
        (15, date(2025, 1, 10), date(2025, 1, 15)),
        # On the anchor day the current period began today: the next begins a month later.
        (15, date(2025, 1, 15), date(2025, 2, 15)),
        (28, date(2025, 2, 27), date(2025, 2, 28)),
    ],
)
def test_a_change_applies_from_the_next_billing_period(
    anchor: int, today: date, expected: date
) -> None:
    history = [_plan(EPOCH, anchor=anchor)]
    since = effective_from(history, _terms(), today=today, active_since=date(2024, 1, 1))
    assert since == expected


def test_the_next_period_follows_the_plan_in_force_not_the_wanted_anchor() -> None:
    # In force: anchor 15. Wanted: anchor 1. Today 20 January: the period in force ends 15 Feb.
    history = [_plan(EPOCH, anchor=15)]
    since = effective_from(
        history, _terms(anchor=1), today=date(2025, 1, 20), active_since=date(2024, 1, 1)
    )
    assert since == date(2025, 2, 15)


def test_a_scheduled_change_does_not_move_the_next_one() -> None:
    history = [_plan(EPOCH, anchor=1), _plan(date(2025, 2, 1), credits=150, anchor=1)]
    since = effective_from(
        history, _terms(), today=date(2025, 1, 20), active_since=date(2024, 1, 1)
    )
    assert since == date(2025, 2, 1)


# --- same_terms ------------------------------------------------------------------------------

STORED = PlanRecord(EPOCH, 100 * C, RolloverRule.CAPPED, 20 * C, 15)


def test_same_terms() -> None:
    assert same_terms(STORED, PlanTerms(100 * C, RolloverRule.CAPPED, 20 * C, 15))


@pytest.mark.parametrize(
    "wanted",
    [
        PlanTerms(101 * C, RolloverRule.CAPPED, 20 * C, 15),
        PlanTerms(100 * C, RolloverRule.FULL, 20 * C, 15),
        PlanTerms(100 * C, RolloverRule.CAPPED, 21 * C, 15),
        PlanTerms(100 * C, RolloverRule.CAPPED, None, 15),
        PlanTerms(100 * C, RolloverRule.CAPPED, 20 * C, 1),
    ],
)
def test_different_terms(wanted: PlanTerms) -> None:
    assert not same_terms(STORED, wanted)


def test_stored_rule_from_a_plain_string_is_the_same() -> None:
    stored = PlanRecord(EPOCH, C, "FULL", None, 1)  # type: ignore[arg-type]
    assert same_terms(stored, PlanTerms(C, RolloverRule.FULL, None, 1))


# --- plan_on ---------------------------------------------------------------------------------


def test_plan_on() -> None:
    first = _plan(date(2025, 1, 1), credits=100)
    second = _plan(date(2025, 3, 1), credits=200)
    plans = [first, second]
    assert plan_on(plans, date(2024, 12, 31)) is None
    assert plan_on(plans, date(2025, 1, 1)) is first
    assert plan_on(plans, date(2025, 2, 28)) is first
    assert plan_on(plans, date(2025, 3, 1)) is second  # from its first day on
    assert plan_on(plans, date(2030, 1, 1)) is second
    assert plan_on([], date(2025, 1, 1)) is None


# --- rolled_over -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "cap", "remaining", "carried"),
    [
        (RolloverRule.NONE, None, 70 * C, 0),
        (RolloverRule.FULL, None, 70 * C, 70 * C),
        (RolloverRule.FULL, None, 0, 0),
        (RolloverRule.FULL, None, -5 * C, 0),  # an overdrawn balance is not carried as debt
        (RolloverRule.CAPPED, 40 * C, 70 * C, 40 * C),
        (RolloverRule.CAPPED, 40 * C, 30 * C, 30 * C),
        (RolloverRule.CAPPED, 40 * C, 40 * C, 40 * C),
        (RolloverRule.CAPPED, None, 30 * C, 0),
        (RolloverRule.CAPPED, 40 * C, -1, 0),
    ],
)
def test_rolled_over(rule: RolloverRule, cap: int | None, remaining: int, carried: int) -> None:
    plan = PlanRecord(EPOCH, 100 * C, rule, cap, 1)
    assert rolled_over(plan, remaining) == carried


def test_nothing_rolls_over_without_a_plan() -> None:
    assert rolled_over(None, 70 * C) == 0
