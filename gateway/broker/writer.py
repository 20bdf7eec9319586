"""Batches of broker messages into the same ingest as ``/v1``: good events in one transaction,
the ones that can never be taken set aside by index for the dead-letter subject."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gateway.consumption.ingest import ingest_interview_events, record_purchases
from gateway.consumption.inputs import InterviewEventIn
from gateway.core.errors import Conflict, DomainError, InvalidInput, Problem
from gateway.storage.db import Database
from gateway.usage.ingest import ingest_ai_calls
from gateway.usage.inputs import AiCallIn

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
                    result = await ingest_interview_events(conn, events=interviews, now=now)
        except (InvalidInput, Conflict) as exc:
            # An event re-sent with other content is dead-lettered like an invalid one: a
            # batch naked for it would come back for ever and hold its valid events back.
            reason = Reason.CONFLICT if isinstance(exc, Conflict) else Reason.REJECTED
            refused = _refused_indexes(exc, len(pending))
            for at, problems in refused.items():
                outcome.dead[pending[at][0]] = Rejection(reason, describe(problems))
            pending = [item for at, item in enumerate(pending) if at not in refused]
            continue
        outcome.accepted += result.accepted
        outcome.duplicates += result.duplicates
        break
    return outcome


def _refused_indexes(exc: InvalidInput | Conflict, size: int) -> dict[int, list[Problem]]:
    """The problems of a refused batch, by the index of the event; a problem that names no
    event is not ours to judge (it is raised again)."""
    by_index: dict[int, list[Problem]] = defaultdict(list)
    for problem in exc.problems:
        index = problem.index
        if not exc.batch or index is None or not 0 <= index < size:
            raise exc
        by_index[index].append(problem)
    if not by_index:
        raise exc
    return dict(by_index)


async def _write_purchases(
    db: Database, purchases: Sequence[CreditPurchaseMessage], *, now: datetime
) -> Outcome:
    """What ``POST /v1/orgs/{orgId}/credit-purchases`` does, for a batch in one transaction."""
    outcome = Outcome()
    async with db.write() as conn:
        outcomes = await record_purchases(
            conn, purchases=[(body.org_id, body) for body in purchases], now=now
        )
        for index, created in enumerate(outcomes):
            if isinstance(created, DomainError):
                exc = created
                reason = Reason.CONFLICT if isinstance(exc, Conflict) else Reason.REJECTED
                problems = exc.problems or [Problem(None, exc.message)]
                if isinstance(exc, Conflict):
                    problems = [Problem(p.field, exc.message) for p in problems]
                outcome.dead[index] = Rejection(reason, describe(problems))
                continue
            if created:
                outcome.accepted += 1
            else:
                outcome.duplicates += 1
    return outcome
