"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from strawberry.types import Info as StrawberryInfo

from gateway.clock import Clock
from gateway.core.cursors import CursorCodec
from gateway.core.memo import RequestMemo
from gateway.loaders import Loaders
from gateway.orgs.credentials import Caller

if TYPE_CHECKING:
    from gateway.storage.db import Database


class Budget(Protocol):
    """Where query cost is spent: the web shell's rate limiter."""

    async def take(self, credential: str, points: int) -> bool: ...


@dataclass
class Context:
    caller: Caller
    db: Database
    clock: Clock
    loaders: Loaders
    request_id: str
    cursors: CursorCodec
    rate_limiter: Budget
    memo: RequestMemo = field(default_factory=RequestMemo)


Info = StrawberryInfo[Context, None]
