"""``GET /graphql`` for a browser: GraphiQL locked down like the dashboard.

A Content-Security-Policy (only this origin, the page's inline script by hash, no frame), no
type sniffing, no referrer, a viewport; the token is kept in session storage (the browser tests
check that, tests/e2e/test_graphiql_browser.py)."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

from gateway.web.graphiql import graphiql_csp, graphiql_headers, graphiql_response

HTML = {"Accept": "text/html"}


def _directives(policy: str) -> dict[str, str]:
    return {
        name: value.strip()
        for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
    }


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_policy_allows_this_origin_and_the_inline_script_only() -> None:
    policy = _directives(graphiql_csp())
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert "unsafe" not in policy["script-src"]
    assert re.fullmatch(r"'self'( 'sha256-[A-Za-z0-9+/=]{44}')+", policy["script-src"])
    assert "http" not in graphiql_csp() and "*" not in graphiql_csp()
    # In a <meta>, frame-ancestors is ignored (with a console error): the header carries it.
    assert "frame-ancestors" not in graphiql_csp(in_meta=True)
    assert _directives(graphiql_csp(in_meta=True)) == {
        k: v for k, v in policy.items() if k != "frame-ancestors"
    }


def test_the_page_response_carries_the_headers() -> None:
    response = graphiql_response()
    assert response.headers["content-security-policy"] == graphiql_csp()
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert graphiql_headers()["Content-Security-Policy"] == graphiql_csp()


async def test_the_served_page_holds_its_policy_before_anything_loads(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/graphql", headers=HTML)
    assert page.status_code == 200
    html = page.text
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)" />', html)
    assert meta is not None
    assert meta.group(1) == graphiql_csp(in_meta=True)
    # A <meta> policy covers only what comes after it.
    first_load = min(html.index(tag) for tag in ("<script", "<style", "<link"))
    assert meta.start() < first_load
    # Every inline script of the page as served is allowed by hash; none other is.
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert inline
    sources = _directives(meta.group(1))["script-src"].split()[1:]
    assert sorted(sources) == sorted({_hash(body) for body in inline})
    assert '<meta name="viewport" content="width=device-width, initial-scale=1" />' in html
    assert '<meta name="referrer" content="no-referrer" />' in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


async def test_the_route_sends_the_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers=HTML)
    assert page.headers.get("content-security-policy") == graphiql_csp()
    assert page.headers.get("x-frame-options") == "DENY"
    assert page.headers.get("x-content-type-options") == "nosniff"
    assert page.headers.get("referrer-policy") == "no-referrer"


async def test_the_assets_are_not_sniffed_nor_framed(client: httpx.AsyncClient) -> None:
    for name in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js"):
        asset = await client.get(f"/graphql/assets/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["x-content-type-options"] == "nosniff", name
        assert asset.headers["x-frame-options"] == "DENY", name
    missing = await client.get("/graphql/assets/nope.js")
    assert missing.status_code == 404
