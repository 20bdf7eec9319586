"""Tables. Every tenant table carries ``org_id`` first in its primary key and unique keys.

Credits are whole ten-thousandths (``*_e4``), US dollars whole micro-dollars (``*_micros``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, text
from sqlmodel import Field, SQLModel

from gateway.storage.columns import UTCDateTime


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    time_zone: str = Field(max_length=64)
    ai_mode: str = Field(default="CREDITS", max_length=16)
    ai_provider: str | None = Field(default=None, max_length=16)
    active_since: date
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PlanVersion(SQLModel, table=True):
    """An organization's plan from the billing period starting ``effective_from`` on."""

    __tablename__ = "plan_versions"

    org_id: str = Field(primary_key=True, max_length=64)
    effective_from: date = Field(primary_key=True)
    credits_per_period_e4: int = Field(default=0, sa_type=BigInteger)
    rollover: str = Field(default="NONE", max_length=16)
    rollover_cap_e4: int | None = Field(default=None, sa_type=BigInteger)
    billing_anchor_day: int = 1


class Member(SQLModel, table=True):
    __tablename__ = "members"

    org_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    role: str = Field(max_length=32)
    removed: bool = False
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class RolePermission(SQLModel, table=True):
    """Which permissions each role grants (seeded with the defaults of the design)."""

    __tablename__ = "role_permissions"

    role: str = Field(primary_key=True, max_length=32)
    permission: str = Field(primary_key=True, max_length=64)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_key_hash", "key_hash"),)

    org_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    # sha256 of the whole secret; the secret itself is never stored.
    key_hash: str = Field(max_length=64)
    # Space-separated permission names.
    permissions: str = Field(max_length=1000)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Who made it: "member:<id>", "key:<id>" or "service" (null for keys older than the column).
    created_by: str | None = Field(default=None, max_length=200)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Coarse: written at most once a minute per key, off the request's path.
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmbedToken(SQLModel, table=True):
    """A short-lived, read-only token that runs only the listed trusted documents."""

    __tablename__ = "embed_tokens"
    __table_args__ = (Index("ix_embed_tokens_token_hash", "token_hash"),)

    org_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=32)
    # sha256 of the whole secret; the secret itself is never stored.
    token_hash: str = Field(max_length=64)
    # Space-separated: the documents as named at creation, and the digests of their
    # canonical forms (what a request's document is checked against).
    documents: str = Field(max_length=2000)
    document_digests: str = Field(max_length=2000)
    permissions: str = Field(max_length=1000)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AiModel(SQLModel, table=True):
    """The model catalog (shared by all organizations)."""

    __tablename__ = "ai_models"

    id: str = Field(primary_key=True, max_length=100)
    provider: str = Field(max_length=16)
    tier: str = Field(max_length=64)
    label: str = Field(max_length=120)


class ModelPrice(SQLModel, table=True):
    """Append-only price history; prices are micro-dollars per million tokens."""

    __tablename__ = "model_prices"

    model_id: str = Field(primary_key=True, max_length=100)
    effective_from: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    input_micros_per_million: int = Field(default=0, sa_type=BigInteger)
    output_micros_per_million: int = Field(default=0, sa_type=BigInteger)


class AiCall(SQLModel, table=True):
    """One AI call. On PostgreSQL the table is partitioned by UTC month of ``occurred_at``
    (migration 0008), its primary key ``(org_id, event_id, occurred_at)``; ``ai_call_ids``
    keeps ``(org_id, event_id)`` unique."""

    __tablename__ = "ai_calls"
    __table_args__ = (
        # Keyset index of the activity log: (org, occurred_at DESC, event_id DESC).
        Index("ix_ai_calls_activity", "org_id", "occurred_at", "event_id"),
        # A new price may not start before a call already priced with the old one.
        Index("ix_ai_calls_model_time", "model_id", "occurred_at"),
    )

    org_id: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(primary_key=True, max_length=128)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    member_id: str = Field(max_length=64)
    reason: str = Field(max_length=32)
    billing_mode: str = Field(max_length=16)
    model_id: str = Field(max_length=100)
    credits_e4: int = Field(default=0, sa_type=BigInteger)
    input_tokens: int = Field(default=0, sa_type=BigInteger)
    output_tokens: int = Field(default=0, sa_type=BigInteger)
    cost_micros: int = Field(default=0, sa_type=BigInteger)
    ingested_at: datetime = Field(sa_type=UTCDateTime)


class AiCallId(SQLModel, table=True):
    """Which calls were ever stored, by ``(org_id, event_id)``: on PostgreSQL ``ai_calls`` is
    partitioned by month of ``occurred_at`` and its own keys must include it, so this small
    unpartitioned table holds the uniqueness the ingest's duplicate check relies on (empty on
    SQLite, where ``ai_calls`` keeps its own primary key). See docs/operators.md."""

    __tablename__ = "ai_call_ids"

    org_id: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(primary_key=True, max_length=128)


class RawRetention(SQLModel, table=True):
    """From which instant a raw table's rows are still kept (no row: all of them)."""

    __tablename__ = "raw_retention"

    table_name: str = Field(primary_key=True, max_length=64)
    kept_since: datetime = Field(sa_type=UTCDateTime)


class _AiRollup(SQLModel):
    """Sums shared by every AI rollup."""

    calls: int = Field(default=0, sa_type=BigInteger)
    credits_e4: int = Field(default=0, sa_type=BigInteger)
    cost_micros: int = Field(default=0, sa_type=BigInteger)
    tokens: int = Field(default=0, sa_type=BigInteger)


class AiDailyByReason(_AiRollup, table=True):
    __tablename__ = "ai_daily_by_reason"

    org_id: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    billing_mode: str = Field(primary_key=True, max_length=16)
    reason: str = Field(primary_key=True, max_length=32)


class AiDailyByMember(_AiRollup, table=True):
    __tablename__ = "ai_daily_by_member"

    org_id: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    billing_mode: str = Field(primary_key=True, max_length=16)
    member_id: str = Field(primary_key=True, max_length=64)


class AiDailyByModel(_AiRollup, table=True):
    __tablename__ = "ai_daily_by_model"

    org_id: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    billing_mode: str = Field(primary_key=True, max_length=16)
    provider: str = Field(primary_key=True, max_length=16)
    tier: str = Field(primary_key=True, max_length=64)


class AiMonthlyByReason(_AiRollup, table=True):
    __tablename__ = "ai_monthly_by_reason"

    org_id: str = Field(primary_key=True, max_length=64)
    month: date = Field(primary_key=True)
    billing_mode: str = Field(primary_key=True, max_length=16)
    reason: str = Field(primary_key=True, max_length=32)


class AiMonthlyByMember(_AiRollup, table=True):
    __tablename__ = "ai_monthly_by_member"

    org_id: str = Field(primary_key=True, max_length=64)
    month: date = Field(primary_key=True)
    billing_mode: str = Field(primary_key=True, max_length=16)
    member_id: str = Field(primary_key=True, max_length=64)


class AiMonthlyByModel(_AiRollup, table=True):
    __tablename__ = "ai_monthly_by_model"

    org_id: str = Field(primary_key=True, max_length=64)
    month: date = Field(primary_key=True)
    billing_mode: str = Field(primary_key=True, max_length=16)
    provider: str = Field(primary_key=True, max_length=16)
    tier: str = Field(primary_key=True, max_length=64)


class Opening(SQLModel, table=True):
    __tablename__ = "openings"

    org_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    job_title: str = Field(max_length=300)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


DONE_EVENTS = "status IN ('COMPLETED', 'PARTIALLY_COMPLETED')"


class InterviewEvent(SQLModel, table=True):
    """One status event; ``charge_e4`` is what it added to its interview's running maximum."""

    __tablename__ = "interview_events"
    __table_args__ = (
        Index("ix_interview_events_interview", "org_id", "interview_id"),
        Index("ix_interview_events_time", "org_id", "occurred_at"),
        # The page's count of completed interviews reads these two small indexes only: the
        # done events of its period, and the simulated interviews (free, never counted)
        # without reading the organization's whole history.
        Index(
            "ix_interview_events_done",
            "org_id",
            "occurred_at",
            "interview_id",
            postgresql_where=text(DONE_EVENTS),
            sqlite_where=text(DONE_EVENTS),
        ),
        Index(
            "ix_interview_events_simulated",
            "org_id",
            "interview_id",
            postgresql_where=text("status = 'SIMULATION'"),
            sqlite_where=text("status = 'SIMULATION'"),
        ),
    )

    org_id: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(primary_key=True, max_length=128)
    opening_id: str = Field(max_length=64)
    interview_id: str = Field(max_length=128)
    candidate_id: str = Field(max_length=128)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(max_length=32)
    # Fraction in hundredths (PARTIALLY_COMPLETED only).
    completed_fraction_e2: int | None = None
    charge_e4: int = Field(default=0, sa_type=BigInteger)
    ingested_at: datetime = Field(sa_type=UTCDateTime)


class CreditPurchase(SQLModel, table=True):
    __tablename__ = "credit_purchases"
    __table_args__ = (Index("ix_credit_purchases_time", "org_id", "occurred_at"),)

    org_id: str = Field(primary_key=True, max_length=64)
    purchase_id: str = Field(primary_key=True, max_length=128)
    credits_e4: int = Field(default=0, sa_type=BigInteger)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


AI_ROLLUPS_DAILY = (AiDailyByReason, AiDailyByMember, AiDailyByModel)
AI_ROLLUPS_MONTHLY = (AiMonthlyByReason, AiMonthlyByMember, AiMonthlyByModel)


class _InterviewRollup(SQLModel):
    """Sums shared by the interview rollups.

    ``firsts`` counts interviews whose first event of the status falls in the bucket (an
    interview with a simulation counts only under SIMULATION); ``credits_e4`` sums the
    charges of the bucket's events of that status; ``events`` counts them.
    """

    firsts: int = Field(default=0, sa_type=BigInteger)
    credits_e4: int = Field(default=0, sa_type=BigInteger)
    events: int = Field(default=0, sa_type=BigInteger)


class InterviewDaily(_InterviewRollup, table=True):
    __tablename__ = "interview_daily"

    org_id: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    opening_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(primary_key=True, max_length=32)


class InterviewMonthly(_InterviewRollup, table=True):
    __tablename__ = "interview_monthly"

    org_id: str = Field(primary_key=True, max_length=64)
    month: date = Field(primary_key=True)
    opening_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(primary_key=True, max_length=32)


class InterviewDayCandidate(SQLModel, table=True):
    """Which candidates had an event on a local day for an opening (the export's count)."""

    __tablename__ = "interview_day_candidates"

    org_id: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    opening_id: str = Field(primary_key=True, max_length=64)
    candidate_id: str = Field(primary_key=True, max_length=128)


class DataVersion(SQLModel, table=True):
    """What an organization's answers were computed from: a fresh random token per write
    transaction (the row ``*catalog`` holds the shared catalog's). Random, not counted, so a
    restored database or another database never repeats a token a shared cache has seen."""

    __tablename__ = "data_versions"

    org_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(sa_type=BigInteger)
    # The latest instant of a write dated in the future: until then the answers may change
    # with the clock alone (a purchase counts once it has happened), so none is cached.
    settles_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InterviewPeriod(SQLModel, table=True):
    """Credits used and bought per billing period: the balance chain reads one row a period.

    Rows follow the periods' boundaries (the plans' anchor days and ``active_since``): they are
    recounted whenever those move or the time zone changes. Days before the first period
    belong to no row.
    """

    __tablename__ = "interview_periods"

    org_id: str = Field(primary_key=True, max_length=64)
    period_start: date = Field(primary_key=True)
    period_end: date
    used_e4: int = Field(default=0, sa_type=BigInteger)
    purchased_e4: int = Field(default=0, sa_type=BigInteger)


# The alert tables, in a module of their own; imported here so that every table is registered
# with the metadata whenever the models are.
from gateway.storage.alert_models import (  # noqa: E402, F401
    Alert,
    AlertRule,
    AlertState,
    WebhookDelivery,
    WebhookEndpoint,
)
from gateway.storage.audit_models import AuditEvent  # noqa: E402, F401
from gateway.storage.bulk_models import BulkExport  # noqa: E402, F401
from gateway.storage.interview_models import InterviewDoneDay  # noqa: E402, F401
