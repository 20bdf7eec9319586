"""The real server's sockets: header bytes bounded as they arrive, connections spread over workers."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, serving
from tests.support import free_port

SENT_HEADER_BYTES = 32 * 1024 * 1024


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def _workers(pid: int) -> list[int]:
    """The worker processes of a ``serve`` supervisor (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def _established_on(port: int) -> set[str]:
    """Socket inodes of the server side of established TCP connections on ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":
                inodes.add(fields[9])
    return inodes


def _connections_of(pid: int, inodes: set[str]) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:[") and target[8:-1] in inodes:
            count += 1
    return count


@pytest.fixture(scope="module")
def single_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("serving") / "gateway.db"
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "GATEWAY_JWT_SECRET": "serving-jwt-secret-0123456789abcdef0123456789",
        "GATEWAY_LOG_LEVEL": "warning",
    }
    with serving(env, free_port(), workers=1) as server:
        yield server


def test_megabytes_of_headers_are_refused_without_being_buffered(single_worker: Server) -> None:
    host, port = single_worker.base_url.removeprefix("http://").split(":")
    httpx.get(f"{single_worker.base_url}/healthz")  # the process has served once: warm
    before = _rss_bytes(single_worker.pid)
    line = b"X-Padding: " + b"a" * 8000 + b"\r\n"
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n")
        try:
            while sent < SENT_HEADER_BYTES:
                sock.sendall(line)
                sent += len(line)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused and closed while the head was still arriving
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    grown = _rss_bytes(single_worker.pid) - before
    # Either the 431 arrived, or the reset discarded it: both refuse without reading on.
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert sent < SENT_HEADER_BYTES  # the server stopped reading long before the end
    assert grown < 4 * 1024 * 1024, f"RSS grew by {grown:,} bytes after {sent:,} sent"
    assert httpx.get(f"{single_worker.base_url}/healthz").status_code == 200


def test_a_head_just_over_the_limit_is_answered_431(single_worker: Server) -> None:
    host, port = single_worker.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Padding: " + b"a" * 17000 + b"\r\n"
        sock.sendall(head)  # the head never ends: the refusal comes from the byte count
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b'"code":"BAD_USER_INPUT"' in answer


def test_keep_alive_connections_spread_over_both_workers(server: Server) -> None:
    workers = _workers(server.pid)
    assert len(workers) == 2
    port = int(server.base_url.rsplit(":", 1)[1])
    clients = [httpx.Client(base_url=server.base_url) for _ in range(4)]
    try:
        # A worker sheds one connection at a time, each hashed afresh: a few seconds of
        # requests leave the four connections two and two.
        until = time.monotonic() + 4
        while time.monotonic() < until:
            for client in clients:
                assert client.get("/healthz").status_code == 200
        time.sleep(0.2)  # a connection shed by the last round is closed by now
        inodes = _established_on(port)
        held = [_connections_of(pid, inodes) for pid in workers]
    finally:
        for client in clients:
            client.close()
    assert all(1 <= count <= 2 for count in held), held
