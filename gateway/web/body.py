"""The one request-body limit: bodies are counted as they arrive, declared length or not."""

from __future__ import annotations

from starlette.types import Message, Receive

MIB = 1024 * 1024


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit // MIB} MiB")
        self.limit = limit


async def read_body(receive: Receive, *, limit: int, declared: str | None = None) -> bytes:
    """The whole body; :class:`BodyTooLarge` as soon as it passes ``limit`` bytes."""
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
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


def replay(body: bytes) -> Receive:
    """A ``receive`` that hands over an already read body once."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
