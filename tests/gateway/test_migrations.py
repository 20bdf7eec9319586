"""The migrations build exactly the tables the models describe, on both engines."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import gateway.storage.models  # noqa: F401  (registers the tables)
from gateway.maintenance.partition_queries import is_partition_name
from gateway.storage.db import Database


def _not_a_partition(obj: Any, name: str | None, kind: str, reflected: bool, _: Any) -> bool:
    """``ai_calls``' monthly partitions (PostgreSQL) are made by the migration and the
    ``partitions`` command, not described by the models: their parent is compared."""
    table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
    return not (reflected and table is not None and is_partition_name(table))


async def test_models_and_migrations_agree(db: Database) -> None:
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_object": _not_a_partition}),
                SQLModel.metadata,
            )
        )
    assert diff == []
