"""Tenant Management → Consumption adds up on every period it offers: this billing period, the
last one and the last 12 months (a custom range spanning billing periods). Every figure is the
API's answer to the very variables the page sent; what belongs to a billing period (allocation,
balance, forecast) is shown as that period's, or not shown, with the page saying which."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import Server
from tests.web.browser import (
    Tab,
    consumption_api,
    credits_text,
    day_text,
    needs_chromium,
    token_for,
    wait_drawn,
)

pytestmark = needs_chromium
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def open_consumption(demo_server: Server, open_tab: Any) -> tuple[Tab, str]:
    token = token_for(demo_server, "acme", "acme-u001")
    tab: Tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}#consumption")
    wait_drawn(tab, "total-interviews")
    return tab, token


def switch_to(tab: Tab, name: str) -> dict[str, str]:
    """Click a period tab; the period variable the page sent for it."""
    page = tab.page
    with page.expect_request(lambda r: r.url.endswith("/graphql") and r.method == "POST") as sent:
        page.get_by_test_id("consumption-periods").get_by_role("tab", name=name).click()
    period: dict[str, str] = json.loads(sent.value.post_data)["variables"]["period"]
    expect(
        page.get_by_test_id("consumption-periods").get_by_role("tab", name=name)
    ).to_have_attribute("aria-selected", "true")
    wait_drawn(tab, "total-interviews")
    return period


def shown(tab: Tab, testid: str) -> Decimal:
    return Decimal(tab.page.get_by_test_id(testid).get_attribute("data-value"))


def assert_balance_adds_up(tab: Tab, data: Any) -> Decimal:
    """The balance card: allocation parts, their total, less the used figure, is the balance."""
    values = [Decimal(value) for value in tab.attrs("[data-testid=allocation] dd", "data-value")]
    included, rolled, purchased, total, used, balance = values
    allocation = data["allocation"]
    assert [included, rolled, purchased, total] == [
        Decimal(allocation[key]) for key in ("included", "rolledOver", "purchased", "total")
    ]
    assert included + rolled + purchased == total
    assert balance == Decimal(data["remainingBalance"]) == shown(tab, "remaining-balance")
    assert total - used == balance
    assert used >= 0
    return used


def test_the_last_12_months_show_the_range_and_its_billing_period_apart(
    demo_server: Server, open_tab: Any
) -> None:
    tab, token = open_consumption(demo_server, open_tab)
    page = tab.page
    period = switch_to(tab, "Last 12 months")
    assert set(period) == {"from", "to"}  # a custom range
    data = consumption_api(demo_server, token, period)["consumption"]
    assert data["preset"] is None
    expect(page.get_by_test_id("credits-used")).to_have_attribute("data-value", data["creditsUsed"])
    expect(page.get_by_test_id("total-interviews")).to_have_text(f"{data['totalInterviews']:,}")
    # The range's credits are not set against one billing period's allocation ...
    scope = page.get_by_test_id("credits-used-scope")
    expect(scope).to_contain_text("across billing periods")
    expect(scope).not_to_contain_text("available")
    # ... and the balance card is the billing period's holding the range's last day, adding up.
    used = assert_balance_adds_up(tab, data)
    assert used != Decimal(data["creditsUsed"]), "the demo's range spans several periods"
    expect(page.get_by_test_id("balance-scope")).to_contain_text(
        f"the billing period holding {day_text(period['to'])}, the one in progress"
    )
    # The range ends today: its billing period is in progress and has a forecast, said to be
    # that period's.
    forecast = data["forecast"]
    assert tab.attrs("[data-testid=forecast] dd", "data-value") == [
        forecast["projectedCreditsUsed"],
        forecast["projectedRemainingBalance"],
        forecast["runsOutOn"] or "",
        forecast["recommendedPurchase"],
    ]
    expect(
        page.get_by_role("heading", name="Forecast for the billing period in progress")
    ).to_be_visible()
    expect(page.get_by_test_id("forecast-basis")).to_contain_text("not of this range")
    expect(page.get_by_test_id("year-over-year")).to_contain_text(
        f"{credits_text(data['creditsUsed'])} credits so far"
    )
    assert "of a past period" not in page.locator("#consumption").inner_text()
    assert_statuses_explained(tab, data)
    tab.assert_clean()


def test_the_last_billing_period_is_final_and_has_no_forecast(
    demo_server: Server, open_tab: Any
) -> None:
    tab, token = open_consumption(demo_server, open_tab)
    page = tab.page
    period = switch_to(tab, "Last billing period")
    assert period == {"preset": "PREVIOUS_BILLING_PERIOD"}
    data = consumption_api(demo_server, token, period)["consumption"]
    used = assert_balance_adds_up(tab, data)
    assert used == Decimal(data["creditsUsed"]) == shown(tab, "credits-used")
    expect(page.get_by_test_id("credits-used-scope")).to_have_text(
        f"of {credits_text(data['allocation']['total'])} available that billing period"
    )
    expect(page.get_by_text("Remaining balance at its end", exact=True)).to_be_visible()
    expect(page.get_by_test_id("forecast")).to_have_count(0)
    expect(page.get_by_test_id("forecast-note")).to_contain_text("nothing to forecast")
    expect(page.get_by_test_id("balance-scope")).to_have_count(0)
    if data["previousYear"]:
        expect(page.get_by_test_id("year-over-year")).not_to_contain_text("so far")
    assert_statuses_explained(tab, data)
    tab.assert_clean()


def assert_statuses_explained(tab: Tab, data: Any) -> None:
    assert tab.attrs("[data-testid=status]", "data-count") == [
        str(row["count"]) for row in data["byStatus"]
    ]
    expect(tab.page.get_by_test_id("status-note")).to_be_visible()
    assert sum(Decimal(row["creditsUsed"]) for row in data["byStatus"]) == Decimal(
        data["creditsUsed"]
    )


@pytest.mark.parametrize("name", ["This billing period", "Last 12 months"])
def test_the_chart_s_axis_ticks_are_round(demo_server: Server, open_tab: Any, name: str) -> None:
    tab, _ = open_consumption(demo_server, open_tab)
    if name != "This billing period":
        switch_to(tab, name)
    for granularity in ("Daily", "Weekly", "Monthly"):
        tab.page.get_by_test_id("granularity").get_by_role("tab", name=granularity).click()
        labels = tab.page.locator("[data-testid=trend-chart] text.y").evaluate_all(
            "nodes => nodes.map((node) => node.textContent)"
        )
        ticks = [Decimal(text.replace(",", "")) for text in labels]
        assert not [text for text in labels if re.search(r"\.\d*0$", text)], labels
        bars = [
            Decimal(value)
            for value in tab.attrs("[data-testid=trend-chart] rect.bar", "data-value")
        ]
        step = ticks[1] - ticks[0]
        assert ticks == [step * index for index in range(len(ticks))], ticks
        assert 2 <= len(ticks) <= 5
        # 1, 2, 2.5 or 5 times a power of ten
        mantissa = step.scaleb(-step.adjusted()).normalize()
        assert mantissa in {Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)}, step
        assert ticks[-1] >= max(bars)
        assert len(ticks) == 2 or ticks[-2] < max(bars)  # no empty step on top
    tab.assert_clean()


def test_the_export_dates_are_labelled_in_the_page_s_format(
    demo_server: Server, open_tab: Any
) -> None:
    tab, _ = open_consumption(demo_server, open_tab)
    page = tab.page
    start = page.locator("input[name=from]").input_value()
    end = page.locator("input[name=to]").input_value()
    expect(page.get_by_test_id("export-from-day")).to_have_text(day_text(start))
    expect(page.get_by_test_id("export-to-day")).to_have_text(day_text(end))
    page.locator("input[name=from]").fill("2026-01-05")
    expect(page.get_by_test_id("export-from-day")).to_have_text("5 Jan 2026")
    tab.assert_clean()
