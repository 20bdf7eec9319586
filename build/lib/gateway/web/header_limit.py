"""Requests whose headers together pass 16 KiB are refused (431) before any route sees them."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.core.errors import ErrorCode
from gateway.web.responses import JSONResponse

MAX_HEADER_BYTES = 16 * 1024


class HeaderLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if size > self.limit:
                message = f"the request headers are larger than {self.limit // 1024} KiB"
                body = {"error": {"code": ErrorCode.BAD_USER_INPUT.value, "message": message}}
                await JSONResponse(body, status_code=431)(scope, receive, send)
                return
        await self.app(scope, receive, send)
