"""Partners serve themselves: API keys gain who created them, an expiry and a coarse last use;
embed tokens (short-lived, read-only, limited to listed documents); the ``keys:manage``
permission for account admins.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("created_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("expires_at", _AT, nullable=True))
        batch.add_column(sa.Column("last_used_at", _AT, nullable=True))
    op.create_table(
        "embed_tokens",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("documents", sa.String(length=2000), nullable=False),
        sa.Column("document_digests", sa.String(length=2000), nullable=False),
        sa.Column("permissions", sa.String(length=1000), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("revoked_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("org_id", "id"),
    )
    op.create_index("ix_embed_tokens_token_hash", "embed_tokens", ["token_hash"])
    role_permissions = sa.table(
        "role_permissions", sa.column("role", sa.String), sa.column("permission", sa.String)
    )
    op.bulk_insert(role_permissions, [{"role": "ACCOUNT_ADMIN", "permission": "keys:manage"}])


def downgrade() -> None:
    op.execute("DELETE FROM role_permissions WHERE permission = 'keys:manage'")
    op.drop_index("ix_embed_tokens_token_hash", table_name="embed_tokens")
    op.drop_table("embed_tokens")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
        batch.drop_column("created_by")
