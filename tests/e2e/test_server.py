"""The real server: start-up, migrations, the write API and GraphQL over HTTP."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import SERVICE_TOKEN, Server

SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def seed(server: Server) -> str:
    with httpx.Client(base_url=server.base_url, headers=SERVICE) as client:
        client.put(
            "/v1/orgs/e2e", json={"name": "E2E Ltd", "timeZone": "Asia/Tokyo"}
        ).raise_for_status()
        client.put(
            "/v1/orgs/e2e/members/alice",
            json={"name": "Alice", "email": "alice@example.com", "role": "ACCOUNT_ADMIN"},
        ).raise_for_status()
    return server.cli("token", "--org", "e2e", "--member", "alice")


def test_health_and_metrics_routes(server: Server) -> None:
    assert httpx.get(f"{server.base_url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server.base_url}/readyz").json() == {"status": "ready"}


def test_graphql_over_http_with_a_cli_token(server: Server) -> None:
    token = seed(server)
    query = "{ viewer { permissions } organization { name timeZone } }"
    auth = {"Authorization": f"Bearer {token}"}
    posted = httpx.post(f"{server.base_url}/graphql", json={"query": query}, headers=auth)
    assert posted.status_code == 200
    # viewer and organization 1 point each, their scalars nothing.
    assert posted.json()["extensions"]["cost"]["requestedQueryCost"] == 2
    assert posted.headers["RateLimit-Policy"] == '"default";q=50000;w=60'
    assert posted.json()["data"] == {
        "viewer": {
            "permissions": [
                "alerts:manage",
                "audit:view",
                "consumption:view",
                "credits:view",
                "keys:manage",
            ]
        },
        "organization": {"name": "E2E Ltd", "timeZone": "Asia/Tokyo"},
    }
    got = httpx.get(f"{server.base_url}/graphql", params={"query": query}, headers=auth)
    assert got.json()["data"] == posted.json()["data"]
    assert httpx.post(f"{server.base_url}/graphql", json={"query": query}).status_code == 401


def test_metrics_count_requests_by_route(server: Server) -> None:
    # Two workers serve these; /metrics adds up what both counted.
    before = _healthz_count(httpx.get(f"{server.base_url}/metrics").text)
    for _ in range(20):
        httpx.get(f"{server.base_url}/healthz")
    after = _healthz_count(httpx.get(f"{server.base_url}/metrics").text)
    assert after - before == 20


def _healthz_count(text: str) -> float:
    for line in text.splitlines():
        if line.startswith("gateway_http_requests_total{") and 'route="/healthz"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0
