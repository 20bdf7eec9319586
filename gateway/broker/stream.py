"""Connection, stream and durable consumers: created when missing, shared by every process.

One durable pull consumer per ingest subject (``<durable>-ai-calls`` and so on), each filtered
on its own subject: the dead-letter subject lives in the same stream (``usage.>``) and is never
taken back. (A single consumer filtered on three subjects needs nats-server 2.10; a server
before 2.10 ignores the list and would deliver the dead letters too.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js import api as js_api
from nats.js.errors import APIError, NotFoundError

from gateway.config import Settings

from .messages import Kind

log = logging.getLogger("gateway.broker")


@dataclass(frozen=True)
class Names:
    """Stream, subjects and consumer names, from the settings."""

    stream: str
    prefix: str
    durable: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Names:
        return cls(settings.nats_stream, settings.nats_subject_prefix, settings.nats_durable)

    def subject(self, kind: Kind) -> str:
        return f"{self.prefix}.{kind.value}"

    @property
    def dead(self) -> str:
        return f"{self.prefix}.dead"

    @property
    def all_subjects(self) -> str:
        return f"{self.prefix}.>"

    def consumer(self, kind: Kind) -> str:
        return f"{self.durable}-{kind.value}"


def redacted(url: str) -> str:
    """A NATS URL without its user and password, for logs and messages."""
    parts = []
    for one in url.split(","):
        split = urlsplit(one.strip())
        host = split.hostname or ""
        if split.port:
            host = f"{host}:{split.port}"
        parts.append(urlunsplit((split.scheme, host, split.path, "", "")))
    return ",".join(parts)


def servers(url: str) -> list[str]:
    """The servers of a comma-separated list (the nodes of a cluster, in any order)."""
    return [one.strip() for one in url.split(",") if one.strip()]


async def connect(url: str, *, connect_timeout: float = 5.0, reconnect: bool = True) -> Client:
    """A connection that reconnects for ever, or (``reconnect=False``) tries each server twice.

    Given several servers (or a cluster that announces its other nodes), a lost node is
    replaced by another one: the client picks the next server of its list.
    """
    held: list[Client] = []

    def node() -> str:
        current = held[0].connected_url if held else None
        return redacted(current.geturl()) if current is not None else redacted(url)

    async def on_error(exc: Exception) -> None:
        log.warning("nats: %s: %s", type(exc).__name__, exc)

    async def on_disconnected() -> None:
        log.info("nats: disconnected from %s", node())

    async def on_reconnected() -> None:
        log.info("nats: reconnected to %s", node())

    nc = await nats.connect(
        servers=servers(url),
        name="usage-gateway-consumer",
        connect_timeout=connect_timeout,
        allow_reconnect=reconnect,
        max_reconnect_attempts=-1 if reconnect else 1,
        reconnect_time_wait=1.0,
        error_cb=on_error,
        disconnected_cb=on_disconnected,
        reconnected_cb=on_reconnected,
    )
    held.append(nc)
    return nc


async def ensure_stream(js: JetStreamContext, names: Names, settings: Settings) -> None:
    replicas = settings.nats_stream_replicas
    try:
        info = await js.stream_info(names.stream)
    except NotFoundError:
        pass
    else:
        # Changing the replicas of a live stream is an operator's decision (``nats stream edit``).
        if (info.config.num_replicas or 1) != replicas:
            log.warning(
                "stream %s has %s replicas, not the %d configured: kept as it is",
                names.stream,
                info.config.num_replicas,
                replicas,
            )
        return
    config = js_api.StreamConfig(
        name=names.stream,
        subjects=[names.all_subjects],
        storage=js_api.StorageType.FILE,
        duplicate_window=settings.nats_duplicate_window_seconds,
        num_replicas=replicas,
    )
    try:
        await js.add_stream(config)
        log.info("created stream %s (%s, %d replicas)", names.stream, names.all_subjects, replicas)
    except APIError:
        # Another process created it in between; anything else shows up here.
        await js.stream_info(names.stream)


def consumer_config(names: Names, kind: Kind, settings: Settings) -> js_api.ConsumerConfig:
    return js_api.ConsumerConfig(
        name=names.consumer(kind),
        durable_name=names.consumer(kind),
        filter_subject=names.subject(kind),
        deliver_policy=js_api.DeliverPolicy.ALL,
        ack_policy=js_api.AckPolicy.EXPLICIT,
        ack_wait=settings.nats_ack_wait_seconds,
        # Room for several processes, each with a full batch in hand.
        max_ack_pending=max(20_000, settings.nats_batch * 20),
    )


async def ensure_consumers(
    js: JetStreamContext, names: Names, settings: Settings
) -> dict[Kind, JetStreamContext.PullSubscription]:
    subs: dict[Kind, JetStreamContext.PullSubscription] = {}
    for kind in Kind:
        config = consumer_config(names, kind, settings)
        try:
            await js.add_consumer(names.stream, config=config)
        except APIError as exc:
            # Exists with another configuration (an older ack wait, say): keep using it.
            await js.consumer_info(names.stream, names.consumer(kind))
            log.warning("consumer %s kept as it is: %s", names.consumer(kind), exc.description)
        subs[kind] = await js.pull_subscribe_bind(
            durable=names.consumer(kind),
            stream=names.stream,
            pending_msgs_limit=max(100_000, settings.nats_batch * 4),
        )
    return subs


async def check(settings: Settings) -> tuple[bool, str]:
    """Whether the consumer could start: NATS reachable, with JetStream."""
    if not settings.nats_url:
        return False, "GATEWAY_NATS_URL is not set"
    where = redacted(settings.nats_url)
    try:
        nc = await connect(settings.nats_url, connect_timeout=3.0, reconnect=False)
    except Exception as exc:
        return False, f"cannot connect to {where}: {type(exc).__name__}: {exc}"
    try:
        js = nc.jetstream(timeout=3.0)
        await js.account_info()
        names = Names.from_settings(settings)
        try:
            info = await js.stream_info(names.stream)
            stream = f"stream {names.stream} holds {info.state.messages} messages"
        except NotFoundError:
            stream = f"stream {names.stream} does not exist yet (consume creates it)"
    except Exception as exc:
        return False, f"connected to {where}, but JetStream answers: {type(exc).__name__}: {exc}"
    finally:
        await nc.close()
    return True, f"connected to {where}; JetStream is available; {stream}"
