"""Who is calling: member JWTs, partner API keys, embed tokens and the service token.

API keys and embed tokens are read from the database on every request, so a revoked or expired
one is refused at once on every replica (and, refused before the response cache is asked,
never answered from it)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from gateway.clock import Clock
from gateway.config import Settings
from gateway.orgs import api_key_queries, embed_queries, member_queries
from gateway.orgs.enums import Permission, Role
from gateway.orgs.last_used import LastUsed
from gateway.orgs.records import OrgRecord
from gateway.storage.db import Database
from gateway.storage.versions import DataVersions

API_KEY_PREFIX = "ugk_"
EMBED_TOKEN_PREFIX = "uge_"
# Tolerated clock difference between the token issuer and the gateway.
CLOCK_LEEWAY_SECONDS = 60
# Member tokens whose signature is not checked again (oldest dropped first).
VERIFIED_TOKENS_KEPT = 1024


class AuthError(Exception):
    """The credential is missing or not acceptable; the message says why."""


class CredentialKind(StrEnum):
    MEMBER = "member"
    API_KEY = "api_key"
    EMBED = "embed"
    SERVICE = "service"


@dataclass(frozen=True)
class Caller:
    """The verified identity behind a request. ``org_id`` is the only tenant there is."""

    org_id: str
    permissions: frozenset[str]
    kind: CredentialKind = CredentialKind.MEMBER
    member_id: str | None = None
    role: Role | None = None
    api_key_id: str | None = None
    api_key_name: str | None = None
    embed_token_id: str | None = None
    # An embed token's documents: the digests of their canonical forms (None: any document).
    documents: frozenset[str] | None = None
    # A stable name for rate limits and logs.
    credential_id: str = field(default="")
    # The organization's data versions, read with the credential (the response cache's key).
    versions: DataVersions | None = field(default=None, compare=False)
    # The organization, read by the same statement: no second round trip before the page.
    organization: OrgRecord | None = field(default=None, compare=False)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def actor(self) -> str:
        """Who acts, as recorded beside what they create: ``member:<id>``, ``key:<id>``,
        ``embed:<id>`` or ``service``."""
        if self.member_id is not None:
            return f"member:{self.member_id}"
        if self.api_key_id is not None:
            return f"key:{self.api_key_id}"
        if self.embed_token_id is not None:
            return f"embed:{self.embed_token_id}"
        return "service"

    @property
    def limits(self) -> frozenset[str] | None:
        """The permissions a credential this caller creates may hold at most (None: any)."""
        return None if self.kind is CredentialKind.SERVICE else self.permissions


SERVICE_CALLER = Caller(
    org_id="", permissions=frozenset(), kind=CredentialKind.SERVICE, credential_id="service"
)


def credential_name(kind: str, org_id: str, ident: str) -> str:
    """A stable name for rate limits and logs; the organization's id is length-prefixed, so ids
    that contain ``:`` cannot make two credentials share a name."""
    return f"{kind}:{len(org_id)}:{org_id}:{ident}"


def hash_api_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> tuple[str, str]:
    """A fresh ``(key_id, secret)``; the secret embeds the id and is shown only once."""
    key_id = secrets.token_hex(8)
    return key_id, f"{API_KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def new_embed_token() -> tuple[str, str]:
    """A fresh ``(token_id, secret)``, stored hashed like an API key."""
    token_id = secrets.token_hex(8)
    return token_id, f"{EMBED_TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def issue_member_token(
    settings: Settings, *, org_id: str, member_id: str, now: datetime, ttl: timedelta
) -> str:
    claims = {
        "sub": member_id,
        "org": org_id,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthError("missing credentials: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("malformed Authorization header: expected 'Bearer <token>'")
    return token.strip()


def is_service_token(settings: Settings, token: str) -> bool:
    return hmac.compare_digest(token.encode(), settings.service_token.encode())


class Authenticator:
    """Turns a bearer token into a :class:`Caller` for GraphQL and the read routes."""

    def __init__(self, settings: Settings, db: Database, clock: Clock) -> None:
        self._settings = settings
        self._db = db
        self._clock = clock
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
        self.last_used = LastUsed(db)
        # Claims of HS256 tokens whose signature checked out, by the token's text.
        self._hs256_claims: dict[str, dict[str, Any]] = {}

    async def caller(self, authorization: str | None) -> Caller:
        """Whoever the ``Authorization`` header names; the service token names the service."""
        token = bearer_token(authorization)
        if is_service_token(self._settings, token):
            return SERVICE_CALLER
        if token.startswith(API_KEY_PREFIX):
            return await self._api_key_caller(token)
        if token.startswith(EMBED_TOKEN_PREFIX):
            return await self._embed_caller(token)
        return await self._member_caller(token)

    async def _api_key_caller(self, token: str) -> Caller:
        async with self._db.read() as conn:
            found = await api_key_queries.find_api_key(conn, key_hash=hash_api_key(token))
        if found is None:
            raise AuthError("unknown API key")
        row, versions, organization = found
        now = self._clock()
        refusal = row.refusal(now)
        if refusal is not None:
            raise AuthError(refusal)
        self.last_used.note(row.org_id, row.id, now=now, stored=row.last_used_at)
        return Caller(
            org_id=row.org_id,
            permissions=frozenset(row.permissions.split()),
            kind=CredentialKind.API_KEY,
            api_key_id=row.id,
            api_key_name=row.name,
            credential_id=credential_name("key", row.org_id, row.id),
            versions=versions,
            organization=organization,
        )

    async def _embed_caller(self, token: str) -> Caller:
        async with self._db.read() as conn:
            found = await embed_queries.find_embed_token(conn, token_hash=hash_api_key(token))
        if found is None:
            raise AuthError("unknown embed token")
        row, versions, organization = found
        refusal = row.refusal(self._clock())
        if refusal is not None:
            raise AuthError(refusal)
        return Caller(
            org_id=row.org_id,
            permissions=frozenset(row.permissions.split()),
            kind=CredentialKind.EMBED,
            embed_token_id=row.id,
            documents=frozenset(row.document_digests.split()),
            credential_id=credential_name("embed", row.org_id, row.id),
            versions=versions,
            organization=organization,
        )

    async def _signing_key(self, token: str) -> tuple[object, list[str]]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("malformed token") from None
        alg = header.get("alg")
        if alg == "HS256":
            return self._settings.jwt_secret, ["HS256"]
        if alg == "RS256" and self._jwks is not None:
            jwks = self._jwks
            try:
                key = await asyncio.to_thread(jwks.get_signing_key_from_jwt, token)
            except jwt.PyJWTError as exc:
                raise AuthError(f"no signing key for this token: {exc}") from None
            return key.key, ["RS256"]
        raise AuthError(f"tokens signed with {alg!r} are not accepted")

    async def _verified_claims(self, token: str) -> dict[str, Any]:
        """The token's claims once its signature and audience check out.

        An HS256 token's check depends only on its text and the configured secret, so a token
        seen before is not checked again (a client sends the same token for its whole life).
        Expiry and ``nbf`` are checked against the clock, and the member read, on every request.
        RS256 tokens are checked every time: the issuer may withdraw a key from its JWKS.
        """
        claims = self._hs256_claims.get(token)
        if claims is not None:
            return claims
        key, algorithms = await self._signing_key(token)
        try:
            claims = jwt.decode(
                token,
                key,  # type: ignore[arg-type]
                algorithms=algorithms,
                audience=self._settings.jwt_audience,
                # Expiry is checked against the gateway's clock below.
                options={
                    "require": ["exp", "sub", "org"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from None
        if algorithms == ["HS256"]:
            if len(self._hs256_claims) >= VERIFIED_TOKENS_KEPT:
                del self._hs256_claims[next(iter(self._hs256_claims))]  # the oldest
            self._hs256_claims[token] = claims
        return claims

    async def _member_caller(self, token: str) -> Caller:
        claims = await self._verified_claims(token)
        exp = claims["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float) or not math.isfinite(exp):
            # NaN compares false with everything: it would never expire.
            raise AuthError("invalid token: exp must be a finite number")
        now = self._clock().timestamp()
        if claims["exp"] <= now:
            raise AuthError("the token has expired")
        not_before = claims.get("nbf")
        if isinstance(not_before, int | float) and not math.isfinite(not_before):
            raise AuthError("invalid token: nbf must be a finite number")
        if isinstance(not_before, int | float) and not_before > now + CLOCK_LEEWAY_SECONDS:
            raise AuthError("the token is not valid yet (nbf)")
        org_id, member_id = str(claims["org"]), str(claims["sub"])
        async with self._db.read() as conn:
            found = await member_queries.get_member_with_permissions(
                conn, org_id=org_id, member_id=member_id
            )
        if found is None:
            raise AuthError("unknown member")
        member = found.member
        if member.removed:
            raise AuthError("this member has been removed from the organization")
        return Caller(
            org_id=org_id,
            permissions=found.permissions,
            member_id=member_id,
            role=member.role,
            credential_id=credential_name("member", org_id, member_id),
            versions=found.versions,
            organization=found.organization,
        )
