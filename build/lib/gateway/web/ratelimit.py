"""Leaky buckets of cost points per credential: in memory, or in Redis so every replica shares
them (one Lua script does the arithmetic of ``gateway.core.throttle`` atomically, on Redis's
clock).

When Redis goes away the per-process limiter stands in (so a credential may spend up to the
bucket per replica meanwhile); Redis is tried again at most every ``retry_s`` seconds and takes
over as soon as it answers. The switch is logged once each way and shown in two metrics.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import redis.exceptions
from prometheus_client import CollectorRegistry, Counter, Gauge

from gateway.core.throttle import Throttle, refill, spend
from gateway.web.redis_client import redis_client

if TYPE_CHECKING:
    from gateway.config import Settings

KEY_PREFIX = "gateway:bucket:"


def bucket_key(credential: str) -> str:
    """A fixed-size key whatever the credential's ids contain (``:`` included)."""
    return KEY_PREFIX + hashlib.sha256(credential.encode()).hexdigest()


class RateLimiter(Protocol):
    async def take(self, credential: str, points: int) -> Throttle | None:
        """Spend ``points`` if they fit; None when there is no limit."""
        ...

    async def refund(self, credential: str, points: int) -> Throttle | None:
        """Give ``points`` back (a request that cost less than it was charged)."""
        ...

    async def close(self) -> None: ...


class NoLimit:
    async def take(self, credential: str, points: int) -> Throttle | None:
        return None

    async def refund(self, credential: str, points: int) -> Throttle | None:
        return None

    async def close(self) -> None:
        return None


class MemoryRateLimiter:
    """Per process."""

    def __init__(
        self,
        capacity: int,
        restore_rate: float | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate or capacity / 60
        self._monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}

    def _apply(self, credential: str, points: int) -> Throttle:
        now = self._monotonic()
        key = bucket_key(credential)
        available, last = self._buckets.get(key, (float(self.capacity), now))
        available = refill(available, now - last, self.capacity, self.restore_rate)
        allowed, available, retry_after = spend(available, points, self.capacity, self.restore_rate)
        self._buckets[key] = (available, now)
        if len(self._buckets) > 100_000:  # forget the buckets that are full again
            self._buckets = {
                k: (a, t)
                for k, (a, t) in self._buckets.items()
                if refill(a, now - t, self.capacity, self.restore_rate) < self.capacity
            }
        return Throttle(allowed, self.capacity, available, self.restore_rate, retry_after)

    async def take(self, credential: str, points: int) -> Throttle | None:
        return self._apply(credential, points)

    async def refund(self, credential: str, points: int) -> Throttle | None:
        return self._apply(credential, -points)

    async def close(self) -> None:
        return None


# KEYS[1]: the bucket; ARGV: capacity, restore rate, points (negative: a refund).
# Returns {allowed, available, retry after}; the state is {a: available, t: last update}.
LEAKY_BUCKET = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local points = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'a', 't')
local available = tonumber(state[1]) or capacity
local last = tonumber(state[2]) or now
available = math.min(capacity, available + math.max(0, now - last) * rate)
local allowed = 1
local retry_after = 0
if points < 0 then
  available = math.min(capacity, available - points)
elseif available >= math.min(points, capacity) then
  available = available - points
else
  allowed = 0
  retry_after = math.max(1, math.ceil((math.min(points, capacity) - available) / rate))
end
redis.call('HSET', KEYS[1], 'a', tostring(available), 't', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - available) / rate * 1000) + 1000)
return {allowed, tostring(available), retry_after}
"""


class RedisRateLimiter:
    """One bucket per credential in Redis, shared by all replicas."""

    def __init__(
        self, url: str, capacity: int, restore_rate: float | None = None, *, timeout_s: float = 0.5
    ) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate or capacity / 60
        # A dead Redis must never stall a request long: short timeouts, no retries here.
        self._redis = redis_client(url, timeout_s)
        self._script = self._redis.register_script(LEAKY_BUCKET)

    async def _apply(self, credential: str, points: int) -> Throttle:
        allowed, available, retry_after = await self._script(
            keys=[bucket_key(credential)], args=[self.capacity, repr(self.restore_rate), points]
        )
        return Throttle(
            bool(int(allowed)),
            self.capacity,
            float(available),
            self.restore_rate,
            int(retry_after),
        )

    async def take(self, credential: str, points: int) -> Throttle | None:
        return await self._apply(credential, points)

    async def refund(self, credential: str, points: int) -> Throttle | None:
        return await self._apply(credential, -points)

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

    async def take(self, credential: str, points: int) -> Throttle | None:
        return await self._apply(credential, points)

    async def refund(self, credential: str, points: int) -> Throttle | None:
        return await self._apply(credential, -points)

    async def _apply(self, credential: str, points: int) -> Throttle | None:
        if not self._down or self._monotonic() >= self._retry_at:
            try:
                throttle = await (
                    self._primary.take(credential, points)
                    if points >= 0
                    else self._primary.refund(credential, -points)
                )
            except REDIS_FAULTS as exc:
                self._fall_back(exc)
            else:
                self._recover()
                return throttle
        if points >= 0:
            return await self._fallback.take(credential, points)
        return await self._fallback.refund(credential, -points)

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


POLICY = "default"


def rate_limit_headers(throttle: Throttle | None) -> dict[str, str]:
    """``RateLimit-Policy: "default";q=<bucket>;w=<seconds to fill it>`` and
    ``RateLimit: "default";r=<points left>;t=<seconds until full>``."""
    if throttle is None:
        return {}
    window = max(1, round(throttle.capacity / throttle.restore_rate))
    headers = {
        "RateLimit-Policy": f'"{POLICY}";q={throttle.capacity};w={window}',
        "RateLimit": f'"{POLICY}";r={throttle.remaining};t={throttle.seconds_to_full}',
    }
    if not throttle.allowed:
        headers["Retry-After"] = str(throttle.retry_after)
    return headers


def build_rate_limiter(
    settings: Settings, *, registry: CollectorRegistry | None = None
) -> RateLimiter:
    capacity = settings.rate_limit_points
    if capacity <= 0:
        return NoLimit()
    rate = settings.restore_per_second
    if settings.redis_url:
        return FallbackRateLimiter(
            RedisRateLimiter(
                settings.redis_url, capacity, rate, timeout_s=settings.redis_timeout_s
            ),
            MemoryRateLimiter(capacity, rate),
            retry_s=settings.redis_retry_s,
            registry=registry,
        )
    return MemoryRateLimiter(capacity, rate)
