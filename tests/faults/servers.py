"""Private PostgreSQL and Redis servers on free loopback ports, for tests that stop them.

The shared servers (127.0.0.1:5432 and :6379) are never touched. Use the fixtures from any
test package with ``from tests.faults.servers import private_postgres, private_redis``
(imported into its conftest). Both are skipped, with the reason, when the binaries are absent.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from gateway.migrate import migrate
from gateway.storage.db import Database
from tests.support import free_port, real_clock_env

START_TIMEOUT_S = 30


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine on a loop of its own (fixtures may sit inside a running loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


def _wait_for_port(port: int, *, up: bool, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            reachable = sock.connect_ex(("127.0.0.1", port)) == 0
        if reachable == up:
            return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} still {'closed' if up else 'open'} after {timeout} s")


class PrivatePostgres:
    """A PostgreSQL cluster of its own (``initdb`` + ``pg_ctl``), run as the ``postgres`` user
    when the tests run as root (PostgreSQL refuses root)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="gw-pg-"))
        self.data = self.dir / "data"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        self.database = "postgres"

    def _pg(self, *args: str) -> None:
        subprocess.run(
            [*self._as_user, *args],
            env=real_clock_env(),
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT_S * 2,
        )

    @property
    def server_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the current test database."""
        return f"{self.server_url}/{self.database}"

    @property
    def dsn(self) -> str:
        """asyncpg DSN of the current test database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            # No fsync (the OS keeps the files across a server stop), but commits stay
            # synchronous: an immediate stop must not lose what was acknowledged.
            "-c fsync=off -c full_page_writes=off"
        )
        self._pg(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
            "-w", "-t", str(START_TIMEOUT_S), "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop at once, as a crash would: clients see their connections die."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        _wait_for_port(self.port, up=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        result = subprocess.run(
            [*self._as_user, "pg_ctl", "-D", str(self.data), "status"],
            env=real_clock_env(),
            capture_output=True,
            timeout=START_TIMEOUT_S,
        )
        return result.returncode == 0

    def new_database(self) -> str:
        """Create and migrate a fresh database; it becomes :attr:`url`."""
        import asyncpg

        name = f"gw_{uuid.uuid4().hex[:10]}"

        async def build() -> None:
            conn = await asyncpg.connect(f"{self.dsn}", timeout=10)
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()
            db = Database.from_url(f"{self.server_url}/{name}")
            try:
                await migrate(db)
            finally:
                await db.dispose()

        self.database = "postgres"
        _run(build())
        self.database = name
        return self.url

    def destroy(self) -> None:
        if self.running:
            self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A ``redis-server`` without persistence; stop it to make Redis go away."""

    def __init__(self) -> None:
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if self._process is not None:
            return
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            env=real_clock_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_port(self.port, up=True)

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.kill()
        self._process.wait(timeout=START_TIMEOUT_S)
        self._process = None
        _wait_for_port(self.port, up=False)


def _require(binary: str) -> None:
    if shutil.which(binary) is None:
        pytest.skip(f"{binary} is not installed: the fault tests need a private server")


@pytest.fixture(scope="session")
def _postgres_cluster() -> Iterator[PrivatePostgres]:
    _require("initdb")
    _require("pg_ctl")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: PostgreSQL cannot be started")
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def private_postgres(_postgres_cluster: PrivatePostgres) -> Iterator[PrivatePostgres]:
    """The private cluster, running, with a fresh migrated database at ``.url``; started again
    after the test if the test left it stopped."""
    if not _postgres_cluster.running:
        _postgres_cluster.start()
    _postgres_cluster.new_database()
    yield _postgres_cluster
    if not _postgres_cluster.running:
        _postgres_cluster.start()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    _require("redis-server")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
