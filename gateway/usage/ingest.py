"""Ingest of AI calls: all-or-nothing, idempotent by eventId, rollups in the same transaction.

A batch is checked and summed in one pass over its events (the call rows and the rollup deltas
together), then written with a statement for the calls and one for all six rollups.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts.evaluate import evaluate
from gateway.catalog import queries as catalog_queries
from gateway.catalog.records import ModelRecord, PriceRecord
from gateway.core.batches import MAX_CLOCK_SKEW, BatchProblems, IngestResult, check_replays
from gateway.core.calendar import DayBuckets
from gateway.core.money import CREDIT_SCALE, call_cost_micros, credits_to_int
from gateway.core.validation import MAX_BATCH_CREDITS
from gateway.orgs import member_queries
from gateway.orgs.enums import AiBillingMode
from gateway.orgs.lookups import known_per_org, zones_of_orgs
from gateway.storage.locks import hold_models
from gateway.storage.versions import move_versions
from gateway.usage import queries as usage_queries
from gateway.usage import writes
from gateway.usage.inputs import AiCallIn
from gateway.usage.standing import ai_months
from gateway.usage.sums import DeltaKey, RollupSums
from gateway.usage.writes import CALL_COLUMNS, CallRow

_BATCH_CREDIT_LIMIT = credits_to_int(MAX_BATCH_CREDITS)


@dataclass(frozen=True)
class _Refs:
    """What a batch refers to, looked up once for the whole batch."""

    zones: Mapping[str, ZoneInfo]
    members: Mapping[str, set[str]]
    models: Mapping[str, ModelRecord]
    prices: Mapping[str, list[PriceRecord]]
    # Raw calls before this instant were dropped (retention): later ones only are taken.
    kept_since: datetime | None = None


async def ingest_ai_calls(
    conn: AsyncConnection, *, events: Sequence[AiCallIn], now: datetime
) -> IngestResult:
    """Store a batch of calls in the caller's transaction; any bad event stores nothing
    (:class:`~gateway.core.errors.InvalidInput` names each one by its index)."""
    refs = await _refs(conn, events)
    rows, keys, deltas = _check_and_sum(events, refs, now)
    # Rows start with (org_id, event_id), unique in the batch: sorting them sorts by that key.
    stored = await writes.insert_calls(conn, rows=sorted(rows))
    if stored:
        await _check_replays(conn, events, rows, stored)
        deltas = _sum_new(rows, keys, stored)
    await writes.add_deltas(conn, deltas=deltas)
    # Last in the transaction: the organizations whose numbers moved get a new data version.
    dated = [(row[0], row[2]) for row in rows if (row[0], row[1]) not in stored]
    await evaluate(conn, {org_id for org_id, _ in dated}, now=now, month=ai_months)
    await move_versions(conn, dated=dated, now=now)
    return IngestResult(accepted=len(rows) - len(stored), duplicates=len(stored))


async def _refs(conn: AsyncConnection, events: Sequence[AiCallIn]) -> _Refs:
    # Each distinct reference once (a batch repeats a few thousand times the same few).
    member_refs = {(e.org_id, e.member_id) for e in events}
    zones = await zones_of_orgs(conn, {org_id for org_id, _ in member_refs})
    members = await known_per_org(
        conn, sorted(member_refs), zones, member_queries.existing_member_ids
    )
    model_ids = sorted({e.model for e in events})
    await hold_models(conn, model_ids, exclusive=False)
    models = {row.id: row for row in await catalog_queries.models_by_ids(conn, ids=model_ids)}
    prices: dict[str, list[PriceRecord]] = defaultdict(list)
    for row in await catalog_queries.prices_by_model_ids(conn, ids=model_ids):
        prices[row.model_id].append(row)
    kept_since = await usage_queries.raw_kept_since(conn)
    return _Refs(zones, members, models, prices, kept_since)


def _check_and_sum(
    events: Sequence[AiCallIn], refs: _Refs, now: datetime
) -> tuple[list[CallRow], list[DeltaKey], dict[DeltaKey, RollupSums]]:
    """One pass: every event checked, its row built and its sums added to its delta key.

    Raises :class:`InvalidInput` naming every bad event.
    """
    problems = BatchProblems()
    # Instants are compared as POSIX timestamps: each datetime's offset is asked for once.
    latest = (now + MAX_CLOCK_SKEW).timestamp()
    kept = refs.kept_since
    earliest = kept.timestamp() if kept is not None else None
    byok = AiBillingMode.BYOK
    starts = {model: [p.effective_from for p in history] for model, history in refs.prices.items()}
    buckets = DayBuckets()
    rows: list[CallRow] = []
    keys: list[DeltaKey] = []
    deltas: dict[DeltaKey, RollupSums] = {}
    seen: set[tuple[str, str]] = set()
    batch_credits = 0
    # Bound once: the loop runs thousands of times per batch.
    zone_of, model_of, members = refs.zones.get, refs.models.get, refs.members
    for index, event in enumerate(events):
        org_id, at = event.org_id, event.occurred_at
        stamp = at.timestamp()
        zone = zone_of(org_id)
        if zone is None:
            problems.add(index, "orgId", f"unknown organization {org_id!r}")
            continue
        if event.member_id not in members[org_id]:
            problems.add(index, "memberId", f"unknown member {event.member_id!r}")
        model = model_of(event.model)
        if model is None:
            problems.add(index, "model", f"unknown model {event.model!r}")
            continue
        if stamp > latest:
            problems.add(index, "occurredAt", "is in the future")
        elif earliest is not None and stamp < earliest:
            # Its month's raw calls were dropped, their ids too: it could not be told from a
            # replay, and its month's cards are final.
            problems.add(
                index, "occurredAt", f"is before {kept:%Y-%m-%d}: older calls are no longer kept"
            )
        key = (org_id, event.event_id)
        if key in seen:
            problems.add(index, "eventId", "appears twice in the batch")
        seen.add(key)
        cost = 0
        if event.billing_mode is byok:
            position = bisect_right(starts.get(event.model, ()), at) - 1
            if position < 0:
                problems.add(index, "model", "the model has no price in effect at occurredAt")
                continue
            price = refs.prices[event.model][position]
            cost = call_cost_micros(
                input_tokens=event.input_tokens,
                output_tokens=event.output_tokens,
                input_per_million=price.input_micros_per_million,
                output_per_million=price.output_micros_per_million,
            )
        # Validation allowed at most four places, so this product is a whole number.
        credits = int(event.credits_charged * CREDIT_SCALE) if event.credits_charged else 0
        batch_credits += credits
        if batch_credits > _BATCH_CREDIT_LIMIT and batch_credits - credits <= _BATCH_CREDIT_LIMIT:
            # A batch charges at most MAX_BATCH_CREDITS, so a day's rollup never nears 2^63.
            problems.add(
                index,
                "creditsCharged",
                f"the batch charges more than {MAX_BATCH_CREDITS} credits in all; split it",
            )
        # Each call's own local day (offsets may be any number of seconds, so no instant
        # stands for its neighbours); :func:`local_day` inlined, the loop is hot.
        bucket = buckets[at.astimezone(zone).date()]
        # ``_value_`` is the plain string (``.value`` is a property, slower per call).
        mode, reason = event.billing_mode._value_, event.reason._value_
        rows.append(
            (
                org_id,
                event.event_id,
                at,
                event.member_id,
                reason,
                mode,
                event.model,
                credits,
                event.input_tokens,
                event.output_tokens,
                cost,
                now,
            )
        )
        provider = model.provider._value_
        delta_key = (org_id, *bucket, mode, reason, event.member_id, provider, model.tier)
        keys.append(delta_key)
        sums = deltas.get(delta_key)
        if sums is None:
            sums = deltas[delta_key] = RollupSums()
        sums.calls += 1
        sums.credits_e4 += credits
        sums.cost_micros += cost
        sums.tokens += event.input_tokens + event.output_tokens
    problems.raise_if_any()
    return rows, keys, deltas


def _sum_new(
    rows: Sequence[CallRow], keys: Sequence[DeltaKey], stored: set[tuple[str, str]]
) -> dict[DeltaKey, RollupSums]:
    """The deltas of the calls that were new (the others were stored before)."""
    deltas: dict[DeltaKey, RollupSums] = {}
    for row, key in zip(rows, keys, strict=True):
        if (row[0], row[1]) in stored:
            continue
        sums = deltas.get(key)
        if sums is None:
            sums = deltas[key] = RollupSums()
        sums.calls += 1
        sums.credits_e4 += row[7]
        sums.cost_micros += row[10]
        sums.tokens += row[8] + row[9]
    return deltas


# Columns of a stored call compared with a replay, and the input field each one comes from.
REPLAY_FIELDS = {
    "occurred_at": "occurredAt",
    "member_id": "memberId",
    "reason": "reason",
    "billing_mode": "billingMode",
    "model_id": "model",
    "credits_e4": "creditsCharged",
    "input_tokens": "inputTokens",
    "output_tokens": "outputTokens",
}


async def _check_replays(
    conn: AsyncConnection,
    events: Sequence[AiCallIn],
    rows: Sequence[CallRow],
    stored: set[tuple[str, str]],
) -> None:
    """A replayed eventId with other content is a conflict (409), like a purchase's."""
    again: list[dict[str, Any]] = [
        dict(zip(CALL_COLUMNS, row, strict=True)) for row in rows if (row[0], row[1]) in stored
    ]
    recorded = {
        (call.org_id, call.event_id): {c: getattr(call, c) for c in REPLAY_FIELDS}
        for call in await writes.stored_ai_calls(conn, keys=stored)
    }
    index_of = {(e.org_id, e.event_id): index for index, e in enumerate(events)}
    check_replays(again, recorded, fields=REPLAY_FIELDS, index_of=index_of)
