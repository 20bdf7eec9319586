"""Alert evaluation over both pages' figures: what settings changes, rebuilds, rule changes
and the periodic forecast check call (the ingest paths call gateway.alerts.evaluate with the
one family of figures they move)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts import queries as alert_queries
from gateway.alerts import worker
from gateway.alerts.delivery import Options, deliver_due
from gateway.alerts.enums import RuleKind
from gateway.alerts.evaluate import evaluate
from gateway.config import Settings
from gateway.consumption.standing import credit_standings
from gateway.storage.db import Database
from gateway.storage.locks import hold_orgs
from gateway.usage.standing import ai_months

FORECAST_ONLY = frozenset({RuleKind.RUNS_OUT_BEFORE_PERIOD_END})


async def evaluate_all(conn: AsyncConnection, org_ids: Iterable[str], now: datetime) -> list[str]:
    """Every rule of these organizations, in the caller's transaction."""
    return await evaluate(conn, list(org_ids), now=now, standing=credit_standings, month=ai_months)


async def recheck_forecasts(db: Database, now: datetime) -> list[str]:
    """A forecast moves with time alone: RUNS_OUT_BEFORE_PERIOD_END rules only, one
    transaction per organization that has one; returns the alerts fired."""
    fired: list[str] = []
    for org_id in await db.run(alert_queries.orgs_with_rules, kinds=FORECAST_ONLY):
        async with db.write() as conn:
            await hold_orgs(conn, [org_id], exclusive=False)
            fired += await evaluate(
                conn, [org_id], now=now, standing=credit_standings, kinds=FORECAST_ONLY
            )
    return fired


def delivery_options(settings: Settings) -> Options:
    return Options(
        production=settings.env == "production", allow_private=settings.webhooks_allow_private
    )


async def deliver_command(settings: Settings, *, once: bool) -> int:
    """``usage-gateway deliver``: the delivery worker, with the forecast check every minute;
    ``--once`` sends what is due, checks the forecasts once and returns. SIGTERM and SIGINT
    stop it after the calls in flight."""
    db = Database.from_url(settings.database_url)
    options = delivery_options(settings)
    clock = settings.clock
    try:
        if once:
            await recheck_forecasts(db, clock())
            sent = 0
            while claimed := await deliver_due(db, now=clock(), options=options):
                sent += claimed
            print(f"{sent} deliveries attempted")
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)

        async def forecasts(now: datetime) -> None:
            await recheck_forecasts(db, now)

        await worker.run(db, clock=clock, options=options, stop=stop, periodic=forecasts)
        return 0
    finally:
        await db.dispose()
