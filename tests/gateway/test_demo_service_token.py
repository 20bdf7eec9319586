"""``usage-gateway demo`` prints the service token of the /v1 writes, only while it is the
public development default."""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path

import httpx
import pytest

from gateway.cli import cmd_demo, dev_service_token
from gateway.config import Settings
from gateway.demo import load_demo
from gateway.migrate import migrate
from gateway.storage.db import Database
from gateway.web.app import create_app
from tests.support import NOW, MovableClock

# The development default, as the README and the configuration table (docs/operators.md) give it.
DEVELOPMENT_TOKEN = "dev-service-token"
PRINTED = re.compile(r"^  export GATEWAY_SERVICE_TOKEN=(\S+)$", re.M)


def _demo_database(path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite file holding a small demo dataset, and the environment the CLI reads."""
    url = f"sqlite+aiosqlite:///{path / 'demo.db'}"

    async def fill() -> None:
        db = Database.from_url(url)
        try:
            await migrate(db)
            settings = Settings(database_url=url, env="test", service_token="x")
            await load_demo(db, settings=settings, only_if_empty=False, now=NOW, scale=0.02)
        finally:
            await db.dispose()

    asyncio.run(fill())
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    monkeypatch.delenv("GATEWAY_SERVICE_TOKEN", raising=False)
    monkeypatch.delenv("GATEWAY_ENV", raising=False)
    return url


async def _write_status(url: str, token: str) -> int:
    """A /v1 write with ``token`` on a gateway configured from the same environment."""
    db = Database.from_url(url)
    try:
        app = create_app(Settings(), db=db, clock=MovableClock(NOW))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            response = await c.put(
                "/v1/orgs/token-check",
                json={"name": "Token check", "timeZone": "UTC"},
                headers={"Authorization": f"Bearer {token}"},
            )
            return response.status_code
    finally:
        await db.dispose()


def test_the_demo_prints_the_development_token_and_it_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _demo_database(tmp_path, monkeypatch)
    capsys.readouterr()
    cmd_demo(argparse.Namespace(if_empty=True))
    out = capsys.readouterr().out
    assert "The demo data is already loaded" in out
    assert PRINTED.findall(out) == [DEVELOPMENT_TOKEN]
    assert asyncio.run(_write_status(url, DEVELOPMENT_TOKEN)) in (200, 201)
    assert asyncio.run(_write_status(url, "another-token")) == 401


def test_a_token_of_ones_own_is_never_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _demo_database(tmp_path, monkeypatch)
    secret = "a-secret-of-our-own-0123456789"
    monkeypatch.setenv("GATEWAY_SERVICE_TOKEN", secret)
    capsys.readouterr()
    cmd_demo(argparse.Namespace(if_empty=True))
    out = capsys.readouterr().out
    assert "GraphiQL" in out
    assert secret not in out and "GATEWAY_SERVICE_TOKEN=" not in out


def test_production_never_prints_a_service_token() -> None:
    # Production refuses the default at start; the check holds even for settings built around it.
    production = Settings.model_construct(env="production", service_token=DEVELOPMENT_TOKEN)
    assert dev_service_token(production) is None
    development = Settings.model_construct(env="development", service_token=DEVELOPMENT_TOKEN)
    assert dev_service_token(development) == DEVELOPMENT_TOKEN
