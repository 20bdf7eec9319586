"""A webhook receiver: a small ASGI app under uvicorn on a free loopback port, answering a
scripted list of status codes and keeping every request it got."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from tests.support import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.perf_counter)  # when it arrived


@dataclass
class Receiver:
    # Status codes to answer in turn (then 200); each may come with extra headers and a body.
    script: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    got: list[Received] = field(default_factory=list)
    hold: asyncio.Event | None = None  # when set: requests wait for it before answering
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/usage"

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.got.append(Received(scope["path"], headers, body))
        if self.hold is not None:
            await self.hold.wait()
        status, extra, answer = self.script.pop(0) if self.script else (200, {}, b"ok")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in extra.items()],
            }
        )
        await send({"type": "http.response.body", "body": answer})


@asynccontextmanager
async def running(receiver: Receiver) -> AsyncIterator[Receiver]:
    receiver.port = free_port()
    config = uvicorn.Config(
        receiver, host="127.0.0.1", port=receiver.port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn's server has no start event)
        await asyncio.sleep(0.01)
    try:
        yield receiver
    finally:
        server.should_exit = True
        if receiver.hold is not None:
            receiver.hold.set()
        await task
