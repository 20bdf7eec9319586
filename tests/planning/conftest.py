"""Two gateways on one database and clock: one answers the trusted documents from their plans,
the other through graphql-core (``planned_documents=False``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from gateway.storage.db import Database
from gateway.web.app import create_app
from gateway.web.graphql_view import GraphQLEndpoint
from gateway.web.ratelimit import MemoryRateLimiter
from tests.support import MovableClock, make_settings


@dataclass
class Pair:
    planned: httpx.AsyncClient
    general: httpx.AsyncClient
    endpoint: GraphQLEndpoint

    async def both(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The planned gateway's response, after checking the general one's is the same bytes."""
        planned = await self.planned.request(method, url, **kwargs)
        general = await self.general.request(method, url, **kwargs)
        assert planned.status_code == general.status_code, (planned.text, general.text)
        for header in ("content-type", "ratelimit", "ratelimit-policy", "retry-after"):
            assert planned.headers.get(header) == general.headers.get(header), header
        assert planned.content == general.content, (planned.text, general.text)
        return planned


def _endpoint(app: Any) -> GraphQLEndpoint:
    for route in app.routes:
        if isinstance(route, Route) and route.path == "/graphql":
            endpoint = route.app
            assert isinstance(endpoint, GraphQLEndpoint)
            return endpoint
    raise AssertionError("no /graphql route")


@asynccontextmanager
async def make_pair(db: Database, clock: MovableClock, *, bucket: int = 0) -> AsyncIterator[Pair]:
    """``bucket``: cost points per credential (0: no limit), on a clock that stands still so
    that both gateways' buckets hold the same points."""
    planned_app = create_app(make_settings(), db=db, clock=clock)
    general_app = create_app(
        make_settings().model_copy(update={"planned_documents": False}), db=db, clock=clock
    )
    if bucket:
        for app in (planned_app, general_app):
            app.state.gateway.rate_limiter = MemoryRateLimiter(bucket, monotonic=lambda: 0.0)
    endpoint = _endpoint(planned_app)
    assert endpoint.planner is not None and len(endpoint.planner) >= 2
    assert _endpoint(general_app).planner is None
    base = "http://gateway.test"
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=planned_app), base_url=base) as p,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=general_app), base_url=base) as g,
    ):
        yield Pair(p, g, endpoint)


@pytest.fixture
async def pair(db: Database, clock: MovableClock) -> AsyncIterator[Pair]:
    async with make_pair(db, clock) as made:
        yield made
