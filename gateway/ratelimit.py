"""Cost points per credential per minute: in memory, or in Redis so every replica shares it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

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


def build_rate_limiter(
    settings: Settings, *, registry: CollectorRegistry | None = None
) -> RateLimiter:
    points_per_minute = settings.rate_limit_points
    if points_per_minute <= 0:
        return NoLimit()
    if settings.redis_url:
        from gateway.ratelimit_fallback import FallbackRateLimiter

        return FallbackRateLimiter(
            RedisRateLimiter(
                settings.redis_url, points_per_minute, timeout_s=settings.redis_timeout_s
            ),
            MemoryRateLimiter(points_per_minute),
            retry_s=settings.redis_retry_s,
            registry=registry,
        )
    return MemoryRateLimiter(points_per_minute)
