"""The application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from gateway import v1
from gateway.accesslog import AccessLogMiddleware
from gateway.auth import Authenticator
from gateway.clock import Clock, system_clock
from gateway.config import Settings
from gateway.db import Database
from gateway.errors import ApiError
from gateway.graphiql import ASSETS_MOUNT_PATH, assets_app
from gateway.graphql_view import GraphQLEndpoint
from gateway.jsonresponse import JSONResponse
from gateway.metrics import Metrics, MetricsMiddleware
from gateway.middleware import RequestIdMiddleware
from gateway.ratelimit import build_rate_limiter
from gateway.state import AppState
from gateway.tracing import Tracing


def settle_heap() -> None:
    """Move everything loaded at start-up (schema, ORM, libraries) out of the collector's view.

    Full collections otherwise walk that whole heap every so often and stall a request for
    ~100 ms; requests' own short-lived objects are still collected as usual.
    """
    gc.collect()
    gc.freeze()


async def _healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _readyz(request: Request) -> Response:
    state: AppState = request.app.state.gateway
    try:
        async with state.db.read() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"
        return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
    return JSONResponse({"status": "ready"})


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock = system_clock,
    tracer_provider: TracerProvider | None = None,
) -> Starlette:
    """Build the gateway. Pass ``db`` to share an engine (tests); it is then not disposed."""
    owned = db is None
    database = db or Database.from_url(settings.database_url, echo=settings.sql_echo)
    state = AppState(
        settings=settings,
        db=database,
        clock=clock,
        authenticator=Authenticator(settings, database, clock),
        rate_limiter=build_rate_limiter(settings.rate_limit_points, settings.redis_url),
    )
    tracing = Tracing.from_settings(settings, tracer_provider)
    tracing.instrument(database)
    graphql = GraphQLEndpoint(state, schema=tracing.schema)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        settle_heap()
        yield
        await state.rate_limiter.close()
        if owned:
            await database.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Mount(ASSETS_MOUNT_PATH, app=assets_app()),
            *v1.routes(),
            Route("/healthz", _healthz),
            Route("/readyz", _readyz),
            Route("/metrics", metrics.endpoint),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            *tracing.middleware(),
            Middleware(AccessLogMiddleware, metrics=metrics, db=database),
            Middleware(MetricsMiddleware, metrics=metrics),
        ],
        exception_handlers={ApiError: _api_error},
        lifespan=lifespan,
    )
    app.state.gateway = state
    return app
