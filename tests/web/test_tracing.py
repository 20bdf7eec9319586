"""Tracing on: a span per request, per GraphQL execution and per SQL statement."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from strawberry.extensions.tracing import OpenTelemetryExtension

from gateway.config import Settings
from gateway.storage.db import Database
from gateway.web.app import create_app
from gateway.web.tracing import REQUEST_ID_ATTRIBUTE, Tracing, build_provider
from resolvers.schema import schema as untraced_schema
from tests.support import (
    SERVICE,
    ai_call,
    bearer,
    frontend_query,
    graphql,
    make_settings,
    member_token,
    put_member,
    put_org,
)


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    yield InMemorySpanExporter()


def _children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    assert parent.context is not None
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def _descendants(spans: list[ReadableSpan], root: ReadableSpan) -> list[ReadableSpan]:
    out: list[ReadableSpan] = []
    todo = [root]
    while todo:
        kids = _children(spans, todo.pop())
        out.extend(kids)
        todo.extend(kids)
    return out


async def test_span_tree_of_one_page_query(
    db: Database, clock: Any, exporter: InMemorySpanExporter
) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(make_settings(), db=db, clock=clock, tracer_provider=provider)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        await put_org(client, "acme")
        await put_member(client, "acme", "m1")
        response = await client.post(
            "/v1/ingest/ai-calls", json=[ai_call("c1"), ai_call("c2")], headers=SERVICE
        )
        assert response.status_code == 200
        token = member_token("acme", "m1")
        exporter.clear()
        response = await client.post(
            f"/graphql?token={token}",
            json={"query": frontend_query("usage-page.graphql")},
            headers={**bearer(token), "X-Request-Id": "trace-me"},
        )
        assert response.status_code == 200 and "errors" not in response.json()
    spans = list(exporter.get_finished_spans())

    roots = [s for s in spans if s.parent is None]
    assert len(roots) == 1
    root = roots[0]
    assert root.kind is SpanKind.SERVER
    assert root.attributes is not None
    assert root.attributes[REQUEST_ID_ATTRIBUTE] == "trace-me"
    # The token in the URL never reaches a span.
    for span in spans:
        for value in (span.attributes or {}).values():
            assert token not in str(value)

    operations = [s for s in _children(spans, root) if s.name.startswith("GraphQL Query")]
    assert [s.name for s in operations] == ["GraphQL Query: UsagePage"]
    operation = operations[0]
    under_operation = _descendants(spans, operation)
    assert {"GraphQL Parsing", "GraphQL Validation"} <= {s.name for s in under_operation}
    resolving = [s for s in under_operation if s.name.startswith("GraphQL Resolving")]
    assert "GraphQL Resolving: organization" in {s.name for s in resolving}
    # Only fields that await something get a span; plain data fields do not.
    assert "GraphQL Resolving: timeZone" not in {s.name for s in resolving}
    assert len(resolving) < 20

    sql = [s for s in spans if s.attributes and "db.statement" in s.attributes]
    sql = sql or [s for s in spans if s.attributes and "db.query.text" in s.attributes]
    # The credential look-up runs before GraphQL; the page's statements run under it.
    assert len(sql) >= 5
    under_root = {s.context.span_id for s in _descendants(spans, root) if s.context}
    assert all(s.context is not None and s.context.span_id in under_root for s in sql)
    assert any(s in under_operation for s in sql)


async def test_tracing_off_changes_nothing(client: httpx.AsyncClient) -> None:
    tracing = Tracing.from_settings(make_settings())
    assert not tracing.enabled
    assert tracing.schema is None and tracing.middleware() == []
    # The shared schema never carries the OpenTelemetry extension.
    extensions = untraced_schema.get_extensions()
    assert extensions and not any(isinstance(e, OpenTelemetryExtension) for e in extensions)
    traced = Tracing(TracerProvider()).schema
    assert traced is not None and traced is not untraced_schema
    assert isinstance(traced.get_extensions()[0], OpenTelemetryExtension)
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    body = await graphql(client, "{ organization { name } }", token=member_token("acme", "m1"))
    assert body == {"data": {"organization": {"name": "Org acme"}}}


@pytest.mark.parametrize(
    ("name", "kind"), [("otlp", "OTLPSpanExporter"), ("console", "ConsoleSpanExporter")]
)
def test_exporter_from_settings(name: str, kind: str) -> None:
    settings = make_settings().model_copy(update={"otel_exporter": name})
    assert settings.otel_exporter == name
    provider = build_provider(name)
    try:
        processors = provider._active_span_processor._span_processors
        assert [type(p.span_exporter).__name__ for p in processors] == [kind]  # type: ignore[attr-defined]
        assert provider.resource.attributes["service.name"] == "usage-gateway"
    finally:
        provider.shutdown()


def test_exporter_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_OTEL_EXPORTER", "jaeger")
    with pytest.raises(ValueError, match="otel_exporter"):
        Settings()
    monkeypatch.setenv("GATEWAY_OTEL_EXPORTER", "console")
    assert Settings().otel_exporter == "console"
