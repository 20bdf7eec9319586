"""Rebuilding an organization's AI rollups from its calls (after a time-zone change)."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.catalog.records import ModelRecord
from gateway.usage import writes
from gateway.usage.sums import CallFacts, ai_rollup_rows


async def rebuild_ai_rollups(
    conn: AsyncConnection, *, org_id: str, zone: ZoneInfo, models: Mapping[str, ModelRecord]
) -> None:
    """Recount an organization's AI rollups from its calls, in ``zone``."""
    await writes.delete_ai_rollups(conn, org_id=org_id)
    async for chunk in writes.stream_ai_calls(conn, org_id=org_id):
        facts = [CallFacts.of(call, models[call.model_id]) for call in chunk]
        await writes.add_to_ai_rollups(conn, rollups=ai_rollup_rows(facts, {org_id: zone}))
