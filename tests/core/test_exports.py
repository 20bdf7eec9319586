"""Export helpers: amounts as text from their integers, and pages read one ahead."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.core.exports import DecimalTexts, decimal_text, keyset_pages
from gateway.core.money import credits_from_int, format_decimal, usd_from_int


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_decimal_text_prints_what_format_decimal_prints(value: int) -> None:
    assert decimal_text(value, 4) == format_decimal(credits_from_int(value))
    assert decimal_text(value, 6) == format_decimal(usd_from_int(value))


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (0, 4, "0.0000"),
        (125_000, 4, "12.5000"),
        (125, 4, "0.0125"),
        (-15_000, 4, "-1.5000"),
        (1, 6, "0.000001"),
    ],
)
def test_decimal_text_examples(value: int, places: int, text: str) -> None:
    assert decimal_text(value, places) == text
    assert DecimalTexts(places)[value] == text


async def test_pages_come_in_order_each_read_once() -> None:
    reads: list[int] = []

    async def fetch(key: int) -> list[int]:
        reads.append(key)
        return list(range(key, min(key + 3, 8)))

    def after(page: list[int]) -> int | None:
        return page[-1] + 1 if len(page) == 3 else None

    pages = [page async for page in keyset_pages(fetch, 0, after)]
    assert pages == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert reads == [0, 3, 6]


async def test_the_next_page_is_read_while_this_one_is_used() -> None:
    started: list[int] = []

    async def fetch(key: int) -> int:
        started.append(key)
        await asyncio.sleep(0)
        return key

    pages = keyset_pages(fetch, 0, lambda key: key + 1 if key < 5 else None)
    assert await anext(pages) == 0
    await asyncio.sleep(0)
    # The caller holds page 0; page 1 is already on its way.
    assert started == [0, 1]
    await pages.aclose()


async def test_a_failed_read_ends_the_pages_and_stopping_early_drops_the_read_ahead() -> None:
    async def failing(key: int) -> int:
        if key == 2:
            raise RuntimeError("the database went away")
        return key

    with pytest.raises(RuntimeError, match="went away"):
        async for _ in keyset_pages(failing, 0, lambda key: key + 1):
            pass

    reading, cancelled = asyncio.Event(), asyncio.Event()

    async def slow(key: int) -> int:
        if key:
            reading.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancelled.set()
                raise
        return key

    pages = keyset_pages(slow, 0, lambda key: key + 1)
    assert await anext(pages) == 0
    await asyncio.wait_for(reading.wait(), timeout=5)
    await pages.aclose()
    await asyncio.wait_for(cancelled.wait(), timeout=5)
