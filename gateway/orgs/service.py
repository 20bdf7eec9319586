"""What the entrances call for organizations, members, API keys and embed tokens.

The writes of credentials (``create_api_key``, ``revoke_api_key``, ``create_embed_token``,
``revoke_embed_token``) all take the caller that acts (the service for ``/v1``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import changes as audit
from gateway.audit.records import SERVICE_ACTOR, Actor, actor_of
from gateway.core.errors import InvalidInput, NotFound, Problem
from gateway.core.memo import RequestMemo
from gateway.orgs import api_key_queries, embed_queries, member_queries
from gateway.orgs import queries as org_queries
from gateway.orgs.credentials import (
    SERVICE_CALLER,
    Caller,
    hash_api_key,
    new_api_key,
    new_embed_token,
)
from gateway.orgs.grants import MAX_EMBED_DOCUMENTS, beyond, embed_permissions, embed_ttl_problem
from gateway.orgs.inputs import ApiKeyIn, MemberIn
from gateway.orgs.plans import plan_on
from gateway.orgs.records import (
    ApiKeyRecord,
    EmbedTokenRecord,
    MemberRecord,
    OrgRecord,
    PlanRecord,
)
from gateway.storage.db import Database
from gateway.storage.versions import move_versions


async def require_org(conn: AsyncConnection, org_id: str) -> OrgRecord:
    org = await org_queries.get_org(conn, org_id=org_id)
    if org is None:
        raise NotFound("organization", org_id, "orgId")
    return org


async def put_member(
    db: Database,
    org_id: str,
    member_id: str,
    body: MemberIn,
    *,
    now: datetime,
    actor: Actor = SERVICE_ACTOR,
) -> bool:
    """Create or update a member (a removed one comes back); True when it is new."""
    async with db.write() as conn:
        await require_org(conn, org_id)
        known = await member_queries.members_by_ids(conn, org_id=org_id, ids=[member_id])
        await member_queries.upsert_member(
            conn,
            org_id=org_id,
            member_id=member_id,
            name=body.name,
            email=body.email,
            role=body.role.value,
            now=now,
        )
        await audit.member_put(
            conn,
            org_id=org_id,
            member_id=member_id,
            before=known[0] if known else None,
            values=body.model_dump(),
            actor=actor,
            at=now,
        )
        await move_versions(conn, [org_id])
    return not known


async def remove_member(
    db: Database, org_id: str, member_id: str, *, now: datetime, actor: Actor = SERVICE_ACTOR
) -> None:
    """Flag a member removed; their calls stay, as "Unknown user"."""
    async with db.write() as conn:
        await require_org(conn, org_id)
        before = await member_queries.members_by_ids(conn, org_id=org_id, ids=[member_id])
        removed = await member_queries.remove_member(
            conn, org_id=org_id, member_id=member_id, now=now
        )
        await audit.member_removed(
            conn, org_id=org_id, before=before[0] if before else None, actor=actor, at=now
        )
        await move_versions(conn, [org_id] if removed else [])
    if not removed:
        raise NotFound("member", member_id, "memberId")


@dataclass(frozen=True)
class CreatedApiKey:
    id: str
    name: str
    permissions: list[str]
    secret: str
    created_at: datetime
    expires_at: datetime | None = None
    created_by: str = "service"


async def create_api_key(
    db: Database, org_id: str, body: ApiKeyIn, *, now: datetime, by: Caller = SERVICE_CALLER
) -> CreatedApiKey:
    """A new key bound to the organization; only its hash is stored, the secret shown once.
    It never holds a permission ``by`` lacks, and expires in the future or never."""
    missing = beyond(by.limits, body.permissions)
    if missing:
        raise InvalidInput.one(
            "permissions", f"a key cannot hold permissions its creator lacks: {missing}"
        )
    if body.expires_at is not None and body.expires_at <= now:
        raise InvalidInput.one("expiresAt", "must be in the future")
    key_id, secret = new_api_key()
    async with db.write() as conn:
        await require_org(conn, org_id)
        await api_key_queries.insert_api_key(
            conn,
            org_id=org_id,
            key_id=key_id,
            name=body.name,
            key_hash=hash_api_key(secret),
            permissions=body.permissions,
            now=now,
            created_by=by.actor,
            expires_at=body.expires_at,
        )
        await audit.api_key_created(
            conn,
            org_id=org_id,
            key_id=key_id,
            name=body.name,
            permissions=body.permissions,
            actor=actor_of(by),
            at=now,
            expires_at=body.expires_at,
        )
    permissions = sorted(set(body.permissions))
    return CreatedApiKey(key_id, body.name, permissions, secret, now, body.expires_at, by.actor)


async def revoke_api_key(
    db: Database, org_id: str, key_id: str, *, now: datetime, by: Caller = SERVICE_CALLER
) -> None:
    """Revoke an active key of the organization (another organization's id is not found)."""
    async with db.write() as conn:
        await require_org(conn, org_id)
        revoked = await api_key_queries.revoke_api_key(conn, org_id=org_id, key_id=key_id, now=now)
        if revoked:
            await audit.credential_revoked(
                conn,
                org_id=org_id,
                target_type=audit.API_KEY,
                target_id=key_id,
                actor=actor_of(by),
                at=now,
            )
    if not revoked:
        raise NotFound("active API key", key_id, "keyId")


async def api_keys(db: Database, org_id: str, *, limit: int = 100) -> list[ApiKeyRecord]:
    """The organization's newest keys (revoked and expired ones included), newest first."""
    async with db.read() as conn:
        return await api_key_queries.list_api_keys(conn, org_id=org_id, limit=limit)


async def api_key(db: Database, org_id: str, key_id: str) -> ApiKeyRecord | None:
    async with db.read() as conn:
        return await api_key_queries.get_api_key(conn, org_id=org_id, key_id=key_id)


@dataclass(frozen=True)
class CreatedEmbedToken:
    token: EmbedTokenRecord
    secret: str


# A document's id (a trusted document's operation name or its SHA-256) to the digest of its
# canonical form; None when no trusted document has that id.
DocumentResolver = Callable[[str], str | None]


async def create_embed_token(
    db: Database,
    by: Caller,
    documents: list[str],
    ttl_seconds: int,
    *,
    now: datetime,
    resolve: DocumentResolver,
) -> CreatedEmbedToken:
    """A read-only token of ``by``'s organization that runs only ``documents``, until
    ``ttl_seconds`` from now (at most a day); its permissions are ``by``'s read permissions."""
    if (problem := embed_ttl_problem(ttl_seconds)) is not None:
        raise InvalidInput.one("ttlSeconds", problem)
    names = list(dict.fromkeys(d.strip() for d in documents))
    if not names or len(names) > MAX_EMBED_DOCUMENTS:
        raise InvalidInput.one("documents", f"list 1 to {MAX_EMBED_DOCUMENTS} documents")
    digests: list[str] = []
    unknown: list[Problem] = []
    for index, name in enumerate(names):
        digest = resolve(name)
        if digest is None:
            unknown.append(Problem(f"documents.{index}", f"no trusted document {name!r}"))
        else:
            digests.append(digest)
    if unknown:
        raise InvalidInput(unknown, unknown[0].message, batch=False)
    permissions = embed_permissions(by.limits)
    if not permissions:
        raise InvalidInput.one("documents", "the creator holds no read permission to pass on")
    token_id, secret = new_embed_token()
    expires_at = now + timedelta(seconds=ttl_seconds)
    async with db.write() as conn:
        await require_org(conn, by.org_id)
        await embed_queries.insert_embed_token(
            conn,
            org_id=by.org_id,
            token_id=token_id,
            token_hash=hash_api_key(secret),
            documents=names,
            document_digests=digests,
            permissions=permissions,
            created_by=by.actor,
            now=now,
            expires_at=expires_at,
        )
        await audit.embed_token_created(
            conn,
            org_id=by.org_id,
            token_id=token_id,
            documents=names,
            permissions=permissions,
            expires_at=expires_at,
            actor=actor_of(by),
            at=now,
        )
    token = EmbedTokenRecord(
        org_id=by.org_id,
        id=token_id,
        documents=" ".join(names),
        document_digests=" ".join(sorted(set(digests))),
        permissions=" ".join(permissions),
        created_by=by.actor,
        created_at=now,
        expires_at=expires_at,
        revoked_at=None,
    )
    return CreatedEmbedToken(token, secret)


async def revoke_embed_token(db: Database, by: Caller, token_id: str, *, now: datetime) -> None:
    """Revoke an embed token of ``by``'s organization (another organization's is not found)."""
    async with db.write() as conn:
        revoked = await embed_queries.revoke_embed_token(
            conn, org_id=by.org_id, token_id=token_id, now=now
        )
        if revoked:
            await audit.credential_revoked(
                conn,
                org_id=by.org_id,
                target_type=audit.EMBED_TOKEN,
                target_id=token_id,
                actor=actor_of(by),
                at=now,
            )
    if not revoked:
        raise NotFound("active embed token", token_id, "id")


async def embed_tokens(
    db: Database, org_id: str, *, now: datetime, limit: int = 100
) -> list[EmbedTokenRecord]:
    """The organization's tokens not yet expired (revoked ones included), newest first."""
    async with db.read() as conn:
        return await embed_queries.list_embed_tokens(conn, org_id=org_id, since=now, limit=limit)


async def embed_token(db: Database, org_id: str, token_id: str) -> EmbedTokenRecord | None:
    async with db.read() as conn:
        return await embed_queries.get_embed_token(conn, org_id=org_id, token_id=token_id)


async def organizations(db: Database, org_ids: Sequence[str]) -> list[OrgRecord]:
    return await db.run(org_queries.orgs_by_ids, ids=org_ids)


async def organization(db: Database, org_id: str) -> OrgRecord | None:
    return await db.run(org_queries.get_org, org_id=org_id)


async def plan_in_force(
    db: Database, org_id: str, on: date, memo: RequestMemo | None = None
) -> PlanRecord | None:
    """The plan in force on local day ``on``; from the request's plan history when a memo is
    given (one statement for every reader of the request)."""
    if memo is None:
        return await db.run(org_queries.plan_in_force, org_id=org_id, on=on)
    return plan_on(await plan_history(db, org_id, memo), on)


async def plan_history(db: Database, org_id: str, memo: RequestMemo) -> list[PlanRecord]:
    """The organization's plan versions by ``effective_from``, read once per request."""
    return await memo.get(
        ("plan_history", org_id), lambda: db.run(org_queries.plan_history, org_id=org_id)
    )


async def members_by_ids(db: Database, org_id: str, ids: Iterable[str]) -> list[MemberRecord]:
    return await db.run(member_queries.members_by_ids, org_id=org_id, ids=set(ids))
