"""Alert rules, alerts, webhook endpoints and deliveries as GraphQL types."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry

from gateway.alerts.records import (
    NO_THRESHOLD,
    AlertRecord,
    DeliveryRecord,
    RuleRecord,
)
from resolvers.enums import DeliveryStatus, EventType, RuleKind, ThresholdUnit
from resolvers.pagination import PageInfo


@strawberry.type(
    description="A condition on one of the organization's figures; it fires a webhook event once per crossing and period."
)
class AlertRule:
    id: strawberry.ID = strawberry.field(description="The rule's id.")
    kind: RuleKind = strawberry.field(description="What the rule watches.")
    name: str = strawberry.field(description="A name of the organization's choosing.")
    thresholds: list[Decimal] = strawberry.field(
        description="The thresholds, ascending (empty for RUNS_OUT_BEFORE_PERIOD_END); each fires on its own."
    )
    unit: ThresholdUnit = strawberry.field(description="How the thresholds count.")
    within_days: int | None = strawberry.field(
        description="RUNS_OUT_BEFORE_PERIOD_END only: fire only when the run-out day is at most this many days away."
    )
    member_id: str | None = strawberry.field(
        description="AI_CREDITS_ABOVE only: the member whose credits count (else the organization's or a tier's)."
    )
    tier: str | None = strawberry.field(
        description="AI_CREDITS_ABOVE only: the model tier whose credits count."
    )
    opening_id: str | None = strawberry.field(
        description="OPENING_CREDITS_ABOVE only: the opening whose credits count."
    )
    enabled: bool = strawberry.field(description="Disabled rules are not evaluated.")
    created_at: datetime.datetime = strawberry.field(description="When the rule was created.")
    updated_at: datetime.datetime = strawberry.field(
        description="When the rule last changed (a change re-arms its thresholds)."
    )

    @classmethod
    def from_record(cls, rule: RuleRecord) -> AlertRule:
        return cls(
            id=strawberry.ID(rule.id),
            kind=rule.kind,
            name=rule.name,
            thresholds=[Decimal(t) for t in rule.thresholds.split()],
            unit=rule.unit,
            within_days=rule.within_days,
            member_id=rule.member_id,
            tier=rule.tier,
            opening_id=rule.opening_id,
            enabled=rule.enabled,
            created_at=rule.created_at,
            updated_at=rule.updated_at,
        )


@strawberry.type(
    description="A threshold that was crossed: what fired, when, and whether it still holds."
)
class Alert:
    id: strawberry.ID = strawberry.field(
        description="The alert's id (its webhook event's id is msg_ and the same suffix)."
    )
    rule_id: strawberry.ID = strawberry.field(
        description="The rule that fired (it may have been deleted since)."
    )
    kind: RuleKind = strawberry.field(description="The rule's kind.")
    threshold: Decimal | None = strawberry.field(
        description="The threshold crossed (null for RUNS_OUT_BEFORE_PERIOD_END)."
    )
    figure: Decimal = strawberry.field(description="The figure when it fired (credits).")
    period_start: datetime.date = strawberry.field(
        description="First local day of the period it fired in."
    )
    period_end: datetime.date = strawberry.field(description="Last local day of that period.")
    runs_out_on: datetime.date | None = strawberry.field(
        description="The forecast's run-out day when it fired (credit rules)."
    )
    fired_at: datetime.datetime = strawberry.field(description="When it fired.")
    resolved_at: datetime.datetime | None = strawberry.field(
        description="When its condition stopped holding (or its period ended); null while active."
    )
    active: bool = strawberry.field(
        description="True while the condition still holds in the period."
    )

    @classmethod
    def from_record(cls, alert: AlertRecord) -> Alert:
        return cls(
            id=strawberry.ID(alert.id),
            rule_id=strawberry.ID(alert.rule_id),
            kind=alert.kind,
            threshold=None if alert.threshold == NO_THRESHOLD else Decimal(alert.threshold),
            figure=Decimal(alert.figure),
            period_start=alert.period_start,
            period_end=alert.period_end - datetime.timedelta(days=1),
            runs_out_on=alert.runs_out_on,
            fired_at=alert.fired_at,
            resolved_at=alert.resolved_at,
            active=alert.active,
        )


@strawberry.type(description="One alert in a list.")
class AlertEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this alert.")
    node: Alert = strawberry.field(description="The alert.")


@strawberry.type(description="The organization's alerts, newest first.")
class AlertConnection:
    edges: list[AlertEdge] = strawberry.field(description="The alerts of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="All the alerts the caller may see.")


@strawberry.type(description="One webhook message to one endpoint, and how its delivery went.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="The delivery's id (give it to redeliver).")
    message_id: str = strawberry.field(
        description="The webhook-id header: the same for every attempt of the event."
    )
    event_type: EventType = strawberry.field(description="The event's type.")
    status: DeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="Attempts made so far.")
    next_attempt_at: datetime.datetime | None = strawberry.field(
        description="When it is tried next (PENDING only)."
    )
    last_response_code: int | None = strawberry.field(
        description="The HTTP status of the last answer, if any."
    )
    last_error: str | None = strawberry.field(description="Why the last attempt failed, if it did.")
    created_at: datetime.datetime = strawberry.field(
        description="When the event was written to the outbox."
    )
    delivered_at: datetime.datetime | None = strawberry.field(
        description="When the endpoint accepted it."
    )
    payload: str = strawberry.field(description="The JSON body sent.")

    @classmethod
    def from_record(cls, row: DeliveryRecord) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(row.id),
            message_id=row.message_id,
            event_type=EventType(row.event_type),
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if row.status is DeliveryStatus.PENDING else None,
            last_response_code=row.last_status_code,
            last_error=row.last_error,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            payload=row.payload,
        )


@strawberry.type(description="One delivery in a list.")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this delivery.")
    node: WebhookDelivery = strawberry.field(description="The delivery.")


@strawberry.type(description="An endpoint's deliveries, newest first.")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge] = strawberry.field(description="The deliveries of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="All the endpoint's deliveries.")
