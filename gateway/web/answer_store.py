"""Where cached answers live: this process's memory, bounded in bytes (least recently used
first out), and Redis when one is configured, so that every replica shares what one computed.

The bound is the memory the answers really take, not their length: each key and value object
as the allocator hands it out, and the table holding them. A small answer takes about three
times its length (a 64-character key is a 113-byte ``str``; each entry adds a slot, an index and
a link in the ``OrderedDict``).

Redis is only ever a shortcut: when it fails or is slow the store answers from memory alone,
and tries Redis again ``retry_s`` seconds later (one warning when it goes, one when it is back).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections import OrderedDict
from typing import Any

import redis.exceptions

from gateway.web.redis_client import redis_client

log = logging.getLogger("gateway.response_cache")

REDIS_PREFIX = "gateway:answer:"
# Anything Redis may raise: an answer is then simply not shared.
REDIS_FAULTS = (redis.exceptions.RedisError, OSError)


def _allocated(size: int) -> int:
    """Bytes an object of ``size`` bytes (``sys.getsizeof``) takes from the allocator.

    CPython's small-object allocator hands out 16-byte multiples up to 512 bytes; above, malloc
    adds an 8-byte header and rounds to 16.
    """
    if size <= 512:
        return (size + 15) & ~15
    return (size + 8 + 15) & ~15


def entry_bytes(key: str, value: bytes) -> int:
    """The memory of one answer's key and value objects (its slot is the table's)."""
    return _allocated(sys.getsizeof(key)) + _allocated(sys.getsizeof(value))


class AnswerStore:
    def __init__(
        self,
        max_bytes: int,
        *,
        redis_url: str | None = None,
        ttl_s: int = 600,
        timeout_s: float = 0.5,
        retry_s: float = 5.0,
    ) -> None:
        self.max_bytes = max_bytes
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        # Of the keys and values.
        self._entries = 0
        self._empty_table = self._table()
        # The memory the kept answers take: keys, values and their table.
        self.bytes = self._empty_table
        self._ttl_s = ttl_s
        self._retry_s = retry_s
        self._retry_at = 0.0
        self._down = False
        self._redis: Any = None
        if redis_url:
            self._redis = redis_client(redis_url, timeout_s)

    def __len__(self) -> int:
        return len(self._memory)

    async def get(self, key: str) -> bytes | None:
        found = self._memory.get(key)
        if found is not None:
            self._memory.move_to_end(key)
            return found
        if self._usable():
            try:
                shared: bytes | None = await self._redis.get(REDIS_PREFIX + key)
            except REDIS_FAULTS as exc:
                self._failed(exc)
                return None
            self._back()
            if shared is not None:
                self._remember(key, shared)
            return shared
        return None

    async def put(self, key: str, value: bytes) -> None:
        self._remember(key, value)
        if self._usable():
            try:
                await self._redis.set(REDIS_PREFIX + key, value, ex=self._ttl_s)
            except REDIS_FAULTS as exc:
                self._failed(exc)
                return
            self._back()

    def _table(self) -> int:
        """The table holding the answers, twice: it is replaced by a copy whenever it grows or
        sheds the slots of evicted answers; both are held at that moment, and the allocator
        keeps the freed one for the next copy."""
        return 2 * sys.getsizeof(self._memory)

    def _remember(self, key: str, value: bytes) -> None:
        size = entry_bytes(key, value)
        if size + self._empty_table > self.max_bytes:
            return
        previous = self._memory.pop(key, None)
        if previous is not None:
            self._entries -= entry_bytes(key, previous)
        self._memory[key] = value
        self._entries += size
        while self._memory and self._entries + self._table() > self.max_bytes:
            old_key, old = self._memory.popitem(last=False)
            self._entries -= entry_bytes(old_key, old)
        self.bytes = self._entries + self._table()

    def _usable(self) -> bool:
        return self._redis is not None and (not self._down or time.monotonic() >= self._retry_at)

    def _failed(self, exc: BaseException) -> None:
        if not self._down:
            log.warning(
                "Redis unavailable for the response cache (%s); answering from memory",
                type(exc).__name__,
            )
        self._down = True
        self._retry_at = time.monotonic() + self._retry_s

    def _back(self) -> None:
        if self._down:
            log.warning("Redis is back for the response cache")
            self._down = False

    async def close(self) -> None:
        if self._redis is not None:
            with contextlib.suppress(*REDIS_FAULTS):
                await self._redis.aclose()
