"""One dataloader class for every "records by id" lookup: one statement per batch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, Protocol, TypeVar

from aiodataloader import DataLoader


class HasId(Protocol):
    @property
    def id(self) -> str: ...


RecordT = TypeVar("RecordT", bound=HasId)


class RecordLoader(DataLoader[str, RecordT | None], Generic[RecordT]):
    """Loads records by id through ``fetch(ids)``, which returns the ones that exist."""

    def __init__(self, fetch: Callable[[list[str]], Awaitable[Sequence[RecordT]]]) -> None:
        super().__init__()
        self._fetch = fetch

    async def batch_load_fn(self, keys: Sequence[str]) -> list[RecordT | None]:
        found = {record.id: record for record in await self._fetch(sorted(set(keys)))}
        return [found.get(key) for key in keys]

    def prime_record(self, record: RecordT) -> None:
        self.prime(record.id, record)
