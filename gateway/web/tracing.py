"""Opt-in OpenTelemetry tracing: a span per request, per GraphQL execution, per SQL statement.

``GATEWAY_OTEL_EXPORTER=otlp`` sends spans over OTLP/HTTP (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_SERVICE_NAME``, ``OTEL_TRACES_SAMPLER`` ... as usual);
``console`` prints them; unset, nothing is traced and nothing of this module runs per request.

The root span of a request carries its request id (``gateway.request_id``); secrets in the
query string (``?token=``) are redacted before the span sees the URL.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from functools import cached_property
from inspect import isawaitable
from typing import Any

import strawberry
from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.extensions.tracing.utils import should_skip_tracing

from gateway.config import Settings
from gateway.logsetup import redact
from gateway.storage.db import Database

REQUEST_ID_ATTRIBUTE = "gateway.request_id"
SERVICE_NAME = "usage-gateway"
_ORIGINAL_QUERY = "gateway.original_query_string"


def build_provider(exporter: str) -> TracerProvider:
    """A tracer provider exporting to ``exporter`` (``otlp`` or ``console``)."""
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": SERVICE_NAME}
    provider = TracerProvider(resource=Resource.create(attributes))
    if exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    elif exporter == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    else:  # pragma: no cover - the settings only allow the two
        raise ValueError(f"unknown exporter {exporter!r}")
    return provider


def _record_request_id(span: Any, scope: Scope) -> None:
    if span is not None and span.is_recording():
        request_id = scope.get("state", {}).get("request_id")
        if request_id:
            span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)


class TracedRequests:
    """OpenTelemetry's ASGI middleware, shown a redacted query string; the app gets the real
    one. Sits inside :class:`gateway.middleware.RequestIdMiddleware`."""

    def __init__(self, app: ASGIApp, tracer_provider: TracerProvider) -> None:
        self.app = app
        self.traced = OpenTelemetryMiddleware(
            self._restore,
            tracer_provider=tracer_provider,
            server_request_hook=_record_request_id,
            exclude_spans=["receive", "send"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        original = scope.get("query_string", b"")
        if scope["type"] == "http" and original:
            cleaned = redact("?" + original.decode("latin-1"))[1:].encode("latin-1")
            if cleaned != original:
                scope = {**scope, "query_string": cleaned, _ORIGINAL_QUERY: original}
        await self.traced(scope, receive, send)

    async def _restore(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _ORIGINAL_QUERY in scope:
            scope = {**scope, "query_string": scope[_ORIGINAL_QUERY]}
            del scope[_ORIGINAL_QUERY]
        await self.app(scope, receive, send)


class GraphQLSpans(OpenTelemetryExtension):
    """Strawberry's extension, with a span only for fields whose resolver awaits something
    (database reads, dataloaders): a page has hundreds of plain fields, which would each get
    a span otherwise."""

    async def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        result = _next(root, info, *args, **kwargs)
        if not isawaitable(result):
            return result
        if should_skip_tracing(_next, info):
            return await result
        return await self._traced(result, info, kwargs)

    async def _traced(self, result: Awaitable[Any], info: Any, kwargs: dict[str, Any]) -> Any:
        parent = trace.set_span_in_context(self._span_holder[LifecycleStep.OPERATION])
        name = f"GraphQL Resolving: {info.field_name}"
        with self._tracer.start_as_current_span(name, context=parent) as span:
            self.add_tags(span, info, kwargs)
            return await result


class Tracing:
    """What an app needs for tracing; every method is a no-op when tracing is off."""

    def __init__(self, provider: TracerProvider | None) -> None:
        self.provider = provider

    @classmethod
    def from_settings(cls, settings: Settings, provider: TracerProvider | None = None) -> Tracing:
        """Tracing to ``provider`` (tests), else as ``GATEWAY_OTEL_EXPORTER`` says."""
        if provider is None and settings.otel_exporter:
            provider = build_provider(settings.otel_exporter)
            trace.set_tracer_provider(provider)
        return cls(provider)

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def middleware(self) -> list[Middleware]:
        if self.provider is None:
            return []
        return [Middleware(TracedRequests, tracer_provider=self.provider)]

    def instrument(self, db: Database) -> None:
        """A span per SQL statement sent through SQLAlchemy."""
        if self.provider is None:
            return
        tracer = trace.get_tracer("gateway.sql", tracer_provider=self.provider)
        usage = NoOpMeterProvider().get_meter("gateway.sql").create_up_down_counter("unused")
        EngineTracer(tracer, db.engine.sync_engine, usage)  # type: ignore[no-untyped-call]

    @cached_property
    def schema(self) -> strawberry.Schema | None:
        """The GraphQL schema with Strawberry's OpenTelemetry extension first (None: off).

        A second instance of the schema, so the untraced one never pays for the extension.
        """
        if self.provider is None:
            return None
        from resolvers.schema import build_schema, resolve_plain_fields_directly

        traced = build_schema()
        resolve_plain_fields_directly(traced)
        provider = self.provider
        extension: Callable[[], GraphQLSpans] = lambda: GraphQLSpans(tracer_provider=provider)  # noqa: E731
        traced.extensions = (extension, *traced.extensions)
        return traced
