"""A real ``usage-gateway serve`` process holding a small demo dataset, for the dashboard tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import JWT_SECRET, SERVICE_TOKEN, Server, clock_env, serving
from tests.support import free_port

# A twentieth of the demo's volume: a few hundred AI calls a month per organization, enough for
# several activity pages, loaded in a couple of seconds.
DEMO_SCALE = 0.05
_LOAD_DEMO = f"""
import asyncio
from gateway.config import Settings
from gateway.storage.db import Database
from gateway.demo import load_demo

async def main() -> None:
    settings = Settings()
    db = Database.from_url(settings.database_url)
    try:
        await load_demo(db, settings=settings, only_if_empty=False, scale={DEMO_SCALE})
    finally:
        await db.dispose()

asyncio.run(main())
"""


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path: Path = tmp_path_factory.mktemp("dashboard") / "gateway.db"
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "GATEWAY_SERVICE_TOKEN": SERVICE_TOKEN,
        "GATEWAY_JWT_SECRET": JWT_SECRET,
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_RATE_LIMIT_POINTS": "0",
        "GATEWAY_PORT": str(port),
        # The demo is generated up to its clock's "now": mid-month, so that this month holds
        # several activity pages whatever day the tests run on.
        **clock_env(),
    }
    for args in (["-m", "gateway.cli", "migrate"], ["-c", _LOAD_DEMO]):
        subprocess.run(
            [sys.executable, *args], env=env, check=True, capture_output=True, timeout=300
        )
    with serving(env, port, workers=1) as server:
        yield server
