"""Bodies that create or change alert rules and webhook endpoints, validated strictly."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, TypeAdapter, ValidationError, model_validator

from gateway.alerts.enums import EventType, RuleKind, ThresholdUnit
from gateway.core.validation import Body, Credits, FieldRule, Ident, Text

MAX_THRESHOLDS = 10
MAX_RULES = 100
MAX_ENDPOINTS = 10
Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2)]
Url = Annotated[str, StringConstraints(min_length=8, max_length=2000, strip_whitespace=True)]
Description = Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)]
Tier = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class AlertRuleIn(Body):
    kind: RuleKind
    name: Text
    # Credits, or percent of the period's allocation with unit PERCENT
    # (CREDITS_REMAINING_BELOW only); none for RUNS_OUT_BEFORE_PERIOD_END.
    thresholds: Annotated[list[Decimal], Field(max_length=MAX_THRESHOLDS, default_factory=list)]
    unit: ThresholdUnit = ThresholdUnit.AMOUNT
    within_days: Annotated[int, Field(ge=0, le=366)] | None = None
    member_id: Ident | None = None
    tier: Tier | None = None
    opening_id: Ident | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _fits_the_kind(self) -> AlertRuleIn:
        kind = self.kind
        runs_out = kind is RuleKind.RUNS_OUT_BEFORE_PERIOD_END
        if runs_out and self.thresholds:
            raise FieldRule("thresholds", "are not used by RUNS_OUT_BEFORE_PERIOD_END")
        if not runs_out and not self.thresholds:
            raise FieldRule("thresholds", "need at least one value")
        if self.within_days is not None and not runs_out:
            raise FieldRule("withinDays", "is only used by RUNS_OUT_BEFORE_PERIOD_END")
        if self.unit is ThresholdUnit.PERCENT and kind is not RuleKind.CREDITS_REMAINING_BELOW:
            raise FieldRule("unit", "PERCENT is only used by CREDITS_REMAINING_BELOW")
        if (self.member_id or self.tier) and kind is not RuleKind.AI_CREDITS_ABOVE:
            raise FieldRule("memberId", "and tier are only used by AI_CREDITS_ABOVE")
        if self.member_id and self.tier:
            raise FieldRule("tier", "cannot be combined with memberId: one scope per rule")
        if (self.opening_id is None) == (kind is RuleKind.OPENING_CREDITS_ABOVE):
            raise FieldRule("openingId", "is required by OPENING_CREDITS_ABOVE only")
        if len(set(self.thresholds)) != len(self.thresholds):
            raise FieldRule("thresholds", "must be distinct")
        for value in self.thresholds:
            _check_threshold(value, self.unit)
        return self

    def threshold_text(self) -> str:
        """As stored: canonical decimal strings, space-separated, in ascending order."""
        return " ".join(_canonical(value) for value in sorted(self.thresholds))


_PERCENT: TypeAdapter[Decimal] = TypeAdapter(Percent)
_CREDITS: TypeAdapter[Decimal] = TypeAdapter(Credits)


def _check_threshold(value: Decimal, unit: ThresholdUnit) -> None:
    adapter = _PERCENT if unit is ThresholdUnit.PERCENT else _CREDITS
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        message = str(exc.errors()[0].get("msg", "is not valid")).removeprefix("Value error, ")
        raise FieldRule("thresholds", f"{value}: {message}") from None


def _canonical(value: Decimal) -> str:
    return f"{value.normalize():f}"


class WebhookEndpointIn(Body):
    url: Url
    event_types: Annotated[list[EventType], Field(min_length=1, max_length=len(EventType))]
    description: Description = ""

    @model_validator(mode="after")
    def _distinct_types(self) -> WebhookEndpointIn:
        if len(set(self.event_types)) != len(self.event_types):
            raise FieldRule("eventTypes", "must be distinct")
        return self

    def event_type_text(self) -> str:
        return " ".join(sorted(str(t) for t in self.event_types))
