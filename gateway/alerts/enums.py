"""What a rule watches, how its thresholds count, what a webhook announces, where a delivery
stands: each defined once, here."""

from __future__ import annotations

from enum import StrEnum


class RuleKind(StrEnum):
    CREDITS_REMAINING_BELOW = "CREDITS_REMAINING_BELOW"
    RUNS_OUT_BEFORE_PERIOD_END = "RUNS_OUT_BEFORE_PERIOD_END"
    AI_CREDITS_ABOVE = "AI_CREDITS_ABOVE"
    OPENING_CREDITS_ABOVE = "OPENING_CREDITS_ABOVE"


class ThresholdUnit(StrEnum):
    AMOUNT = "AMOUNT"
    PERCENT = "PERCENT"


class EventType(StrEnum):
    CREDITS_REMAINING_BELOW = "credits.remaining_below"
    RUNS_OUT_BEFORE_PERIOD_END = "credits.runs_out_before_period_end"
    AI_CREDITS_ABOVE = "ai_credits.above"
    OPENING_CREDITS_ABOVE = "opening_credits.above"
    WEBHOOK_TEST = "webhook.test"
    BULK_EXPORT_FINISHED = "bulk_export.finished"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


# The figures behind each kind: interview credits of the billing period (the Consumption
# page), AI credits of the calendar month (the Usage page).
CONSUMPTION_KINDS = frozenset(
    {
        RuleKind.CREDITS_REMAINING_BELOW,
        RuleKind.RUNS_OUT_BEFORE_PERIOD_END,
        RuleKind.OPENING_CREDITS_ABOVE,
    }
)
# Their payloads carry the forecast's run-out day.
FORECAST_KINDS = frozenset({RuleKind.CREDITS_REMAINING_BELOW, RuleKind.RUNS_OUT_BEFORE_PERIOD_END})
USAGE_KINDS = frozenset({RuleKind.AI_CREDITS_ABOVE})
EVENT_OF_KIND = {
    RuleKind.CREDITS_REMAINING_BELOW: EventType.CREDITS_REMAINING_BELOW,
    RuleKind.RUNS_OUT_BEFORE_PERIOD_END: EventType.RUNS_OUT_BEFORE_PERIOD_END,
    RuleKind.AI_CREDITS_ABOVE: EventType.AI_CREDITS_ABOVE,
    RuleKind.OPENING_CREDITS_ABOVE: EventType.OPENING_CREDITS_ABOVE,
}
