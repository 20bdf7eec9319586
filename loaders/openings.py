"""Openings of the caller's organization by id: one statement per batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader

from gateway.db import Database
from gateway.queries import openings as opening_queries


class OpeningLoader(DataLoader[str, Any | None]):
    def __init__(self, db: Database, *, org_id: str) -> None:
        super().__init__()
        self._db = db
        self._org_id = org_id

    async def batch_load_fn(self, keys: Sequence[str]) -> list[Any | None]:
        async with self._db.read() as conn:
            rows = await opening_queries.openings_by_ids(conn, org_id=self._org_id, ids=set(keys))
        by_id = {row.id: row for row in rows}
        return [by_id.get(key) for key in keys]
