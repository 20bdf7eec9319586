"""Rebuilding an organization's AI rollups from its calls (after a time-zone change)."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.catalog.records import ModelRecord
from gateway.core.calendar import local_midnight
from gateway.usage import queries, rules, writes
from gateway.usage.sums import CallFacts, ai_rollup_rows


async def rebuild_ai_rollups(
    conn: AsyncConnection, *, org_id: str, zone: ZoneInfo, models: Mapping[str, ModelRecord]
) -> None:
    """Recount an organization's AI rollups from its calls, in ``zone``.

    Once raw calls were dropped (retention), only the months wholly kept are recounted: the
    rollups of the months before stay as they are, the only record left of them.
    """
    kept = await queries.raw_kept_since(conn)
    first = rules.first_kept_month(kept, zone) if kept is not None else None
    start = local_midnight(first, zone) if first is not None else None
    await writes.delete_ai_rollups(conn, org_id=org_id, since=first)
    async for chunk in writes.stream_ai_calls(conn, org_id=org_id, start=start):
        facts = [CallFacts.of(call, models[call.model_id]) for call in chunk]
        await writes.add_to_ai_rollups(conn, rollups=ai_rollup_rows(facts, {org_id: zone}))
