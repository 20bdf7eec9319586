"""``totalInterviews`` from the done-days rollup: an interview done on several days counts once,
one done before the range and again in it counts, a simulation removes it; the previous year's
partial last day is read from the raw events. Kept by ingest, checked by verify, repaired by
rebuild-rollups."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from alembic import command
from sqlalchemy import Connection, select, text

from gateway.consumption.charges import NO_DAY
from gateway.maintenance.verify import Difference, rebuild_org, verify_org
from gateway.storage.db import Database
from gateway.storage.migrate import alembic_config
from gateway.storage.tables import interview_done_days
from tests.resolvers.test_consumption_handmade import (
    consumption,
    ingest,
    interview_event,
    new_org,
    plan,
)
from tests.support import count_statements, frontend_query, graphql

# The clock of the tests is 2026-11-20 12:00 UTC: the previous year of this billing period is
# 2025-11-01 00:00 to 2025-11-20 12:00 (UTC), a partial last day from 2025-11-20 00:00.
EVENTS = [
    # Done on the 5th and again on the partial day: once.
    interview_event("a1", "COMPLETED", "2025-11-05T10:00:00Z", interview="i1"),
    interview_event("a2", "COMPLETED", "2025-11-20T08:00:00Z", interview="i1"),
    # Partly done before the range, completed on the partial day before the instant: counts.
    interview_event(
        "b1", "PARTIALLY_COMPLETED", "2025-10-20T10:00:00Z", interview="i2", fraction="0.5"
    ),
    interview_event("b2", "COMPLETED", "2025-11-20T09:00:00Z", interview="i2"),
    # Done on the partial day after the instant: not yet.
    interview_event("c1", "COMPLETED", "2025-11-20T13:00:00Z", interview="i3"),
    # Done on the partial day, simulated the next day: never.
    interview_event("d1", "COMPLETED", "2025-11-20T10:00:00Z", interview="i4"),
    interview_event("d2", "SIMULATION", "2025-11-21T10:00:00Z", interview="i4"),
    # Partly done the day before the range, completed in it: counts.
    interview_event(
        "e1", "PARTIALLY_COMPLETED", "2025-10-31T23:30:00Z", interview="i5", fraction="0.25"
    ),
    interview_event("e2", "COMPLETED", "2025-11-02T10:00:00Z", interview="i5"),
    # Done on two days in a row: once.
    interview_event("f1", "COMPLETED", "2025-11-03T10:00:00Z", interview="i6"),
    interview_event("f2", "COMPLETED", "2025-11-04T10:00:00Z", interview="i6"),
    # Only invited: never.
    interview_event("g1", "INVITED", "2025-11-06T10:00:00Z", interview="i7"),
]


async def _stored(db: Database) -> list[tuple[Any, ...]]:
    t = interview_done_days
    async with db.read() as conn:
        rows = await conn.execute(
            select(t.c.day, t.c.prev_day, t.c.interviews)
            .where(t.c.org_id == "acme", t.c.interviews != 0)
            .order_by(t.c.day, t.c.prev_day)
        )
        return [tuple(row) for row in rows]


# The events above, by hand: (day, previous done day, interviews).
STORED = [
    (date(2025, 10, 20), NO_DAY, 1),
    (date(2025, 10, 31), NO_DAY, 1),
    (date(2025, 11, 2), date(2025, 10, 31), 1),
    (date(2025, 11, 3), NO_DAY, 1),
    (date(2025, 11, 4), date(2025, 11, 3), 1),
    (date(2025, 11, 5), NO_DAY, 1),
    (date(2025, 11, 20), NO_DAY, 1),  # i3 (i4 is simulated)
    (date(2025, 11, 20), date(2025, 10, 20), 1),
    (date(2025, 11, 20), date(2025, 11, 5), 1),
]


async def test_total_interviews_over_ranges_and_the_previous_year(
    client: httpx.AsyncClient, db: Database
) -> None:
    token = await new_org(client, "acme", plan_body=plan("10"), active_since="2025-10-01")
    # In two batches: the simulation arrives after i4's completion was counted.
    assert await ingest(client, EVENTS[:6]) == {"accepted": 6, "duplicates": 0}
    assert await ingest(client, EVENTS[6:]) == {"accepted": 6, "duplicates": 0}
    assert await _stored(db) == STORED
    current = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
    # i1, i2, i5, i6.
    assert current["previousYear"]["totalInterviews"] == 4
    assert current["totalInterviews"] == 0
    november = await consumption(client, token, {"from": "2025-11-01", "to": "2025-11-30"})
    # Besides those four, i3 (done on the 20th, after that instant).
    assert november["totalInterviews"] == 5
    # i6 (done on the 3rd too) and i1; not i5 (the 2nd).
    assert (await consumption(client, token, {"from": "2025-11-04", "to": "2025-11-06"}))[
        "totalInterviews"
    ] == 2
    # The 20th alone: i1, i2 and i3, whatever they did before.
    assert (await consumption(client, token, {"from": "2025-11-20", "to": "2025-11-20"}))[
        "totalInterviews"
    ] == 3
    october = await consumption(client, token, {"from": "2025-10-01", "to": "2025-10-31"})
    assert october["totalInterviews"] == 2  # i2, i5
    assert await verify_org(db, "acme") == []


async def test_verify_detects_a_wrong_done_day_and_rebuild_repairs_it(
    client: httpx.AsyncClient, db: Database
) -> None:
    await new_org(client, "acme", plan_body=plan("10"), active_since="2025-10-01")
    await ingest(client, EVENTS)
    async with db.write() as conn:
        await conn.execute(
            text(
                "UPDATE interview_done_days SET interviews = interviews + 2 "
                "WHERE org_id = 'acme' AND day = '2025-11-05'"
            )
        )
        await conn.execute(
            text("DELETE FROM interview_done_days WHERE org_id = 'acme' AND day = '2025-11-03'")
        )
    assert await verify_org(db, "acme") == [
        Difference("interview_done_days", ("acme", date(2025, 11, 3), NO_DAY), None, (1,)),
        Difference("interview_done_days", ("acme", date(2025, 11, 5), NO_DAY), (3,), (1,)),
    ]
    await rebuild_org(db, "acme")
    assert await verify_org(db, "acme") == []
    assert await _stored(db) == STORED


async def test_the_page_query_reads_the_plans_once_and_no_raw_event_of_whole_days(
    client: httpx.AsyncClient, db: Database
) -> None:
    token = await new_org(client, "acme", plan_body=plan("10"), active_since="2025-10-01")
    await ingest(client, EVENTS)
    await graphql(client, frontend_query("consumption-page.graphql"), token=token)  # warm up
    with count_statements(db) as statements:
        body = await graphql(client, frontend_query("consumption-page.graphql"), token=token)
    assert body["data"]["organization"]["consumption"]["previousYear"]["totalInterviews"] == 4
    assert len(statements) <= 10, statements
    assert sum("FROM plan_versions" in s for s in statements) == 1, statements
    # Only the previous year's partial last day reads raw events.
    assert sum("FROM interview_events" in s for s in statements) == 1, statements


async def test_migration_0009_back_fills_what_ingest_keeps(
    client: httpx.AsyncClient, db: Database
) -> None:
    await new_org(client, "acme", plan_body=plan("10"), active_since="2025-10-01")
    await ingest(client, EVENTS)
    # East of UTC: 23:30 UTC on 31 October is 1 November in Tokyo.
    await new_org(
        client, "east", time_zone="Asia/Tokyo", plan_body=plan("10"), active_since="2025-10-01"
    )
    await ingest(client, [{**event, "orgId": "east"} for event in EVENTS])
    t = interview_done_days
    query = (
        select(t.c.org_id, t.c.day, t.c.prev_day, t.c.interviews)
        .where(t.c.org_id.in_(["acme", "east"]))
        .order_by(t.c.org_id, t.c.day, t.c.prev_day)
    )
    async with db.read() as conn:
        kept = [tuple(row) for row in await conn.execute(query)]

    def again(sync: Connection) -> None:
        command.downgrade(alembic_config(sync), "0008")
        command.upgrade(alembic_config(sync), "head")

    async with db.engine.begin() as conn:
        await conn.run_sync(again)
    async with db.read() as conn:
        assert [tuple(row) for row in await conn.execute(query)] == kept
    assert await _stored(db) == STORED
    assert (date(2025, 11, 1), NO_DAY, 1) in [row[1:] for row in kept if row[0] == "east"]
    assert await verify_org(db, "east") == []
