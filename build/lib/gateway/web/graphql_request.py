"""A GraphQL-over-HTTP request read into its parameters; every refusal is a JSON error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from gateway.core.errors import ErrorCode

MAX_NESTING = 32
# Lexing is linear but slow in pure Python: longer documents are refused before parsing.
MAX_DOCUMENT_CHARS = 32_768


@dataclass(frozen=True)
class GraphQLParams:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


class Refusal(Exception):
    """The request cannot run. ``request_error``: a GraphQL request error (200 in
    ``application/json``, 400 in ``application/graphql-response+json``); else ``status``."""

    def __init__(
        self,
        message: str,
        code: ErrorCode = ErrorCode.BAD_USER_INPUT,
        *,
        status: int = 400,
        request_error: bool = False,
        **extensions: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.request_error = request_error
        self.extensions = extensions

    def body(self) -> dict[str, Any]:
        extensions = {"code": self.code.value, **self.extensions}
        return {"errors": [{"message": self.message, "extensions": extensions}]}


def _depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests, counting no further than ``limit + 1``."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        return 1 + max((_depth(v, limit - 1) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v, limit - 1) for v in value), default=0)
    return 0


def _json(text: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise Refusal(f"{what} is not valid JSON (or nests too deeply)") from None


def _from_query_string(request: Request) -> dict[str, Any]:
    params = request.query_params
    data: dict[str, Any] = {
        "query": params.get("query"),
        "operationName": params.get("operationName"),
    }
    for name in ("variables", "extensions"):
        if params.get(name):
            data[name] = _json(params[name], f"the {name} parameter")
    return data


def read_params(request: Request, body: bytes) -> GraphQLParams:
    if request.method == "GET":
        data: Any = _from_query_string(request)
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("application/json", "application/graphql-response+json", ""):
            raise Refusal(
                f"unsupported content type {content_type!r}: send application/json", status=415
            )
        data = _json(body, "the request body")
    if isinstance(data, list):
        raise Refusal("batched requests are not supported: send one operation per request")
    if not isinstance(data, dict):
        raise Refusal("the request body must be a JSON object")
    query, variables = data.get("query"), data.get("variables")
    operation_name, extensions = data.get("operationName"), data.get("extensions")
    if not isinstance(query, str | None):
        raise Refusal("query must be a string")
    if not isinstance(operation_name, str | None):
        raise Refusal("operationName must be a string")
    for name, value in (("variables", variables), ("extensions", extensions)):
        if not isinstance(value, dict | None):
            raise Refusal(f"{name} must be an object")
        if _depth(value, MAX_NESTING) > MAX_NESTING:
            raise Refusal(f"{name} nest more than {MAX_NESTING} levels deep")
    if query is not None and len(query) > MAX_DOCUMENT_CHARS:
        raise Refusal(
            f"the document is longer than {MAX_DOCUMENT_CHARS} characters",
            ErrorCode.QUERY_TOO_COMPLEX,
            request_error=True,
        )
    return GraphQLParams(query, variables, operation_name, extensions)
