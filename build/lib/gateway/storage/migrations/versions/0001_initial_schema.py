"""Initial schema, with the default permissions of each role.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 08:56:42.097988
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ai_calls",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("billing_mode", sa.String(length=16), nullable=False),
        sa.Column("model_id", sa.String(length=100), nullable=False),
        sa.Column("credits_e4", sa.BigInteger(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "event_id"),
    )
    with op.batch_alter_table("ai_calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ai_calls_activity", ["org_id", "occurred_at", "event_id"], unique=False
        )
        batch_op.create_index("ix_ai_calls_model_time", ["model_id", "occurred_at"], unique=False)

    op.create_table(
        "ai_daily_by_member",
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("credits_e4", sa.BigInteger(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("billing_mode", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "day", "billing_mode", "member_id"),
    )
    op.create_table(
        "ai_daily_by_model",
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("credits_e4", sa.BigInteger(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("billing_mode", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "day", "billing_mode", "provider", "tier"),
    )
    op.create_table(
        "ai_daily_by_reason",
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("credits_e4", sa.BigInteger(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("billing_mode", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "day", "billing_mode", "reason"),
    )
    op.create_table(
        "ai_models",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ai_monthly_by_member",
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("credits_e4", sa.BigInteger(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("billing_mode", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "month", "billing_mode", "member_id"),
    )
    op.create_table(
        "ai_monthly_by_model",
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("credits_e4", sa.BigInteger(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("billing_mode", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "month", "billing_mode", "provider", "tier"),
    )
    op.create_table(
        "ai_monthly_by_reason",
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("credits_e4", sa.BigInteger(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("billing_mode", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "month", "billing_mode", "reason"),
    )
    op.create_table(
        "api_keys",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("permissions", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("org_id", "id"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index("ix_api_keys_key_hash", ["key_hash"], unique=False)

    op.create_table(
        "credit_purchases",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("purchase_id", sa.String(length=128), nullable=False),
        sa.Column("credits_e4", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "purchase_id"),
    )
    with op.batch_alter_table("credit_purchases", schema=None) as batch_op:
        batch_op.create_index("ix_credit_purchases_time", ["org_id", "occurred_at"], unique=False)

    op.create_table(
        "interview_events",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("opening_id", sa.String(length=64), nullable=False),
        sa.Column("interview_id", sa.String(length=128), nullable=False),
        sa.Column("candidate_id", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("completed_fraction_e2", sa.Integer(), nullable=True),
        sa.Column("charge_e4", sa.BigInteger(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "event_id"),
    )
    with op.batch_alter_table("interview_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interview_events_interview", ["org_id", "interview_id"], unique=False
        )
        batch_op.create_index("ix_interview_events_time", ["org_id", "occurred_at"], unique=False)

    op.create_table(
        "members",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "id"),
    )
    op.create_table(
        "model_prices",
        sa.Column("model_id", sa.String(length=100), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("input_micros_per_million", sa.BigInteger(), nullable=False),
        sa.Column("output_micros_per_million", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "effective_from"),
    )
    op.create_table(
        "openings",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("job_title", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "id"),
    )
    op.create_table(
        "organizations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("ai_mode", sa.String(length=16), nullable=False),
        sa.Column("ai_provider", sa.String(length=16), nullable=True),
        sa.Column("active_since", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "plan_versions",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("credits_per_period_e4", sa.BigInteger(), nullable=False),
        sa.Column("rollover", sa.String(length=16), nullable=False),
        sa.Column("rollover_cap_e4", sa.BigInteger(), nullable=True),
        sa.Column("billing_anchor_day", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "effective_from"),
    )
    op.create_table(
        "role_permissions",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("permission", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("role", "permission"),
    )

    op.create_table(
        "interview_daily",
        sa.Column("firsts", sa.BigInteger(), nullable=False),
        sa.Column("credits_e4", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opening_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "day", "opening_id", "status"),
    )
    op.create_table(
        "interview_day_candidates",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opening_id", sa.String(length=64), nullable=False),
        sa.Column("candidate_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "day", "opening_id", "candidate_id"),
    )
    op.create_table(
        "interview_monthly",
        sa.Column("firsts", sa.BigInteger(), nullable=False),
        sa.Column("credits_e4", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("opening_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "month", "opening_id", "status"),
    )
    role_permissions = sa.table(
        "role_permissions", sa.column("role", sa.String), sa.column("permission", sa.String)
    )
    op.bulk_insert(
        role_permissions,
        [
            {"role": role, "permission": "credits:view"}
            for role in ("ACCOUNT_ADMIN", "ADMIN", "STAFFING", "INTERVIEWER")
        ]
        + [{"role": "ACCOUNT_ADMIN", "permission": "consumption:view"}],
    )


def downgrade() -> None:
    op.drop_table("interview_monthly")
    op.drop_table("interview_day_candidates")
    op.drop_table("interview_daily")
    op.drop_table("role_permissions")
    op.drop_table("plan_versions")
    op.drop_table("organizations")
    op.drop_table("openings")
    op.drop_table("model_prices")
    op.drop_table("members")
    with op.batch_alter_table("interview_events", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_events_time")
        batch_op.drop_index("ix_interview_events_interview")

    op.drop_table("interview_events")
    with op.batch_alter_table("credit_purchases", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_purchases_time")

    op.drop_table("credit_purchases")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_api_keys_key_hash")

    op.drop_table("api_keys")
    op.drop_table("ai_monthly_by_reason")
    op.drop_table("ai_monthly_by_model")
    op.drop_table("ai_monthly_by_member")
    op.drop_table("ai_models")
    op.drop_table("ai_daily_by_reason")
    op.drop_table("ai_daily_by_model")
    op.drop_table("ai_daily_by_member")
    with op.batch_alter_table("ai_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_ai_calls_model_time")
        batch_op.drop_index("ix_ai_calls_activity")

    op.drop_table("ai_calls")
