"""``usage-gateway consume`` as real processes: SIGKILL and restart, SIGTERM, two at once."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from gateway.storage.db import Database
from tests.broker.conftest import NatsServer, free_port
from tests.broker.streams import (
    check_dead_letters,
    consumer_info,
    count_calls,
    dead_letters,
    ensure_stream,
    publish,
    wait_until_done,
)
from tests.broker.support import expected, make_dataset, set_up_orgs, stored

REPO = Path(__file__).resolve().parents[2]


def start_consumer(
    db: Database, nats_url: str, log: Path, *, ack_wait: float = 2.0, metrics_port: int = 0
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "GATEWAY_ENV": "test",
        "GATEWAY_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "GATEWAY_NATS_URL": nats_url,
        "GATEWAY_NATS_BATCH": "20",
        "GATEWAY_NATS_ACK_WAIT_SECONDS": str(ack_wait),
        "GATEWAY_NATS_NAK_DELAY_SECONDS": "0.2",
        "GATEWAY_NATS_FETCH_TIMEOUT_SECONDS": "0.5",
        "GATEWAY_LOG_LEVEL": "debug",
    }
    if metrics_port:
        env["GATEWAY_NATS_METRICS_PORT"] = str(metrics_port)
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "consume"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def tail(log: Path) -> str:
    return log.read_text()[-3000:]


async def stop(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    for _ in range(200):
        if process.poll() is not None:
            break
        await asyncio.sleep(0.05)
    else:
        process.kill()
        raise AssertionError(f"the consumer ignored SIGTERM:\n{tail(log)}")
    assert process.returncode == 0, tail(log)


async def messages_taken(port: int) -> float:
    """``gateway_broker_messages_total`` of AI calls, once the first batch is counted."""
    pattern = re.compile(r'^gateway_broker_messages_total\{kind="ai-calls"\} (\S+)$', re.M)
    async with httpx.AsyncClient() as scraper:
        for _ in range(100):
            found = pattern.search((await scraper.get(f"http://127.0.0.1:{port}/metrics")).text)
            if found and float(found.group(1)):
                return float(found.group(1))
            await asyncio.sleep(0.02)
    raise AssertionError("no AI-call message counted within 2 s")


async def first_calls_stored(db: Database, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(3000):
        if await count_calls(db):
            return
        assert process.poll() is None, tail(log)
        await asyncio.sleep(0.005)
    raise AssertionError(f"nothing stored within 15 s:\n{tail(log)}")


async def test_sigkill_mid_stream_then_restart_loses_nothing_and_counts_nothing_twice(
    db: Database, client: httpx.AsyncClient, nats_server: NatsServer, tmp_path: Path
) -> None:
    await set_up_orgs(client)
    data = make_dataset(2, calls=3000, interviews=200, purchases=10)
    await ensure_stream(nats_server.url)
    await publish(nats_server.url, data.messages)
    log = tmp_path / "consumer.log"

    first = start_consumer(db, nats_server.url, log)
    await first_calls_stored(db, first, log)
    first.send_signal(signal.SIGKILL)
    first.wait()
    at_kill = await count_calls(db)
    assert 0 < at_kill < len(data.calls), "the kill was not mid-stream"

    second = start_consumer(db, nats_server.url, log)
    await wait_until_done(nats_server.url)
    await stop(second, log)

    assert await stored(db) == expected(data)
    check_dead_letters(data, await dead_letters(nats_server.url))


async def test_sigterm_finishes_the_batch_in_hand_and_leaves_nothing_unacknowledged(
    db: Database, client: httpx.AsyncClient, nats_server: NatsServer, tmp_path: Path
) -> None:
    await set_up_orgs(client)
    data = make_dataset(3, calls=3000, interviews=0, purchases=0, bad=False, copies=False)
    await ensure_stream(nats_server.url)
    await publish(nats_server.url, data.messages)
    log = tmp_path / "consumer.log"

    # A long ack wait: a message left in hand would stay pending for a minute.
    port = free_port()
    process = start_consumer(db, nats_server.url, log, ack_wait=60, metrics_port=port)
    await first_calls_stored(db, process, log)
    assert await messages_taken(port) >= 20  # at least one full batch, counted
    await stop(process, log)

    info = await consumer_info(nats_server.url, "ai-calls")
    assert info.num_ack_pending == 0
    assert info.num_pending > 0, "the stop was not mid-stream"
    # Every message taken is stored, and every one stored was taken.
    assert await count_calls(db) == len(data.calls) - info.num_pending
    assert "stopping: the batches in hand are done" in tail(log)

    again = start_consumer(db, nats_server.url, log)
    await wait_until_done(nats_server.url)
    await stop(again, log)
    assert await stored(db) == expected(data)


async def test_two_consumer_processes_split_the_work(
    db: Database, client: httpx.AsyncClient, nats_server: NatsServer, tmp_path: Path
) -> None:
    await set_up_orgs(client)
    data = make_dataset(4, calls=2000, interviews=150, purchases=10)
    await ensure_stream(nats_server.url)
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    processes = [start_consumer(db, nats_server.url, log) for log in logs]

    await publish(nats_server.url, data.messages)
    await wait_until_done(nats_server.url)
    for process, log in zip(processes, logs, strict=True):
        await stop(process, log)

    assert await stored(db) == expected(data)
    check_dead_letters(data, await dead_letters(nats_server.url))
    for log in logs:
        assert "ai-calls: 20 messages" in log.read_text(), "one process took no full batch"
