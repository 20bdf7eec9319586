"""The AI model catalog and its price history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.catalog.records import ModelRecord, PriceRecord
from gateway.storage.columns import UTCDateTime
from gateway.storage.db import insert_for, upsert_replace
from gateway.storage.records import record
from gateway.storage.tables import ai_calls, ai_models, model_prices


async def insert_model_if_missing(
    conn: AsyncConnection, *, model_id: str, provider: str, tier: str, label: str
) -> bool:
    stmt = (
        insert_for(conn, ai_models)
        .values(id=model_id, provider=provider, tier=tier, label=label)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    result = await conn.execute(stmt)
    return bool(result.rowcount)


async def upsert_model(
    conn: AsyncConnection, *, model_id: str, provider: str, tier: str, label: str
) -> None:
    await upsert_replace(
        conn,
        ai_models,
        {"id": model_id, "provider": provider, "tier": tier, "label": label},
        key=["id"],
    )


async def insert_price(
    conn: AsyncConnection,
    *,
    model_id: str,
    effective_from: datetime,
    input_micros_per_million: int,
    output_micros_per_million: int,
) -> None:
    """Add a price; one already recorded for the same instant is left as it is."""
    stmt = (
        insert_for(conn, model_prices)
        .values(
            model_id=model_id,
            effective_from=effective_from,
            input_micros_per_million=input_micros_per_million,
            output_micros_per_million=output_micros_per_million,
        )
        .on_conflict_do_nothing(index_elements=["model_id", "effective_from"])
    )
    await conn.execute(stmt)


async def prices_for_model(conn: AsyncConnection, *, model_id: str) -> list[PriceRecord]:
    return await prices_by_model_ids(conn, ids=[model_id])


async def latest_call_at(conn: AsyncConnection, *, model_id: str) -> datetime | None:
    """The newest call priced with this model, in any organization."""
    stmt = select(func.max(ai_calls.c.occurred_at)).where(ai_calls.c.model_id == model_id)
    value = (await conn.execute(stmt)).scalar()
    if value is None:
        return None
    # MAX() over a TypeDecorator column comes back raw on SQLite.
    return UTCDateTime().process_result_value(value, conn.dialect)


_MODELS_BY_IDS = select(ai_models).where(ai_models.c.id.in_(bindparam("ids", expanding=True)))


async def models_by_ids(conn: AsyncConnection, *, ids: Iterable[str]) -> list[ModelRecord]:
    rows = await conn.execute(_MODELS_BY_IDS, {"ids": list(ids)})
    return [record(ModelRecord, row) for row in rows]


async def prices_by_model_ids(conn: AsyncConnection, *, ids: Iterable[str]) -> list[PriceRecord]:
    stmt = (
        select(model_prices)
        .where(model_prices.c.model_id.in_(list(ids)))
        .order_by(model_prices.c.model_id, model_prices.c.effective_from)
    )
    return [record(PriceRecord, row) for row in await conn.execute(stmt)]


async def all_models(conn: AsyncConnection) -> list[ModelRecord]:
    rows = await conn.execute(select(ai_models).order_by(ai_models.c.id))
    return [record(ModelRecord, row) for row in rows]
