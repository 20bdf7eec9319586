"""Putting a model of the catalog, which reaches into every organization's numbers: a new
provider or tier moves the model's calls to another bar of By model."""

from __future__ import annotations

from gateway.catalog.inputs import ModelIn
from gateway.catalog.service import SavedModel, save_model
from gateway.storage.db import Database
from gateway.usage.rollups import move_model_calls


async def put_model(db: Database, model_id: str, body: ModelIn) -> SavedModel:
    """Add or update a model and append its prices; when its provider or tier changes, its
    calls move to the new bar in the same transaction, all or nothing."""
    async with db.write() as conn:
        saved = await save_model(conn, model_id, body)
        if saved.before is not None and saved.regrouped:
            await move_model_calls(conn, before=saved.before, after=saved.model)
    return saved
