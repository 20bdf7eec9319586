"""One structured line per request; warnings and errors carry the request id; no secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.core import requestinfo
from gateway.core.requestinfo import RequestInfo
from gateway.logsetup import formatter, log_config, redact_secrets
from tests.support import SERVICE, ai_call, bearer, member_token, put_member, put_org

ACCESS_FIELDS = (
    "request_id",
    "method",
    "route",
    "operation",
    "credential",
    "org_id",
    "status",
    "duration_ms",
    "sql_statements",
    "cost",
)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything the ``gateway`` loggers write, rendered as the server renders it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter("json"))
    logger = logging.getLogger("gateway")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def _access(out: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in _lines(out) if line["logger"] == "gateway.access"]


async def test_one_line_per_request_with_every_field(
    client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    response = await client.post(
        "/v1/ingest/ai-calls", json={"events": [ai_call("c1")]}, headers=SERVICE
    )
    assert response.status_code == 200
    token = member_token("acme", "m1")
    response = await client.post(
        f"/graphql?token={token}",
        json={"query": "query OrgName { organization { name } }", "operationName": "OrgName"},
        headers={**bearer(token), "X-Request-Id": "req-42"},
    )
    assert response.status_code == 200
    # The line logs the requested cost (extensions.cost reports it with the actual cost).
    cost = response.json()["extensions"]["cost"]["requestedQueryCost"]

    lines = _access(json_lines)
    assert [line["route"] for line in lines] == [
        "/v1/orgs/{orgId}",
        "/v1/orgs/{orgId}/members/{memberId}",
        "/v1/ingest/ai-calls",
        "/graphql",
    ]
    ingest, page = lines[2], lines[3]
    for line in lines:
        assert set(ACCESS_FIELDS) <= set(line)
        assert line["event"] == "request" and line["level"] == "info"
    assert ingest["credential"] == "service"
    assert ingest["method"] == "POST" and ingest["status"] == 200
    assert ingest["sql_statements"] >= 2
    assert ingest["operation"] is None and ingest["cost"] is None
    assert lines[0]["org_id"] == "acme"
    assert page["request_id"] == "req-42" == response.headers["x-request-id"]
    assert page["operation"] == "OrgName"
    assert page["credential"] == "member" and page["org_id"] == "acme"
    assert page["status"] == 200 and page["cost"] == cost
    # One statement: the member's credential look-up reads the organization with it.
    assert page["sql_statements"] == 1
    assert page["duration_ms"] > 0
    assert token not in json_lines.getvalue()


async def test_refused_requests_are_logged_too(
    client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    response = await client.post("/graphql", json={"query": "{ viewer { role } }"})
    assert response.status_code == 401
    response = await client.post(
        "/v1/ingest/ai-calls", json=[ai_call("c1")], headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    lines = _access(json_lines)
    assert [(line["route"], line["status"], line["credential"]) for line in lines] == [
        ("/graphql", 401, "none"),
        ("/v1/ingest/ai-calls", 401, "none"),
    ]


async def test_unexpected_errors_are_json_lines_with_the_request_id(
    client: httpx.AsyncClient, json_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "m1")
    token = member_token("acme", "m1")

    async def broken(_info: Any) -> Any:
        raise RuntimeError(f"could not use Bearer {token} nor ugk_abc_secret")

    monkeypatch.setattr("resolvers.query.resolve_organization", broken)
    response = await client.post(
        "/graphql",
        json={"query": "{ organization { name } }"},
        headers={**bearer(token), "X-Request-Id": "req-err"},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    errors = [line for line in _lines(json_lines) if line["level"] == "error"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "req-err"
    assert "RuntimeError" in errors[0]["exception"]
    access = _access(json_lines)[-1]
    assert access["error_codes"] == ["INTERNAL_SERVER_ERROR"]
    assert access["operation"] is None
    text = json_lines.getvalue()
    assert token not in text and "ugk_abc_secret" not in text


def _render(fmt: str, record: logging.LogRecord) -> str:
    return formatter(fmt).format(record)  # type: ignore[arg-type]


def test_warnings_carry_the_request_id_and_never_a_secret() -> None:
    record = logging.LogRecord(
        "gateway.x",
        logging.WARNING,
        "",
        0,
        "slow %s for %s",
        ("/graphql?token=eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl&x=1", "Bearer abc.def"),
        None,
    )
    token = requestinfo.begin(RequestInfo(request_id="rid-1"))
    try:
        line = json.loads(_render("json", record))
        console = _render("console", record)
    finally:
        requestinfo.end(token)
    assert line["request_id"] == "rid-1"
    assert line["level"] == "warning" and line["logger"] == "gateway.x"
    assert "eyJhbGciOi" not in line["event"] and "abc.def" not in line["event"]
    assert "token=[redacted]" in line["event"]
    assert "rid-1" in console and "abc.def" not in console
    assert not console.lstrip().startswith("{")
    # Outside a request there is no request id.
    assert "request_id" not in json.loads(_render("json", record))


def test_redaction_covers_urls_bearer_tokens_api_keys_and_jwts() -> None:
    assert redact_secrets("/graphql?token=abc&b=2") == "/graphql?token=[redacted]&b=2"
    assert redact_secrets("authorization: Bearer s3cr3t") == "authorization: Bearer [redacted]"
    assert redact_secrets("key ugk_0123abcd_XYZ-q") == "key ugk_[redacted]"
    assert redact_secrets("jwt eyJhbGci.eyJzdWIi.sig-1 end") == "jwt [redacted] end"
    assert redact_secrets("nothing to hide") == "nothing to hide"
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw+/v4="
    assert redact_secrets(f"secret={secret} end") == "secret=whsec_[redacted] end"


def test_serve_config_replaces_uvicorn_access_log() -> None:
    config = log_config("console", "warning")
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
    assert config["loggers"]["uvicorn.access"]["propagate"] is False
    assert config["loggers"]["gateway"]["level"] == "WARNING"
    assert config["formatters"]["structured"]["renderer"] == "console"
    assert log_config()["formatters"]["structured"]["renderer"] == "json"


async def test_api_key_callers_and_exports(
    client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    await put_org(client, "acme")
    created = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "dash", "permissions": ["credits:view"]},
        headers=SERVICE,
    )
    assert created.status_code == 201
    secret = created.json()["key"]
    response = await client.post(
        "/graphql", json={"query": "{ organization { name } }"}, headers=bearer(secret)
    )
    assert response.status_code == 200
    response = await client.get(
        "/v1/exports/ai-usage?from=2026-11-01&to=2026-11-02&format=csv", headers=bearer(secret)
    )
    assert response.status_code == 200
    page, export = _access(json_lines)[-2:]
    assert (page["route"], page["credential"], page["org_id"]) == ("/graphql", "api_key", "acme")
    assert (export["route"], export["credential"], export["org_id"]) == (
        "/v1/exports/ai-usage",
        "api_key",
        "acme",
    )
    assert secret not in json_lines.getvalue()
