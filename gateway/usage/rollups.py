"""Recounting AI rollups from the calls: an organization's after a time-zone change, a model's
after its provider or tier changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.catalog.records import ModelRecord
from gateway.core.calendar import local_midnight
from gateway.orgs import queries as org_queries
from gateway.usage import queries, rules, writes
from gateway.usage.sums import CallFacts, RollupSums, ai_rollup_rows, call_deltas, rollup_rows


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
        deltas = {key: -sums for key, sums in call_deltas(facts, {org_id: zone}).items()}
        await writes.add_to_ai_rollups(conn, rollups=rollup_rows(deltas))


# The rollups that count a call under its model's provider and tier, in the order every writer
# takes them (writes.AI_ROLLUPS).
_BY_MODEL = ("daily_by_model", "monthly_by_model")


async def move_model_calls(
    conn: AsyncConnection, *, before: ModelRecord, after: ModelRecord
) -> None:
    """Move a model's calls from its old provider and tier to its new ones, in the by-model
    rollups of every organization (the others do not count tiers).

    The caller holds the model's row exclusively, so no batch of it is in flight, and a rebuild
    (which shares every model's row) waits. Only calls still kept raw can move: the months whose
    calls were dropped (retention) keep them under the tier they were counted with. All rows are
    added in one statement per rollup, in key order, as a batch adds its deltas: a batch of
    another model of either tier waits for the move, or the move for it, never both.
    """
    org_ids = await writes.orgs_with_calls_of(conn, model_id=before.id)
    if not org_ids:
        return
    # Read, not shared: a settings change shares every model's row first, so it waits for the
    # move (and the move reads the zone it committed, or the zone before it).
    orgs = await org_queries.orgs_by_ids(conn, ids=org_ids)
    zones = {org.id: ZoneInfo(org.time_zone) for org in orgs}
    moved: dict[str, dict[tuple[Any, ...], RollupSums]] = {name: {} for name in _BY_MODEL}
    for org_id in org_ids:
        async for chunk in writes.stream_ai_calls(conn, org_id=org_id, model_id=before.id):
            # Bucketed once: the same sums leave the old key and join the new one.
            facts = [CallFacts.of(call, before) for call in chunk]
            for key, sums in call_deltas(facts, zones).items():
                org, day, month, mode = key[:4]
                for name, bucket in zip(_BY_MODEL, (day, month), strict=True):
                    for model, change in ((before, -sums), (after, sums)):
                        row_key = (org, bucket, mode, model.provider.value, model.tier)
                        target = moved[name].setdefault(row_key, RollupSums())
                        target += change
    await writes.add_to_ai_rollups(
        conn,
        rollups={
            name: [
                {**dict(zip(writes.AI_ROLLUPS[name][1], key, strict=True)), **sums.as_columns()}
                for key, sums in rows.items()
            ]
            for name, rows in moved.items()
        },
    )
    await writes.delete_empty_rollup_rows(conn, names=_BY_MODEL, org_ids=org_ids)
