"""What every ``/v1`` route shares: the caller it takes, bounded bodies, strict parsing."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request

from gateway.core.errors import ErrorCode, InvalidInput, Problem
from gateway.core.validation import IDENT_PATTERN, problems_of
from gateway.orgs.credentials import Caller, CredentialKind
from gateway.orgs.enums import Permission
from gateway.web.authentication import credential_of, reader
from gateway.web.body import MIB, BodyTimeout, BodyTooLarge, read_body
from gateway.web.errors import ApiError
from gateway.web.state import AppState

BodyT = TypeVar("BodyT", bound=BaseModel)


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.gateway
    return state


def require_service_token(request: Request) -> AppState:
    """The write routes take the service token and nothing else."""
    credential = credential_of(request)
    if not isinstance(credential, Caller) or credential.kind is not CredentialKind.SERVICE:
        if isinstance(credential, Caller):
            message = "the /v1 write routes take the service token"
        else:
            message = credential.reason
        raise ApiError(401, ErrorCode.UNAUTHENTICATED, message)
    return app_state(request)


def require_reader(request: Request, permission: Permission) -> Caller:
    """A member or an API key holding ``permission``."""
    caller = reader(credential_of(request))
    if not isinstance(caller, Caller):
        raise ApiError(401, ErrorCode.UNAUTHENTICATED, caller.reason)
    if caller.kind is CredentialKind.EMBED:
        raise ApiError(403, ErrorCode.FORBIDDEN, "an embed token runs only its GraphQL documents")
    if not caller.can(permission):
        raise ApiError(
            403, ErrorCode.FORBIDDEN, f"this export needs the {permission.value!r} permission"
        )
    return caller


async def read_json(request: Request, *, limit: int) -> Any:
    try:
        raw = await read_body(
            request.receive, limit=limit, declared=request.headers.get("content-length")
        )
    except BodyTimeout as exc:
        raise ApiError(408, ErrorCode.BAD_USER_INPUT, str(exc)) from None
    except BodyTooLarge as exc:
        raise ApiError(413, ErrorCode.PAYLOAD_TOO_LARGE, str(exc)) from None
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
        raise InvalidInput(problems_of(exc.errors()), batch=False) from None


async def parse_batch(
    request: Request, adapter: TypeAdapter[list[BodyT]], *, limit: int
) -> list[BodyT]:
    """A batch is ``{"events": [...]}`` or a bare list; problems carry their index."""
    data = await read_json(request, limit=limit)
    if isinstance(data, dict) and set(data) == {"events"}:
        data = data["events"]
    if not isinstance(data, list):
        raise InvalidInput([Problem("events", "expected a list of events")], batch=True)
    if not data:
        raise InvalidInput([Problem("events", "the batch is empty")], batch=True)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise InvalidInput(problems_of(exc.errors(), batch=True), batch=True) from None


def path_id(request: Request, name: str) -> str:
    value = str(request.path_params[name])
    if not IDENT_PATTERN.match(value):
        raise ApiError(
            400,
            ErrorCode.BAD_USER_INPUT,
            f"{name} is not a valid id",
            errors=[{"field": name, "message": "use letters, digits and . _ : @ -"}],
        )
    return value
