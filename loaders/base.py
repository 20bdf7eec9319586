"""One dataloader class for every "records by id" lookup: one statement per batch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, Protocol, TypeVar

from aiodataloader import DataLoader


class HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T")
RecordT = TypeVar("RecordT", bound=HasId)


class KeyedLoader(DataLoader[str, T | None], Generic[T]):
    """Loads records through ``fetch(keys)``, which returns the ones that exist; ``key`` names
    a record's key."""

    def __init__(
        self, fetch: Callable[[list[str]], Awaitable[Sequence[T]]], key: Callable[[T], str]
    ) -> None:
        super().__init__()
        self._fetch = fetch
        self._key = key

    async def batch_load_fn(self, keys: Sequence[str]) -> list[T | None]:
        found = {self._key(record): record for record in await self._fetch(sorted(set(keys)))}
        return [found.get(key) for key in keys]

    def prime_record(self, record: T) -> None:
        self.prime(self._key(record), record)


def _id(record: HasId) -> str:
    return record.id


class RecordLoader(KeyedLoader[RecordT]):
    """Records keyed by their ``id``."""

    def __init__(self, fetch: Callable[[list[str]], Awaitable[Sequence[RecordT]]]) -> None:
        super().__init__(fetch, _id)
