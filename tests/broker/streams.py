"""The NATS side of the tests: publish, wait for the consumers, read the dead letters."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
from nats.js import JetStreamContext
from sqlalchemy import text

from gateway.storage.db import Database
from tests.broker.support import Dataset, Message


async def publish(url: str, messages: list[Message]) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for message in messages:
            await js.publish(message.subject, message.data, headers=message.headers)
    finally:
        await nc.close()


async def ensure_stream(url: str) -> None:
    """The USAGE stream as ``consume`` creates it, for publishing before any consumer runs."""
    from gateway.broker.stream import Names, connect
    from gateway.broker.stream import ensure_stream as create
    from tests.support import make_settings

    nc = await connect(url, reconnect=False)
    try:
        await create(nc.jetstream(), Names("USAGE", "usage", "usage-gateway"), make_settings())
    finally:
        await nc.close()


async def consumers_done(js: JetStreamContext, durable: str = "usage-gateway") -> bool:
    for kind in ("ai-calls", "interview-events", "credit-purchases"):
        try:
            info = await js.consumer_info("USAGE", f"{durable}-{kind}")
        except nats.js.errors.NotFoundError:
            return False
        if info.num_pending or info.num_ack_pending:
            return False
    return True


async def wait_until_done(url: str, *, within: float = 60.0) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        deadline = asyncio.get_running_loop().time() + within
        while not await consumers_done(js):
            assert asyncio.get_running_loop().time() < deadline, "the consumers did not finish"
            await asyncio.sleep(0.1)
    finally:
        await nc.close()


async def dead_letters(url: str) -> list[tuple[bytes, dict[str, str]]]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe("usage.dead", stream="USAGE")
        out: list[tuple[bytes, dict[str, str]]] = []
        while True:
            try:
                msgs = await sub.fetch(100, timeout=0.5)
            except TimeoutError:  # asyncio.TimeoutError or nats.errors.TimeoutError
                return out
            out.extend((m.data, dict(m.headers or {})) for m in msgs)
            for m in msgs:
                await m.ack()
    finally:
        await nc.close()


def check_dead_letters(data: Dataset, letters: list[tuple[bytes, dict[str, str]]]) -> None:
    """Every bad message sits on usage.dead once, with its body, headers and reason."""
    by_marker = {headers.get("Test-Bad"): (body, headers) for body, headers in letters}
    assert len(by_marker) == len(letters), "a bad message was dead-lettered twice"
    assert set(by_marker) == set(data.bad), "dead letters are not the bad messages"
    for marker, bad in data.bad.items():
        body, headers = by_marker[marker]
        assert body == bad.message.data
        assert headers["Usage-Subject"] == bad.message.subject
        assert headers["Usage-Msg-Id"] == f"bad-{marker}"
        if bad.prefix:
            assert headers["Usage-Error"].startswith(bad.reason), headers["Usage-Error"]
        else:
            assert headers["Usage-Error"] == bad.reason


async def count_calls(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM ai_calls"))).scalar_one())


async def consumer_info(url: str, kind: str) -> Any:
    nc = await nats.connect(url)
    try:
        return await nc.jetstream().consumer_info("USAGE", f"usage-gateway-{kind}")
    finally:
        await nc.close()
