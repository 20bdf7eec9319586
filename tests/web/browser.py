"""What the dashboard's browser tests share: the API's answers, formatted as the page shows them,
and a tab that records its requests, console errors and failures (the fixtures are in conftest)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server
from tests.support import frontend_query

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or shutil.which("chromium") is None,
    reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
)


# --- what the page should show, computed from the API's answers --------------------------------


def credits_text(value: str) -> str:
    exact = Decimal(value)
    if exact == exact.to_integral_value():
        return f"{int(exact):,}"
    return f"{exact.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"


def when_text(iso: str) -> str:
    day, time = iso.split("T")
    year, month, dom = (int(part) for part in day.split("-"))
    return f"{dom} {MONTHS[month - 1]} {year}, {time[:5]}"


def day_text(iso: str) -> str:
    year, month, dom = (int(part) for part in iso[:10].split("-"))
    return f"{dom} {MONTHS[month - 1]} {year}"


def graphql(server: Server, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{server.base_url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def usage_api(server: Server, token: str, preset: str, after: str | None = None) -> Any:
    variables: dict[str, Any] = {"period": {"preset": preset}, "after": after}
    body = graphql(server, token, frontend_query("usage-page.graphql"), variables)
    assert "errors" not in body, body
    return body["data"]["organization"]


def consumption_api(server: Server, token: str, period: dict[str, str] | None = None) -> Any:
    variables = {} if period is None else {"period": period}
    body = graphql(server, token, frontend_query("consumption-page.graphql"), variables)
    assert "errors" not in body, body
    return body["data"]["organization"]


# --- the browser --------------------------------------------------------------------------------


@dataclass
class Tab:
    """A page whose requests, console errors and failures are recorded."""

    page: Any
    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    graphql_posts: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.external == [], self.external
        assert self.page_errors == [], self.page_errors
        assert self.console_errors == [], self.console_errors

    def texts(self, selector: str) -> list[str]:
        texts: list[str] = self.page.locator(selector).all_inner_texts()
        return [text.strip() for text in texts]

    def attrs(self, selector: str, name: str) -> list[str]:
        values: list[str] = self.page.locator(selector).evaluate_all(
            f"nodes => nodes.map(node => node.getAttribute({name!r}))"
        )
        return values


def token_for(server: Server, org: str, member: str) -> str:
    return server.cli("token", "--org", org, "--member", member)


def wait_drawn(tab: Tab, testid: str = "summary") -> None:
    tab.page.get_by_test_id(testid).wait_for(timeout=20_000)


def wait_alerts(tab: Tab, page: str) -> Any:
    """The page's alerts banner once its query has answered (hidden when there is no alert)."""
    banner = tab.page.locator(f"[data-testid={page}-alerts][data-loaded]")
    banner.wait_for(state="attached", timeout=20_000)
    return banner
