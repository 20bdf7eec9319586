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
        # Shielded: a reader cancelled (a sibling field's error, a plan falling back to the
        # general executor) leaves the shared read running for the others.
        result: T = await asyncio.shield(self._tasks[key])
        return result
