"""The application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from gateway.clock import Clock, system_clock
from gateway.config import Settings
from gateway.core.errors import DomainError
from gateway.core.requestinfo import count_statement
from gateway.orgs.credentials import Authenticator
from gateway.storage.db import Database
from gateway.storage.limits import DbLimits
from gateway.storage.replicas import ReplicaSet
from gateway.web import v1
from gateway.web.accesslog import AccessLogMiddleware
from gateway.web.authentication import AuthenticationMiddleware
from gateway.web.dashboard import dashboard_routes
from gateway.web.errors import ApiError, api_error_handler, domain_error_handler
from gateway.web.faults import FaultMiddleware, readyz
from gateway.web.graphiql import ASSETS_MOUNT_PATH, assets_app
from gateway.web.graphql_view import GraphQLEndpoint
from gateway.web.header_limit import HeaderLimitMiddleware
from gateway.web.metrics import Metrics, MetricsMiddleware
from gateway.web.opmetrics import ReplicaMetrics
from gateway.web.ratelimit import build_rate_limiter
from gateway.web.request_id import RequestIdMiddleware
from gateway.web.responses import JSONResponse
from gateway.web.state import AppState
from gateway.web.tracing import Tracing


def settle_heap() -> None:
    """Move everything loaded at start-up (schema, ORM, libraries) out of the collector's view.

    Full collections otherwise walk that whole heap every so often and stall a request for
    ~100 ms; requests' own short-lived objects are still collected as usual.
    """
    gc.collect()
    gc.freeze()


async def _healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock = system_clock,
    tracer_provider: TracerProvider | None = None,
) -> Starlette:
    """Build the gateway. Pass ``db`` to share an engine (tests); it is then not disposed."""
    owned = db is None
    database = db or Database.from_url(
        settings.database_url, echo=settings.sql_echo, limits=DbLimits.from_settings(settings)
    )
    metrics = Metrics()
    replicas = ReplicaSet.from_settings(settings, database)
    state = AppState(
        settings=settings,
        db=database,
        clock=clock,
        authenticator=Authenticator(settings, database, clock),
        rate_limiter=build_rate_limiter(settings, registry=metrics.registry),
        replicas=replicas,
    )
    tracing = Tracing.from_settings(settings, tracer_provider)
    tracing.instrument(database)
    if replicas is not None:
        replica_metrics = ReplicaMetrics(metrics.registry)
        replica_metrics.watch(replicas)
        state.on_read = replica_metrics.read
        for replica in replicas.replicas:
            tracing.instrument(replica.db)
            # The access log's sql_statements counts a request's statements wherever they ran.
            replica.db.on_statement(count_statement)
    graphql = GraphQLEndpoint(state, schema=tracing.schema)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        settle_heap()
        if replicas is not None:
            replicas.start()
        yield
        # The last uses of API keys still being written, before the database goes.
        await state.authenticator.last_used.drain()
        if replicas is not None:
            await replicas.dispose()
        await state.rate_limiter.close()
        await graphql.persisted.close()
        await graphql.responses.close()
        if owned:
            await database.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Mount(ASSETS_MOUNT_PATH, app=assets_app()),
            *v1.routes(),
            *dashboard_routes(settings.dashboard_frame_ancestors),
            Route("/healthz", _healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics.endpoint),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(HeaderLimitMiddleware),
            *tracing.middleware(),
            Middleware(AccessLogMiddleware, metrics=metrics, db=database),
            Middleware(MetricsMiddleware, metrics=metrics),
            # Outside authentication, whose credential look-up reads the database too.
            Middleware(FaultMiddleware, retry_after=settings.retry_after_s),
            Middleware(AuthenticationMiddleware, authenticator=state.authenticator),
        ],
        exception_handlers={ApiError: api_error_handler, DomainError: domain_error_handler},
        lifespan=lifespan,
    )
    app.state.gateway = state
    return app
