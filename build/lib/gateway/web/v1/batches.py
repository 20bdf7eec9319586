"""Ingest batches validated straight from the request bytes.

A batch is ``{"events": [...]}`` or a bare list. pydantic parses and validates the bytes in one
pass (no intermediate Python objects per event); only a refused body is looked at again, to
answer exactly as before: bad JSON is 400, a body that is not a list of events or an empty one
is 422, and every bad event is named by its index and field.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from starlette.requests import Request

from gateway.core.errors import ErrorCode, InvalidInput, Problem
from gateway.core.validation import problems_of
from gateway.web.body import BodyTimeout, BodyTooLarge, read_body
from gateway.web.errors import ApiError

ItemT = TypeVar("ItemT", bound=BaseModel)

_NOT_A_LIST = Problem("events", "expected a list of events")
_WHITESPACE = b" \t\r\n"


class _Envelope(BaseModel, Generic[ItemT]):
    model_config = ConfigDict(extra="forbid")

    events: list[ItemT]


class BatchReader(Generic[ItemT]):
    """Reads batches of ``item`` (a pydantic model) from request bodies."""

    def __init__(self, item: type[ItemT]) -> None:
        self._list = TypeAdapter(list[item])  # type: ignore[valid-type]
        self._envelope = TypeAdapter(_Envelope[item])  # type: ignore[valid-type]

    def parse(self, raw: bytes) -> list[ItemT]:
        """The events of ``raw``, or :class:`InvalidInput` / a 400 :class:`ApiError`."""
        enveloped = raw.lstrip(_WHITESPACE)[:1] == b"{"
        try:
            if enveloped:
                events: list[ItemT] = self._envelope.validate_json(raw).events
            else:
                events = self._list.validate_json(raw)
        except ValidationError as exc:
            raise _refusal(raw, exc.errors(), enveloped=enveloped) from None
        if not events:
            raise InvalidInput([Problem("events", "the batch is empty")], batch=True)
        return events

    async def read(self, request: Request, *, limit: int) -> list[ItemT]:
        return self.parse(await read_raw(request, limit=limit))


async def read_raw(request: Request, *, limit: int) -> bytes:
    """The body, bounded (413) and not left hanging (408)."""
    try:
        return await read_body(
            request.receive, limit=limit, declared=request.headers.get("content-length")
        )
    except BodyTimeout as exc:
        raise ApiError(408, ErrorCode.BAD_USER_INPUT, str(exc)) from None
    except BodyTooLarge as exc:
        raise ApiError(413, ErrorCode.PAYLOAD_TOO_LARGE, str(exc)) from None


def _refusal(raw: bytes, errors: list[Any], *, enveloped: bool) -> Exception:
    # pydantic reads a few things that are not JSON (NaN, Infinity): judge the syntax as
    # orjson does, as every other route does, so that such a body stays a 400.
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return ApiError(
            400,
            ErrorCode.BAD_USER_INPUT,
            "the body is not valid JSON",
            errors=[{"field": None, "message": str(exc)}],
        )
    if enveloped:
        # Only ("events", index, ...) names an event; anything else is the wrong envelope.
        if any(len(e["loc"]) < 2 or e["loc"][0] != "events" for e in errors):
            return InvalidInput([_NOT_A_LIST], batch=True)
    elif any(not e["loc"] for e in errors):
        return InvalidInput([_NOT_A_LIST], batch=True)
    return InvalidInput(problems_of(errors, batch=True), batch=True)
