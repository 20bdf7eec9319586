"""Cost points per credential per minute: in memory, or in Redis so every replica shares it.

When Redis goes away the per-process limiter stands in (so a credential may spend up to the
budget per replica meanwhile); Redis is tried again at most every ``retry_s`` seconds and takes
over as soon as it answers. The switch is logged once each way and shown in two metrics.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import redis.exceptions
from prometheus_client import CollectorRegistry, Counter, Gauge

if TYPE_CHECKING:
    from gateway.config import Settings

WINDOW_SECONDS = 60


class RateLimiter(Protocol):
    async def take(self, credential: str, points: int) -> bool:
        """Spend ``points``; False when that would pass the credential's budget."""
        ...

    async def close(self) -> None: ...


class NoLimit:
    async def take(self, credential: str, points: int) -> bool:
        return True

    async def close(self) -> None:
        return None


class MemoryRateLimiter:
    """Fixed one-minute windows, per process."""

    def __init__(self, points_per_minute: int) -> None:
        self.limit = points_per_minute
        self._windows: dict[str, tuple[int, int]] = {}

    async def take(self, credential: str, points: int) -> bool:
        window = int(time.time() // WINDOW_SECONDS)
        start, used = self._windows.get(credential, (window, 0))
        if start != window:
            used = 0
        if used + points > self.limit:
            self._windows[credential] = (window, used)
            return False
        self._windows[credential] = (window, used + points)
        if len(self._windows) > 100_000:  # forget idle credentials
            self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        return True

    async def close(self) -> None:
        return None


class RedisRateLimiter:
    """Fixed one-minute windows in Redis (``INCRBY`` + ``EXPIRE``), shared by all replicas."""

    def __init__(self, url: str, points_per_minute: int, *, timeout_s: float = 0.5) -> None:
        import redis.asyncio as redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.limit = points_per_minute
        # A dead Redis must never stall a request long: short timeouts, no retries here.
        self._redis = redis.from_url(
            url,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
        )

    async def take(self, credential: str, points: int) -> bool:
        window = int(time.time() // WINDOW_SECONDS)
        key = f"gateway:rate:{credential}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(key, points)
            pipe.expire(key, WINDOW_SECONDS * 2)
            used, _ = await pipe.execute()
        if int(used) > self.limit:
            # Refused requests do not spend the budget.
            await self._redis.decrby(key, points)
            return False
        return True

    async def close(self) -> None:
        await self._redis.aclose()


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


def build_rate_limiter(
    settings: Settings, *, registry: CollectorRegistry | None = None
) -> RateLimiter:
    points_per_minute = settings.rate_limit_points
    if points_per_minute <= 0:
        return NoLimit()
    if settings.redis_url:
        return FallbackRateLimiter(
            RedisRateLimiter(
                settings.redis_url, points_per_minute, timeout_s=settings.redis_timeout_s
            ),
            MemoryRateLimiter(points_per_minute),
            retry_s=settings.redis_retry_s,
            registry=registry,
        )
    return MemoryRateLimiter(points_per_minute)
