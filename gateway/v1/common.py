"""What every ``/v1`` route shares: the service token, bounded bodies, strict parsing."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request

from gateway.auth import AuthError, bearer_token, is_service_token
from gateway.errors import ApiError, ErrorCode, unprocessable
from gateway.schemas import error_list
from gateway.state import AppState

MIB = 1024 * 1024
BodyT = TypeVar("BodyT", bound=BaseModel)


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.gateway
    return state


def require_service_token(request: Request) -> AppState:
    state = app_state(request)
    try:
        token = bearer_token(request.headers.get("authorization"))
    except AuthError as exc:
        raise ApiError(401, ErrorCode.UNAUTHENTICATED, str(exc)) from None
    if not is_service_token(state.settings, token):
        raise ApiError(
            401, ErrorCode.UNAUTHENTICATED, "the /v1 write routes take the service token"
        )
    request.state.credential = "service"  # for the access log
    return state


async def read_body(request: Request, *, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413, ErrorCode.PAYLOAD_TOO_LARGE, f"the request body is larger than {limit // MIB} MiB"
    )


async def read_json(request: Request, *, limit: int) -> Any:
    raw = await read_body(request, limit=limit)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(
            400,
            ErrorCode.BAD_USER_INPUT,
            "the body is not valid JSON",
            errors=[{"field": None, "message": str(exc)}],
        ) from None


async def parse(request: Request, model: type[BodyT], *, limit: int = MIB) -> BodyT:
    data = await read_json(request, limit=limit)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise unprocessable(error_list(exc.errors())) from None


async def parse_batch(
    request: Request, adapter: TypeAdapter[list[BodyT]], *, limit: int
) -> list[BodyT]:
    """A batch is ``{"events": [...]}`` or a bare list; problems carry their index."""
    data = await read_json(request, limit=limit)
    if isinstance(data, dict) and set(data) == {"events"}:
        data = data["events"]
    if not isinstance(data, list):
        raise unprocessable(
            [{"index": None, "field": "events", "message": "expected a list of events"}]
        )
    if not data:
        raise unprocessable([{"index": None, "field": "events", "message": "the batch is empty"}])
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise unprocessable(error_list(exc.errors(), batch=True)) from None


def path_id(request: Request, name: str) -> str:
    value = str(request.path_params[name])
    if (
        not value
        or len(value) > 64
        or not value.replace("-", "")
        .replace("_", "")
        .replace(".", "")
        .replace(":", "")
        .replace("@", "")
        .isalnum()
    ):
        raise ApiError(
            400,
            ErrorCode.BAD_USER_INPUT,
            f"{name} is not a valid id",
            errors=[{"field": name, "message": "use letters, digits and . _ : @ -"}],
        )
    return value
