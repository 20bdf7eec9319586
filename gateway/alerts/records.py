"""Rules, states, alerts, endpoints and deliveries as the queries return them, and the figures
an evaluation reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from gateway.alerts.enums import DeliveryStatus, RuleKind, ThresholdUnit
from gateway.core.enum_values import member_of

# The state key of a rule without thresholds (RUNS_OUT_BEFORE_PERIOD_END).
NO_THRESHOLD = "-"


@dataclass(frozen=True, slots=True)
class RuleRecord:
    org_id: str
    id: str
    kind: RuleKind
    name: str
    thresholds: str  # space-separated decimal strings, as stored
    unit: ThresholdUnit
    within_days: int | None
    member_id: str | None
    tier: str | None
    opening_id: str | None
    enabled: bool
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", member_of(RuleKind, self.kind))
        object.__setattr__(self, "unit", member_of(ThresholdUnit, self.unit))
        object.__setattr__(self, "enabled", bool(self.enabled))

    @property
    def threshold_keys(self) -> list[str]:
        """One state per threshold (one for a rule without any)."""
        return self.thresholds.split() or [NO_THRESHOLD]


@dataclass(frozen=True, slots=True)
class StateRecord:
    org_id: str
    rule_id: str
    threshold: str
    period_start: date | None
    alert_id: str | None


@dataclass(frozen=True, slots=True)
class AlertRecord:
    org_id: str
    id: str
    rule_id: str
    kind: RuleKind
    threshold: str
    figure: str
    period_start: date
    period_end: date
    runs_out_on: date | None
    fired_at: datetime
    resolved_at: datetime | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", member_of(RuleKind, self.kind))

    @property
    def active(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True, slots=True)
class EndpointRecord:
    org_id: str
    id: str
    url: str
    description: str
    event_types: str  # space-separated
    secret: str = field(repr=False)
    previous_secret: str | None = field(repr=False)
    previous_until: datetime | None
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "enabled", bool(self.enabled))

    def secrets_at(self, now: datetime) -> list[str]:
        """The secrets that sign at ``now``: the new one, and the old one for a while after a
        rotation."""
        keys = [self.secret]
        if self.previous_secret and self.previous_until and now < self.previous_until:
            keys.append(self.previous_secret)
        return keys


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    org_id: str
    id: str
    endpoint_id: str
    message_id: str
    event_type: str
    payload: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", member_of(DeliveryStatus, self.status))


@dataclass(frozen=True)
class CreditStanding:
    """The current billing period's interview credits, as the Consumption page shows them
    (credits in ten-thousandths)."""

    period_start: date
    period_end: date  # the first day after the period
    today: date
    total_e4: int
    remaining_e4: int
    runs_out_on: date | None
    by_opening_e4: Mapping[str, int]


@dataclass(frozen=True)
class AiMonth:
    """This calendar month's AI credits, as the Usage page shows them."""

    month_start: date
    month_end: date
    total_e4: int
    by_member_e4: Mapping[str, int]
    by_tier_e4: Mapping[str, int]
