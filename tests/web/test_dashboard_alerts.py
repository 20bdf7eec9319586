"""Alerts on the dashboard: an active alert is a banner on the page it concerns, worded from the
alert's own figures as the API answers them; a page with no active alert shows none."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import Server
from tests.web.browser import (
    MONTHS,
    consumption_api,
    credits_text,
    graphql,
    needs_chromium,
    token_for,
    usage_api,
    wait_alerts,
    wait_drawn,
)

pytestmark = needs_chromium
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

CREATE_RULE = """mutation Create($input: AlertRuleInput!) {
  createAlertRule(input: $input) { id kind thresholds unit enabled }
}"""
DELETE_RULE = "mutation Delete($id: ID!) { deleteAlertRule(id: $id) }"
ACTIVE_ALERTS = """{ organization { alerts(active: true, first: 100) { edges { node {
  id ruleId kind threshold figure periodEnd runsOutOn } } } } }"""
USAGE_KINDS = {"AI_CREDITS_ABOVE"}
CONSUMPTION_KINDS = {
    "CREDITS_REMAINING_BELOW",
    "RUNS_OUT_BEFORE_PERIOD_END",
    "OPENING_CREDITS_ABOVE",
}


def short_day(iso: str) -> str:
    _, month, dom = (int(part) for part in iso[:10].split("-"))
    return f"{dom} {MONTHS[month - 1]}"


def sentence(alert: Any) -> str:
    """What the banner should say for one alert (the rules here count in credits)."""
    figure, threshold = credits_text(alert["figure"]), alert["threshold"]
    if alert["kind"] == "RUNS_OUT_BEFORE_PERIOD_END":
        return (
            f"At this pace interview credits run out on {short_day(alert['runsOutOn'])}, "
            f"before the period ends on {short_day(alert['periodEnd'])}"
        )
    if alert["kind"] == "CREDITS_REMAINING_BELOW":
        return f"Interview credits remaining are down to {figure}, below {credits_text(threshold)}"
    assert alert["kind"] == "AI_CREDITS_ABOVE", alert
    return f"AI credits charged this month reached {figure}, above {credits_text(threshold)}"


def active_alerts(server: Server, token: str) -> list[Any]:
    body = graphql(server, token, ACTIVE_ALERTS, {})
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["organization"]["alerts"]["edges"]]


@pytest.fixture
def acme_admin(demo_server: Server) -> Iterator[tuple[str, list[str]]]:
    """acme's Account Admin, and the ids of the rules a test creates (deleted afterwards, which
    resolves their alerts, so that other tests see the demo's pages unchanged)."""
    token = token_for(demo_server, "acme", "acme-u001")
    created: list[str] = []
    yield token, created
    for rule_id in created:
        body = graphql(demo_server, token, DELETE_RULE, {"id": rule_id})
        assert "errors" not in body, body


def create_rule(server: Server, token: str, created: list[str], **fields: Any) -> Any:
    body = graphql(server, token, CREATE_RULE, {"input": fields})
    assert "errors" not in body, body
    rule = body["data"]["createAlertRule"]
    created.append(rule["id"])
    return rule


def banner_lines(tab: Any, page: str) -> list[str]:
    lines = tab.texts(f"[data-testid={page}-alerts] [data-testid=alert]")
    return [" ".join(text.split()).removeprefix("Alert ") for text in lines]


def test_active_alerts_are_banners_on_the_pages_they_concern(
    demo_server: Server, open_tab: Any, acme_admin: tuple[str, list[str]]
) -> None:
    token, created = acme_admin
    assert active_alerts(demo_server, token) == [], "the demo starts without alerts"
    # No alert: no banner, on either page.
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}")
    wait_drawn(tab)
    expect(wait_alerts(tab, "usage")).to_be_hidden()
    expect(tab.page.get_by_test_id("alert")).to_have_count(0)
    tab.page.get_by_role("tab", name="Consumption").click()
    wait_drawn(tab, "total-interviews")
    expect(wait_alerts(tab, "consumption")).to_be_hidden()

    # Rules that the demo's figures already cross fire as they are created.
    consumption = consumption_api(demo_server, token)["consumption"]
    remaining = Decimal(consumption["remainingBalance"])
    create_rule(
        demo_server,
        token,
        created,
        kind="CREDITS_REMAINING_BELOW",
        name="Low balance",
        thresholds=[str(remaining + 1)],
    )
    if consumption["forecast"]["runsOutOn"]:
        create_rule(demo_server, token, created, kind="RUNS_OUT_BEFORE_PERIOD_END", name="Runs out")
    charged = Decimal(
        usage_api(demo_server, token, "THIS_MONTH")["usage"]["summary"]["creditsCharged"]
    )
    assert charged > 1, "the demo's acme should have spent AI credits this month"
    create_rule(
        demo_server, token, created, kind="AI_CREDITS_ABOVE", name="AI spend", thresholds=["1"]
    )
    alerts = active_alerts(demo_server, token)
    assert {alert["ruleId"] for alert in alerts} == set(created)

    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}#consumption")
    wait_drawn(tab, "total-interviews")
    expect(wait_alerts(tab, "consumption")).to_be_visible()
    expected = [sentence(alert) for alert in alerts if alert["kind"] in CONSUMPTION_KINDS]
    assert banner_lines(tab, "consumption") == expected
    assert tab.attrs("[data-testid=consumption-alerts] [data-testid=alert]", "data-id") == [
        alert["id"] for alert in alerts if alert["kind"] in CONSUMPTION_KINDS
    ]
    if consumption["forecast"]["runsOutOn"]:
        assert any(
            line.startswith("At this pace interview credits run out on")
            for line in banner_lines(tab, "consumption")
        )

    tab.page.get_by_role("tab", name="Usage").click()
    wait_drawn(tab)
    expect(wait_alerts(tab, "usage")).to_be_visible()
    assert banner_lines(tab, "usage") == [
        sentence(alert) for alert in alerts if alert["kind"] in USAGE_KINDS
    ]
    tab.assert_clean()


def test_a_member_without_alerts_manage_sees_the_alerts_on_figures_they_may_see(
    demo_server: Server, open_tab: Any, acme_admin: tuple[str, list[str]]
) -> None:
    token, created = acme_admin
    create_rule(
        demo_server, token, created, kind="AI_CREDITS_ABOVE", name="AI spend", thresholds=["1"]
    )
    member = None
    for number in range(2, 30):
        candidate = token_for(demo_server, "acme", f"acme-u{number:03d}")
        viewer = graphql(demo_server, candidate, "{ viewer { permissions } }", {})
        permissions = viewer["data"]["viewer"]["permissions"]
        if "credits:view" in permissions and "alerts:manage" not in permissions:
            member = candidate
            break
    assert member is not None, "no demo member of acme with credits:view only"
    alerts = active_alerts(demo_server, member)
    assert [alert["kind"] for alert in alerts] == ["AI_CREDITS_ABOVE"]
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={member}")
    wait_drawn(tab)
    expect(wait_alerts(tab, "usage")).to_be_visible()
    assert banner_lines(tab, "usage") == [sentence(alerts[0])]
    tab.assert_clean()
