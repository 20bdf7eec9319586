"""``/dashboard``: the page, its assets, their caching and the Content-Security-Policy."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from gateway.web.dashboard import CSP, STATIC_DIR, dashboard_routes
from gateway.web.graphiql import ASSETS_DIR as GRAPHIQL_DIR
from resolvers.documents import DIRECTORY as DOCUMENTS_DIR
from tests.support import frontend_query


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=Starlette(routes=dashboard_routes()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_the_page_revalidates_and_allows_nothing_external(client: httpx.AsyncClient) -> None:
    page = await client.get("/dashboard")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in CSP and "http" not in CSP
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)
    again = await client.get("/dashboard", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304


async def test_every_asset_url_carries_its_hash_and_is_cached_for_a_year(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/dashboard")).text
    urls = re.findall(r"/dashboard/assets/[^\"?]+\?v=[0-9a-f]{16}", html)
    names = {url.split("/")[-1].split("?")[0] for url in urls}
    assert names == {
        "app.js",
        "style.css",
        "icon.svg",
        "usage-page.graphql",
        "consumption-page.graphql",
    }
    for url in urls:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.headers["content-security-policy"] == CSP
        assert asset.headers["etag"].strip('"') == url.split("?v=")[1]
    script = await client.get("/dashboard/assets/app.js")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    # Without the current hash (an old or hand-written URL) an asset is revalidated.
    assert script.headers["cache-control"] == "no-cache"
    assert (await client.get("/dashboard/assets/app.js?v=0000")).headers[
        "cache-control"
    ] == "no-cache"


async def test_only_the_dashboard_files_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/dashboard/assets/index.html")).status_code == 404
    assert (await client.get("/dashboard/assets/nothing.js")).status_code == 404
    assert (await client.get("/dashboard/assets/..%2Fdashboard.py")).status_code == 404


@pytest.mark.parametrize("name", ["usage-page.graphql", "consumption-page.graphql"])
async def test_the_page_sends_the_frontend_documents_unchanged(
    client: httpx.AsyncClient, name: str
) -> None:
    shipped = (DOCUMENTS_DIR / name).read_text()
    assert shipped == frontend_query(name)
    assert (await client.get(f"/dashboard/assets/{name}")).text == shipped


def test_the_script_talks_to_this_origin_only() -> None:
    script = (STATIC_DIR / "app.js").read_text()
    assert not re.search(r"fetch\(\s*[\"'`]https?:", script)
    assert "innerHTML" not in script  # text goes in as text
    # GraphiQL opens on the Usage page query, which the dashboard serves.
    assert "/dashboard/assets/usage-page.graphql" in (GRAPHIQL_DIR / "index.html").read_text()
