"""``ai_calls`` partitioned by month on PostgreSQL; the ``ai_call_ids`` uniqueness table and the
``raw_retention`` record (both engines; SQLite keeps one plain ``ai_calls``).

On PostgreSQL the existing table is moved without losing a row: renamed aside, a partitioned
table created under its name (a partition for each month that has calls, for this month and
three ahead, and a default partition), the calls copied month by month, the counts compared, the old
table dropped. Every call's ``(org_id, event_id)`` is copied into ``ai_call_ids`` first.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AHEAD = 3
_COLUMNS = (
    "org_id varchar(64) NOT NULL, event_id varchar(128) NOT NULL, "
    "occurred_at timestamptz NOT NULL, member_id varchar(64) NOT NULL, "
    "reason varchar(32) NOT NULL, billing_mode varchar(16) NOT NULL, "
    "model_id varchar(100) NOT NULL, credits_e4 bigint NOT NULL, input_tokens bigint NOT NULL, "
    "output_tokens bigint NOT NULL, cost_micros bigint NOT NULL, ingested_at timestamptz NOT NULL"
)
_NAMES = (
    "org_id, event_id, occurred_at, member_id, reason, billing_mode, model_id, credits_e4, "
    "input_tokens, output_tokens, cost_micros, ingested_at"
)


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _bound(month: date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def upgrade() -> None:
    op.create_table(
        "ai_call_ids",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "event_id"),
    )
    op.create_table(
        "raw_retention",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("kept_since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("table_name"),
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("INSERT INTO ai_call_ids (org_id, event_id) SELECT org_id, event_id FROM ai_calls")
    op.execute("ALTER TABLE ai_calls RENAME TO ai_calls_unpartitioned")
    op.execute(
        "ALTER TABLE ai_calls_unpartitioned RENAME CONSTRAINT ai_calls_pkey TO ai_calls_old_pkey"
    )
    op.execute("ALTER INDEX ix_ai_calls_activity RENAME TO ix_ai_calls_old_activity")
    op.execute("ALTER INDEX ix_ai_calls_model_time RENAME TO ix_ai_calls_old_model_time")
    # PostgreSQL requires the partition key in every unique key of a partitioned table.
    op.execute(
        f"CREATE TABLE ai_calls ({_COLUMNS}, "
        "CONSTRAINT ai_calls_pkey PRIMARY KEY (org_id, event_id, occurred_at)) "
        "PARTITION BY RANGE (occurred_at)"
    )
    op.execute("CREATE INDEX ix_ai_calls_activity ON ai_calls (org_id, occurred_at, event_id)")
    op.execute("CREATE INDEX ix_ai_calls_model_time ON ai_calls (model_id, occurred_at)")
    op.execute("CREATE TABLE ai_calls_default PARTITION OF ai_calls DEFAULT")
    # A partition for every month that has calls (not the empty months between: a stray old
    # call would otherwise make years of them) and for this month and three ahead.
    months = {
        row[0]
        for row in bind.execute(
            sa.text(
                "SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date "
                "FROM ai_calls_unpartitioned"
            )
        )
    }
    now = datetime.now(UTC)
    month = date(now.year, now.month, 1)
    for _ in range(AHEAD + 1):
        months.add(month)
        month = _next(month)
    for month in sorted(months):
        upper = _next(month)
        name = f"ai_calls_p{month.year:04d}_{month.month:02d}"
        op.execute(
            f"CREATE TABLE {name} PARTITION OF ai_calls "
            f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(upper)})"
        )
        # One month a statement: the copy goes in batches, each straight to its partition.
        op.execute(
            f"INSERT INTO ai_calls ({_NAMES}) SELECT {_NAMES} FROM ai_calls_unpartitioned "
            f"WHERE occurred_at >= {_bound(month)} AND occurred_at < {_bound(upper)}"
        )
    before, after = (
        bind.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
        for table in ("ai_calls_unpartitioned", "ai_calls")
    )
    if before != after:
        raise RuntimeError(f"ai_calls: {before} calls before the move, {after} after")
    op.execute("DROP TABLE ai_calls_unpartitioned")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ai_calls RENAME TO ai_calls_partitioned")
        op.execute("ALTER INDEX ix_ai_calls_activity RENAME TO ix_ai_calls_part_activity")
        op.execute("ALTER INDEX ix_ai_calls_model_time RENAME TO ix_ai_calls_part_model_time")
        op.execute(
            "ALTER TABLE ai_calls_partitioned RENAME CONSTRAINT ai_calls_pkey TO ai_calls_part_pkey"
        )
        op.execute(
            f"CREATE TABLE ai_calls ({_COLUMNS}, "
            "CONSTRAINT ai_calls_pkey PRIMARY KEY (org_id, event_id))"
        )
        op.execute("CREATE INDEX ix_ai_calls_activity ON ai_calls (org_id, occurred_at, event_id)")
        op.execute("CREATE INDEX ix_ai_calls_model_time ON ai_calls (model_id, occurred_at)")
        op.execute(f"INSERT INTO ai_calls ({_NAMES}) SELECT {_NAMES} FROM ai_calls_partitioned")
        op.execute("DROP TABLE ai_calls_partitioned")
    op.drop_table("raw_retention")
    op.drop_table("ai_call_ids")
