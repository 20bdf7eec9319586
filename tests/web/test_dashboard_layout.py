"""Both dashboard pages on phones (360 and 390 px wide) and a laptop (1280 × 800): nothing wider
than the screen, every number of every card inside it, chart labels a person can read, Load more
under the finger. Phone screenshots go to ``$DASHBOARD_SCREENSHOTS`` (e.g. ``docs``), next to
the desktop ones of test_dashboard_browser.py."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server
from tests.web.browser import Tab, needs_chromium, token_for, usage_api, wait_drawn

pytestmark = needs_chromium
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

SIZES = {"small phone": (360, 740), "phone": (390, 844), "laptop": (1280, 800)}
# The first two screens and a bit of each page: enough for the README.
PHONE_SHOT = {"x": 0, "y": 0, "width": 390, "height": 1800}

# Everything that shows a number or a column's name, on both pages.
NUMBERS = ", ".join(
    [
        ".metric-value",
        ".metric-row .muted",
        "[data-testid=trend-pill]",
        ".reason-value",
        ".reason .muted",
        ".users .value",
        ".users .share",
        ".bar-value",
        "th",
        "td",
        "dd",
        "[data-testid=activity-count]",
        "[data-testid=openings-range]",
        "[data-testid=year-over-year] p",
        "[data-testid=plan]",
    ]
)

# Each element's box against the viewport and against its card: [selector, why] of each that
# sticks out (an element scrolled sideways inside its card is out of sight as well).
OUTSIDE = """
(selector) => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const node of document.querySelectorAll(selector)) {
    const box = node.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not drawn (a hidden page)
    const card = node.closest(".card, .pills, .plan, .page-head, .top");
    const edge = card ? card.getBoundingClientRect() : { left: 0, right: width };
    const text = (node.innerText || node.textContent).trim().slice(0, 40);
    if (box.left < -0.5 || box.right > width + 0.5) out.push([text, "outside the screen"]);
    else if (box.left < edge.left - 0.5 || box.right > edge.right + 0.5) out.push([text, "outside its card"]);
  }
  return out;
}
"""


def assert_fits(tab: Tab) -> None:
    page = tab.page
    screen = page.viewport_size["width"]
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    # A phone widens its layout viewport (innerWidth) to a page too wide for it: both must hold.
    assert inner == screen, f"the page is laid out {inner} px wide on a {screen} px screen"
    assert scroll <= inner, f"the page is {scroll} px wide on a {inner} px screen"
    assert page.evaluate(OUTSIDE, NUMBERS) == []


def open_at(demo_server: Server, open_tab: Any, size: str, page: str) -> Tab:
    token = token_for(demo_server, "acme", "acme-u001")
    tab: Tab = open_tab(
        f"{demo_server.base_url}/dashboard?token={token}#{page}",
        viewport=SIZES[size],
        touch=size.endswith("phone"),
    )
    wait_drawn(tab, "summary" if page == "usage" else "total-interviews")
    return tab


@pytest.mark.parametrize("size", SIZES)
def test_the_usage_page_fits_and_load_more_is_under_the_finger(
    demo_server: Server, open_tab: Any, shots: Path, size: str
) -> None:
    tab = open_at(demo_server, open_tab, size, "usage")
    page = tab.page
    if size == "phone":
        page.screenshot(path=shots / "dashboard-usage-phone.png", full_page=True, clip=PHONE_SHOT)
    assert_fits(tab)
    # The trend pill stays one line.
    pill = page.get_by_test_id("trend-pill").bounding_box()
    assert pill and pill["height"] < 30, pill
    more = page.get_by_test_id("load-more")
    more.scroll_into_view_if_needed()
    hit = more.evaluate(
        """(button) => {
          const box = button.getBoundingClientRect();
          return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === button;
        }"""
    )
    assert hit, "a tap on Load more lands on something else"
    if size.endswith("phone"):
        more.tap()
    else:
        more.click()
    api = usage_api(demo_server, token_for(demo_server, "acme", "acme-u001"), "THIS_MONTH")
    total = api["usage"]["activity"]["totalCount"]
    expect(page.get_by_test_id("activity-row")).to_have_count(min(100, total))
    assert_fits(tab)
    tab.assert_clean()


@pytest.mark.parametrize("org", ["globex", "initech"])
def test_a_byok_activity_log_with_its_model_column_fits_a_phone(
    demo_server: Server, open_tab: Any, org: str
) -> None:
    token = token_for(demo_server, org, f"{org}-u001")
    tab = open_tab(
        f"{demo_server.base_url}/dashboard?token={token}", viewport=SIZES["phone"], touch=True
    )
    wait_drawn(tab)
    assert_fits(tab)
    tab.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_the_consumption_page_fits_and_its_chart_can_be_read(
    demo_server: Server, open_tab: Any, shots: Path, size: str
) -> None:
    tab = open_at(demo_server, open_tab, size, "consumption")
    page = tab.page
    if size == "phone":
        page.screenshot(
            path=shots / "dashboard-consumption-phone.png", full_page=True, clip=PHONE_SHOT
        )
    for name in ("Daily", "Weekly", "Monthly"):
        page.get_by_test_id("granularity").get_by_role("tab", name=name).click()
        assert_fits(tab)
        labels = page.evaluate(
            """() => [...document.querySelectorAll("[data-testid=trend-chart] text.axis")]
                .map((node) => node.getBoundingClientRect())
                .filter((box) => box.width > 0)
                .map((box) => [box.left, box.right, box.top, box.height])"""
        )
        assert labels
        # Drawn at least 10 px high (the type's box is a little taller than its size) ...
        assert min(height for *_, height in labels) >= 11, labels
        # ... and no two labels of the time axis overlap.
        bottom = max(top for _, _, top, _ in labels)
        row = sorted((left, right) for left, right, top, _ in labels if abs(top - bottom) < 1)
        assert all(a[1] <= b[0] for a, b in pairwise(row)), row
    for period in ("Last billing period", "Last 12 months"):
        page.get_by_test_id("consumption-periods").get_by_role("tab", name=period).click()
        expect(
            page.get_by_test_id("consumption-periods").get_by_role("tab", name=period)
        ).to_have_attribute("aria-selected", "true")
        wait_drawn(tab, "total-interviews")
        assert_fits(tab)
    tab.assert_clean()
