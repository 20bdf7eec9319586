"""The one request-body limit: bodies are counted as they arrive, declared length or not."""

from __future__ import annotations

import asyncio

from starlette.types import Receive

MIB = 1024 * 1024
# A client that stops sending for this long holds a connection for nothing: the body is refused.
CHUNK_TIMEOUT_S = 10.0


class BodyTimeout(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"the request body did not arrive within {seconds:g} s")


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit // MIB} MiB")
        self.limit = limit


async def read_body(
    receive: Receive,
    *,
    limit: int,
    declared: str | None = None,
    chunk_timeout: float | None = None,
) -> bytes:
    """The whole body; :class:`BodyTooLarge` as soon as it passes ``limit`` bytes, and
    :class:`BodyTimeout` when the client sends nothing for ``chunk_timeout`` seconds."""
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    timeout = CHUNK_TIMEOUT_S if chunk_timeout is None else chunk_timeout
    while True:
        try:
            message = await asyncio.wait_for(receive(), timeout)
        except TimeoutError:
            raise BodyTimeout(timeout) from None
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
