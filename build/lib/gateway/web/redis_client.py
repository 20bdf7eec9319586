"""The one way this gateway opens Redis: a dead or slow Redis must never stall a request long,
so short timeouts and no retries (the callers fall back to memory on failure)."""

from __future__ import annotations

from typing import Any


def redis_client(url: str, timeout_s: float) -> Any:
    import redis.asyncio as redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return redis.from_url(
        url,
        socket_connect_timeout=timeout_s,
        socket_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
    )
