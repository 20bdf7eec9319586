"""Persisted queries: the Apollo APQ protocol, and the trusted documents registered at start-up.

A request may carry ``extensions.persistedQuery = {version: 1, sha256Hash}``. Without a query,
the hash names a document registered before (PERSISTED_QUERY_NOT_FOUND when it is unknown: the
client then sends it again with the query); with one, the query must hash to it and is
registered. Registered documents live in this process (bounded) and, with Redis, for a day in
Redis so every replica knows them; a Redis that is away only means more misses.

With ``trusted_only``, member tokens run only the trusted documents; API keys keep full GraphQL.
An embed token runs only the trusted documents it lists (FORBIDDEN for any other), always.
The hash may be named ``sha256:<hex>``, as client-preset's persisted documents are.
A client's rewrite of a trusted document (its cache's ``__typename`` fields, its printer's
layout) is trusted too: its hash is remembered, so the client's hash-only requests find it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections import OrderedDict
from typing import Any

from gateway.core.errors import ErrorCode
from gateway.orgs.credentials import Caller, CredentialKind
from gateway.web.graphql_request import GraphQLParams, Refusal
from gateway.web.ratelimit import REDIS_FAULTS
from gateway.web.redis_client import redis_client
from resolvers.documents import canonical
from resolvers.documents.embeddable import canonical_digest
from resolvers.documents.manifest import digest_of

log = logging.getLogger("gateway.persisted")

REDIS_PREFIX = "gateway:apq:"
REDIS_TTL_S = 24 * 3600
# Hashes of clients' rewrites of the trusted documents: a few per client library and version.
MAX_REWRITES = 256


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class PersistedQueries:
    def __init__(
        self,
        trusted: dict[str, str],
        *,
        trusted_only: bool = False,
        redis_url: str | None = None,
        timeout_s: float = 0.5,
        max_bytes: int = 4 << 20,
    ) -> None:
        self.trusted = trusted
        self.trusted_only = trusted_only
        self._trusted_forms = {canonical(query) for query in trusted.values()} - {None}
        self._rewrites: OrderedDict[str, str] = OrderedDict()
        # Trusted documents' texts to the digests embed tokens list them by.
        self._embed_digests: OrderedDict[str, str | None] = OrderedDict()
        self.max_bytes = max_bytes
        self._bytes = 0
        self._memory: OrderedDict[str, str] = OrderedDict()
        self._redis: Any = None
        if redis_url:
            self._redis = redis_client(redis_url, timeout_s)

    async def get(self, digest: str) -> str | None:
        if digest in self.trusted:
            return self.trusted[digest]
        if digest in self._memory:
            self._memory.move_to_end(digest)
            return self._memory[digest]
        if self._redis is not None:
            with contextlib.suppress(*REDIS_FAULTS):
                found = await self._redis.get(REDIS_PREFIX + digest)
                if found is not None:
                    query: str = found.decode()
                    self._remember(digest, query)
                    return query
        return None

    async def put(self, digest: str, query: str) -> None:
        if digest in self.trusted or digest in self._memory:
            return
        self._remember(digest, query)
        if self._redis is not None:
            with contextlib.suppress(*REDIS_FAULTS):
                await self._redis.set(REDIS_PREFIX + digest, query, ex=REDIS_TTL_S)

    def _remember(self, digest: str, query: str) -> None:
        self._memory[digest] = query
        self._bytes += len(query)
        while self._bytes > self.max_bytes:
            _, evicted = self._memory.popitem(last=False)
            self._bytes -= len(evicted)

    async def close(self) -> None:
        if self._redis is not None:
            with contextlib.suppress(*REDIS_FAULTS):
                await self._redis.aclose()

    def _restricted(self, caller: Caller) -> bool:
        if caller.kind is CredentialKind.EMBED:
            return True
        return self.trusted_only and caller.kind is CredentialKind.MEMBER

    async def document(self, params: GraphQLParams, caller: Caller) -> str:
        """The document this request runs; :class:`Refusal` when there is none it may run."""
        query = params.query
        persisted = (params.extensions or {}).get("persistedQuery")
        restricted = self._restricted(caller)
        if persisted is not None:
            digest = _digest(persisted)
            if query is None:
                found = self._trusted(digest) if restricted else await self.get(digest)
                if found is None:
                    raise Refusal(
                        "PersistedQueryNotFound",
                        ErrorCode.PERSISTED_QUERY_NOT_FOUND,
                        request_error=True,
                    )
                self._check_embed(found, caller)
                return found
            if sha256(query) != digest:
                raise Refusal("provided sha does not match query", request_error=True)
            if not restricted:
                await self.put(digest, query)
        if query is None:
            raise Refusal("no GraphQL query found in the request")
        if restricted and not self._trusts(query):
            raise Refusal(
                "this credential may only run the registered documents",
                ErrorCode.FORBIDDEN,
                request_error=True,
            )
        self._check_embed(query, caller)
        return query

    def _check_embed(self, query: str, caller: Caller) -> None:
        if caller.documents is not None and self._embed_digest(query) not in caller.documents:
            raise Refusal(
                "this embed token may only run the documents it was created for",
                ErrorCode.FORBIDDEN,
                request_error=True,
            )

    def _embed_digest(self, query: str) -> str | None:
        """The digest embed tokens list ``query`` by (a trusted document's text: bounded)."""
        if query in self._embed_digests:
            return self._embed_digests[query]
        digest = self._embed_digests[query] = canonical_digest(query)
        if len(self._embed_digests) > MAX_REWRITES + len(self.trusted):
            self._embed_digests.popitem(last=False)
        return digest

    def _trusted(self, digest: str) -> str | None:
        return self.trusted.get(digest) or self._rewrites.get(digest)

    def _trusts(self, query: str) -> bool:
        digest = sha256(query)
        if self._trusted(digest) is not None:
            return True
        if canonical(query) not in self._trusted_forms:
            return False
        self._rewrites[digest] = query
        if len(self._rewrites) > MAX_REWRITES:
            self._rewrites.popitem(last=False)
        return True


def _digest(persisted: Any) -> str:
    if (
        not isinstance(persisted, dict)
        or persisted.get("version") != 1
        or not isinstance(persisted.get("sha256Hash"), str)
    ):
        raise Refusal(
            "extensions.persistedQuery must be {version: 1, sha256Hash: <hex or sha256:<hex>>}",
            request_error=True,
        )
    # GraphQL Code Generator's client-preset names its documents "sha256:<hex>" and its
    # clients send that id as it is; APQ clients send the bare hex.
    return digest_of(persisted["sha256Hash"])
