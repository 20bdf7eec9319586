"""Per-billing-period rollup of interview credits used and bought, back-filled; indexes of done
events and of simulated interviews.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27 17:05:00

The back-fill works the periods out here rather than through the domain's code: a migration
must keep doing what it did when it shipped, whatever the rules become later.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from gateway.core.calendar import add_months, billing_period_start, local_day
from gateway.storage.columns import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interview_periods",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("used_e4", sa.BigInteger(), nullable=False),
        sa.Column("purchased_e4", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "period_start"),
    )
    _back_fill(op.get_bind())
    done = sa.text("status IN ('COMPLETED', 'PARTIALLY_COMPLETED')")
    with op.batch_alter_table("interview_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interview_events_done",
            ["org_id", "occurred_at", "interview_id"],
            unique=False,
            postgresql_where=done,
            sqlite_where=done,
        )
        batch_op.create_index(
            "ix_interview_events_simulated",
            ["org_id", "interview_id"],
            unique=False,
            postgresql_where=sa.text("status = 'SIMULATION'"),
            sqlite_where=sa.text("status = 'SIMULATION'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("interview_events", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_events_simulated")
        batch_op.drop_index("ix_interview_events_done")
    op.drop_table("interview_periods")


_orgs = sa.table(
    "organizations", sa.column("id"), sa.column("time_zone"), sa.column("active_since", sa.Date)
)
_plans = sa.table(
    "plan_versions",
    sa.column("org_id"),
    sa.column("effective_from", sa.Date),
    sa.column("billing_anchor_day", sa.Integer),
)
_daily = sa.table(
    "interview_daily",
    sa.column("org_id"),
    sa.column("day", sa.Date),
    sa.column("credits_e4", sa.BigInteger),
)
_purchases = sa.table(
    "credit_purchases",
    sa.column("org_id"),
    sa.column("credits_e4", sa.BigInteger),
    sa.column("occurred_at", UTCDateTime),
)
_periods = sa.table(
    "interview_periods",
    sa.column("org_id"),
    sa.column("period_start", sa.Date),
    sa.column("period_end", sa.Date),
    sa.column("used_e4", sa.BigInteger),
    sa.column("purchased_e4", sa.BigInteger),
)


def _bounds(anchors: list[tuple[date, int]], active_since: date, until: date) -> list[date]:
    """Period starts from the one containing ``active_since`` past ``until`` (the last one
    is the end of the period containing ``until``), as the balance chain walks them."""

    def anchor_on(day: date) -> int | None:
        found = None
        for since, anchor in anchors:
            if since <= day:
                found = anchor
        return found

    first = anchor_on(active_since) or (anchors[0][1] if anchors else 1)
    starts = [billing_period_start(active_since, first)]
    while starts[-1] <= until:
        start = starts[-1]
        anchor = anchor_on(start) or first
        if start.day < anchor:
            starts.append(start.replace(day=anchor))
        else:
            starts.append(add_months(start.replace(day=anchor), 1))
    return starts


def _back_fill(conn: sa.Connection) -> None:
    anchors: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for row in conn.execute(
        sa.select(_plans.c.org_id, _plans.c.effective_from, _plans.c.billing_anchor_day).order_by(
            _plans.c.org_id, _plans.c.effective_from
        )
    ):
        anchors[row.org_id].append((row.effective_from, row.billing_anchor_day))
    for org in conn.execute(sa.select(_orgs)).all():
        zone = ZoneInfo(org.time_zone)
        amounts: list[tuple[date, int, int]] = [
            (row.day, int(row.credits), 0)
            for row in conn.execute(
                sa.select(_daily.c.day, sa.func.sum(_daily.c.credits_e4).label("credits"))
                .where(_daily.c.org_id == org.id)
                .group_by(_daily.c.day)
            )
        ]
        amounts += [
            (local_day(row.occurred_at, zone), 0, int(row.credits_e4))
            for row in conn.execute(
                sa.select(_purchases.c.credits_e4, _purchases.c.occurred_at).where(
                    _purchases.c.org_id == org.id
                )
            )
        ]
        if not amounts:
            continue
        starts = _bounds(anchors[org.id], org.active_since, max(day for day, _, _ in amounts))
        sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for day, used, bought in amounts:
            at = next((n for n in range(len(starts) - 1) if starts[n] <= day < starts[n + 1]), None)
            if at is not None:  # days before the first period belong to none
                sums[at][0] += used
                sums[at][1] += bought
        rows = [
            {
                "org_id": org.id,
                "period_start": starts[n],
                "period_end": starts[n + 1],
                "used_e4": used,
                "purchased_e4": bought,
            }
            for n, (used, bought) in sorted(sums.items())
            if used or bought
        ]
        if rows:
            conn.execute(sa.insert(_periods), rows)
