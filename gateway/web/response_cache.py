"""The exact response cache of ``/graphql``, and ETags for GET requests.

Before a document runs, ``lookup`` works out its key (``gateway.web.answer_key``); a stored
answer is then served as it was, after charging the caller's bucket what running it would cost
(its requested cost, settled to the actual cost it had), so ``extensions.cost`` and the
``RateLimit`` headers stay truthful. After a fresh run, ``keep`` stores a successful, error-free
answer under the key. GET answers carry an ``ETag`` from the same key; ``If-None-Match`` with it
answers 304 without a body.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import strawberry
from starlette.requests import Request
from starlette.responses import Response

from gateway.clock import Clock
from gateway.config import Settings
from gateway.core.errors import ErrorCode
from gateway.core.requestinfo import note_error_codes, note_graphql
from gateway.orgs.credentials import Caller
from gateway.web.answer_key import DocumentTraits, answer_key, traits
from gateway.web.answer_store import AnswerStore
from gateway.web.graphql_request import GraphQLParams
from gateway.web.ratelimit import rate_limit_headers
from resolvers.charge import Charge
from resolvers.limits import rate_limited

# GET answers may be kept by the browser, but only for this caller and only after asking again.
CACHE_CONTROL = "private, no-cache"


@dataclass(frozen=True)
class Lookup:
    """What ``lookup`` found: the answer to send, or what to key a fresh one by."""

    key: str | None = None
    response: Response | None = None
    # A document the schema has not validated yet is keyed after it ran (never parsed twice).
    later: tuple[Caller, str, GraphQLParams, datetime] | None = None

    @property
    def etag(self) -> str:
        return f'"{self.key[:40]}"' if self.key else ""


NOT_CACHED = Lookup()


def _encode(requested: int, actual: int, data: bytes) -> bytes:
    return b"%d %d\n" % (requested, actual) + data


def _decode(value: bytes) -> tuple[int, int, bytes]:
    head, _, data = value.partition(b"\n")
    requested, actual = head.split()
    return int(requested), int(actual), data


def _matches(request: Request, etag: str) -> bool:
    wanted = request.headers.get("if-none-match")
    if not wanted:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
    return etag in tags or "*" in tags


class ResponseCache:
    def __init__(self, settings: Settings, clock: Clock, schema: strawberry.Schema) -> None:
        self.enabled = settings.response_cache_bytes > 0
        self._clock = clock
        # Answers of another schema (another release sharing Redis) are never served.
        self._schema_tag = hashlib.sha256(schema.as_str().encode()).hexdigest()[:16]
        self.store = AnswerStore(
            settings.response_cache_bytes,
            redis_url=settings.redis_url if self.enabled else None,
            ttl_s=settings.response_cache_ttl_s,
            timeout_s=settings.redis_timeout_s,
            retry_s=settings.redis_retry_s,
        )
        self.hits = 0
        self.stored = 0

    async def lookup(
        self, request: Request, caller: Caller, query: str, params: GraphQLParams, charge: Charge
    ) -> Lookup:
        if not self.enabled:
            return NOT_CACHED
        now = self._clock()
        document = traits(query)
        if document is None:
            return Lookup(later=(caller, query, params, now))
        key = self._key(document, caller, params, now)
        if key is None:
            return NOT_CACHED
        found = await self.store.get(key)
        if found is None:
            return Lookup(key)
        requested, actual, data = _decode(found)
        charge.requested = requested
        note_graphql(params.operation_name, requested)
        media = _media(request)
        extra = requested - charge.charged
        if extra > 0 and not await charge.take(extra):
            note_error_codes([ErrorCode.RATE_LIMITED.value])
            body = {
                "errors": [rate_limited(charge.retry_after).formatted],
                "extensions": {"cost": charge.report()},
            }
            return Lookup(key, _response(orjson.dumps(body), 429, charge, media))
        charge.executed = True
        charge.actual = actual
        await charge.settle(actual)
        self.hits += 1
        extensions = orjson.dumps({"cost": charge.report()})
        answer = b'{"data":' + data + b',"extensions":' + extensions + b"}"
        return Lookup(
            key, self._tagged(request, Lookup(key), _response(answer, 200, charge, media))
        )

    async def keep(
        self,
        lookup: Lookup,
        request: Request,
        answer: dict[str, Any],
        charge: Charge,
        response: Response,
    ) -> Response:
        """Store a fresh answer that may be served again; the response, tagged for GET."""
        if lookup.later is not None and response.status_code == 200:
            caller, query, params, now = lookup.later
            document = traits(query)
            if document is not None:
                lookup = Lookup(self._key(document, caller, params, now))
        if (
            lookup.key is None
            or response.status_code != 200
            or answer.get("errors")
            or answer.get("data") is None
            or charge.limited
            or charge.requested is None
            or charge.actual is None
        ):
            return response
        data = orjson.dumps(answer["data"], default=str)
        await self.store.put(lookup.key, _encode(charge.requested, charge.actual, data))
        self.stored += 1
        return self._tagged(request, lookup, response)

    def _key(
        self, document: DocumentTraits, caller: Caller, params: GraphQLParams, now: datetime
    ) -> str | None:
        if not document.cacheable:
            return None
        return answer_key(
            schema_tag=self._schema_tag,
            document=document,
            variables=params.variables,
            operation_name=params.operation_name,
            caller=caller,
            now=now,
        )

    def _tagged(self, request: Request, lookup: Lookup, response: Response) -> Response:
        if request.method != "GET":
            return response
        # The tag depends on who asks: a shared browser must not answer one caller's
        # revalidation with another's copy.
        headers = {"ETag": lookup.etag, "Cache-Control": CACHE_CONTROL, "Vary": "Authorization"}
        if _matches(request, lookup.etag):
            kept = {
                name: value
                for name, value in response.headers.items()
                if name.lower().startswith("ratelimit")
            }
            return Response(status_code=304, headers={**kept, **headers})
        response.headers.update(headers)
        return response

    async def close(self) -> None:
        await self.store.close()


def _media(request: Request) -> str:
    graphql_response = "application/graphql-response+json"
    return (
        graphql_response
        if graphql_response in request.headers.get("accept", "")
        else "application/json"
    )


def _response(body: bytes, status: int, charge: Charge, media: str) -> Response:
    return Response(
        body, status_code=status, headers=rate_limit_headers(charge.throttle), media_type=media
    )
