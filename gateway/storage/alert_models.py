"""Tables of alerts and webhooks. Every tenant table carries ``org_id`` first in its primary key."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from gateway.storage.columns import UTCDateTime


class AlertRule(SQLModel, table=True):
    """A condition on one of an organization's figures; thresholds are decimal strings."""

    __tablename__ = "alert_rules"

    org_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=40)
    name: str = Field(max_length=200)
    # Space-separated decimal strings (credits, or percent of the allocation).
    thresholds: str = Field(max_length=400)
    unit: str = Field(max_length=16)
    within_days: int | None = None
    member_id: str | None = Field(default=None, max_length=64)
    tier: str | None = Field(default=None, max_length=64)
    opening_id: str | None = Field(default=None, max_length=64)
    enabled: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class AlertState(SQLModel, table=True):
    """Whether a rule's threshold is past in its period: one row per threshold, created with
    the rule, so evaluations of one organization queue on these rows (``FOR UPDATE``)."""

    __tablename__ = "alert_states"

    org_id: str = Field(primary_key=True, max_length=64)
    rule_id: str = Field(primary_key=True, max_length=40)
    threshold: str = Field(primary_key=True, max_length=40)
    period_start: date | None = None
    alert_id: str | None = Field(default=None, max_length=40)


class Alert(SQLModel, table=True):
    """One firing: a threshold crossed in a period; ``resolved_at`` once it is false again."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_fired", "org_id", "fired_at", "id"),)

    org_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=40)
    rule_id: str = Field(max_length=40)
    kind: str = Field(max_length=40)
    threshold: str = Field(max_length=40)
    figure: str = Field(max_length=40)
    period_start: date
    period_end: date
    runs_out_on: date | None = None
    fired_at: datetime = Field(sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"

    org_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=40)
    url: str = Field(max_length=2000)
    description: str = Field(max_length=500)
    # Space-separated event types.
    event_types: str = Field(max_length=1000)
    # The signing secret (whsec_...): it must be stored to sign; never logged or shown again.
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """The outbox: one message for one endpoint, written in the transaction that fired it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "org_id", "endpoint_id", "created_at", "id"),
    )

    org_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=40)
    endpoint_id: str = Field(max_length=40)
    # The webhook-id: the same for every attempt and redelivery of the event.
    message_id: str = Field(max_length=40)
    event_type: str = Field(max_length=64)
    payload: str = Field(sa_type=Text)
    status: str = Field(max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
