"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.types import Info as StrawberryInfo

from gateway.auth import Caller
from gateway.clock import Clock
from gateway.cursors import CursorCodec
from gateway.db import Database
from gateway.ratelimit import RateLimiter
from loaders import Loaders
from resolvers.memo import RequestMemo


@dataclass
class Context:
    caller: Caller
    db: Database
    clock: Clock
    loaders: Loaders
    request_id: str
    cursors: CursorCodec
    rate_limiter: RateLimiter
    memo: RequestMemo = field(default_factory=RequestMemo)


Info = StrawberryInfo[Context, None]
