"""Rebuilding an organization's AI rollups from its calls (after a time-zone change)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.catalog.records import ModelRecord
from gateway.core.calendar import local_midnight
from gateway.usage import queries, rules, writes
from gateway.usage.sums import CallFacts, ai_rollup_rows, call_deltas, rollup_rows


async def rebuild_ai_rollups(
    conn: AsyncConnection,
    *,
    org_id: str,
    zone: ZoneInfo,
    models: Mapping[str, ModelRecord],
    old_zone: ZoneInfo | None = None,
) -> None:
    """Recount an organization's AI rollups from its calls, in ``zone`` (``old_zone``: the zone
    the stored rollups were counted in, when it changes).

    Once raw calls were dropped (retention), only the months from the first one wholly kept in
    both zones are recounted: the rollups of the months before stay, the only record left of
    them. The calls between the two zones' starts of that month are moved across it, so that
    every call still counts once.
    """
    kept = await queries.raw_kept_since(conn)
    if kept is None:
        await writes.delete_ai_rollups(conn, org_id=org_id)
        await _add(conn, org_id, zone, models, start=None, end=None)
        return
    first = rules.first_recountable_month(kept)
    new_start = local_midnight(first, zone)
    old_start = local_midnight(first, old_zone or zone)
    # The stored rows from ``first`` on hold exactly the calls from ``old_start`` on.
    await writes.delete_ai_rollups(conn, org_id=org_id, since=first)
    if new_start < old_start:
        # Counted before ``first`` in the old zone, they now belong to ``first`` or later.
        await _add(conn, org_id, old_zone or zone, models, start=new_start, end=old_start, sign=-1)
    await _add(conn, org_id, zone, models, start=min(new_start, old_start), end=None)


async def _add(
    conn: AsyncConnection,
    org_id: str,
    zone: ZoneInfo,
    models: Mapping[str, ModelRecord],
    *,
    start: datetime | None,
    end: datetime | None,
    sign: int = 1,
) -> None:
    """Add (or with ``sign=-1`` take away) the calls in ``[start, end)``, bucketed in ``zone``."""
    async for chunk in writes.stream_ai_calls(conn, org_id=org_id, start=start, end=end):
        facts = [CallFacts.of(call, models[call.model_id]) for call in chunk]
        if sign > 0:
            await writes.add_to_ai_rollups(conn, rollups=ai_rollup_rows(facts, {org_id: zone}))
            continue
        deltas = call_deltas(facts, {org_id: zone})
        for sums in deltas.values():
            sums.calls, sums.credits_e4 = -sums.calls, -sums.credits_e4
            sums.cost_micros, sums.tokens = -sums.cost_micros, -sums.tokens
        await writes.add_to_ai_rollups(conn, rollups=rollup_rows(deltas))
