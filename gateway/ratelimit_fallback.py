"""Rate limiting that survives Redis going away: the per-process limiter stands in meanwhile.

While Redis is down each replica counts on its own (so a credential may spend up to the budget
per replica); Redis is tried again at most every ``retry_s`` seconds and takes over again as
soon as it answers. The switch is logged once each way and shown in two metrics.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

import redis.exceptions
from prometheus_client import CollectorRegistry, Counter, Gauge

from gateway.ratelimit import RateLimiter

log = logging.getLogger("gateway.ratelimit")

# What a Redis that is away or too slow raises (redis-py wraps socket errors in its own).
REDIS_FAULTS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class FallbackRateLimiter:
    def __init__(
        self,
        primary: RateLimiter,
        fallback: RateLimiter,
        *,
        retry_s: float,
        registry: CollectorRegistry | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._retry_s = retry_s
        self._monotonic = monotonic
        self._down = False
        self._retry_at = 0.0
        self.active = Gauge(
            "gateway_rate_limit_fallback_active",
            "1 while Redis is unreachable and this process rate-limits on its own.",
            registry=registry,
            multiprocess_mode="max",
        )
        self.switches = Counter(
            "gateway_rate_limit_fallbacks",
            "Times this process lost Redis and fell back to its own rate limiter.",
            registry=registry,
        )

    @property
    def degraded(self) -> bool:
        return self._down

    async def take(self, credential: str, points: int) -> bool:
        if not self._down or self._monotonic() >= self._retry_at:
            try:
                allowed = await self._primary.take(credential, points)
            except REDIS_FAULTS as exc:
                self._fall_back(exc)
            else:
                self._recover()
                return allowed
        return await self._fallback.take(credential, points)

    def _fall_back(self, exc: BaseException) -> None:
        self._retry_at = self._monotonic() + self._retry_s
        if self._down:
            return
        self._down = True
        self.active.set(1)
        self.switches.inc()
        log.warning(
            "Redis is unreachable (%s); rate limiting per process until it is back "
            "(retrying every %.0f s)",
            type(exc).__name__,
            self._retry_s,
        )

    def _recover(self) -> None:
        if not self._down:
            return
        self._down = False
        self.active.set(0)
        log.warning("Redis is back; rate limiting is shared through Redis again")

    async def close(self) -> None:
        with contextlib.suppress(*REDIS_FAULTS):
            await self._primary.close()
        await self._fallback.close()
