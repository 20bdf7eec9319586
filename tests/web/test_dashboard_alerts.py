"""Alerts on the dashboard: an active alert is a banner on the page it concerns, worded from the
alert's own figures as the API answers them; a page with no active alert shows none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SERVICE_TOKEN, Server
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


# --- the Alerts panel ---------------------------------------------------------------------------

PANEL_API = """{ organization {
  alertRules { id kind name thresholds unit withinDays openingId enabled }
  webhookEndpoints { id url description eventTypes enabled
    deliveries(first: 3) { edges { node { status eventType attempts } } } }
} }"""
EVENT_NAMES = {
    "CREDITS_REMAINING_BELOW": "credits.remaining_below",
    "RUNS_OUT_BEFORE_PERIOD_END": "credits.runs_out_before_period_end",
    "AI_CREDITS_ABOVE": "ai_credits.above",
    "OPENING_CREDITS_ABOVE": "opening_credits.above",
    "WEBHOOK_TEST": "webhook.test",
}


def panel_api(server: Server, token: str) -> Any:
    body = graphql(server, token, PANEL_API, {})
    assert "errors" not in body, body
    return body["data"]["organization"]


def test_the_alerts_panel_creates_lists_and_deletes_rules_and_endpoints(
    demo_server: Server, open_tab: Any, acme_admin: tuple[str, list[str]], shots: Path
) -> None:
    token, created = acme_admin
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}")
    wait_drawn(tab)
    page = tab.page
    tab_button = page.get_by_role("tab", name="Alerts")
    expect(tab_button).to_be_visible()  # an Account Admin holds alerts:manage
    tab_button.click()
    expect(page.get_by_test_id("rule-form")).to_be_visible()
    before = panel_api(demo_server, token)

    # A rule, through the form.
    page.get_by_test_id("rule-kind").select_option("CREDITS_REMAINING_BELOW")
    page.get_by_test_id("rule-name").fill("Balance low")
    page.get_by_test_id("rule-thresholds").fill("500, 200")
    page.get_by_test_id("rule-create").click()
    rows = page.get_by_test_id("rule-row")
    expect(rows).to_have_count(len(before["alertRules"]) + 1)
    rules = panel_api(demo_server, token)["alertRules"]
    rule = next(rule for rule in rules if rule["name"] == "Balance low")
    created.append(rule["id"])
    assert rule["kind"] == "CREDITS_REMAINING_BELOW" and rule["enabled"]
    assert [Decimal(value) for value in rule["thresholds"]] == [Decimal(200), Decimal(500)]
    assert tab.attrs("[data-testid=rule-row]", "data-id") == [rule["id"] for rule in rules]
    row = page.locator(f"[data-testid=rule-row][data-id='{rule['id']}']")
    cells = [text.strip() for text in row.locator("td").all_inner_texts()]
    assert cells[1:4] == [
        "Credits remaining below",
        ", ".join(credits_text(value) for value in rule["thresholds"]),
        "Enabled",
    ]
    # Disabled, then enabled again, as the API then says.
    row.get_by_test_id("rule-toggle").click()
    expect(row).to_have_attribute("data-enabled", "false")
    assert not next(
        r for r in panel_api(demo_server, token)["alertRules"] if r["id"] == rule["id"]
    )["enabled"]
    row.get_by_test_id("rule-toggle").click()
    expect(row).to_have_attribute("data-enabled", "true")

    # An endpoint, through the form: its secret is shown once.
    page.get_by_test_id("endpoint-url-input").fill("https://hooks.example.com/usage")
    page.get_by_test_id("endpoint-description").fill("Finance channel")
    page.get_by_test_id("endpoint-create").click()
    secret = page.get_by_test_id("endpoint-secret")
    expect(secret).to_be_visible()
    assert secret.inner_text().startswith("whsec_")
    endpoints = panel_api(demo_server, token)["webhookEndpoints"]
    endpoint = next(row for row in endpoints if row["url"] == "https://hooks.example.com/usage")
    assert endpoint["description"] == "Finance channel" and endpoint["enabled"]
    assert sorted(endpoint["eventTypes"]) == sorted(EVENT_NAMES)
    assert tab.attrs("[data-testid=endpoint-row]", "data-id") == [row["id"] for row in endpoints]
    item = page.locator(f"[data-testid=endpoint-row][data-id='{endpoint['id']}']")
    expect(item.get_by_test_id("endpoint-types")).to_have_text(
        ", ".join(EVENT_NAMES[name] for name in endpoint["eventTypes"])
    )
    # A test event is queued and listed with the API's status.
    item.get_by_test_id("endpoint-test").click()
    expect(item.get_by_test_id("delivery")).to_have_count(1)
    delivery = panel_api(demo_server, token)["webhookEndpoints"]
    node = next(row for row in delivery if row["id"] == endpoint["id"])["deliveries"]["edges"][0]
    assert tab.attrs(
        f"[data-testid=endpoint-row][data-id='{endpoint['id']}'] [data-testid=delivery]",
        "data-status",
    ) == [node["node"]["status"]]
    expect(item.get_by_test_id("delivery")).to_contain_text("webhook.test")
    expect(secret).to_be_visible()  # still there until another change
    page.screenshot(path=shots / "dashboard-alerts.png", full_page=True)
    item.get_by_test_id("endpoint-toggle").click()
    expect(item).to_have_attribute("data-enabled", "false")
    expect(page.get_by_test_id("endpoint-secret")).to_have_count(0)  # never shown again

    # The rule, deleted through the panel, is gone from the API.
    row.get_by_test_id("rule-delete").click()
    expect(rows).to_have_count(len(before["alertRules"]))
    assert rule["id"] not in [r["id"] for r in panel_api(demo_server, token)["alertRules"]]
    created.remove(rule["id"])
    tab.assert_clean()


def test_members_without_alerts_manage_have_no_alerts_tab(
    demo_server: Server, open_tab: Any
) -> None:
    member = None
    for number in range(2, 30):
        candidate = token_for(demo_server, "acme", f"acme-u{number:03d}")
        viewer = graphql(demo_server, candidate, "{ viewer { permissions } }", {})
        if "alerts:manage" not in viewer["data"]["viewer"]["permissions"]:
            member = candidate
            break
    assert member is not None, "no demo member of acme without alerts:manage"
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={member}")
    wait_drawn(tab)
    wait_alerts(tab, "usage")
    expect(tab.page.get_by_role("tab", name="Alerts")).to_be_hidden()
    # Opened by its address, the panel says what is missing.
    tab.page.goto(f"{demo_server.base_url}/dashboard#alerts")
    expect(tab.page.get_by_test_id("error-panel")).to_contain_text("alerts:manage")
    expect(tab.page.get_by_role("tab", name="Alerts")).to_be_hidden()
    tab.assert_clean()


def test_a_forecast_that_runs_out_before_the_period_ends_says_so(
    demo_server: Server, open_tab: Any, shots: Path
) -> None:
    # A small organization that used most of a small plan in its first days: at this pace its
    # credits run out before its billing period ends.
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    now = demo_server.now() - timedelta(minutes=1)
    with httpx.Client(base_url=demo_server.base_url, headers=service) as client:
        client.put(
            "/v1/orgs/pace",
            json={
                "name": "Pace Ltd",
                "timeZone": "UTC",
                "plan": {
                    "interviewCreditsPerPeriod": "15",
                    "rollover": "NONE",
                    "billingAnchorDay": 1,
                },
            },
        ).raise_for_status()
        client.put(
            "/v1/orgs/pace/members/boss",
            json={"name": "Boss", "email": "boss@pace.test", "role": "ACCOUNT_ADMIN"},
        ).raise_for_status()
        client.put("/v1/orgs/pace/openings/job", json={"jobTitle": "Job"}).raise_for_status()
        events = [
            {
                "eventId": f"pace-{number}",
                "orgId": "pace",
                "openingId": "job",
                "interviewId": f"i-{number}",
                "candidateId": f"c-{number}",
                "occurredAt": (now - timedelta(days=number % 3)).isoformat(),
                "status": "COMPLETED",
            }
            for number in range(12)
        ]
        client.post("/v1/ingest/interview-events", json={"events": events}).raise_for_status()
        client.post(
            "/v1/orgs/pace/alert-rules",
            json={"kind": "RUNS_OUT_BEFORE_PERIOD_END", "name": "Runs out"},
        ).raise_for_status()
    token = token_for(demo_server, "pace", "boss")
    forecast = consumption_api(demo_server, token)["consumption"]["forecast"]
    assert forecast["runsOutOn"], forecast
    alerts = active_alerts(demo_server, token)
    assert [alert["kind"] for alert in alerts] == ["RUNS_OUT_BEFORE_PERIOD_END"], alerts
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}#consumption")
    wait_drawn(tab, "total-interviews")
    expect(wait_alerts(tab, "consumption")).to_be_visible()
    expected = sentence(alerts[0])
    assert expected.startswith("At this pace interview credits run out on ")
    assert banner_lines(tab, "consumption") == [expected]
    tab.page.screenshot(
        path=shots / "dashboard-alerts-banner.png",
        clip={"x": 0, "y": 0, "width": 1400, "height": 520},
    )
    tab.assert_clean()


def test_the_rule_form_sends_each_kind_s_own_settings(
    demo_server: Server, open_tab: Any, acme_admin: tuple[str, list[str]]
) -> None:
    token, created = acme_admin
    opening = consumption_api(demo_server, token)["consumption"]["byOpening"]["edges"][0]["node"][
        "opening"
    ]
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}#alerts")
    page = tab.page
    expect(page.get_by_test_id("rule-form")).to_be_visible()
    # An opening rule without its opening: the gateway's reason, under the form.
    page.get_by_test_id("rule-kind").select_option("OPENING_CREDITS_ABOVE")
    page.get_by_test_id("rule-name").fill("No opening")
    page.get_by_test_id("rule-thresholds").fill("5")
    page.get_by_test_id("rule-create").click()
    expect(page.get_by_test_id("rule-status")).to_have_text(
        "Refused: openingId is required by OPENING_CREDITS_ABOVE only"
    )
    expect(page.get_by_test_id("rule-row")).to_have_count(
        len(panel_api(demo_server, token)["alertRules"])
    )
    cases = [
        (
            "CREDITS_REMAINING_BELOW",
            "Half left",
            {"rule-thresholds": "50, 20", "rule-unit": "PERCENT"},
        ),
        ("RUNS_OUT_BEFORE_PERIOD_END", "Soon out", {"rule-within": "10"}),
        ("AI_CREDITS_ABOVE", "AI", {"rule-thresholds": "1000"}),
        ("OPENING_CREDITS_ABOVE", "Opening", {"rule-thresholds": "5", "rule-scope": opening["id"]}),
    ]
    for kind, name, fields in cases:
        page.get_by_test_id("rule-kind").select_option(kind)
        page.get_by_test_id("rule-name").fill(name)
        for testid, value in fields.items():
            control = page.get_by_test_id(testid)
            if testid == "rule-unit":
                control.select_option(value)
            else:
                control.fill(value)
        page.get_by_test_id("rule-create").click()
        expect(page.locator("[data-testid=rule-row] .rule-name", has_text=name)).to_have_count(1)
    rules = {rule["name"]: rule for rule in panel_api(demo_server, token)["alertRules"]}
    created.extend(rules[name]["id"] for _, name, _ in cases)
    assert [Decimal(v) for v in rules["Half left"]["thresholds"]] == [Decimal(20), Decimal(50)]
    assert rules["Half left"]["unit"] == "PERCENT"
    assert rules["Soon out"]["withinDays"] == 10 and rules["Soon out"]["thresholds"] == []
    assert rules["AI"]["kind"] == "AI_CREDITS_ABOVE"
    assert rules["Opening"]["openingId"] == opening["id"]
    shown = dict(
        zip(
            tab.texts("[data-testid=rule-row] .rule-name"),
            tab.texts("[data-testid=rule-row] td:nth-child(3)"),
            strict=True,
        )
    )
    assert shown["Half left"] == "20 %, 50 %"
    assert shown["Soon out"] == "within 10 days"
    tab.assert_clean()
