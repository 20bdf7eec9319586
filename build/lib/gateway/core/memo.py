"""Results shared by the resolvers of one request: each is fetched once, by whoever asks first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class RequestMemo:
    def __init__(self) -> None:
        self._tasks: dict[Any, asyncio.Task[Any]] = {}

    async def get(self, key: Any, make: Callable[[], Awaitable[T]]) -> T:
        if key not in self._tasks:
            self._tasks[key] = asyncio.ensure_future(make())
        result: T = await self._tasks[key]
        return result
