"""HTTP error answers: one JSON body shape, and the domain's errors mapped to their status."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.core.errors import Conflict, DomainError, ErrorCode, InvalidInput, NotFound
from gateway.web.responses import JSONResponse


class ApiError(Exception):
    """An error a route answers with: a status, a code and the fields at fault."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []
        self.headers = headers

    def response(self) -> Response:
        body: dict[str, Any] = {"error": {"code": self.code.value, "message": self.message}}
        if self.errors:
            body["error"]["errors"] = self.errors
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def from_domain(error: DomainError) -> ApiError:
    """404 for a missing thing, 409 for a conflict, 422 for invalid input."""
    batch = isinstance(error, InvalidInput | Conflict) and error.batch
    errors = [problem.as_json(batch=batch) for problem in error.problems]
    if isinstance(error, NotFound):
        return ApiError(404, ErrorCode.NOT_FOUND, error.message, errors=errors)
    if isinstance(error, Conflict):
        return ApiError(409, ErrorCode.CONFLICT, error.message, errors=errors)
    return ApiError(422, ErrorCode.BAD_USER_INPUT, error.message, errors=errors)


async def api_error_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def domain_error_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return from_domain(exc).response()
