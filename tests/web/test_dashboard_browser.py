"""Both dashboard pages and GraphiQL in Debian's Chromium, against a gateway holding the demo data.

Every number on the page is compared with what the API answers for the same period; no request
may leave 127.0.0.1 and no page may log a console error. Screenshots of both pages are written
to a temporary folder (or to ``$DASHBOARD_SCREENSHOTS``, e.g. ``docs``).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from resolvers.documents import DIRECTORY as DOCUMENTS
from tests.e2e.conftest import SERVICE_TOKEN, Server
from tests.support import frontend_query
from tests.web.browser import (
    Tab,
    consumption_api,
    credits_text,
    graphql,
    needs_chromium,
    token_for,
    usage_api,
    wait_alerts,
    wait_drawn,
    when_text,
)

pytestmark = needs_chromium
PARTIAL_OR_COMPLETE = {"PARTIALLY_COMPLETED", "COMPLETED"}
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


# --- Settings → Usage ---------------------------------------------------------------------------


def assert_usage_matches(tab: Tab, api: Any) -> None:
    usage = api["usage"]
    summary = usage["summary"]
    page = tab.page
    credits = page.get_by_test_id("summary-credits")
    expect(credits).to_have_attribute("data-value", summary["creditsCharged"])
    expect(credits).to_have_text(credits_text(summary["creditsCharged"]))
    expect(page.get_by_test_id("summary-calls")).to_have_text(f"{summary['calls']:,}")
    assert (
        f"{summary['featureTypeCount']} feature type"
        in page.get_by_test_id("summary-types").inner_text()
    )
    reasons = [
        (row["reason"], row["creditsCharged"], str(row["calls"])) for row in usage["byReason"]
    ]
    assert (
        list(
            zip(
                tab.attrs("[data-testid=reason]", "data-reason"),
                tab.attrs("[data-testid=reason]", "data-value"),
                tab.attrs("[data-testid=reason]", "data-calls"),
                strict=True,
            )
        )
        == reasons
    )
    for text, row in zip(tab.texts("[data-testid=reason]"), usage["byReason"], strict=True):
        assert text.split("\n")[0] == row["label"]
        assert f"{credits_text(row['creditsCharged'])} credits" in text
    users = usage["byUser"]["nodes"]
    assert tab.texts("[data-testid=user-row] .name") == [row["displayName"] for row in users]
    assert tab.attrs("[data-testid=user-row]", "data-value") == [
        row["creditsCharged"] for row in users
    ]
    assert tab.texts("[data-testid=user-row] .value") == [
        credits_text(row["creditsCharged"]) for row in users
    ]
    models = usage["byModel"]
    assert tab.attrs("[data-testid=model-bar]", "data-label") == [row["label"] for row in models]
    assert tab.attrs("[data-testid=model-bar]", "data-value") == [
        row["creditsCharged"] for row in models
    ]
    widths = [
        box["width"]
        for box in (
            fill.bounding_box() for fill in page.locator("[data-testid=model-bar] .fill").all()
        )
        if box
    ]
    assert widths == sorted(widths, reverse=True) and len(widths) == len(models)
    assert_activity_rows(tab, api, usage["activity"]["edges"])


def assert_activity_rows(tab: Tab, api: Any, edges: list[Any]) -> None:
    byok = api["aiBilling"]["mode"] == "BYOK"
    summary = api["usage"]["summary"]
    # The last column's head names what its cells show.
    amount = {0: "CREDITS", summary["calls"]: "TOKENS"}.get(
        summary["byokCalls"], "CREDITS / TOKENS"
    )
    expected_head = ["WHEN", "REASON", "USER", *(["MODEL"] if byok else []), amount]
    assert [text.upper() for text in tab.texts("[data-testid=activity] th")] == expected_head
    rows = tab.page.locator("[data-testid=activity-row]")
    assert tab.attrs("[data-testid=activity-row]", "data-id")[: len(edges)] == [
        edge["node"]["id"] for edge in edges
    ]
    for index, edge in enumerate(edges):
        node = edge["node"]
        cells = [text.strip() for text in rows.nth(index).locator("td").all_inner_texts()]
        user = (
            f"{node['member']['name']}\n{node['member']['email']}"
            if node["member"]
            else "Unknown user"
        )
        amount = (
            f"{node['totalTokens']:,} tokens"
            if node["billingMode"] == "BYOK"
            else credits_text(node["creditsCharged"])
        )
        model = [node["model"]["label"] if node["model"] else "—"] if byok else []
        assert cells == [when_text(node["occurredAt"]), node["reasonLabel"], user, *model, amount]


def test_usage_page_equals_the_api_and_loads_to_the_end(
    demo_server: Server, open_tab: Any, shots: Path
) -> None:
    token = token_for(demo_server, "acme", "acme-u001")
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}")
    wait_drawn(tab)
    page = tab.page
    # The token moved into this tab's session and out of the address bar.
    assert "token" not in page.url
    assert page.evaluate("() => sessionStorage.getItem('usage-dashboard.token')") == token
    api = usage_api(demo_server, token, "THIS_MONTH")
    assert_usage_matches(tab, api)
    # The pill compares with the same point of last month (UsageTrend), not all of it.
    same_point = graphql(demo_server, token, (DOCUMENTS / "usage-trend.graphql").read_text(), {})
    trend = same_point["data"]["organization"]["usage"]["summary"]["trend"]
    assert trend["label"].endswith(" vs same point last month"), trend
    expect(page.get_by_test_id("trend-pill")).to_have_text(
        trend["label"].removesuffix(" vs same point last month") + " so far vs last month"
    )
    expect(page.get_by_test_id("trend-basis")).to_have_text(
        "so far this month, against last month up to the same day and time"
    )
    expect(page.get_by_test_id("byok-notice")).to_have_count(0)
    wait_alerts(tab, "usage")
    # One query draws the page, one its trend pill, one asks for its alerts.
    assert len(tab.graphql_posts) == 3
    page.screenshot(
        path=shots / "dashboard-usage.png",
        clip={"x": 0, "y": 0, "width": 1400, "height": 1500},
        full_page=True,
    )

    total = api["usage"]["activity"]["totalCount"]
    assert total > 100, "the demo data should need several pages"
    # What the whole page costs; each Load more must cost less.
    page_cost = graphql(
        demo_server,
        token,
        frontend_query("usage-page.graphql"),
        {"period": {"preset": "THIS_MONTH"}},
    )["extensions"]["cost"]["requestedQueryCost"]
    activity_query = (DOCUMENTS / "usage-activity-page.graphql").read_text()
    clicks = 0
    while page.get_by_test_id("load-more").count():
        with page.expect_response(
            lambda r: r.url.endswith("/graphql") and r.request.method == "POST"
        ) as answered:
            page.get_by_test_id("load-more").click()
        clicks += 1
        # Load more sends the activity log's own document, for the period shown, after the
        # last row drawn.
        sent = answered.value.request.post_data_json
        assert sent["query"] == activity_query
        assert sent["variables"]["period"] == {"preset": "THIS_MONTH"}
        # Only the log comes back, priced without the cards (its 50 rows are most of the
        # page's points; the cards' statements are what it saves).
        more = answered.value.json()
        assert list(more["data"]["organization"]["usage"]) == ["activityPage"]
        assert more["extensions"]["cost"]["requestedQueryCost"] < page_cost
        expect(page.locator("[data-testid=activity-row]")).to_have_count(
            min(50 * (clicks + 1), total)
        )
    expect(page.get_by_test_id("activity-end")).to_have_text("End of activity for this period")
    assert len(tab.graphql_posts) == 3 + clicks  # each Load more sends one more
    # The rows after the first page are the API's next page, in order.
    second = usage_api(
        demo_server, token, "THIS_MONTH", after=api["usage"]["activity"]["pageInfo"]["endCursor"]
    )
    assert_activity_rows(
        tab, second, api["usage"]["activity"]["edges"] + second["usage"]["activity"]["edges"]
    )
    tab.assert_clean()


def test_a_refused_cursor_on_load_more_keeps_every_card(demo_server: Server, open_tab: Any) -> None:
    token = token_for(demo_server, "acme", "acme-u001")
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}")
    wait_drawn(tab)
    wait_alerts(tab, "usage")  # the page's own requests are answered before any is forged
    page = tab.page
    api = usage_api(demo_server, token, "THIS_MONTH")
    assert api["usage"]["activity"]["pageInfo"]["hasNextPage"]
    genuine = api["usage"]["activity"]["pageInfo"]["endCursor"]
    forged = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")

    # The page's own request leaves the browser with a cursor the gateway did not sign (as a
    # stale or tampered one would); the gateway's real answer comes back.
    def forge(route: Any) -> None:
        body = route.request.post_data_json
        if "UsageActivityPage" not in body.get("query", ""):
            route.continue_()
            return
        body["variables"]["after"] = forged
        route.continue_(post_data=json.dumps(body))

    page.route("**/graphql", forge)
    with page.expect_response(
        lambda r: r.url.endswith("/graphql") and "UsageActivityPage" in (r.request.post_data or "")
    ) as answered:
        page.get_by_test_id("load-more").click()
    refused = answered.value.json()
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    problem = page.get_by_test_id("activity-problem")
    expect(problem).to_contain_text("The next page of activity could not be loaded.")
    expect(problem).to_contain_text(refused["errors"][0]["message"])
    # Every card is still drawn, with the API's numbers, and the first page's rows with them.
    assert_usage_matches(tab, api)
    expect(page.locator("[data-testid=activity-row]")).to_have_count(
        len(api["usage"]["activity"]["edges"])
    )
    # The next try with the genuine cursor loads the next page and clears the message.
    page.unroute("**/graphql", forge)
    page.get_by_test_id("load-more").click()
    second = usage_api(demo_server, token, "THIS_MONTH", after=genuine)
    edges = api["usage"]["activity"]["edges"] + second["usage"]["activity"]["edges"]
    expect(page.locator("[data-testid=activity-row]")).to_have_count(len(edges))
    expect(problem).to_have_count(0)
    assert_activity_rows(tab, second, edges)
    tab.assert_clean()


def test_the_tabs_switch_periods_and_the_pill_is_only_on_this_month(
    demo_server: Server, open_tab: Any
) -> None:
    token = token_for(demo_server, "acme", "acme-u001")
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}")
    wait_drawn(tab)
    page = tab.page
    expect(page.get_by_test_id("trend-pill")).to_be_visible()
    page.get_by_role("tab", name="Last month").click()
    expect(page.get_by_role("tab", name="Last month")).to_have_attribute("aria-selected", "true")
    last = usage_api(demo_server, token, "LAST_MONTH")
    expect(page.get_by_test_id("summary-credits")).to_have_attribute(
        "data-value", last["usage"]["summary"]["creditsCharged"]
    )
    expect(page.get_by_test_id("trend-pill")).to_have_count(0)
    assert_usage_matches(tab, last)
    page.get_by_role("tab", name="This month").click()
    expect(page.get_by_test_id("trend-pill")).to_be_visible()
    this = usage_api(demo_server, token, "THIS_MONTH")
    expect(page.get_by_test_id("summary-credits")).to_have_attribute(
        "data-value", this["usage"]["summary"]["creditsCharged"]
    )
    tab.assert_clean()


def test_show_all_users_and_show_top_five(demo_server: Server, open_tab: Any) -> None:
    token = token_for(demo_server, "acme", "acme-u001")
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}")
    wait_drawn(tab)
    page = tab.page
    count = usage_api(demo_server, token, "THIS_MONTH")["usage"]["byUser"]["totalCount"]
    assert count > 5
    rows = page.get_by_test_id("user-row")
    expect(rows).to_have_count(5)
    page.get_by_role("button", name=f"Show all ({count})").click()
    expect(rows).to_have_count(count)
    query = "query($p: PeriodInput!, $n: Int!) { organization { usage(period: $p) { byUser(first: $n) { nodes { displayName creditsCharged } } } } }"
    everyone = graphql(demo_server, token, query, {"p": {"preset": "THIS_MONTH"}, "n": count})
    nodes = everyone["data"]["organization"]["usage"]["byUser"]["nodes"]
    assert tab.texts("[data-testid=user-row] .name") == [row["displayName"] for row in nodes]
    assert tab.attrs("[data-testid=user-row]", "data-value") == [
        row["creditsCharged"] for row in nodes
    ]
    page.get_by_role("button", name="Show top 5").click()
    expect(rows).to_have_count(5)
    expect(page.get_by_role("button", name=f"Show all ({count})")).to_be_visible()
    tab.assert_clean()


@pytest.mark.parametrize(
    ("org", "console"), [("globex", "Anthropic Console"), ("initech", "OpenAI Platform")]
)
def test_a_byok_organization_shows_the_notice_and_the_model_column(
    demo_server: Server, open_tab: Any, org: str, console: str
) -> None:
    token = token_for(demo_server, org, f"{org}-u001")
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}")
    wait_drawn(tab)
    page = tab.page
    api = usage_api(demo_server, token, "THIS_MONTH")
    notice = page.get_by_test_id("byok-notice")
    # Not "tracking is not available" above a page of figures: what the figures are.
    expect(notice).to_contain_text("a cost estimated at list prices, not your bill")
    expect(notice).not_to_contain_text("not available")
    summary = api["usage"]["summary"]
    on_credits = summary["calls"] - summary["byokCalls"]
    if on_credits:
        expect(page.get_by_test_id("byok-mixed")).to_have_text(
            f"{on_credits} call{'s' if on_credits > 1 else ''} of this period ran on Intervy "
            f"credits and show{'' if on_credits > 1 else 's'} in credits."
        )
    else:
        expect(page.get_by_test_id("byok-mixed")).to_have_count(0)
    link = notice.get_by_role("link", name=f"Open {console}")
    expect(link).to_have_attribute("href", api["usage"]["byokNotice"]["providerDashboardUrl"])
    # The notice sits above the cards.
    assert notice.bounding_box()["y"] < page.get_by_test_id("summary").bounding_box()["y"]
    edges = api["usage"]["activity"]["edges"]
    assert_activity_rows(tab, api, edges)
    modes = {edge["node"]["billingMode"] for edge in edges}
    if org == "globex":
        assert modes == {"BYOK"}
        expect(page.get_by_test_id("summary-cost")).to_have_attribute(
            "data-value", summary["estimatedCostUsd"]
        )
        # No credit spend: the breakdowns show the estimated cost.
        assert tab.attrs("[data-testid=reason]", "data-value") == [
            row["estimatedCostUsd"] for row in api["usage"]["byReason"]
        ]
    tab.assert_clean()


def test_initech_switched_mid_month_shows_both_kinds_of_rows(
    demo_server: Server, open_tab: Any
) -> None:
    token = token_for(demo_server, "initech", "initech-u001")
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}")
    wait_drawn(tab)
    page = tab.page
    api = usage_api(demo_server, token, "THIS_MONTH")
    edges = list(api["usage"]["activity"]["edges"])
    after = api["usage"]["activity"]["pageInfo"]
    while after["hasNextPage"]:
        page.get_by_test_id("load-more").click()
        more = usage_api(demo_server, token, "THIS_MONTH", after=after["endCursor"])
        edges += more["usage"]["activity"]["edges"]
        after = more["usage"]["activity"]["pageInfo"]
        expect(page.get_by_test_id("activity-row")).to_have_count(len(edges))
    assert {edge["node"]["billingMode"] for edge in edges} == {"BYOK", "CREDITS"}
    assert_activity_rows(tab, api, edges)
    tab.assert_clean()


# --- Tenant Management → Consumption ------------------------------------------------------------


def test_consumption_page_equals_the_api_and_exports_its_rows(
    demo_server: Server, open_tab: Any, shots: Path
) -> None:
    token = token_for(demo_server, "acme", "acme-u001")
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}#consumption")
    wait_drawn(tab, "total-interviews")
    page = tab.page
    api = consumption_api(demo_server, token)
    data = api["consumption"]
    expect(page.get_by_test_id("total-interviews")).to_have_text(f"{data['totalInterviews']:,}")
    for testid, key in (("credits-used", "creditsUsed"), ("remaining-balance", "remainingBalance")):
        expect(page.get_by_test_id(testid)).to_have_attribute("data-value", data[key])
        expect(page.get_by_test_id(testid)).to_have_text(credits_text(data[key]))
    allocation = data["allocation"]
    assert tab.attrs("[data-testid=allocation] dd", "data-value") == [
        allocation["included"],
        allocation["rolledOver"],
        allocation["purchased"],
        allocation["total"],
        data["creditsUsed"],
        data["remainingBalance"],
    ]
    # The balance card adds up: the allocation less what the period used is the balance.
    assert Decimal(allocation["total"]) - Decimal(data["creditsUsed"]) == Decimal(
        data["remainingBalance"]
    )
    expect(page.get_by_test_id("credits-used-scope")).to_have_text(
        f"of {credits_text(allocation['total'])} available this billing period"
    )
    assert tab.attrs("[data-testid=status]", "data-count") == [
        str(row["count"]) for row in data["byStatus"]
    ]
    # The statuses overlap (the page says so) and their credits add up (the page says so too).
    counted = sum(row["count"] for row in data["byStatus"] if row["status"] in PARTIAL_OR_COMPLETE)
    assert counted >= data["totalInterviews"]
    expect(page.get_by_test_id("status-note")).to_contain_text("the counts overlap")
    assert sum(Decimal(row["creditsUsed"]) for row in data["byStatus"]) == Decimal(
        data["creditsUsed"]
    )
    openings = [edge["node"] for edge in data["byOpening"]["edges"]]
    rows = page.get_by_test_id("opening-row")
    expect(rows).to_have_count(len(openings))
    for index, node in enumerate(openings):
        cells = [text.strip() for text in rows.nth(index).locator("td").all_inner_texts()]
        assert cells == [
            node["jobTitle"],
            f"{node['interviewsInvited']:,}",
            f"{node['interviewsCompleted']:,}",
            credits_text(node["creditsUsed"]),
        ]
    total = data["byOpening"]["totalCount"]
    expect(page.get_by_test_id("openings-range")).to_have_text(f"1–{len(openings)} of {total}")
    if not data["byOpening"]["pageInfo"]["hasNextPage"]:
        expect(page.get_by_test_id("openings-next")).to_be_disabled()
    forecast = data["forecast"]
    assert tab.attrs("[data-testid=forecast] dd", "data-value") == [
        forecast["projectedCreditsUsed"],
        forecast["projectedRemainingBalance"],
        forecast["runsOutOn"] or "",
        forecast["recommendedPurchase"],
    ]
    # The usage trend: one bar per bucket, for each granularity.
    chart = page.get_by_test_id("trend-chart")
    for name, key in (("Daily", "daily"), ("Weekly", "weekly"), ("Monthly", "monthly")):
        page.get_by_test_id("granularity").get_by_role("tab", name=name).click()
        expect(chart.locator("rect.bar")).to_have_count(len(data[key]))
        assert tab.attrs("[data-testid=trend-chart] rect.bar", "data-value") == [
            bucket["creditsUsed"] for bucket in data[key]
        ]
    page.get_by_test_id("granularity").get_by_role("tab", name="Daily").click()
    if data["previousYear"]:
        expect(page.get_by_test_id("year-over-year")).to_contain_text(
            credits_text(data["previousYear"]["creditsUsed"])
        )
    wait_alerts(tab, "consumption")
    assert len(tab.graphql_posts) == 2  # the page's query and its alerts'
    page.screenshot(path=shots / "dashboard-consumption.png", full_page=True)

    # The planning calculator: the page's worked example.
    page.get_by_role("button", name="Calculate").click()
    expect(page.get_by_test_id("plan-with-buffer")).to_have_text("300")

    # The CSV export of the period so far holds the rows behind the openings table.
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    table = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert table, "the export has rows"
    by_title: dict[str, Decimal] = defaultdict(Decimal)
    completed: dict[str, int] = defaultdict(int)
    for row in table:
        by_title[row["Job title"]] += Decimal(row["Credits used"])
        completed[row["Job title"]] += int(row["Completed"])
    for node in openings:
        assert by_title[node["jobTitle"]] == Decimal(node["creditsUsed"]), node
        assert completed[node["jobTitle"]] == node["interviewsCompleted"], node
    assert sum(by_title.values()) == Decimal(data["creditsUsed"])
    expect(page.get_by_test_id("export-status")).to_contain_text("Downloaded")

    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    openpyxl = pytest.importorskip("openpyxl")
    assert info.value.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(
        io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True
    )
    sheet_rows = list(workbook.active.iter_rows(values_only=True))
    assert len(sheet_rows) == len(table) + 1  # a header, then the same rows
    tab.assert_clean()


def test_a_member_without_consumption_view_sees_the_forbidden_message(
    demo_server: Server, open_tab: Any
) -> None:
    member = None
    for number in range(2, 30):
        candidate = token_for(demo_server, "acme", f"acme-u{number:03d}")
        viewer = httpx.post(
            f"{demo_server.base_url}/graphql",
            json={"query": "{ viewer { role permissions } }"},
            headers={"Authorization": f"Bearer {candidate}"},
        )
        if viewer.status_code == 200 and viewer.json()["data"]["viewer"]["role"] != "ACCOUNT_ADMIN":
            member = candidate
            break
    assert member is not None, "no demo member of acme without consumption:view"
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={member}#consumption")
    page = tab.page
    panel = page.get_by_test_id("error-panel")
    expect(panel).to_contain_text("Only Account Admins can see usage and credit data")
    expect(panel).to_contain_text("consumption:view")
    # The Usage page works for them.
    page.get_by_role("tab", name="Usage").click()
    wait_drawn(tab)
    tab.assert_clean()


# --- errors, tokens, GraphiQL -------------------------------------------------------------------


def test_without_a_token_the_page_says_how_to_get_one(demo_server: Server, open_tab: Any) -> None:
    tab = open_tab(f"{demo_server.base_url}/dashboard")
    expect(tab.page.get_by_test_id("info-panel")).to_contain_text(
        "usage-gateway token --org ORG --member MEMBER"
    )
    assert tab.graphql_posts == []
    tab.assert_clean()


def test_an_expired_token_is_a_message_not_a_request(demo_server: Server, open_tab: Any) -> None:
    expired = demo_server.cli("token", "--org", "acme", "--member", "acme-u001", "--hours", "-1")
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={expired}")
    expect(tab.page.get_by_test_id("error-panel")).to_contain_text("This token expired on")
    assert tab.graphql_posts == []
    tab.assert_clean()


def test_a_refused_token_and_an_absent_gateway_are_messages(
    demo_server: Server, open_tab: Any
) -> None:
    tab = open_tab(f"{demo_server.base_url}/dashboard?token=not-a-token")
    page = tab.page
    expect(page.get_by_test_id("error-panel")).to_contain_text("The gateway refused this token")
    # The browser itself reports the 401 answer; the page adds nothing.
    assert all("401" in text for text in tab.console_errors), tab.console_errors
    tab.console_errors.clear()

    token = token_for(demo_server, "acme", "acme-u001")
    page.route("**/graphql", lambda route: route.abort("connectionrefused"))
    page.fill("#token-input", token)
    page.get_by_role("button", name="Use token").click()
    expect(page.get_by_test_id("error-panel")).to_contain_text("The gateway can't be reached")
    assert tab.page_errors == [] and tab.external == []
    assert all(
        "ERR_CONNECTION_REFUSED" in text or "Failed to load" in text for text in tab.console_errors
    )


def test_graphiql_opens_on_the_usage_query_and_waits_for_a_token(
    demo_server: Server, open_tab: Any
) -> None:
    tab = open_tab(f"{demo_server.base_url}/graphql")
    page = tab.page
    expect(page.locator("#token-help")).to_contain_text(
        "usage-gateway token --org ORG --member MEMBER"
    )
    page.locator(".graphiql-query-editor .CodeMirror").wait_for(timeout=20_000)
    page.wait_for_load_state("networkidle")
    editor = (
        "() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()"
    )
    assert page.evaluate(editor) == frontend_query("usage-page.graphql")
    assert tab.graphql_posts == []  # no schema request without a token
    tab.assert_clean()

    token = token_for(demo_server, "acme", "acme-u001")
    tab = open_tab(f"{demo_server.base_url}/graphql?token={token}")
    page = tab.page
    page.locator(".graphiql-query-editor .CodeMirror").wait_for(timeout=20_000)
    expect(page.locator("#token-help")).to_have_count(0)
    variables = page.evaluate(
        "() => document.querySelector('.graphiql-editor-tool .CodeMirror').CodeMirror.getValue()"
    )
    assert '"preset": "THIS_MONTH"' in variables
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response .CodeMirror")).to_contain_text("Acme", timeout=15_000)
    # The token left the address bar for this tab's session storage, never local storage.
    assert token not in page.url
    assert token in page.evaluate("() => Object.values(sessionStorage).join(' ')")
    assert page.evaluate("() => localStorage.length") == 0
    tab.assert_clean()


def test_the_openings_table_pages_through_the_api(demo_server: Server, open_tab: Any) -> None:
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    now = demo_server.now() - timedelta(minutes=1)
    with httpx.Client(base_url=demo_server.base_url, headers=service) as client:
        client.put(
            "/v1/orgs/paging",
            json={
                "name": "Paging Ltd",
                "timeZone": "UTC",
                "plan": {
                    "interviewCreditsPerPeriod": "100",
                    "rollover": "NONE",
                    "billingAnchorDay": 1,
                },
            },
        ).raise_for_status()
        client.put(
            "/v1/orgs/paging/members/boss",
            json={"name": "Boss", "email": "boss@paging.test", "role": "ACCOUNT_ADMIN"},
        ).raise_for_status()
        events = []
        for number in range(25):
            client.put(
                f"/v1/orgs/paging/openings/job-{number:02d}", json={"jobTitle": f"Job {number:02d}"}
            ).raise_for_status()
            events.append(
                {
                    "eventId": f"e-{number}",
                    "orgId": "paging",
                    "openingId": f"job-{number:02d}",
                    "interviewId": f"i-{number}",
                    "candidateId": f"c-{number}",
                    "occurredAt": now.isoformat(),
                    "status": "COMPLETED",
                }
            )
        client.post("/v1/ingest/interview-events", json={"events": events}).raise_for_status()
    token = token_for(demo_server, "paging", "boss")
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}#consumption")
    wait_drawn(tab, "total-interviews")
    page = tab.page
    first = consumption_api(demo_server, token)["consumption"]["byOpening"]
    titles = [edge["node"]["jobTitle"] for edge in first["edges"]]
    assert len(titles) == 20 and first["pageInfo"]["hasNextPage"]
    assert tab.texts("[data-testid=opening-row] td:first-child") == titles
    page.get_by_test_id("openings-next").click()
    expect(page.get_by_test_id("openings-range")).to_have_text("21–25 of 25")
    body = graphql(
        demo_server,
        token,
        frontend_query("consumption-page.graphql"),
        {"after": first["pageInfo"]["endCursor"]},
    )
    rest = [
        edge["node"]["jobTitle"]
        for edge in body["data"]["organization"]["consumption"]["byOpening"]["edges"]
    ]
    assert tab.texts("[data-testid=opening-row] td:first-child") == rest
    expect(page.get_by_test_id("openings-next")).to_be_disabled()
    page.get_by_role("button", name="← Previous").click()
    expect(page.get_by_test_id("openings-range")).to_have_text("1–20 of 25")
    assert tab.texts("[data-testid=opening-row] td:first-child") == titles
    wait_alerts(tab, "consumption")
    # The page and its alerts, then one query per page of openings (the alerts are not asked again).
    assert len(tab.graphql_posts) == 4
    tab.assert_clean()


def test_a_refused_export_shows_the_gateways_reason(demo_server: Server, open_tab: Any) -> None:
    token = token_for(demo_server, "acme", "acme-u001")
    tab = open_tab(f"{demo_server.base_url}/dashboard?token={token}#consumption")
    wait_drawn(tab, "total-interviews")
    page = tab.page
    to = page.locator("input[name=to]").input_value()
    # Longer than the 400 days an export may span: the gateway names the field and the rule.
    refused = httpx.get(
        f"{demo_server.base_url}/v1/exports/consumption",
        params={"from": "2020-01-01", "to": to, "format": "csv"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 400, refused.text
    problem = refused.json()["error"]["errors"][0]
    page.locator("input[name=from]").fill("2020-01-01")
    page.get_by_test_id("export-csv").click()
    status = page.get_by_test_id("export-status")
    expect(status).to_contain_text("The export failed.")
    expect(status).to_contain_text(f"{problem['field']}: {problem['message']}")
    assert tab.page_errors == [] and tab.external == []
    assert all("400" in text for text in tab.console_errors), tab.console_errors
