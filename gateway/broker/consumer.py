"""The consumer loop: fetch a batch, write it through the ingest, then ack, dead-letter or nak.

A fetched batch is written in parts that each keep the ingest's per-batch bounds (those bound
a client's request, not a backlog), each part in its own transaction and acknowledged on its
own. Nothing is acknowledged before its transaction has committed. A message that can never be
taken (not JSON, invalid, refused by the ingest) is published to ``<prefix>.dead`` with its
reason and then acknowledged; any other failure negatively acknowledges the batch with a delay,
so JetStream delivers it again. A crash loses nothing: unacknowledged messages come back after
the ack wait, and the database's idempotency by event id counts them once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Iterable, Sequence

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from prometheus_client import start_http_server

from gateway.clock import Clock, system_clock
from gateway.config import Settings
from gateway.logsetup import configure_logging
from gateway.storage.db import Database

from .messages import Event, Kind, Rejection, dead_letter_headers, decode
from .metrics import BrokerMetrics
from .parts import parts
from .stream import Names, connect, ensure_consumers, ensure_stream, redacted
from .writer import write_batch

log = logging.getLogger("gateway.broker")


class Consumer:
    """Handles the batches of one process; the subscriptions are shared with the others."""

    def __init__(
        self,
        *,
        db: Database,
        nc: Client,
        settings: Settings,
        metrics: BrokerMetrics | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.db = db
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream()
        self.settings = settings
        self.names = Names.from_settings(settings)
        self.metrics = metrics or BrokerMetrics()
        self.clock = clock

    async def handle(self, kind: Kind, msgs: Sequence[Msg]) -> None:
        """Write one fetched batch, part by part (see :mod:`.parts`); every message ends acked
        (stored, duplicate, dead) or naked. A part that fails is naked with the parts after it,
        which come back with it; the parts before it are committed and acknowledged."""
        started = time.perf_counter()
        items = [decode(kind, msg.data) for msg in msgs]
        cut = parts(items)
        for number, positions in enumerate(cut):
            written = await self._handle_part(
                kind, [msgs[at] for at in positions], [items[at] for at in positions], started
            )
            if not written:
                await self._nak_all([msgs[at] for rest in cut[number + 1 :] for at in rest])
                return

    async def _handle_part(
        self, kind: Kind, msgs: Sequence[Msg], items: Sequence[Event | Rejection], started: float
    ) -> bool:
        """Write one part in one transaction, then ack it; False when it failed (naked)."""
        events: list[Event] = []
        positions: list[int] = []  # the message of each event
        dead: dict[int, Rejection] = {}
        for at, decoded in enumerate(items):
            if isinstance(decoded, Rejection):
                dead[at] = decoded
            else:
                positions.append(at)
                events.append(decoded)
        try:
            outcome = await write_batch(self.db, kind, events, now=self.clock())
            for index, rejection in outcome.dead.items():
                dead[positions[index]] = rejection
            for at, rejection in sorted(dead.items()):
                await self._dead_letter(msgs[at], rejection)
        except Exception:
            log.exception(
                "batch of %d %s messages failed; retrying in %ss",
                len(msgs),
                kind.value,
                self.settings.nats_nak_delay_seconds,
            )
            self.metrics.retries.labels(kind.value).inc()
            await self._nak_all(msgs)
            return False
        try:
            for msg in msgs:
                await msg.ack()
            await self.nc.flush()
        except Exception as exc:
            # Committed already: the messages come back after the ack wait, as duplicates.
            log.warning("acknowledgements lost (%s: %s)", type(exc).__name__, exc)
            return True
        self.metrics.taken.labels(kind.value).inc(len(msgs))
        self.metrics.duplicates.labels(kind.value).inc(outcome.duplicates)
        for rejection in dead.values():
            self.metrics.dead.labels(kind.value, rejection.reason.value).inc()
        self.metrics.pending.labels(kind.value).set(msgs[-1].metadata.num_pending)
        self.metrics.batch_seconds.labels(kind.value).observe(time.perf_counter() - started)
        log.debug(
            "%s: %d messages, %d stored, %d duplicates, %d dead",
            kind.value,
            len(msgs),
            outcome.accepted,
            outcome.duplicates,
            len(dead),
        )
        return True

    async def _dead_letter(self, msg: Msg, rejection: Rejection) -> None:
        headers = dead_letter_headers(
            msg.headers,
            subject=msg.subject,
            error=rejection.message,
            stream_seq=msg.metadata.sequence.stream,
        )
        await self.js.publish(self.names.dead, msg.data, headers=headers)
        log.info(
            "dead-lettered %s message %d: %s",
            msg.subject,
            msg.metadata.sequence.stream,
            rejection.message,
        )

    async def _nak_all(self, msgs: Sequence[Msg]) -> None:
        if not msgs:
            return
        delay = self.settings.nats_nak_delay_seconds
        try:
            for msg in msgs:
                await msg.nak(delay=delay or None)
            await self.nc.flush()
        except Exception as exc:
            # They come back after the ack wait all the same.
            log.warning("could not nak the batch (%s: %s)", type(exc).__name__, exc)

    async def run_kind(
        self, kind: Kind, sub: JetStreamContext.PullSubscription, stop: asyncio.Event
    ) -> None:
        """Fetch and handle batches of one kind until ``stop`` is set (the batch in hand ends)."""
        while not stop.is_set():
            try:
                msgs = await sub.fetch(
                    self.settings.nats_batch, timeout=self.settings.nats_fetch_timeout_seconds
                )
            except TimeoutError:  # nothing to take (nats' TimeoutError is one too)
                await self._update_lag(kind, sub)
                continue
            except Exception as exc:
                if stop.is_set():
                    break
                log.warning("fetch of %s failed (%s: %s)", kind.value, type(exc).__name__, exc)
                await _sleep_unless(stop, 1.0)
                continue
            if msgs:
                await self.handle(kind, msgs)

    async def _update_lag(self, kind: Kind, sub: JetStreamContext.PullSubscription) -> None:
        try:
            info = await sub.consumer_info()
        except Exception:
            return
        self.metrics.pending.labels(kind.value).set(info.num_pending or 0)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def run(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    metrics: BrokerMetrics | None = None,
) -> None:
    """Consume until SIGTERM / SIGINT (or ``stop``): finish the batches in hand, then drain."""
    if not settings.nats_url:
        raise ValueError("GATEWAY_NATS_URL is not set")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    metrics = metrics or BrokerMetrics()
    if settings.nats_metrics_port is not None:
        start_http_server(settings.nats_metrics_port, addr=settings.host, registry=metrics.registry)
    db = Database.from_url(settings.database_url)
    nc = await connect(settings.nats_url)
    subs: dict[Kind, JetStreamContext.PullSubscription] = {}
    try:
        names = Names.from_settings(settings)
        js = nc.jetstream()
        await ensure_stream(js, names, settings)
        subs = await ensure_consumers(js, names, settings)
        consumer = Consumer(db=db, nc=nc, settings=settings, metrics=metrics, clock=settings.clock)
        log.info(
            "consuming %s from %s (stream %s, batch %d)",
            ", ".join(names.subject(kind) for kind in subs),
            redacted(settings.nats_url),
            names.stream,
            settings.nats_batch,
        )
        async with asyncio.TaskGroup() as group:
            for kind, sub in subs.items():
                group.create_task(consumer.run_kind(kind, sub, stop))
        log.info("stopping: the batches in hand are done")
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await _close(nc, subs.values())
        await db.dispose()


async def _close(nc: Client, subs: Iterable[JetStreamContext.PullSubscription]) -> None:
    """Unsubscribe, flush the last acknowledgements, close.

    (The client's ``drain`` waits on its pull subscriptions until its own timeout, 30 s; every
    batch is acknowledged and flushed before its loop ends, so nothing is left to drain.)
    """
    with contextlib.suppress(Exception):
        for sub in subs:
            await sub.unsubscribe()
        await nc.flush(timeout=5)
    await nc.close()


def consume(settings: Settings) -> None:
    """The ``usage-gateway consume`` command."""
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(run(settings))
