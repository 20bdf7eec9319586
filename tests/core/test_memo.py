"""A request's shared reads: fetched once, and not lost when one of their readers is cancelled."""

from __future__ import annotations

import asyncio

from gateway.core.memo import RequestMemo


async def test_a_read_is_made_once_and_survives_a_cancelled_reader() -> None:
    memo = RequestMemo()
    made = 0
    release = asyncio.Event()

    async def read() -> int:
        nonlocal made
        made += 1
        await release.wait()
        return 42

    first = asyncio.ensure_future(memo.get("k", read))
    second = asyncio.ensure_future(memo.get("k", read))
    await asyncio.sleep(0)
    first.cancel()  # as a sibling field's error or a plan's fallback cancels its readers
    await asyncio.sleep(0)
    release.set()
    assert await second == 42
    assert first.cancelled()
    assert await memo.get("k", read) == 42  # a later reader gets it too
    assert made == 1
