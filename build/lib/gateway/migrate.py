"""A database ready to serve: the latest schema and the shipped model catalog."""

from __future__ import annotations

from gateway.catalog.service import ensure_default_catalog
from gateway.storage.db import Database
from gateway.storage.migrate import upgrade_schema


async def migrate(db: Database) -> None:
    """Bring the schema to the latest revision, then add missing catalog models."""
    await upgrade_schema(db)
    await ensure_default_catalog(db)
