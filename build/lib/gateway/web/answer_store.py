"""Where cached answers live: this process's memory, bounded in bytes (least recently used
first out), and Redis when one is configured, so that every replica shares what one computed.

Redis is only ever a shortcut: when it fails or is slow the store answers from memory alone,
and tries Redis again ``retry_s`` seconds later (one warning when it goes, one when it is back).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from typing import Any

import redis.exceptions

from gateway.web.redis_client import redis_client

log = logging.getLogger("gateway.response_cache")

REDIS_PREFIX = "gateway:answer:"
# Anything Redis may raise: an answer is then simply not shared.
REDIS_FAULTS = (redis.exceptions.RedisError, OSError)


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
        self.bytes = 0
        self._memory: OrderedDict[str, bytes] = OrderedDict()
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

    def _remember(self, key: str, value: bytes) -> None:
        size = len(key) + len(value)
        if size > self.max_bytes:
            return
        previous = self._memory.pop(key, None)
        if previous is not None:
            self.bytes -= len(key) + len(previous)
        self._memory[key] = value
        self.bytes += size
        while self.bytes > self.max_bytes:
            old_key, old = self._memory.popitem(last=False)
            self.bytes -= len(old_key) + len(old)

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
