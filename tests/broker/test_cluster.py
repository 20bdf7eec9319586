"""A three-node JetStream cluster: the consumer's node dies mid-stream, nothing is lost or doubled.

Three private nats-servers on loopback, routed to each other, each with its own store and a
monitoring port; the stream has 3 replicas (its consumers follow it), so two nodes keep a quorum.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import APIError, NoStreamResponseError

from gateway.broker.consumer import run
from gateway.broker.stream import Names, connect, ensure_stream
from gateway.storage.db import Database
from tests.broker.conftest import NATS_SERVER, NatsServer, _wait_for_port
from tests.broker.streams import consumers_done, count_calls
from tests.broker.support import Message, expected, make_dataset, set_up_orgs, stored
from tests.broker.test_consumer import consumer_settings
from tests.support import free_port, make_settings, real_clock_env

KINDS = ("ai-calls", "interview-events", "credit-purchases")
CONSUMER_NAME = "usage-gateway-consumer"  # the connection name gateway/broker/stream.py sets


class Node:
    def __init__(self, name: str, store: Path) -> None:
        self.name = name
        self.store = store
        self.port, self.cluster_port, self.monitor_port = free_port(), free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, routes: list[str], binary: str) -> None:
        log = (self.store / "server.log").open("ab")
        self.process = subprocess.Popen(
            [
                *(binary, "-a", "127.0.0.1", "-p", str(self.port), "-n", self.name),
                *("-m", str(self.monitor_port), "-js", "-sd", str(self.store)),
                *("--cluster_name", "c", "--cluster", f"nats://127.0.0.1:{self.cluster_port}"),
                *("--routes", ",".join(routes)),
            ],
            env=real_clock_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self) -> None:
        """SIGKILL: the node vanishes without saying goodbye to its clients or its peers."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def connection_names(self) -> list[str]:
        url = f"http://127.0.0.1:{self.monitor_port}/connz"
        with urllib.request.urlopen(url, timeout=2) as response:
            body: dict[str, Any] = json.loads(response.read())
        return [c.get("name", "") for c in body.get("connections") or []]


class Cluster:
    def __init__(self, binary: str, root: Path) -> None:
        self.binary = binary
        self.nodes = []
        for n in range(3):
            store = root / f"n{n}"
            store.mkdir()
            self.nodes.append(Node(f"n{n}", store))

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def start(self) -> None:
        for node in self.nodes:
            routes = [f"nats://127.0.0.1:{o.cluster_port}" for o in self.nodes if o is not node]
            node.start(routes, self.binary)
        for node in self.nodes:
            _wait_for_port(node.port)

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()

    def alive(self) -> list[Node]:
        return [n for n in self.nodes if n.process is not None and n.process.poll() is None]

    def consumer_node(self) -> Node | None:
        for node in self.alive():
            if CONSUMER_NAME in node.connection_names():
                return node
        return None


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    if NATS_SERVER is None:
        pytest.skip("nats-server is not installed (looked on PATH and at /usr/sbin/nats-server)")
    nodes = Cluster(NATS_SERVER, tmp_path)
    nodes.start()
    yield nodes
    nodes.stop()


async def _until(what: str, check: Any, *, within: float) -> Any:
    deadline = time.monotonic() + within
    while True:
        try:
            if result := await check():
                return result
        except (APIError, NatsTimeout, NoStreamResponseError, TimeoutError, OSError):
            pass  # the cluster is electing its leaders
        assert time.monotonic() < deadline, f"{what} within {within}s"
        await asyncio.sleep(0.2)


async def _publish(url: str, messages: list[Message], *, pause: float = 0.0) -> None:
    """Publish each message until JetStream acknowledges it; a retried message keeps its
    ``Nats-Msg-Id`` (the stream drops the second), or has none and the database counts it once."""
    nc = await nats.connect(servers=url.split(","))
    try:
        js = nc.jetstream(timeout=2.0)
        for message in messages:
            await asyncio.sleep(pause)

            async def send(m: Message = message) -> bool:
                await js.publish(m.subject, m.data, headers=m.headers)
                return True

            await _until("a publish acknowledged", send, within=30)
    finally:
        await nc.close()


async def _done(url: str) -> bool:
    nc = await nats.connect(servers=url.split(","), allow_reconnect=False)
    try:
        return await consumers_done(nc.jetstream(timeout=2.0))
    finally:
        await nc.close()


async def test_the_consumer_survives_the_loss_of_its_node(
    db: Database, client: httpx.AsyncClient, cluster: Cluster
) -> None:
    await set_up_orgs(client)
    data = make_dataset(7, calls=600, interviews=40)
    half = len(data.messages) // 2
    settings = consumer_settings(db, cluster.url, nats_stream_replicas=3, nats_batch=20)

    async def replicated() -> bool:
        nc = await connect(cluster.url, reconnect=False)
        try:
            js = nc.jetstream(timeout=2.0)
            await ensure_stream(js, Names.from_settings(settings), settings)
            info = await js.stream_info(settings.nats_stream)
            peers = info.cluster.replicas if info.cluster is not None else None
            return info.config.num_replicas == 3 and len(peers or []) == 2
        finally:
            await nc.close()

    await _until("a stream with 3 replicas", replicated, within=30)
    await _publish(cluster.url, data.messages[:half])

    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop=stop))
    try:
        node = await _until("the consumer connected", _as_async(cluster.consumer_node), within=20)
        await _until("a first batch written", lambda: _stored_some(db), within=30)
        # The harshest loss: the consumer's node also leads the stream and the consumers, so
        # the survivors must elect new leaders while the consumer reconnects.
        await _lead_from(cluster.url, node.name, settings.nats_stream)
        # The second half flows while the node dies: some of it lands before, some after.
        publishing = asyncio.create_task(_publish(cluster.url, data.messages[half:], pause=0.005))
        await asyncio.sleep(0.5)
        assert not publishing.done()
        node.kill()
        assert await count_calls(db) < len(data.calls)
        survivor = await _until(
            "the consumer on another node", _as_async(cluster.consumer_node), within=30
        )
        assert survivor is not node
        await publishing
        await _until("every message taken", lambda: _done(cluster.url), within=120)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)

    assert await stored(db) == expected(data)


async def _lead_from(url: str, name: str, stream: str) -> None:
    """Step the stream's and its consumers' leaders down until ``name`` leads them all."""
    nc = await nats.connect(servers=url.split(","))
    try:
        js = nc.jetstream(timeout=2.0)
        consumers = [f"usage-gateway-{kind}" for kind in KINDS]
        for _ in range(60):
            moved = False
            info = await js.stream_info(stream)
            if info.cluster is None or info.cluster.leader != name:
                await _request(nc, f"$JS.API.STREAM.LEADER.STEPDOWN.{stream}")
                moved = True
            for consumer in consumers:
                found = await js.consumer_info(stream, consumer)
                if found.cluster is None or found.cluster.leader != name:
                    await _request(nc, f"$JS.API.CONSUMER.LEADER.STEPDOWN.{stream}.{consumer}")
                    moved = True
            if not moved:
                return
            await asyncio.sleep(0.5)
        raise AssertionError(f"{name} did not come to lead the stream and its consumers")
    finally:
        await nc.close()


async def _request(nc: Any, subject: str) -> None:
    with contextlib.suppress(NatsTimeout, TimeoutError):
        await nc.request(subject, b"", timeout=2.0)


def _as_async(check: Any) -> Any:
    async def call() -> Any:
        return check()

    return call


async def _stored_some(db: Database) -> bool:
    return await count_calls(db) > 0


async def test_an_existing_stream_keeps_its_replicas(
    nats_server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Replicas are set at creation: a changed setting is reported, never applied to live data.
    settings = make_settings().model_copy(update={"nats_url": nats_server.url})
    names = Names.from_settings(settings)
    nc = await connect(nats_server.url, reconnect=False)
    try:
        js = nc.jetstream()
        await ensure_stream(js, names, settings)
        more = settings.model_copy(update={"nats_stream_replicas": 3})
        with caplog.at_level(logging.WARNING, logger="gateway.broker"):
            await ensure_stream(js, names, more)
        info = await js.stream_info(names.stream)
    finally:
        await nc.close()
    assert info.config.num_replicas == 1
    assert "has 1 replicas, not the 3 configured" in caplog.text
