"""When a rule's threshold is past, and what an evaluation does about it (pure: no I/O).

A threshold fires once per period when its condition becomes true; it re-arms only when the
condition is false again, or when a new period starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gateway.alerts.enums import RuleKind, ThresholdUnit
from gateway.alerts.records import AiMonth, CreditStanding, RuleRecord
from gateway.core.money import credits_to_int
from gateway.orgs.enums import Permission


@dataclass(frozen=True)
class Reading:
    """One threshold of a rule against the figures of its period."""

    period_start: date
    period_end: date
    figure_e4: int  # the figure the threshold is compared with (credits)
    crossed: bool
    runs_out_on: date | None = None


def percent_below(remaining_e4: int, total_e4: int, percent: Decimal) -> bool:
    """``remaining < percent % of total``, exactly; never true without an allocation."""
    return total_e4 > 0 and Decimal(remaining_e4) * 100 < percent * Decimal(total_e4)


def runs_out_early(standing: CreditStanding, within_days: int | None) -> bool:
    day = standing.runs_out_on
    if day is None or day >= standing.period_end:
        return False
    return within_days is None or (day - standing.today).days <= within_days


def ai_figure(rule: RuleRecord, month: AiMonth) -> int:
    if rule.member_id is not None:
        return month.by_member_e4.get(rule.member_id, 0)
    if rule.tier is not None:
        return month.by_tier_e4.get(rule.tier, 0)
    return month.total_e4


def read(
    rule: RuleRecord,
    threshold: str,
    standing: CreditStanding | None,
    month: AiMonth | None,
) -> Reading | None:
    """The reading of one threshold; None when its figures were not read (another family)."""
    if rule.kind is RuleKind.AI_CREDITS_ABOVE:
        if month is None:
            return None
        figure = ai_figure(rule, month)
        crossed = figure > credits_to_int(threshold)
        return Reading(month.month_start, month.month_end, figure, crossed)
    if standing is None:
        return None
    start, end = standing.period_start, standing.period_end
    if rule.kind is RuleKind.OPENING_CREDITS_ABOVE:
        figure = standing.by_opening_e4.get(rule.opening_id or "", 0)
        return Reading(start, end, figure, figure > credits_to_int(threshold))
    remaining = standing.remaining_e4
    if rule.kind is RuleKind.RUNS_OUT_BEFORE_PERIOD_END:
        crossed = runs_out_early(standing, rule.within_days)
        return Reading(start, end, remaining, crossed, standing.runs_out_on)
    if rule.unit is ThresholdUnit.PERCENT:
        crossed = percent_below(remaining, standing.total_e4, Decimal(threshold))
    else:
        crossed = remaining < credits_to_int(threshold)
    return Reading(start, end, remaining, crossed, standing.runs_out_on)


@dataclass(frozen=True)
class Step:
    """What an evaluation does to one threshold's state."""

    resolve: bool  # the alert recorded in the state is over (false again, or an old period)
    fire: bool  # a new alert for this period


def step(period_start: date | None, alert_id: str | None, reading: Reading) -> Step:
    """Fire once per crossing: an alert of this period that is still active blocks another."""
    fired = alert_id is not None
    same_period = period_start == reading.period_start
    active = fired and same_period
    resolve = fired and (not same_period or not reading.crossed)
    return Step(resolve=resolve, fire=reading.crossed and not active)


# A rule on a figure needs the permission that shows the figure (besides alerts:manage), and
# an alert is shown to whoever may see its figure.
FIGURE_PERMISSION = {
    RuleKind.CREDITS_REMAINING_BELOW: Permission.CONSUMPTION_VIEW,
    RuleKind.RUNS_OUT_BEFORE_PERIOD_END: Permission.CONSUMPTION_VIEW,
    RuleKind.OPENING_CREDITS_ABOVE: Permission.CONSUMPTION_VIEW,
    RuleKind.AI_CREDITS_ABOVE: Permission.CREDITS_VIEW,
}


def visible_kinds(permissions: frozenset[str]) -> list[RuleKind]:
    return [kind for kind, needed in FIGURE_PERMISSION.items() if needed in permissions]
