"""The answer cache's byte bound is the memory it really takes.

A fresh interpreter fills a store bounded at 8 MiB with many times more small answers than fit
(least recently used out first, as in production once the cache is full) and reads its resident
memory before and all along (ru_maxrss would be the parent's, kept across exec): the growth stays within the bound plus 25 %. Counting only the length
of keys and values, the same store grew to about three times its bound."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BOUND = 8 << 20
MARGIN = 1.25
ROOT = Path(__file__).resolve().parents[2]

FILL = """
import asyncio, gc, hashlib, json, os, sys
from gateway.web.answer_store import AnswerStore

def resident():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

async def fill(bound, size, count):
    store = AnswerStore(bound)
    gc.collect()
    before = peak = resident()
    for n in range(count):
        # Keys as answer_key makes them; values of a spread of lengths around `size`.
        key = hashlib.sha256(b"%d" % n).hexdigest()
        await store.put(key, b'{"n":%d,"x":"' % n + b"x" * (size + n % 64) + b'"}')
        if n % 500 == 0:
            peak = max(peak, resident())
    gc.collect()
    peak = max(peak, resident())
    print(json.dumps({
        "growth": resident() - before,
        "peak_growth": peak - before,
        "entries": len(store),
        "counted": store.bytes,
    }))

asyncio.run(fill(*map(int, sys.argv[1:])))
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads /proc/self/statm")
@pytest.mark.parametrize("size", [0, 100, 300, 1_500])
def test_a_full_cache_takes_its_bound_in_memory(size: int) -> None:
    # Enough answers to fill the bound several times over: the store evicts all along.
    count = 5 * BOUND // (size + 200)
    result = subprocess.run(
        [sys.executable, "-c", FILL, str(BOUND), str(size), str(count)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    found = json.loads(result.stdout)
    assert found["entries"] < count and found["counted"] <= BOUND, found
    growth = max(found["growth"], found["peak_growth"])
    assert growth <= BOUND * MARGIN, (
        f"{growth / 2**20:.1f} MiB resident for a {BOUND / 2**20:.0f} MiB bound: {found}"
    )
