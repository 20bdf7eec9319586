"""The ``usage-gateway deliver`` loop: deliveries as they fall due (a short poll: a firing is
sent within about a second), and a periodic job (the forecast check) every minute."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from gateway.alerts.delivery import Options, deliver_due
from gateway.clock import Clock
from gateway.storage.db import Database

log = logging.getLogger("gateway.webhooks")

POLL_S = 0.25
PERIODIC_S = 60.0
ERROR_PAUSE_S = 5.0


async def run(
    db: Database,
    *,
    clock: Clock,
    options: Options,
    stop: asyncio.Event,
    periodic: Callable[[datetime], Awaitable[object]] | None = None,
    periodic_s: float = PERIODIC_S,
    poll_s: float = POLL_S,
) -> None:
    """Until ``stop`` is set. A failing database pauses the loop, never ends it."""
    last: datetime | None = None
    while not stop.is_set():
        try:
            now = clock()
            if periodic is not None and (
                last is None or (now - last).total_seconds() >= periodic_s
            ):
                last = now
                await periodic(now)
            claimed = await deliver_due(db, now=now, options=options)
        except Exception:
            log.exception("the delivery loop failed; trying again shortly")
            claimed, pause = 0, ERROR_PAUSE_S
        else:
            pause = poll_s
        if claimed:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)
