"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strawberry.types import Info as StrawberryInfo

from gateway.clock import Clock
from gateway.core.cursors import CursorCodec
from gateway.core.memo import RequestMemo
from gateway.loaders import Loaders
from gateway.orgs.credentials import Caller
from gateway.resolvers.charge import Charge

if TYPE_CHECKING:
    from gateway.storage.db import Database


@dataclass
class Context:
    caller: Caller
    db: Database
    clock: Clock
    loaders: Loaders
    request_id: str
    cursors: CursorCodec
    charge: Charge
    memo: RequestMemo = field(default_factory=RequestMemo)


Info = StrawberryInfo[Context, None]
