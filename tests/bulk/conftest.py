"""Fixtures of the bulk export tests: an app whose worker writes to the test's directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from gateway.storage.db import Database
from gateway.web.app import create_app
from tests.bulk.support import bulk_settings
from tests.support import MovableClock


@pytest.fixture
def bulk_dir(tmp_path: Path) -> Path:
    return tmp_path / "bulk"


@pytest.fixture
def bulk_app(db: Database, clock: MovableClock, bulk_dir: Path) -> Starlette:
    return create_app(bulk_settings(bulk_dir), db=db, clock=clock)


@pytest.fixture
async def bulk_client(bulk_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=bulk_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client
