"""The organization's API keys and embed tokens (keys:manage)."""

from __future__ import annotations

from gateway.orgs import service as org_service
from resolvers.context import Info
from resolvers.keys.types import ApiKey, EmbedToken


async def api_keys(info: Info, org_id: str) -> list[ApiKey]:
    rows = await org_service.api_keys(info.context.db, org_id)
    return [ApiKey.from_record(row) for row in rows]


async def embed_tokens(info: Info, org_id: str) -> list[EmbedToken]:
    rows = await org_service.embed_tokens(info.context.db, org_id, now=info.context.clock())
    return [EmbedToken.from_record(row) for row in rows]
