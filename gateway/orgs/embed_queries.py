"""Embed tokens (stored as hashes only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.orgs.queries import ORG_COLUMNS, org_beside
from gateway.orgs.records import EmbedTokenRecord, OrgRecord
from gateway.storage.records import record
from gateway.storage.tables import embed_tokens, organizations
from gateway.storage.versions import DataVersions, version_columns, versions_of

_RECORD_COLUMNS = [c for c in embed_tokens.c if c.name != "token_hash"]


async def insert_embed_token(
    conn: AsyncConnection,
    *,
    org_id: str,
    token_id: str,
    token_hash: str,
    documents: list[str],
    document_digests: list[str],
    permissions: list[str],
    created_by: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        insert(embed_tokens).values(
            org_id=org_id,
            id=token_id,
            token_hash=token_hash,
            documents=" ".join(documents),
            document_digests=" ".join(sorted(set(document_digests))),
            permissions=" ".join(sorted(set(permissions))),
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
    )


_EMBED_TOKEN = (
    select(embed_tokens, *version_columns(embed_tokens.c.org_id), *ORG_COLUMNS)
    .outerjoin(organizations, organizations.c.id == embed_tokens.c.org_id)
    .where(embed_tokens.c.token_hash == bindparam("token_hash"))
)


async def find_embed_token(
    conn: AsyncConnection, *, token_hash: str
) -> tuple[EmbedTokenRecord, DataVersions, OrgRecord | None] | None:
    """The token, its organization and the organization's data versions, in one statement."""
    row = (await conn.execute(_EMBED_TOKEN, {"token_hash": token_hash})).first()
    if row is None:
        return None
    return record(EmbedTokenRecord, row), versions_of(row), org_beside(row)


async def list_embed_tokens(
    conn: AsyncConnection, *, org_id: str, since: datetime, limit: int
) -> list[EmbedTokenRecord]:
    """The organization's tokens that expire after ``since``, revoked ones included, newest
    first."""
    stmt = (
        select(*_RECORD_COLUMNS)
        .where(embed_tokens.c.org_id == org_id, embed_tokens.c.expires_at > since)
        .order_by(embed_tokens.c.created_at.desc(), embed_tokens.c.id.desc())
        .limit(limit)
    )
    return [record(EmbedTokenRecord, row) for row in await conn.execute(stmt)]


async def get_embed_token(
    conn: AsyncConnection, *, org_id: str, token_id: str
) -> EmbedTokenRecord | None:
    stmt = select(*_RECORD_COLUMNS).where(
        embed_tokens.c.org_id == org_id, embed_tokens.c.id == token_id
    )
    row = (await conn.execute(stmt)).first()
    return None if row is None else record(EmbedTokenRecord, row)


async def revoke_embed_token(
    conn: AsyncConnection, *, org_id: str, token_id: str, now: datetime
) -> bool:
    stmt = (
        update(embed_tokens)
        .where(
            embed_tokens.c.org_id == org_id,
            embed_tokens.c.id == token_id,
            embed_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return bool((await conn.execute(stmt)).rowcount)
