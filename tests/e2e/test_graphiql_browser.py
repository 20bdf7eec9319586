"""GraphiQL in a real browser: served offline by the gateway, and able to run a query.

The page runs under its Content-Security-Policy (a violation is a console error) and keeps the
token in the tab's session storage only."""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_server import seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (apt-get install chromium)",
)


def test_graphiql_runs_a_query_offline(server: Server) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    token = seed(server)
    external: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    console: list[str] = []
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 850})

        def guard(route, request) -> None:  # type: ignore[no-untyped-def]
            parts = urlparse(request.url)
            if parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1":
                route.continue_()
            else:
                external.append(request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and console.append(m.text))

        page.goto(f"{server.base_url}/graphql?token={token}", wait_until="networkidle")
        editor = page.locator(".graphiql-query-editor .CodeMirror")
        editor.wait_for(timeout=20_000)
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.type("{ organization { name timeZone")  # GraphiQL closes the braces
        page.locator(".graphiql-execute-button").click()
        response = page.locator(".graphiql-response .CodeMirror")
        playwright.expect(response).to_contain_text("E2E Ltd", timeout=15_000)
        text = page.evaluate(
            "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
        )
        address = page.url
        session = page.evaluate("() => Object.values(sessionStorage).join('\\n')")
        local = page.evaluate("() => JSON.stringify(Object.assign({}, localStorage))")
        browser.close()
    assert '"timeZone": "Asia/Tokyo"' in text
    assert external == [] and failed == [] and errors == [], (external, failed, errors)
    assert console == [], console
    assert token not in address
    assert token in session
    assert token not in local, local
