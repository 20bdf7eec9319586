"""Data versions: a token per organization (and one for the catalog) that every write moves.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 16:50:00.000000
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATALOG = "*catalog"


def upgrade() -> None:
    table = op.create_table(
        "data_versions",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("settles_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("org_id"),
    )
    # Organizations that exist already get a token of their own, as does the catalog.
    org_ids = [row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM organizations"))]
    op.bulk_insert(
        table,
        [{"org_id": org_id, "version": secrets.randbits(62)} for org_id in [CATALOG, *org_ids]],
    )


def downgrade() -> None:
    op.drop_table("data_versions")
