"""Alembic environment: runs on the connection handed over by ``gateway.storage.migrate``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import gateway.storage.models  # noqa: F401  (registers the tables)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `usage-gateway migrate`")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
