"""``/dashboard``: the page, its assets, their caching and the Content-Security-Policy."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from gateway.web.dashboard import CSP, STATIC_DIR, csp, dashboard_routes, modules
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


async def test_only_the_configured_origins_may_frame_the_page() -> None:
    """An iframe of a partner's site shows the page opened with an embed token; framing is
    refused unless GATEWAY_DASHBOARD_FRAME_ANCESTORS names the partner's origins."""
    origins = "https://app.partner.example https://*.partner.example"
    for routes, expected in ((dashboard_routes(), "'none'"), (dashboard_routes(origins), origins)):
        transport = httpx.ASGITransport(app=Starlette(routes=routes))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            policy = (await client.get("/dashboard")).headers["content-security-policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["frame-ancestors"] == expected
        assert policy == csp(expected)
        assert directives["connect-src"] == "'self'"


async def test_every_asset_url_carries_its_hash_and_is_cached_for_a_year(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/dashboard")).text
    urls = re.findall(r"/dashboard/assets/[^\"?]+\?v=[0-9a-f]{16}", html)
    names = {url.split("/")[-1].split("?")[0] for url in urls}
    assert names == {
        "style.css",
        "icon.svg",
        "usage-page.graphql",
        "consumption-page.graphql",
        "usage-activity-page.graphql",
        "usage-trend.graphql",
        "usage-raw-kept.graphql",
        *(path.name for path in STATIC_DIR.glob("*.js")),
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


# The module specifier of each static `import`/`export … from` statement.
IMPORT = re.compile(
    r"""^\s*(?:(?:import|export)\b[^"';]*?\bfrom|import)\s*["']([^"']+)["']""", re.MULTILINE
)


async def test_every_module_and_its_imports_are_versioned_and_cached_for_a_year(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/dashboard")).text
    entry = re.search(r'<script type="module" src="(/dashboard/assets/app\.js\?v=\w+)"', html)
    assert entry is not None
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)"', html))
    # Walk the import graph from app.js, as the browser does, following the URLs the server wrote.
    seen: dict[str, str] = {}
    pending = [entry.group(1)]
    while pending:
        url = pending.pop()
        name = url.split("/")[-1].split("?")[0]
        if name in seen:
            assert seen[name] == url, f"{name} is imported under two URLs: one module, two copies"
            continue
        seen[name] = url
        module = await client.get(url)
        assert module.status_code == 200, url
        assert module.headers["content-type"] == "text/javascript; charset=utf-8"
        assert module.headers["cache-control"] == "public, max-age=31536000, immutable", url
        assert module.headers["content-security-policy"] == CSP
        for target in IMPORT.findall(module.text):
            assert re.fullmatch(r"\./[\w.-]+\.js\?v=[0-9a-f]{16}", target), (name, target)
            pending.append("/dashboard/assets/" + target.removeprefix("./"))
    on_disk = {path.name for path in STATIC_DIR.glob("*.js")}
    assert set(seen) == on_disk == set(modules())  # every module is used, none is missing
    assert preloaded == {url for name, url in seen.items() if name != "app.js"}


async def test_a_change_in_a_module_changes_every_url_that_leads_to_it(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/dashboard")).text
    app_url = re.search(r"/dashboard/assets/app\.js\?v=\w+", html)
    assert app_url is not None
    app = (await client.get(app_url.group(0))).text
    page = re.search(r"\./usage-page\.js\?v=(\w+)", app)
    assert page is not None
    usage_page = (await client.get(f"/dashboard/assets/usage-page.js?v={page.group(1)}")).text
    # app.js's hash covers the versioned URL of usage-page.js, which covers format.js's, ...
    assert hashlib.sha256(usage_page.encode()).hexdigest()[:16] == page.group(1)
    assert re.search(r"\./format\.js\?v=[0-9a-f]{16}", usage_page)


@pytest.mark.parametrize("path", sorted(STATIC_DIR.glob("*.js")), ids=lambda path: path.name)
def test_each_module_is_readable_and_talks_to_this_origin_only(path: Path) -> None:
    script = path.read_text()
    assert len(script.splitlines()) < 400
    assert not re.search(r"fetch\(\s*[\"'`]https?:", script)
    assert "innerHTML" not in script  # text goes in as text
    # Relative imports are the only ones: no CDN, no bare specifier a browser cannot resolve.
    assert all(
        target.startswith("./") and target.endswith(".js") for target in IMPORT.findall(script)
    )
    assert "import(" not in script  # a dynamic import would escape the versioning


def test_the_graphiql_page_opens_on_the_usage_query() -> None:
    # GraphiQL opens on the Usage page query, which the dashboard serves.
    assert "/dashboard/assets/usage-page.graphql" in (GRAPHIQL_DIR / "index.html").read_text()
