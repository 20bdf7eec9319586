"""The audit log: one row per change of an organization's settings, members, keys, plans,
purchases, alert rules and webhook endpoints. Rows are only ever inserted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from gateway.storage.columns import UTCDateTime


class AuditEvent(SQLModel, table=True):
    """Who changed what and when, with the values before and after as JSON (secrets never)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_occurred", "org_id", "occurred_at", "id"),)

    org_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=40)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    # MEMBER, API_KEY or SERVICE; the member's or the key's id (none for the service).
    actor_kind: str = Field(max_length=16)
    actor_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=64)
    target_type: str = Field(max_length=40)
    target_id: str = Field(max_length=200)
    before_json: str | None = Field(default=None, sa_type=Text)
    after_json: str | None = Field(default=None, sa_type=Text)
