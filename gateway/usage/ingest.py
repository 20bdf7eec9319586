"""Ingest of AI calls: all-or-nothing, idempotent by eventId, rollups in the same transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.catalog import queries as catalog_queries
from gateway.catalog.prices import price_at
from gateway.catalog.records import PriceRecord
from gateway.core.batches import BatchProblems, IngestResult, check_replays
from gateway.core.money import call_cost_micros, credits_to_int
from gateway.core.validation import MAX_BATCH_CREDITS
from gateway.orgs import member_queries
from gateway.orgs.enums import AiBillingMode
from gateway.orgs.lookups import known_per_org, zones_of_orgs
from gateway.storage.versions import move_versions
from gateway.usage import writes
from gateway.usage.inputs import AiCallIn
from gateway.usage.sums import CallFacts, ai_rollup_rows


async def ingest_ai_calls(
    conn: AsyncConnection, *, events: Sequence[AiCallIn], now: datetime
) -> IngestResult:
    """Store a batch of calls in the caller's transaction; any bad event stores nothing
    (:class:`~gateway.core.errors.InvalidInput` names each one by its index)."""
    problems = BatchProblems()
    zones = await zones_of_orgs(conn, [e.org_id for e in events])
    known_members = await known_per_org(
        conn, [(e.org_id, e.member_id) for e in events], zones, member_queries.existing_member_ids
    )
    model_ids = sorted({e.model for e in events})
    models = {row.id: row for row in await catalog_queries.models_by_ids(conn, ids=model_ids)}
    prices: dict[str, list[PriceRecord]] = defaultdict(list)
    for row in await catalog_queries.prices_by_model_ids(conn, ids=model_ids):
        prices[row.model_id].append(row)

    rows: list[dict[str, Any]] = []
    facts: dict[tuple[str, str], CallFacts] = {}
    seen: set[tuple[str, str]] = set()
    for index, event in enumerate(events):
        if event.org_id not in zones:
            problems.add(index, "orgId", f"unknown organization {event.org_id!r}")
            continue
        if event.member_id not in known_members[event.org_id]:
            problems.add(index, "memberId", f"unknown member {event.member_id!r}")
        model = models.get(event.model)
        if model is None:
            problems.add(index, "model", f"unknown model {event.model!r}")
            continue
        problems.check_time(index, event.occurred_at, now)
        if (event.org_id, event.event_id) in seen:
            problems.add(index, "eventId", "appears twice in the batch")
        seen.add((event.org_id, event.event_id))
        cost = 0
        if event.billing_mode is AiBillingMode.BYOK:
            in_effect = price_at(prices[event.model], event.occurred_at)
            if in_effect is None:
                problems.add(index, "model", "the model has no price in effect at occurredAt")
                continue
            cost = call_cost_micros(
                input_tokens=event.input_tokens,
                output_tokens=event.output_tokens,
                input_per_million=in_effect.input_micros_per_million,
                output_per_million=in_effect.output_micros_per_million,
            )
        credits = credits_to_int(event.credits_charged or 0)
        rows.append(
            {
                "org_id": event.org_id,
                "event_id": event.event_id,
                "occurred_at": event.occurred_at,
                "member_id": event.member_id,
                "reason": event.reason.value,
                "billing_mode": event.billing_mode.value,
                "model_id": event.model,
                "credits_e4": credits,
                "input_tokens": event.input_tokens,
                "output_tokens": event.output_tokens,
                "cost_micros": cost,
                "ingested_at": now,
            }
        )
        facts[(event.org_id, event.event_id)] = CallFacts(
            org_id=event.org_id,
            occurred_at=event.occurred_at,
            billing_mode=event.billing_mode.value,
            reason=event.reason.value,
            member_id=event.member_id,
            provider=model.provider.value,
            tier=model.tier,
            credits_e4=credits,
            cost_micros=cost,
            tokens=event.input_tokens + event.output_tokens,
        )
    _check_batch_credits(problems, events)
    problems.raise_if_any()

    rows.sort(key=lambda row: (row["org_id"], row["event_id"]))
    new = await writes.insert_new_ai_calls(conn, rows=rows)
    await _check_replays(conn, events, rows, new)
    rollups = ai_rollup_rows((facts[key] for key in sorted(new)), zones)
    await writes.add_to_ai_rollups(conn, rollups=rollups)
    await move_versions(conn, dated=[(org, facts[org, e].occurred_at) for org, e in new], now=now)
    return IngestResult(accepted=len(new), duplicates=len(rows) - len(new))


def _check_batch_credits(problems: BatchProblems, events: Sequence[AiCallIn]) -> None:
    """A batch charges at most MAX_BATCH_CREDITS, so a day's rollup never nears 2^63."""
    limit = credits_to_int(MAX_BATCH_CREDITS)
    total = 0
    for index, event in enumerate(events):
        total += credits_to_int(event.credits_charged or 0)
        if total > limit:
            problems.add(
                index,
                "creditsCharged",
                f"the batch charges more than {MAX_BATCH_CREDITS} credits in all; split it",
            )
            return


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
    rows: list[dict[str, Any]],
    new: set[tuple[str, str]],
) -> None:
    """A replayed eventId with other content is a conflict (409), like a purchase's."""
    again = [row for row in rows if (row["org_id"], row["event_id"]) not in new]
    if not again:
        return
    keys = [(row["org_id"], row["event_id"]) for row in again]
    stored = {
        (call.org_id, call.event_id): {c: getattr(call, c) for c in REPLAY_FIELDS}
        for call in await writes.stored_ai_calls(conn, keys=keys)
    }
    index_of = {(e.org_id, e.event_id): index for index, e in enumerate(events)}
    check_replays(again, stored, fields=REPLAY_FIELDS, index_of=index_of)
