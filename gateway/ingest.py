"""Ingest of AI calls and interview events: all-or-nothing, idempotent, rollups in step."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import interviews
from gateway.calendar import local_day
from gateway.errors import unprocessable
from gateway.interviews import Contribution
from gateway.money import call_cost_micros, credits_to_int
from gateway.queries import catalog as catalog_queries
from gateway.queries import ingest as ingest_queries
from gateway.queries import members as member_queries
from gateway.queries import openings as opening_queries
from gateway.queries import orgs as org_queries
from gateway.rollups import CallFacts, ai_rollup_rows
from gateway.schemas import AiCallIn, InterviewEventIn

# Events may be stamped slightly ahead of our clock; further ahead is a client bug.
MAX_CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int

    def as_json(self) -> dict[str, int]:
        return {"accepted": self.accepted, "duplicates": self.duplicates}


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, index: int, field: str, message: str) -> None:
        self.items.append({"index": index, "field": field, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            raise unprocessable(self.items)


async def _zones_of_orgs(conn: AsyncConnection, org_ids: Sequence[str]) -> dict[str, ZoneInfo]:
    rows = await org_queries.orgs_by_ids(conn, ids=sorted(set(org_ids)))
    return {row.id: ZoneInfo(row.time_zone) for row in rows}


async def _known_per_org(
    conn: AsyncConnection,
    refs: Sequence[tuple[str, str]],
    zones: dict[str, ZoneInfo],
    existing: Callable[..., Awaitable[set[str]]],
) -> dict[str, set[str]]:
    """Which of the referenced ids exist, per (known) organization: one query each."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for org_id, ident in refs:
        wanted[org_id].add(ident)
    return {
        org: await existing(conn, org_id=org, ids=ids)
        for org, ids in wanted.items()
        if org in zones
    }


def _check_time(problems: _Problems, index: int, occurred_at: datetime, now: datetime) -> None:
    if occurred_at > now + MAX_CLOCK_SKEW:
        problems.add(index, "occurredAt", "is in the future")


async def ingest_ai_calls(
    conn: AsyncConnection, *, events: Sequence[AiCallIn], now: datetime
) -> IngestResult:
    """Store a batch of calls in the caller's transaction; any bad event stores nothing."""
    problems = _Problems()
    zones = await _zones_of_orgs(conn, [e.org_id for e in events])
    known_members = await _known_per_org(
        conn, [(e.org_id, e.member_id) for e in events], zones, member_queries.existing_member_ids
    )
    model_ids = sorted({e.model for e in events})
    models = {row.id: row for row in await catalog_queries.models_by_ids(conn, ids=model_ids)}
    prices: dict[str, list[Any]] = defaultdict(list)
    for price in await catalog_queries.prices_by_model_ids(conn, ids=model_ids):
        prices[price.model_id].append(price)

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
        _check_time(problems, index, event.occurred_at, now)
        if (event.org_id, event.event_id) in seen:
            problems.add(index, "eventId", "appears twice in the batch")
        seen.add((event.org_id, event.event_id))
        cost = 0
        if event.billing_mode == "BYOK":
            history = prices[event.model]
            at = bisect_right([p.effective_from for p in history], event.occurred_at) - 1
            if at < 0:
                problems.add(index, "model", "the model has no price in effect at occurredAt")
                continue
            price = history[at]
            cost = call_cost_micros(
                input_tokens=event.input_tokens,
                output_tokens=event.output_tokens,
                input_per_million=price.input_micros_per_million,
                output_per_million=price.output_micros_per_million,
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
            provider=model.provider,
            tier=model.tier,
            credits_e4=credits,
            cost_micros=cost,
            tokens=event.input_tokens + event.output_tokens,
        )
    problems.raise_if_any()

    rows.sort(key=lambda row: (row["org_id"], row["event_id"]))
    new = await ingest_queries.insert_new_ai_calls(conn, rows=rows)
    rollups = ai_rollup_rows((facts[key] for key in sorted(new)), zones)
    await ingest_queries.add_to_ai_rollups(conn, rollups=rollups)
    return IngestResult(accepted=len(new), duplicates=len(rows) - len(new))


async def ingest_interview_events(
    conn: AsyncConnection, *, events: Sequence[InterviewEventIn], now: datetime
) -> IngestResult:
    problems = _Problems()
    zones = await _zones_of_orgs(conn, [e.org_id for e in events])
    known_openings = await _known_per_org(
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
        _check_time(problems, index, event.occurred_at, now)
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
                "completed_fraction_e2": interviews.fraction_e2(event.completed_fraction),
                "charge_e4": 0,
                "ingested_at": now,
            }
        )
    problems.raise_if_any()

    rows.sort(key=lambda row: (row["org_id"], row["event_id"]))
    new = await ingest_queries.insert_new_interview_events(conn, rows=rows)
    fresh = [row for row in rows if (row["org_id"], row["event_id"]) in new]
    touched = {(row["org_id"], row["interview_id"]) for row in fresh}
    await _recharge_interviews(conn, touched, new, zones)
    await ingest_queries.add_day_candidates(
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
    return IngestResult(accepted=len(new), duplicates=len(rows) - len(new))


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
    by_interview: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for event in await ingest_queries.events_of_interviews(conn, keys=keys):
        by_interview[(event.org_id, event.interview_id)].append(event)
    changes: list[tuple[str, str, int]] = []
    deltas: dict[str, Contribution] = defaultdict(dict)
    for (org_id, _interview), events in sorted(by_interview.items()):
        charged = interviews.charges(events)
        for event in events:
            if charged[event.event_id] != event.charge_e4:
                changes.append((org_id, event.event_id, charged[event.event_id]))
        old = [e for e in events if (org_id, e.event_id) not in new]
        diff = interviews.difference(
            interviews.contribution(events, zones[org_id]),
            interviews.contribution(old, zones[org_id]),
        )
        for key, delta in diff.items():
            acc = deltas[org_id].setdefault(key, [0, 0, 0])
            for i, value in enumerate(delta):
                acc[i] += value
    await ingest_queries.set_interview_charges(conn, changes=changes)
    await ingest_queries.add_to_interview_rollups(conn, deltas=deltas)
