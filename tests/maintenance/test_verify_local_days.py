"""verify sees rollups counted on the wrong local day, where local midnight is off the quarter
hours (Africa/Monrovia, -00:44:30 in 1960)."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import delete, insert, select

from gateway.maintenance.verify import Difference, rebuild_org, verify_org
from gateway.storage.db import Database
from gateway.usage.writes import AI_ROLLUPS, ROLLUP_SUMS
from tests.support import SERVICE, ai_call, put_member, put_org

# Local 1960-05-31 23:50:00 and 1960-06-01 00:00:15: one UTC quarter hour (00:30-00:45).
BEFORE = "1960-06-01T00:34:30Z"
AFTER = "1960-06-01T00:44:45Z"
TABLES = ("reason", "member", "model")
ONE = (1, 12_500, 0, 1_500)  # calls, credits_e4, cost_micros, tokens of one ai_call()
TWO = (2, 25_000, 0, 3_000)


async def _both_on_31_may(db: Database) -> None:
    """Rollups written by hand as a bucketing by UTC quarter hour left them: the call of
    1 June counted with the one before it, on 31 May (and in May)."""
    async with db.write() as conn:
        for table, key in AI_ROLLUPS.values():
            mine = table.c.org_id == "monrovia"
            stored = (await conn.execute(select(table).where(mine))).mappings().first()
            assert stored is not None
            row = {column: stored[column] for column in key}
            row[key[1]] = date(1960, 5, 31) if key[1] == "day" else date(1960, 5, 1)
            await conn.execute(delete(table).where(mine))
            await conn.execute(
                insert(table).values(**row, **dict(zip(ROLLUP_SUMS, TWO, strict=True)))
            )


async def test_verify_reports_a_call_rolled_up_on_the_wrong_local_day(
    client: httpx.AsyncClient, db: Database
) -> None:
    await put_org(client, "monrovia", time_zone="Africa/Monrovia")
    await put_member(client, "monrovia", "m1")
    calls = [
        ai_call("before", org_id="monrovia", occurred_at=BEFORE),
        ai_call("after", org_id="monrovia", occurred_at=AFTER),
    ]
    response = await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)
    assert response.json() == {"accepted": 2, "duplicates": 0}, response.text
    assert await verify_org(db, "monrovia") == []

    await _both_on_31_may(db)
    differences = await verify_org(db, "monrovia")
    assert [d for d in differences if d.table == "ai_daily_by_reason"] == [
        Difference(
            "ai_daily_by_reason", ("monrovia", date(1960, 5, 31), "CREDITS", "CHAT"), TWO, ONE
        ),
        Difference(
            "ai_daily_by_reason", ("monrovia", date(1960, 6, 1), "CREDITS", "CHAT"), None, ONE
        ),
    ]
    assert [d for d in differences if d.table == "ai_monthly_by_member"] == [
        Difference(
            "ai_monthly_by_member", ("monrovia", date(1960, 5, 1), "CREDITS", "m1"), TWO, ONE
        ),
        Difference(
            "ai_monthly_by_member", ("monrovia", date(1960, 6, 1), "CREDITS", "m1"), None, ONE
        ),
    ]
    # Two rows (the wrong day or month, the right one) in each of the six AI rollups.
    assert sorted(d.table for d in differences) == sorted(
        f"ai_{grain}_by_{name}" for grain in ("daily", "monthly") for name in TABLES for _ in "ab"
    )

    await rebuild_org(db, "monrovia")
    assert await verify_org(db, "monrovia") == []
