"""bench.consumption_peer's equality check on a tiny dataset: the peer's SQL computes every
field of our Consumption page.

The bench's own organizations (a CAPPED plan that never runs out) plus one whose plan is too
small for its use, so that the balance runs out, a FULL rollover carries a balance, a plan
change moves the anchor day (a short period), and the forecast recommends a purchase; its
events go through the gateway's ingest, not the bench's COPY.
"""

from __future__ import annotations

import asyncio
import copy
import os
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from bench import consumption_peer as peer
from bench.consumption_page import NOW, YEARS, _events, prepare
from bench.consumption_peer_check import compare
from gateway import organizations
from gateway.consumption import service as consumption_service
from gateway.consumption.inputs import CreditPurchaseIn, InterviewEventIn, OpeningIn
from gateway.orgs import service as org_service
from gateway.orgs.inputs import MemberIn, OrganizationIn
from gateway.storage.db import Database
from tests.maintenance.partition_support import pg_problem

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TIGHT = "tight"
EVENTS, OPENINGS = 3_000, 8  # the bench's dataset at this size: bench_consumption_3000_8


def _org(plan: dict[str, Any]) -> OrganizationIn:
    return OrganizationIn.model_validate(
        {
            "name": "Tight",
            "timeZone": "America/New_York",
            "activeSince": (NOW - timedelta(days=400)).date().isoformat(),
            "plan": plan,
        }
    )


async def _add_tight(url: str) -> None:
    db = Database.from_url(url)
    try:
        plan = {"interviewCreditsPerPeriod": "60", "rollover": "FULL", "billingAnchorDay": 15}
        await organizations.put_organization(db, TIGHT, _org(plan), now=NOW - timedelta(days=300))
        # From the next billing period on (2026-09-15): a period of 25 days, then on the 10th.
        plan = {
            "interviewCreditsPerPeriod": "30",
            "rollover": "CAPPED",
            "rolloverCap": "5",
            "billingAnchorDay": 10,
        }
        await organizations.put_organization(db, TIGHT, _org(plan), now=NOW - timedelta(days=75))
        member = MemberIn.model_validate(
            {"name": "Admin", "email": "admin@tight.test", "role": "ACCOUNT_ADMIN"}
        )
        await org_service.put_member(db, TIGHT, "admin", member, now=NOW)
        for n in range(6):
            title = OpeningIn.model_validate({"jobTitle": f"Tight {n % 3}"})  # titles tie
            await consumption_service.put_opening(db, TIGHT, f"o{n:03d}", title, now=NOW)
        rows = list(
            _events(
                TIGHT, start=NOW - timedelta(days=400), end=NOW, count=3_000, openings=6, seed=7
            )
        )
        events = [
            InterviewEventIn.model_validate(
                {
                    "eventId": row[1],
                    "orgId": row[0],
                    "openingId": row[2],
                    "interviewId": row[3],
                    "candidateId": row[4],
                    "occurredAt": row[5].isoformat(),
                    "status": row[6],
                    "completedFraction": None if row[7] is None else str(Decimal(row[7]) / 100),
                }
            )
            for row in rows
        ]
        for at in range(0, len(events), 500):
            await consumption_service.ingest_interviews(db, events[at : at + 500], now=NOW)
        purchases = [
            (TIGHT, CreditPurchaseIn.model_validate(p))
            for p in (
                {"purchaseId": "a", "credits": "20", "occurredAt": "2026-08-20T03:00:00Z"},
                {"purchaseId": "b", "credits": "7.5", "occurredAt": "2026-11-25T15:00:00Z"},
            )
        ]
        await consumption_service.record_purchases(db, purchases, now=NOW)
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def url() -> Any:
    problem = asyncio.run(pg_problem())
    if problem:
        pytest.skip(problem)
    name = f"bench_consumption_{EVENTS}_{OPENINGS}"

    async def build() -> str:
        built = await prepare(EVENTS, OPENINGS, fresh=True)
        await _add_tight(built)
        return built

    yield asyncio.run(build())

    async def drop() -> None:
        admin = await asyncpg.connect(ADMIN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    if not os.environ.get("KEEP_BENCH_DB"):
        asyncio.run(drop())


async def test_the_peer_computes_every_field_of_our_page(url: str) -> None:
    result = await peer.equal_pages(url, [*YEARS, TIGHT])

    assert result.differences == []
    # 4 organizations x 3 periods, each page with its daily buckets: thousands of fields.
    assert result.fields > 3_000


async def test_the_tight_organization_runs_out_and_the_comparison_sees_a_change(url: str) -> None:
    db, client, tokens = await peer.serve(url, [TIGHT])
    conn = await peer.connect(url)
    try:
        await peer.install(conn)
        sides = peer.Sides(client, conn, tokens)
        previous = peer.PERIODS["PREVIOUS_BILLING_PERIOD"]
        ours = await sides.ours(TIGHT, previous)
        theirs = await sides.peer(TIGHT, peer.peer_params(previous))
        current = await sides.ours(TIGHT, peer.CURRENT)
    finally:
        await conn.close()
        await client.aclose()
        await db.dispose()

    page = ours["data"]["organization"]["consumption"]
    # The rules the bench's organizations never reach are reached here.
    assert page["start"].startswith("2026-10-10T00:00:00")
    assert page["allocation"]["included"] == "30.0000"
    assert page["forecast"]["runsOutOn"] is not None
    now = current["data"]["organization"]["consumption"]
    assert Decimal(now["forecast"]["recommendedPurchase"]) > 0
    assert Decimal(now["allocation"]["purchased"]) == Decimal("7.5")
    assert compare(ours, theirs).differences == []

    # One credit more on one day of the peer's chart: exactly that field differs.
    changed = copy.deepcopy(theirs)
    day = changed["consumption"]["daily"][3]
    day["creditsUsed"] = str(Decimal(day["creditsUsed"]) + 1)
    assert compare(ours, changed).differences == [
        f"daily[3].creditsUsed: ours={page['daily'][3]['creditsUsed']!r} "
        f"peer={day['creditsUsed']!r}"
    ]
