"""Ingest of interview events and credit purchases: all-or-nothing, idempotent, rollups in step."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts.evaluate import evaluate
from gateway.audit import changes as audit
from gateway.audit.records import SERVICE_ACTOR, Actor
from gateway.consumption import charges, opening_queries, queries, writes
from gateway.consumption.charges import Contribution
from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn
from gateway.consumption.records import InterviewEventRecord
from gateway.consumption.rollups import period_rows
from gateway.consumption.standing import credit_standings
from gateway.core.batches import BatchProblems, IngestResult, check_replays
from gateway.core.calendar import local_day
from gateway.core.errors import Conflict, DomainError, NotFound, Problem
from gateway.core.money import credits_to_int
from gateway.orgs import queries as org_queries
from gateway.orgs.lookups import known_per_org, zones_of_orgs
from gateway.storage.locks import hold_orgs
from gateway.storage.versions import move_versions


async def ingest_interview_events(
    conn: AsyncConnection, *, events: Sequence[InterviewEventIn], now: datetime
) -> IngestResult:
    """Store a batch of events in the caller's transaction; any bad event stores nothing."""
    problems = BatchProblems()
    zones = await zones_of_orgs(conn, [e.org_id for e in events])
    known_openings = await known_per_org(
        conn,
        [(e.org_id, e.opening_id) for e in events],
        zones,
        opening_queries.existing_opening_ids,
    )
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for index, event in enumerate(events):
        if event.org_id not in zones:
            problems.add(index, "orgId", f"unknown organization {event.org_id!r}")
            continue
        if event.opening_id not in known_openings[event.org_id]:
            problems.add(index, "openingId", f"unknown opening {event.opening_id!r}")
        problems.check_time(index, event.occurred_at, now)
        if (event.org_id, event.event_id) in seen:
            problems.add(index, "eventId", "appears twice in the batch")
        seen.add((event.org_id, event.event_id))
        rows.append(
            {
                "org_id": event.org_id,
                "event_id": event.event_id,
                "opening_id": event.opening_id,
                "interview_id": event.interview_id,
                "candidate_id": event.candidate_id,
                "occurred_at": event.occurred_at,
                "status": event.status.value,
                "completed_fraction_e2": charges.fraction_e2(event.completed_fraction),
                "charge_e4": 0,
                "ingested_at": now,
            }
        )
    problems.raise_if_any()

    await writes.lock_interviews(conn, keys=[(e.org_id, e.interview_id) for e in events])
    rows.sort(key=lambda row: (row["org_id"], row["event_id"]))
    new = await writes.insert_new_interview_events(conn, rows=rows)
    await _check_replays(conn, events, rows, new)
    fresh = [row for row in rows if (row["org_id"], row["event_id"]) in new]
    touched = {(row["org_id"], row["interview_id"]) for row in fresh}
    await _recharge_interviews(conn, touched, new, zones)
    await writes.add_day_candidates(
        conn,
        rows=[
            {
                "org_id": row["org_id"],
                "day": local_day(row["occurred_at"], zones[row["org_id"]]),
                "opening_id": row["opening_id"],
                "candidate_id": row["candidate_id"],
            }
            for row in fresh
        ],
    )
    await evaluate(conn, {r["org_id"] for r in fresh}, now=now, standing=credit_standings)
    await move_versions(conn, dated=[(r["org_id"], r["occurred_at"]) for r in fresh], now=now)
    return IngestResult(accepted=len(new), duplicates=len(rows) - len(new))


# Columns of a stored event compared with a replay, and the input field each one comes from.
REPLAY_FIELDS = {
    "opening_id": "openingId",
    "interview_id": "interviewId",
    "candidate_id": "candidateId",
    "occurred_at": "occurredAt",
    "status": "status",
    "completed_fraction_e2": "completedFraction",
}


async def _check_replays(
    conn: AsyncConnection,
    events: Sequence[InterviewEventIn],
    rows: list[dict[str, Any]],
    new: set[tuple[str, str]],
) -> None:
    """A replayed eventId with other content is a conflict (409), like a purchase's."""
    again = [row for row in rows if (row["org_id"], row["event_id"]) not in new]
    if not again:
        return
    keys = [(row["org_id"], row["event_id"]) for row in again]
    stored = {
        (event.org_id, event.event_id): {c: getattr(event, c) for c in REPLAY_FIELDS}
        for event in await writes.stored_interview_events(conn, keys=keys)
    }
    index_of = {(e.org_id, e.event_id): index for index, e in enumerate(events)}
    check_replays(again, stored, fields=REPLAY_FIELDS, index_of=index_of)


async def _recharge_interviews(
    conn: AsyncConnection,
    keys: set[tuple[str, str]],
    new: set[tuple[str, str]],
    zones: dict[str, ZoneInfo],
) -> None:
    """Recompute the touched interviews (late events included) and move the rollups with them.

    Each interview's rollup contribution is computed without the new events and with them;
    the difference is added, so a late event can shift charges and firsts between days.
    """
    by_interview: dict[tuple[str, str], list[InterviewEventRecord]] = defaultdict(list)
    for event in await writes.events_of_interviews(conn, keys=keys):
        by_interview[(event.org_id, event.interview_id)].append(event)
    changes: list[tuple[str, str, int]] = []
    deltas: dict[str, Contribution] = defaultdict(dict)
    done: dict[str, charges.DoneDays] = defaultdict(dict)
    for (org_id, _interview), events in sorted(by_interview.items()):
        charged = charges.charges(events)
        for event in events:
            if charged[event.event_id] != event.charge_e4:
                changes.append((org_id, event.event_id, charged[event.event_id]))
        old = [e for e in events if (org_id, e.event_id) not in new]
        diff = charges.difference(
            charges.contribution(events, zones[org_id]),
            charges.contribution(old, zones[org_id]),
        )
        charges.add_into(deltas[org_id], diff)
        charges.add_done_days(done[org_id], charges.done_days(events, zones[org_id]))
        charges.add_done_days(done[org_id], charges.done_days(old, zones[org_id]), -1)
    await writes.set_interview_charges(conn, changes=changes)
    await writes.add_to_interview_rollups(conn, deltas=deltas)
    await writes.add_to_done_days(conn, deltas=done)
    await _add_to_periods(
        conn,
        used={
            org_id: [(day, counts.credits_e4) for (day, _, _), counts in diff.items()]
            for org_id, diff in deltas.items()
        },
        bought={},
    )


async def _add_to_periods(
    conn: AsyncConnection,
    *,
    used: dict[str, list[tuple[date, int]]],
    bought: dict[str, list[tuple[date, int]]],
) -> None:
    """Add credits used and bought on local days to each organization's billing periods."""
    orgs = sorted(
        {org for org, amounts in used.items() if any(a for _, a in amounts)}
        | {org for org, amounts in bought.items() if any(a for _, a in amounts)}
    )
    if not orgs:
        return
    await writes.lock_periods(conn, org_ids=orgs)
    settings = await queries.billing_settings(conn, org_ids=orgs)
    rows = []
    for org_id in orgs:
        active_since, plans = settings[org_id]
        rows += period_rows(
            org_id,
            plans=plans,
            active_since=active_since,
            used=used.get(org_id, []),
            bought=bought.get(org_id, []),
        )
    await writes.add_to_period_rollups(conn, rows=rows)


async def record_purchases(
    conn: AsyncConnection, *, purchases: Sequence[tuple[str, CreditPurchaseIn]], now: datetime
) -> list[bool | DomainError]:
    """Store ``(org_id, purchase)`` pairs in the caller's transaction: for each, True when new,
    False for a replay, or the error that refused it (the caller decides whether the rest
    stands). The data versions move once, after every purchase, so that a batch naming several
    organizations takes their row locks in one order."""
    outcomes: list[bool | DomainError] = []
    for org_id, purchase in purchases:
        try:
            outcomes.append(await record_purchase(conn, org_id=org_id, purchase=purchase, now=now))
        except DomainError as exc:
            outcomes.append(exc)
    dated = [
        (org_id, purchase.occurred_at)
        for (org_id, purchase), created in zip(purchases, outcomes, strict=True)
        if created is True
    ]
    await evaluate(conn, {org_id for org_id, _ in dated}, now=now, standing=credit_standings)
    await move_versions(conn, dated=dated, now=now)
    return outcomes


async def record_purchase(
    conn: AsyncConnection,
    *,
    org_id: str,
    purchase: CreditPurchaseIn,
    now: datetime,
    actor: Actor = SERVICE_ACTOR,
) -> bool:
    """Store a purchase; False when the same one is recorded already (a replay).

    A replay with other figures is a :class:`Conflict`.
    """
    await hold_orgs(conn, [org_id], exclusive=False)
    org = await org_queries.get_org(conn, org_id=org_id)
    if org is None:
        raise NotFound("organization", org_id, "orgId")
    credits = credits_to_int(purchase.credits)
    created = await writes.insert_purchase(
        conn,
        row={
            "org_id": org_id,
            "purchase_id": purchase.purchase_id,
            "credits_e4": credits,
            "occurred_at": purchase.occurred_at,
            "created_at": now,
        },
    )
    if not created:
        stored = await writes.get_purchase(conn, org_id=org_id, purchase_id=purchase.purchase_id)
        assert stored is not None
        if (stored.credits_e4, stored.occurred_at) != (credits, purchase.occurred_at):
            raise Conflict(
                "this purchaseId is already recorded with other figures",
                [Problem("purchaseId", "already used")],
            )
    else:
        day = local_day(purchase.occurred_at, ZoneInfo(org.time_zone))
        await _add_to_periods(conn, used={}, bought={org_id: [(day, credits)]})
        await audit.purchase_recorded(
            conn,
            org_id=org_id,
            purchase_id=purchase.purchase_id,
            credits_e4=credits,
            occurred_at=purchase.occurred_at,
            actor=actor,
            at=now,
        )
    return created
