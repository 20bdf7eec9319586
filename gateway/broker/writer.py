"""Validated events into the database, through the same ingest code as the ``/v1`` routes.

A batch of one kind is written in one transaction. When the ingest refuses some events (its
422 names them by index), those are set aside as dead and the rest is written again; any
other failure propagates, so that the caller retries the whole batch later.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db import Database
from gateway.errors import ApiError, not_found
from gateway.ingest import ingest_ai_calls, ingest_interview_events
from gateway.money import credits_to_int
from gateway.queries import ingest as ingest_queries
from gateway.queries import orgs as org_queries
from gateway.schemas import AiCallIn, InterviewEventIn

from .messages import CreditPurchaseMessage, Event, Kind, Reason, Rejection, describe, event_key


@dataclass
class Outcome:
    """What became of a batch: counts, and the events (by index) that can never be taken."""

    accepted: int = 0
    duplicates: int = 0
    dead: dict[int, Rejection] = field(default_factory=dict)


async def write_batch(
    db: Database, kind: Kind, events: Sequence[Event], *, now: datetime
) -> Outcome:
    """Store ``events`` (all of ``kind``); committed when this returns."""
    if kind is Kind.CREDIT_PURCHASES:
        purchases = [e for e in events if isinstance(e, CreditPurchaseMessage)]
        assert len(purchases) == len(events), "a purchase batch holds purchases only"
        return await _write_purchases(db, purchases, now=now)
    outcome = Outcome()
    # A second copy in the same batch is a duplicate here, as it would be in a later batch
    # (the ingest itself refuses a batch that names an event twice).
    pending: list[tuple[int, Event]] = []
    seen: set[tuple[str, str]] = set()
    for index, event in enumerate(events):
        key = event_key(event)
        if key in seen:
            outcome.duplicates += 1
            continue
        seen.add(key)
        pending.append((index, event))
    while pending:
        try:
            async with db.write() as conn:
                if kind is Kind.AI_CALLS:
                    calls = [e for _, e in pending if isinstance(e, AiCallIn)]
                    result = await ingest_ai_calls(conn, events=calls, now=now)
                else:
                    interviews = [e for _, e in pending if isinstance(e, InterviewEventIn)]
                    await _lock_interviews(conn, interviews)
                    result = await ingest_interview_events(conn, events=interviews, now=now)
        except ApiError as exc:
            refused = _refused_indexes(exc, len(pending))
            for at, errors in refused.items():
                outcome.dead[pending[at][0]] = Rejection(Reason.REJECTED, describe(errors))
            pending = [item for at, item in enumerate(pending) if at not in refused]
            continue
        outcome.accepted += result.accepted
        outcome.duplicates += result.duplicates
        break
    return outcome


async def _lock_interviews(conn: AsyncConnection, events: Sequence[InterviewEventIn]) -> None:
    """On PostgreSQL, hold each touched interview until commit.

    The ingest recomputes an interview's charges from the events it can see; two transactions
    adding events to the same interview at once would each miss the other's, and the charges
    and rollups would not add up (consumer processes run side by side). SQLite has one writer at
    a time already. The locks are taken in key order, so two batches cannot deadlock on them.
    """
    if conn.dialect.name != "postgresql" or not events:
        return
    keys = sorted({_lock_key(e.org_id, e.interview_id) for e in events})
    await conn.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(k)) "
            "FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS ordered"
        ),
        {"keys": keys},
    )


def _lock_key(org_id: str, interview_id: str) -> int:
    digest = hashlib.blake2b(f"interview:{org_id}:{interview_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _refused_indexes(exc: ApiError, size: int) -> dict[int, list[dict[str, Any]]]:
    """The problems of a 422, by the index of the event; anything else is not ours to judge."""
    by_index: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for err in exc.errors:
        index = err.get("index")
        if exc.status != 422 or not isinstance(index, int) or not 0 <= index < size:
            raise exc
        by_index[index].append(err)
    if not by_index:
        raise exc
    return dict(by_index)


async def _write_purchases(
    db: Database, purchases: Sequence[CreditPurchaseMessage], *, now: datetime
) -> Outcome:
    """The checks and queries of ``POST /v1/orgs/{orgId}/credit-purchases``, for a batch."""
    outcome = Outcome()
    async with db.write() as conn:
        known: dict[str, bool] = {}
        for index, body in enumerate(purchases):
            org_id = body.org_id
            if org_id not in known:
                known[org_id] = await org_queries.get_org(conn, org_id=org_id) is not None
            if not known[org_id]:
                error = not_found("organization", org_id, "orgId")
                outcome.dead[index] = Rejection(Reason.REJECTED, describe(error.errors))
                continue
            credits = credits_to_int(body.credits)
            created = await ingest_queries.insert_purchase(
                conn,
                row={
                    "org_id": org_id,
                    "purchase_id": body.purchase_id,
                    "credits_e4": credits,
                    "occurred_at": body.occurred_at,
                    "created_at": now,
                },
            )
            if created:
                outcome.accepted += 1
                continue
            stored = await ingest_queries.get_purchase(
                conn, org_id=org_id, purchase_id=body.purchase_id
            )
            assert stored is not None
            if (stored.credits_e4, stored.occurred_at) != (credits, body.occurred_at):
                outcome.dead[index] = Rejection(
                    Reason.CONFLICT,
                    describe(
                        [
                            {
                                "field": "purchaseId",
                                "message": "this purchaseId is already recorded with other figures",
                            }
                        ]
                    ),
                )
                continue
            outcome.duplicates += 1
    return outcome
