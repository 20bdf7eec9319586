"""The done-days rollup behind ``totalInterviews``, back-filled from the events.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 18:00:00

For each interview without a SIMULATION event, each local day (in the organization's time
zone) with a COMPLETED or PARTIALLY_COMPLETED event counts once, keyed with the previous such
day (0001-01-01 for the first). The back-fill works this out here rather than through the
domain's code: a migration must keep doing what it did when it shipped.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from gateway.storage.columns import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DAY = date(1, 1, 1)
DONE = ("COMPLETED", "PARTIALLY_COMPLETED")


def upgrade() -> None:
    op.create_table(
        "interview_done_days",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prev_day", sa.Date(), nullable=False),
        sa.Column("interviews", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "day", "prev_day"),
    )
    _back_fill(op.get_bind())


def downgrade() -> None:
    op.drop_table("interview_done_days")


_orgs = sa.table("organizations", sa.column("id"), sa.column("time_zone"))
_events = sa.table(
    "interview_events",
    sa.column("org_id"),
    sa.column("interview_id"),
    sa.column("status"),
    sa.column("occurred_at", UTCDateTime),
)
_done_days = sa.table(
    "interview_done_days",
    sa.column("org_id"),
    sa.column("day", sa.Date),
    sa.column("prev_day", sa.Date),
    sa.column("interviews", sa.BigInteger),
)


def _back_fill(conn: sa.Connection) -> None:
    e = _events
    for org in conn.execute(sa.select(_orgs)).all():
        zone = ZoneInfo(org.time_zone)
        simulated = set(
            conn.execute(
                sa.select(e.c.interview_id).where(e.c.org_id == org.id, e.c.status == "SIMULATION")
            ).scalars()
        )
        days: dict[str, set[date]] = defaultdict(set)
        for row in conn.execute(
            sa.select(e.c.interview_id, e.c.occurred_at).where(
                e.c.org_id == org.id, e.c.status.in_(DONE)
            )
        ):
            if row.interview_id not in simulated:
                days[row.interview_id].add(row.occurred_at.astimezone(zone).date())
        counts: dict[tuple[date, date], int] = defaultdict(int)
        for done in days.values():
            ordered = sorted(done)
            for day, before in zip(ordered, [NO_DAY, *ordered], strict=False):
                counts[(day, before)] += 1
        rows = [
            {"org_id": org.id, "day": day, "prev_day": before, "interviews": n}
            for (day, before), n in sorted(counts.items())
        ]
        for at in range(0, len(rows), 5_000):
            conn.execute(sa.insert(_done_days), rows[at : at + 5_000])
