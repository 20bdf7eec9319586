"""Plan versions: when a changed plan takes effect (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from gateway.core.calendar import add_months, billing_period_start
from gateway.orgs.enums import RolloverRule
from gateway.orgs.records import PlanRecord

# Plans recorded before an organization's first period apply from its first period.
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class PlanTerms:
    """A plan as asked for, in whole ten-thousandths of a credit."""

    credits_per_period_e4: int
    rollover: RolloverRule
    rollover_cap_e4: int | None
    billing_anchor_day: int


def same_terms(stored: PlanRecord, wanted: PlanTerms) -> bool:
    return (
        stored.credits_per_period_e4 == wanted.credits_per_period_e4
        and stored.rollover is wanted.rollover
        and stored.rollover_cap_e4 == wanted.rollover_cap_e4
        and stored.billing_anchor_day == wanted.billing_anchor_day
    )


def effective_from(
    history: Sequence[PlanRecord], wanted: PlanTerms, *, today: date, active_since: date
) -> date:
    """A change applies from the next billing period; a first plan from the first period."""
    in_force = [row for row in history if row.effective_from <= today]
    if not in_force:
        if active_since > today:
            return billing_period_start(active_since, wanted.billing_anchor_day)
        return EPOCH
    anchor = in_force[-1].billing_anchor_day
    return add_months(billing_period_start(today, anchor), 1)


def plan_on(plans: Sequence[PlanRecord], day: date) -> PlanRecord | None:
    """The plan in force on ``day`` (plans sorted by ``effective_from``)."""
    current = None
    for plan in plans:
        if plan.effective_from <= day:
            current = plan
    return current


def rolled_over(plan: PlanRecord | None, remaining: int) -> int:
    """What a period's unused balance carries into the next under the plan's rule."""
    if plan is None or remaining <= 0 or plan.rollover is RolloverRule.NONE:
        return 0
    if plan.rollover is RolloverRule.CAPPED:
        return min(remaining, plan.rollover_cap_e4 or 0)
    return remaining
