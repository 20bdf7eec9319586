"""Error codes of the API and the HTTP error bodies of the ``/v1`` routes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from starlette.responses import Response

from gateway.jsonresponse import JSONResponse


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class ApiError(Exception):
    """An error a ``/v1`` route answers with: a status, a code and the fields at fault."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []

    def response(self) -> Response:
        body: dict[str, Any] = {"error": {"code": self.code.value, "message": self.message}}
        if self.errors:
            body["error"]["errors"] = self.errors
        return JSONResponse(body, status_code=self.status)


def not_found(what: str, ident: str, field: str) -> ApiError:
    return ApiError(
        404,
        ErrorCode.NOT_FOUND,
        f"unknown {what} {ident!r}",
        errors=[{"field": field, "message": f"no {what} with id {ident!r}"}],
    )


def unprocessable(errors: list[dict[str, Any]]) -> ApiError:
    return ApiError(422, ErrorCode.BAD_USER_INPUT, "the request is not valid", errors=errors)
