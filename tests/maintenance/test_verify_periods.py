"""The per-billing-period rollup: kept by ingest, purchases and settings changes, checked by
verify, repaired by rebuild-rollups."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from alembic import command
from sqlalchemy import Connection, select, text

from gateway.maintenance.verify import Difference, Window, rebuild_org, verify_org
from gateway.storage.db import Database
from gateway.storage.migrate import alembic_config
from gateway.storage.tables import interview_periods
from tests.resolvers.test_consumption_handmade import (
    ingest,
    interview_event,
    new_org,
    plan,
    purchase,
    put_opening,
)
from tests.support import put_org

C = 10_000  # one credit in ten-thousandths


async def _seed(client: httpx.AsyncClient) -> None:
    """Periods on the 15th from 2026-06-15 (activeSince 2026-06-20, Europe/Paris)."""
    await new_org(
        client,
        "acme",
        time_zone="Europe/Paris",
        plan_body=plan("10", "CAPPED", "4", anchor=15),
        active_since="2026-06-20",
    )
    await ingest(
        client,
        [
            # Before the first period: counted in no period.
            interview_event("e0", "COMPLETED", "2026-06-10T10:00:00Z", interview="i0"),
            interview_event("e1", "COMPLETED", "2026-07-01T10:00:00Z", interview="i1"),
            interview_event("e2", "COMPLETED", "2026-07-14T22:30:00Z", interview="i2"),  # 15th
            interview_event(
                "e3", "PARTIALLY_COMPLETED", "2026-09-20T10:00:00Z", interview="i3", fraction="0.5"
            ),
            interview_event("e4", "COMPLETED", "2026-10-02T10:00:00Z", interview="i3"),
            interview_event("e5", "INVITED", "2026-11-02T10:00:00Z", interview="i5"),
        ],
    )
    await purchase(client, "acme", "p1", "3", "2026-09-30T12:00:00Z")


async def _stored(db: Database) -> list[tuple[Any, ...]]:
    t = interview_periods
    async with db.read() as conn:
        rows = await conn.execute(
            select(t.c.period_start, t.c.period_end, t.c.used_e4, t.c.purchased_e4)
            .where(t.c.org_id == "acme")
            .order_by(t.c.period_start)
        )
        return [tuple(row) for row in rows]


# The same seed, summed by hand: i3 charges 0.5 in September's period and 0.5 more in it.
SEEDED = [
    (date(2026, 6, 15), date(2026, 7, 15), 1 * C, 0),
    (date(2026, 7, 15), date(2026, 8, 15), 1 * C, 0),
    (date(2026, 9, 15), date(2026, 10, 15), 1 * C, 3 * C),
]


async def test_ingest_and_purchases_keep_one_row_per_period(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(client)
    assert await _stored(db) == SEEDED
    assert await verify_org(db, "acme") == []


async def test_verify_detects_a_corrupted_period_row_and_rebuild_repairs_it(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(client)
    async with db.write() as conn:
        result = await conn.execute(
            text(
                "UPDATE interview_periods SET used_e4 = used_e4 + 7 "
                "WHERE org_id = 'acme' AND period_start = '2026-09-15'"
            )
        )
        assert result.rowcount == 1
        await conn.execute(
            text(
                "DELETE FROM interview_periods WHERE org_id = 'acme' AND period_start = '2026-06-15'"
            )
        )
    june = ("acme", date(2026, 6, 15), date(2026, 7, 15))
    september = ("acme", date(2026, 9, 15), date(2026, 10, 15))
    assert await verify_org(db, "acme") == [
        Difference("interview_periods", june, None, (1 * C, 0)),
        Difference("interview_periods", september, (1 * C + 7, 3 * C), (1 * C, 3 * C)),
    ]
    assert str(Difference("interview_periods", september, (1 * C + 7, 3 * C), (C, 3 * C))) == (
        "interview_periods org_id=acme period_start=2026-09-15 period_end=2026-10-15: "
        "stored used_e4=10007 purchased_e4=30000; recounted used_e4=10000 purchased_e4=30000"
    )
    # A window compares the periods inside its whole months only.
    assert await verify_org(db, "acme", Window(date(2026, 9, 3), date(2026, 10, 30))) == [
        Difference("interview_periods", september, (1 * C + 7, 3 * C), (1 * C, 3 * C)),
    ]
    assert await verify_org(db, "acme", Window(date(2026, 10, 1), date(2026, 10, 31))) == []
    await rebuild_org(db, "acme")
    assert await verify_org(db, "acme") == []
    assert await _stored(db) == SEEDED


async def test_settings_that_move_the_periods_recount_them(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(client)
    # A later activeSince: the June and July periods are gone, August's starts on the 15th.
    await put_org(
        client,
        "acme",
        time_zone="Europe/Paris",
        plan=plan("10", "CAPPED", "4", anchor=15),
        activeSince="2026-08-20",
    )
    assert await _stored(db) == [SEEDED[2]]
    assert await verify_org(db, "acme") == []
    # Another time zone moves e2 (22:30 UTC on 14 July) back to the 14th in New York; with an
    # earlier activeSince both July events count in the period from 15 June.
    await put_org(
        client,
        "acme",
        time_zone="America/New_York",
        plan=plan("10", "CAPPED", "4", anchor=15),
        activeSince="2026-06-01",
    )
    assert await _stored(db) == [
        (date(2026, 5, 15), date(2026, 6, 15), 1 * C, 0),
        (date(2026, 6, 15), date(2026, 7, 15), 2 * C, 0),
        SEEDED[2],
    ]
    assert await verify_org(db, "acme") == []


async def test_a_first_plan_with_another_anchor_recounts_the_periods(
    client: httpx.AsyncClient, db: Database
) -> None:
    await put_org(client, "solo", activeSince="2026-10-01")
    await put_opening(client, "solo", "o1", "chef")
    await ingest(
        client,
        [interview_event("s1", "COMPLETED", "2026-10-20T10:00:00Z", interview="x", org="solo")],
    )
    t = interview_periods
    query = select(t.c.period_start, t.c.period_end, t.c.used_e4).where(t.c.org_id == "solo")
    async with db.read() as conn:
        assert [tuple(r) for r in await conn.execute(query)] == [
            (date(2026, 10, 1), date(2026, 11, 1), C)
        ]
    await put_org(client, "solo", activeSince="2026-10-01", plan=plan("5", anchor=10))
    async with db.read() as conn:
        assert [tuple(r) for r in await conn.execute(query)] == [
            (date(2026, 10, 10), date(2026, 11, 10), C)
        ]
    assert await verify_org(db, "solo") == []


async def test_the_migration_back_fills_the_periods(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(client)
    await purchase(client, "acme", "p0", "2", "2026-05-01T12:00:00Z")  # before the first period

    def down_and_up(sync: Connection) -> None:
        command.downgrade(alembic_config(sync), "0003-1")
        command.upgrade(alembic_config(sync), "head")

    async with db.engine.begin() as conn:
        await conn.run_sync(down_and_up)
    assert await _stored(db) == SEEDED
    assert await verify_org(db, "acme") == []
