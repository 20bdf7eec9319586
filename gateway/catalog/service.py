"""What the entrances call for the model catalog."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.catalog import queries as catalog_queries
from gateway.catalog.defaults import CATALOG_PRICES_FROM, DEFAULT_CATALOG, default_label
from gateway.catalog.inputs import ModelIn
from gateway.catalog.prices import check_new_price
from gateway.catalog.records import ModelRecord, PriceRecord
from gateway.core.money import usd_to_int
from gateway.storage.db import Database
from gateway.storage.locks import hold_models
from gateway.storage.versions import move_catalog_version


@dataclass(frozen=True)
class SavedModel:
    model: ModelRecord
    prices: list[PriceRecord]
    # The model as it was (None: it is new).
    before: ModelRecord | None

    @property
    def created(self) -> bool:
        return self.before is None

    @property
    def regrouped(self) -> bool:
        """Its provider or tier changed: its calls count under another bar of By model."""
        if self.before is None:
            return False
        return (self.before.provider, self.before.tier) != (self.model.provider, self.model.tier)


async def save_model(conn: AsyncConnection, model_id: str, body: ModelIn) -> SavedModel:
    """Add or update a model and append its prices, in the caller's write transaction (which
    moves the model's calls when it regroups them: gateway/model_catalog.py)."""
    label = body.label or default_label(body.provider, body.tier)
    # A new price waits for the batches pricing calls of this model (gateway/storage/locks.py).
    await hold_models(conn, [model_id], exclusive=True)
    known = await catalog_queries.models_by_ids(conn, ids=[model_id])
    await catalog_queries.upsert_model(
        conn, model_id=model_id, provider=body.provider.value, tier=body.tier, label=label
    )
    stored = {
        row.effective_from: row
        for row in await catalog_queries.prices_for_model(conn, model_id=model_id)
    }
    last_call = await catalog_queries.latest_call_at(conn, model_id=model_id)
    for index, price in enumerate(body.prices):
        at = price.effective_from.astimezone(UTC)
        figures = (
            usd_to_int(price.input_usd_per_million),
            usd_to_int(price.output_usd_per_million),
        )
        if check_new_price(index, at, figures, stored.get(at), last_call):
            await catalog_queries.insert_price(
                conn,
                model_id=model_id,
                effective_from=at,
                input_micros_per_million=figures[0],
                output_micros_per_million=figures[1],
            )
    prices = await catalog_queries.prices_for_model(conn, model_id=model_id)
    await move_catalog_version(conn)
    model = ModelRecord(model_id, body.provider, body.tier, label)
    return SavedModel(model, prices, before=known[0] if known else None)


async def ensure_default_catalog(db: Database) -> None:
    """Add the shipped models that the catalog lacks; never overwrite one that exists."""
    async with db.write() as conn:
        added = False
        for model in DEFAULT_CATALOG:
            created = await catalog_queries.insert_model_if_missing(
                conn,
                model_id=model.id,
                provider=model.provider.value,
                tier=model.tier,
                label=model.label,
            )
            if created:
                added = True
                await catalog_queries.insert_price(
                    conn,
                    model_id=model.id,
                    effective_from=CATALOG_PRICES_FROM,
                    input_micros_per_million=usd_to_int(model.input_usd_per_million),
                    output_micros_per_million=usd_to_int(model.output_usd_per_million),
                )
        if added:
            await move_catalog_version(conn)


async def models_by_ids(db: Database, ids: Iterable[str]) -> list[ModelRecord]:
    return await db.run(catalog_queries.models_by_ids, ids=set(ids))


async def all_models(db: Database) -> list[ModelRecord]:
    return await db.run(catalog_queries.all_models)
