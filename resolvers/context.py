"""The per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strawberry.types import Info as StrawberryInfo

from gateway.alerts.delivery import Options
from gateway.clock import Clock
from gateway.core.cursors import CursorCodec
from gateway.core.memo import RequestMemo
from gateway.orgs import service as org_service
from gateway.orgs.credentials import Caller
from gateway.orgs.records import OrgRecord
from loaders import Loaders
from resolvers.charge import Charge

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
    # Where webhooks may go (https only in production; private addresses when allowed).
    webhooks: Options = field(
        default_factory=lambda: Options(production=False, allow_private=False)
    )
    # A trusted document's id to the digest embed tokens list it by (None: not trusted).
    embeddable: Callable[[str], str | None] = field(default=lambda _ident: None)
    # The key that signs bulk export download URLs, and the base of those URLs
    # (scheme://host of this request).
    bulk_url_secret: bytes = b""
    base_url: str = ""

    async def organization(self) -> OrgRecord | None:
        """The caller's organization, read once per request whoever asks first."""
        org_id = self.caller.org_id
        known = self.caller.organization
        if known is not None and known.id == org_id:
            return known  # read with the credential
        return await self.memo.get(
            ("organization", org_id), lambda: org_service.organization(self.db, org_id)
        )


Info = StrawberryInfo[Context, None]
