"""The JavaScript ecosystem against the real server: graphql-http's GraphQL-over-HTTP audit,
graphql-schema-linter over schema.graphql, Apollo Client with its persisted-query link, and
GraphQL Code Generator's persisted-documents manifest.

The tools are the pinned npm package in tests/js (``make test`` installs it; so does the first
test here when only ``npm ci`` is missing); the tests skip only where node or npm is absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SERVICE_TOKEN, Server, clock_env, serving
from tests.e2e.test_server import seed
from tests.support import ai_call, free_port

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "tests" / "js"
DOCUMENTS = sorted((ROOT / "resolvers" / "documents").glob("*.graphql"))
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="node and npm are needed for the JavaScript conformance tools (apt-get install npm)",
)


@pytest.fixture(scope="module")
def js_tools() -> Path:
    """tests/js with its node_modules, installed from the lock file if `make` has not yet."""
    if not (JS / "node_modules" / ".installed").exists():
        subprocess.run(
            ["npm", "ci", "--prefix", str(JS), "--no-audit", "--no-fund"], check=True, timeout=600
        )
        (JS / "node_modules" / ".installed").touch()
    return JS


def node(js: Path, *args: str, token: str | None = None) -> dict[str, Any]:
    """Runs a script of tests/js and reads the JSON object it prints."""
    env = {**os.environ, "GATEWAY_TOKEN": token or ""}
    done = subprocess.run(
        ["node", *args], cwd=js, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode in (0, 1), done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# graphql-http --------------------------------------------------------------------------------


def test_graphql_http_audit_is_all_ok(server: Server, js_tools: Path) -> None:
    token = seed(server)
    report = node(js_tools, "audit.mjs", f"{server.base_url}/graphql", token=token)
    # graphql-http 1.23.1 has 61 audits (60 when the issue was written); every one must be ok.
    assert report["total"] >= 60
    assert report["failures"] == [], json.dumps(report["failures"], indent=2)
    assert report["ok"] == report["total"]


# graphql-schema-linter -----------------------------------------------------------------------


def lint(js: Path, schema: Path) -> list[dict[str, Any]]:
    """graphql-schema-linter with tests/js/.graphql-schema-linterrc, its findings as JSON."""
    done = subprocess.run(
        ["node", "node_modules/.bin/graphql-schema-linter", "--format", "json", str(schema)],
        cwd=js,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    errors: list[dict[str, Any]] = json.loads(done.stdout)["errors"]
    return errors


def test_schema_linter_finds_nothing_in_schema_graphql(js_tools: Path) -> None:
    findings = lint(js_tools, ROOT / "schema.graphql")
    assert findings == [], "\n".join(f"{f['rule']}: {f['message']}" for f in findings)


def test_schema_linter_rules_are_in_force(js_tools: Path, tmp_path: Path) -> None:
    # The same configuration on a schema that breaks one rule of each family.
    bad = tmp_path / "bad.graphql"
    bad.write_text(
        '"""Root."""\ntype Query {\n  """Things."""\n  things: ThingConnection\n'
        '  """Bad name."""\n  Bad_name: Int\n}\n'
        '"""A page of things."""\ntype ThingConnection {\n  """The things."""\n  n: Int\n}\n'
        '"""Colours."""\nenum Colour {\n  red\n}\n'
    )
    rules = {finding["rule"] for finding in lint(js_tools, bad)}
    assert {
        "enum-values-have-descriptions",
        "enum-values-all-caps",
        "fields-are-camel-cased",
        "relay-connection-types-spec",
        "relay-page-info-spec",
        "relay-node-interface-spec",
        "defined-types-are-used",
    } <= rules, rules


# Apollo Client with its persisted-query link ------------------------------------------------


@pytest.fixture(
    params=["get", "post", "get-trusted-only"],
    ids=["GET hashed", "POST hashed", "GET trusted documents only"],
)
def apq_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """A server of its own per case, one worker and no Redis: the registry starts empty."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("GATEWAY_REDIS_URL", "GATEWAY_TRUSTED_DOCUMENTS_ONLY")
    }
    env.update(
        GATEWAY_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        GATEWAY_SERVICE_TOKEN=SERVICE_TOKEN,
        GATEWAY_JWT_SECRET="apq-jwt-secret-0123456789abcdef0123456789",
        GATEWAY_LOG_LEVEL="warning",
        **clock_env(),
    )
    mode: str = request.param
    if mode.endswith("trusted-only"):
        env["GATEWAY_TRUSTED_DOCUMENTS_ONLY"] = "1"
    with serving(env, free_port(), workers=1) as server:
        yield server, mode


def _seed_calls(server: Server) -> None:
    # A second ago, so that the calls are in this month's cards.
    when = (server.now() - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    calls = [
        ai_call(f"apq{n}", org_id="e2e", member_id="alice", occurred_at=when) for n in range(3)
    ]
    with httpx.Client(base_url=server.base_url, headers=SERVICE) as client:
        client.post("/v1/ingest/ai-calls", json=calls).raise_for_status()


def _without_typename(value: Any) -> Any:
    """Apollo's cache asks for ``__typename`` in every selection; the plain documents do not."""
    if isinstance(value, dict):
        return {k: _without_typename(v) for k, v in value.items() if k != "__typename"}
    if isinstance(value, list):
        return [_without_typename(v) for v in value]
    return value


def _plain_post(server: Server, token: str, document: Path) -> Any:
    response = httpx.post(
        f"{server.base_url}/graphql",
        json={"query": document.read_text()},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_apollo_client_persisted_query_link(apq_server: tuple[Server, str], js_tools: Path) -> None:
    server, mode = apq_server
    method, trusted_only = mode.split("-")[0], mode.endswith("trusted-only")
    token = seed(server)
    _seed_calls(server)
    run = ["apollo.mjs", f"{server.base_url}/graphql", method, *map(str, DOCUMENTS)]

    first = node(js_tools, *run, token=token)
    assert first["errors"] == {}, first
    hashed = "GET" if method == "get" else "POST"
    # Per document: the hash alone is unknown, so the link sends it again with the query.
    expected_first = [
        (hashed, False, "PERSISTED_QUERY_NOT_FOUND"),
        ("POST", True, None),
    ] * len(DOCUMENTS)
    assert [_step(r) for r in first["requests"]] == expected_first, first["requests"]
    # Registered on the way: a new client is answered from the hash alone.
    second = node(js_tools, *run, token=token)
    assert second["errors"] == {}, second
    assert [_step(r) for r in second["requests"]] == [(hashed, False, None)] * len(DOCUMENTS)
    assert [r["hash"] for r in second["requests"]] == [r["hash"] for r in first["requests"]][::2]

    for document in DOCUMENTS:
        plain = _plain_post(server, token, document)
        now = _year_ago_now(plain)
        for got in (first, second):
            data = _without_typename(got["data"][document.name])
            assert abs(_year_ago_now(data) - now) < timedelta(minutes=1)
            assert data == plain, document.name
    usage = second["data"]["usage-page.graphql"]["organization"]["usage"]
    assert usage["summary"]["calls"] == 3
    if trusted_only:
        _refuses_other_documents(server, token)


def _refuses_other_documents(server: Server, token: str) -> None:
    """Only a cache's plain ``__typename`` makes a rewrite: anything more is another document."""
    text = DOCUMENTS[0].read_text()
    head, brace, rest = text.partition("organization {")
    for extra in ("id", "alias: __typename", "__typename @include(if: true)"):
        other = f"{head}{brace} {extra}{rest}"
        response = httpx.post(
            f"{server.base_url}/graphql",
            json={"query": other},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", extra


def _year_ago_now(data: Any) -> timedelta:
    """Takes out the one value that moves between two requests: the year-over-year comparison
    ends at this instant a year ago (as an offset from the epoch; zero where it is absent)."""
    previous = (data["organization"].get("consumption") or {}).get("previousYear") or {}
    if "end" not in previous:
        return timedelta(0)
    end = datetime.fromisoformat(previous.pop("end"))
    return end - datetime(1970, 1, 1, tzinfo=UTC)


def _step(request: dict[str, Any]) -> tuple[str, bool, str | None]:
    """(method, whether the query text was sent, the error code answered or None)."""
    codes = request["codes"]
    assert len(codes) <= 1, request
    assert request["status"] in (200, 400), request
    return request["method"], request["withQuery"], codes[0] if codes else None


# GraphQL Code Generator's client-preset with persisted documents ----------------------------


@pytest.fixture(scope="module")
def codegen_manifest(js_tools: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The persisted-documents.json that client-preset writes for resolvers/documents/*.graphql
    (tests/js/codegen.ts), generated here by the pinned @graphql-codegen/cli."""
    out = tmp_path_factory.mktemp("codegen")
    done = subprocess.run(
        ["node", "node_modules/.bin/graphql-codegen", "--config", "codegen.ts"],
        cwd=js_tools,
        env={**os.environ, "CODEGEN_OUT": str(out)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out / "persisted-documents.json"


def _operation(text: str) -> str:
    found = re.search(r"^query (\w+)", text, re.MULTILINE)
    assert found, text
    return found.group(1)


def test_codegen_persisted_documents_run_by_hash_alone(
    codegen_manifest: Path, tmp_path: Path
) -> None:
    manifest: dict[str, str] = json.loads(codegen_manifest.read_text())
    # What the preset writes: one entry per document, named sha256:<hex>, reprinted.
    assert len(manifest) == len(DOCUMENTS)
    assert all(key.startswith("sha256:") for key in manifest)
    assert not set(manifest.values()) & {path.read_text() for path in DOCUMENTS}
    env = {key: value for key, value in os.environ.items() if key != "GATEWAY_REDIS_URL"}
    env.update(
        GATEWAY_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        GATEWAY_SERVICE_TOKEN=SERVICE_TOKEN,
        GATEWAY_JWT_SECRET="codegen-jwt-secret-0123456789abcdef012345",
        GATEWAY_LOG_LEVEL="warning",
        # Member tokens run only trusted documents: those of the manifest are among them.
        GATEWAY_TRUSTED_DOCUMENTS_ONLY="1",
        GATEWAY_TRUSTED_DOCUMENTS_FILE=str(codegen_manifest),
        **clock_env(),
    )
    with serving(env, free_port(), workers=1) as server:
        token = seed(server)
        _seed_calls(server)
        auth = {"Authorization": f"Bearer {token}"}
        plain = {
            _operation(path.read_text()): _plain_post(server, token, path) for path in DOCUMENTS
        }
        # The one value that moves between two requests, taken out of each plain answer.
        plain_now = {name: _year_ago_now(data) for name, data in plain.items()}
        for document_id, text in manifest.items():
            name = _operation(text)
            # As Apollo's persisted-query link (generateHash reading the preset's __meta__.hash)
            # and urql's persistedExchange send it: the id as the preset wrote it, no query; by
            # POST and by GET. The bare hex is the same document.
            for sha in (document_id, document_id.removeprefix("sha256:")):
                extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
                post = httpx.post(
                    f"{server.base_url}/graphql",
                    json={"operationName": name, "variables": {}, "extensions": extensions},
                    headers=auth,
                )
                get = httpx.get(
                    f"{server.base_url}/graphql",
                    params={"operationName": name, "extensions": json.dumps(extensions)},
                    headers=auth,
                )
                for response in (post, get):
                    assert response.status_code == 200, response.text
                    body = response.json()
                    assert "errors" not in body, (name, sha, body)
                    assert abs(_year_ago_now(body["data"]) - plain_now[name]) < (
                        timedelta(minutes=1)
                    )
                    assert body["data"] == plain[name], name
            # Sent with its text too (the registering retry of an APQ client): the id checks.
            retry = httpx.post(
                f"{server.base_url}/graphql",
                json={
                    "query": text,
                    "extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_id}},
                },
                headers=auth,
            )
            assert "errors" not in retry.json(), retry.json()
        assert plain["UsagePage"]["organization"]["usage"]["summary"]["calls"] == 3


def test_a_manifest_that_does_not_fit_refuses_to_start(tmp_path: Path) -> None:
    text = "query Q { organization { name nickname } }"
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({"sha256:" + hashlib.sha256(text.encode()).hexdigest(): text}))
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        "GATEWAY_TRUSTED_DOCUMENTS_FILE": str(manifest),
    }
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "GATEWAY_TRUSTED_DOCUMENTS_FILE" in done.stderr and "nickname" in done.stderr, (
        done.stderr
    )
    assert "Traceback" not in done.stderr
