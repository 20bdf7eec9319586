"""Concurrent batches of one organization fire a crossing once; the periodic check moves the
forecast rules only."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from gateway.alerting import recheck_forecasts
from gateway.alerts import service as alerts_service
from gateway.alerts.enums import RuleKind
from gateway.consumption import service as consumption_service
from gateway.storage.db import Database
from tests.alerts.support import NOW, add_rule, interview, interviews, make_org


async def test_concurrent_batches_fire_a_crossing_once(db: Database) -> None:
    await make_org(db, "acme", included="20")
    await add_rule(db, "acme", kind="CREDITS_REMAINING_BELOW", name="low", thresholds=["5", "10"])

    async def batch(n: int) -> None:
        await consumption_service.ingest_interviews(
            db, [interview("acme", 100 + n * 2, NOW), interview("acme", 101 + n * 2, NOW)], now=NOW
        )

    await asyncio.gather(*(batch(n) for n in range(9)))  # 18 of 20 used
    fired = await alerts_service.alerts(db, "acme", after=None, limit=50)
    assert sorted(a.threshold for a in fired) == ["10", "5"]
    assert all(a.active for a in fired)


async def test_the_periodic_check_moves_forecast_rules_only(db: Database) -> None:
    await make_org(db, "acme", included="10")
    await interviews(db, "acme", range(0, 14), now=NOW - timedelta(days=2))
    await add_rule(db, "acme", kind="RUNS_OUT_BEFORE_PERIOD_END", name="soon")
    await add_rule(db, "acme", kind="CREDITS_REMAINING_BELOW", name="low", thresholds=["5"])
    before = await alerts_service.alerts(db, "acme", after=None, limit=50)
    assert sorted(a.kind for a in before) == [
        RuleKind.CREDITS_REMAINING_BELOW,
        RuleKind.RUNS_OUT_BEFORE_PERIOD_END,
    ]
    assert await recheck_forecasts(db, NOW) == []  # nothing changed: nothing fires twice
    # 2 December, no write since: a new period with 10 credits at a credit a day runs out on
    # the 12th, before the period ends.
    december = NOW + timedelta(days=12)
    [fired] = await recheck_forecasts(db, december)
    after = {a.id: a for a in await alerts_service.alerts(db, "acme", after=None, limit=50)}
    assert after[fired].kind is RuleKind.RUNS_OUT_BEFORE_PERIOD_END
    assert (
        after[fired].runs_out_on is not None
        and after[fired].runs_out_on.isoformat() == "2026-12-12"
    )
    low = [a for a in after.values() if a.kind is RuleKind.CREDITS_REMAINING_BELOW]
    assert [a.active for a in low] == [True]  # not re-evaluated by the periodic check
    old = [
        a for a in after.values() if a.kind is RuleKind.RUNS_OUT_BEFORE_PERIOD_END and a.id != fired
    ]
    assert [a.active for a in old] == [False]
