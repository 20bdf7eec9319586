"""AI models of the catalog by id: one statement per batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader

from gateway.db import Database
from gateway.queries import catalog as catalog_queries


class AiModelLoader(DataLoader[str, Any | None]):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self._db = db

    async def batch_load_fn(self, keys: Sequence[str]) -> list[Any | None]:
        async with self._db.read() as conn:
            rows = await catalog_queries.models_by_ids(conn, ids=set(keys))
        by_id = {row.id: row for row in rows}
        return [by_id.get(key) for key in keys]
