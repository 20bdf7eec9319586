"""A real ``usage-gateway serve`` process on a free port, with its own SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

SERVICE_TOKEN = "e2e-service-token"
JWT_SECRET = "e2e-jwt-secret-0123456789abcdef0123456789"
# The instant a test server's clock reads when it starts, whatever the real date: the middle of a
# month and of a billing period, far from a change of day, month, year or daylight saving time.
SERVER_START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CLOCK_OFFSET = "GATEWAY_CLOCK_OFFSET_SECONDS"


def clock_env(at: datetime = SERVER_START) -> dict[str, str]:
    """Settings that move every process given them to ``at`` now, running on from there.

    The real clock is read once, to work out the offset that every process of one test (the
    server, its workers, the demo loader, the token command) then shares.
    """
    return {CLOCK_OFFSET: repr((at - datetime.now(UTC)).total_seconds())}


@dataclass(frozen=True)
class Server:
    base_url: str
    env: dict[str, str]
    pid: int

    def now(self) -> datetime:
        """What the server's clock reads now (its offset from the real one, if it has one)."""
        offset = float(self.env.get(CLOCK_OFFSET, "0"))
        return datetime.now(UTC) + timedelta(seconds=offset)

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "gateway.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return result.stdout.strip()


@contextmanager
def serving(env: dict[str, str], port: int, *, workers: int) -> Iterator[Server]:
    """``usage-gateway serve`` on ``port`` until the block ends (ready when ``/readyz`` is)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the server did not start")
            time.sleep(0.2)
        yield Server(base_url=base_url, env=env, pid=process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path: Path = tmp_path_factory.mktemp("e2e") / "gateway.db"
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN,
        "GATEWAY_JWT_SECRET": JWT_SECRET,
        "GATEWAY_LOG_LEVEL": "warning",
        # Where a `usage-gateway bulk` worker given the same settings writes bulk exports.
        "GATEWAY_BULK_EXPORT_DIR": str(path.parent / "bulk-exports"),
        **clock_env(),
    }
    with serving(env, free_port(), workers=2) as server:
        yield server
