"""The one body limit: counted as it arrives, and a client that stops sending is refused."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from gateway.web import body as body_module
from gateway.web.body import BodyTimeout, BodyTooLarge, read_body
from tests.support import member_token, put_member, put_org


def _receiver(chunks: list[bytes], stall_after: int | None = None) -> Any:
    sent = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if stall_after is not None and sent >= stall_after:
            await asyncio.sleep(3600)
        chunk = chunks[sent]
        sent += 1
        return {"type": "http.request", "body": chunk, "more_body": sent < len(chunks)}

    return receive


async def test_a_whole_body_is_read() -> None:
    assert await read_body(_receiver([b"ab", b"cd"]), limit=10) == b"abcd"


async def test_a_body_over_the_limit_is_refused_as_it_arrives() -> None:
    with pytest.raises(BodyTooLarge):
        await read_body(_receiver([b"x" * 6, b"x" * 6]), limit=10)
    with pytest.raises(BodyTooLarge):
        await read_body(_receiver([b""]), limit=10, declared="11")


async def test_a_client_that_stops_sending_is_refused_in_bounded_time() -> None:
    started = asyncio.get_running_loop().time()
    with pytest.raises(BodyTimeout):
        await read_body(_receiver([b"{", b"}"], stall_after=1), limit=100, chunk_timeout=0.2)
    assert asyncio.get_running_loop().time() - started < 2


async def _post_stalled(app: Any, path: str, authorization: str) -> int:
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/json"),
            (b"authorization", authorization.encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("gateway.test", 80),
    }
    await asyncio.wait_for(app(scope, _receiver([b"{", b"}"], stall_after=1), send), 5)
    start = next(m for m in messages if m["type"] == "http.response.start")
    return int(start["status"])


async def test_graphql_and_v1_answer_408_to_a_stalled_body(
    app: Any, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    monkeypatch.setattr(body_module, "CHUNK_TIMEOUT_S", 0.2)
    member = f"Bearer {member_token('acme', 'm1')}"
    assert await _post_stalled(app, "/graphql", member) == 408
    assert await _post_stalled(app, "/v1/ingest/ai-calls", "Bearer test-service-token") == 408
    # An unknown credential is refused before any body is read.
    assert await _post_stalled(app, "/graphql", "Bearer nope") == 401


async def test_headers_over_16_kib_are_refused_before_any_route(client: httpx.AsyncClient) -> None:
    huge = {"X-Padding": "x" * (17 * 1024)}
    response = await client.get("/healthz", headers=huge)
    assert response.status_code == 431
    assert response.json()["error"]["code"] == "BAD_USER_INPUT"
    assert (await client.get("/healthz", headers={"X-Padding": "x" * 1024})).status_code == 200
