"""The dashboard opened with an embed token (``/dashboard#embed=<token>``), as a partner's iframe
shows it: the Usage page's cards equal the API's, the token leaves the address and never reaches
the server in a URL, and a revoked token is the auth message."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SERVICE_TOKEN, Server
from tests.web.browser import consumption_api, graphql, needs_chromium, usage_api, wait_drawn
from tests.web.test_dashboard_browser import assert_usage_matches

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

CREATE = """mutation($documents: [String!]!, $ttl: Int!) {
  createEmbedToken(documents: $documents, ttlSeconds: $ttl) { secret embedToken { id } } }"""
REVOKE = "mutation($id: ID!) { revokeEmbedToken(id: $id) { revokedAt } }"


def _manager_key(server: Server, *reads: str) -> str:
    response = httpx.post(
        f"{server.base_url}/v1/orgs/acme/api-keys",
        json={"name": "embeds", "permissions": ["keys:manage", *(reads or ["credits:view"])]},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def _embed_token(
    server: Server, key: str, documents: tuple[str, ...] = ("UsagePage", "UsageActivityPage")
) -> tuple[str, str]:
    body = graphql(server, key, CREATE, {"documents": list(documents), "ttl": 3600})
    assert "errors" not in body, body
    made = body["data"]["createEmbedToken"]
    return made["secret"], made["embedToken"]["id"]


@needs_chromium
def test_the_usage_page_with_an_embed_token(demo_server: Server, open_tab: Any) -> None:
    key = _manager_key(demo_server)
    secret, _ = _embed_token(demo_server, key)
    tab = open_tab(f"{demo_server.base_url}/dashboard#embed={secret}")
    wait_drawn(tab)
    page = tab.page
    # The token left the address (a fragment is never sent to a server) for this frame's session.
    assert "embed" not in page.url and secret not in page.url
    assert page.evaluate("() => sessionStorage.getItem('usage-dashboard.token')") == secret
    # No token form, no Alerts tab, no GraphiQL link: the frame only shows the numbers.
    expect(page.locator("#token-form")).to_be_hidden()
    expect(page.locator("#tab-alerts")).to_be_hidden()
    expect(page.locator(".graphiql-link")).to_be_hidden()
    assert_usage_matches(tab, usage_api(demo_server, secret, "THIS_MONTH"))
    # "Show all" users would send a document of its own: not offered embedded.
    expect(page.get_by_test_id("user-toggle")).to_have_count(0)
    # One request draws the page: no alerts query, which the token could not run.
    assert len(tab.graphql_posts) == 1
    # Load more sends the activity document the token lists.
    with page.expect_response(lambda r: r.url.endswith("/graphql")) as answered:
        page.get_by_test_id("load-more").click()
    assert answered.value.status == 200
    assert "errors" not in answered.value.json()
    tab.assert_clean()


@needs_chromium
def test_the_consumption_page_with_an_embed_token(demo_server: Server, open_tab: Any) -> None:
    key = _manager_key(demo_server, "consumption:view")
    secret, _ = _embed_token(demo_server, key, ("ConsumptionPage",))
    tab = open_tab(f"{demo_server.base_url}/dashboard#consumption&embed={secret}")
    wait_drawn(tab, "total-interviews")
    page = tab.page
    assert page.url.endswith("/dashboard#consumption")
    data = consumption_api(demo_server, secret)["consumption"]
    expect(page.get_by_test_id("total-interviews")).to_have_text(f"{data['totalInterviews']:,}")
    expect(page.get_by_test_id("credits-used")).to_have_attribute("data-value", data["creditsUsed"])
    # Neither the calculator nor the export, whose requests the token may not send.
    expect(page.get_by_test_id("planner")).to_have_count(0)
    expect(page.get_by_test_id("export-status")).to_have_count(0)
    assert len(tab.graphql_posts) == 1
    tab.assert_clean()


@needs_chromium
def test_a_revoked_embed_token_shows_the_auth_error(demo_server: Server, open_tab: Any) -> None:
    key = _manager_key(demo_server)
    secret, token_id = _embed_token(demo_server, key)
    revoked = graphql(demo_server, key, REVOKE, {"id": token_id})
    assert "errors" not in revoked, revoked
    tab = open_tab(f"{demo_server.base_url}/dashboard#embed={secret}")
    panel = tab.page.get_by_test_id("error-panel")
    expect(panel).to_contain_text("The gateway refused this token")
    expect(panel).to_contain_text("reload the page that shows this dashboard")
    # The browser itself reports the 401 answer; the page adds nothing.
    assert all("401" in text for text in tab.console_errors), tab.console_errors
    assert tab.page_errors == [] and tab.external == []
