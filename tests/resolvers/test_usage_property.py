"""Organization.usage against a plain-Python reference, on random calls, zones and periods.

Also checks the reference itself against the hand-made expectations of test_usage_handmade.py.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.catalog.defaults import DEFAULT_CATALOG
from tests.reference.usage import Org, approx_floats, project, resolve_period, usage_page
from tests.resolvers import test_usage_handmade as hm
from tests.support import (
    NOW,
    SERVICE,
    MovableClock,
    ai_call,
    graphql,
    put_member,
    put_org,
)

# --------------------------------------------------------------------------------------------
# The reference agrees with every expectation written out by hand.


def _page_org() -> Org:
    org = Org(hm.PAGE_ORG, hm.PAGE_ZONE)
    for member in hm.PAGE_MEMBERS:
        org.add_member(member, removed=member in hm.PAGE_REMOVED)
    return org


def test_reference_matches_the_hand_made_page() -> None:
    org = _page_org()
    ref = usage_page(org, hm.PAGE_EVENTS, NOW, preset="THIS_MONTH", by_user_first=10)
    assert project(ref, hm.PAGE_THIS_MONTH) == approx_floats(hm.PAGE_THIS_MONTH)
    assert ref["activity"]["nodes"] == hm.PAGE_THIS_MONTH_ACTIVITY
    assert ref["day"] == hm.PAGE_THIS_MONTH_DAYS
    assert ref["week"] == hm.PAGE_THIS_MONTH_WEEKS
    assert ref["month"] == hm.PAGE_THIS_MONTH_MONTHS

    ref = usage_page(org, hm.PAGE_EVENTS, NOW, preset="LAST_MONTH", by_user_first=10)
    assert project(ref, hm.PAGE_LAST_MONTH) == approx_floats(hm.PAGE_LAST_MONTH)
    assert ref["day"] == hm.PAGE_LAST_MONTH_DAYS

    ref = usage_page(org, hm.PAGE_EVENTS, NOW, from_=date(2026, 10, 25), to=date(2026, 10, 25))
    assert project(ref, hm.PAGE_DST_DAY) == approx_floats(hm.PAGE_DST_DAY)
    assert {k: ref[k] for k in ("day", "week", "month")} == hm.PAGE_DST_DAY_SERIES
    assert ref["activity"]["nodes"] == hm.PAGE_DST_DAY_ACTIVITY

    ref = usage_page(org, hm.PAGE_EVENTS, NOW, from_=date(2026, 10, 15), to=date(2026, 12, 10))
    assert ref["month"] == hm.PAGE_RANGE_MONTHS
    assert (ref["start"], ref["end"]) == ("2026-10-15T00:00:00+02:00", "2026-12-11T00:00:00+01:00")
    assert (ref["summary"]["creditsCharged"], ref["summary"]["calls"]) == ("15.0000", 14)


def test_reference_matches_the_hand_made_small_datasets() -> None:
    ny = Org("ny", "America/New_York")
    ny.add_member("m1")
    for preset, expected in (("THIS_MONTH", hm.NY_THIS_MONTH), ("LAST_MONTH", hm.NY_LAST_MONTH)):
        ref = usage_page(ny, hm.NY_EVENTS, NOW, preset=preset)
        ref_nodes = ref["activity"]["nodes"]
        ref["activity"] = {"totalCount": len(ref_nodes), "edges": [{"node": n} for n in ref_nodes]}
        assert project(ref, expected) == expected, preset

    switch = Org("sw", "UTC", mode="BYOK", provider="ANTHROPIC")
    switch.add_member("m1")
    ref = usage_page(switch, hm.SWITCH_EVENTS, NOW, preset="THIS_MONTH")
    ref["activity"] = {"edges": [{"node": n} for n in ref["activity"]["nodes"]]}
    assert project(ref, hm.SWITCH_CARDS) == approx_floats(hm.SWITCH_CARDS)
    assert ref["trackingAvailable"] is False
    assert ref["byokNotice"] == {
        "provider": "ANTHROPIC",
        "providerDashboardUrl": "https://console.anthropic.com/settings/usage",
    }

    byok = Org("byok", "UTC", mode="BYOK", provider="ANTHROPIC")
    byok.add_member("m1")
    byok.add_member("m2")
    ref = usage_page(byok, hm.BYOK_EVENTS, NOW, preset="THIS_MONTH", by_user_first=10)
    assert project(ref, hm.BYOK_THIS_MONTH) == approx_floats(hm.BYOK_THIS_MONTH)


def test_reference_matches_the_hand_made_trends() -> None:
    for org_id, this, before, after, previous_month, same_point in hm.TREND_CASES:
        org = Org(org_id)
        org.add_member("m1")
        events = hm.trend_events(org_id, this, before, after)
        summary = usage_page(org, events, NOW, preset="THIS_MONTH")["summary"]
        assert summary["trend"] == hm.expected_trend(previous_month, "vs last month"), org_id
        assert summary["trendSamePoint"] == hm.expected_trend(
            same_point, "vs same point last month"
        ), org_id
    clamp = Org("clamp")
    clamp.add_member("m1")
    events = [
        ai_call("f1", org_id="clamp", occurred_at="2026-02-27T10:00:00Z", credits="2"),
        ai_call("f2", org_id="clamp", occurred_at="2026-02-28T20:00:00Z", credits="2"),
        ai_call("m1", org_id="clamp", occurred_at="2026-03-05T10:00:00Z", credits="3"),
    ]
    end_of_march = datetime(2026, 3, 31, 10, tzinfo=UTC)
    summary = usage_page(clamp, events, end_of_march, preset="THIS_MONTH")["summary"]
    assert summary["trendSamePoint"]["label"] == "-25% vs same point last month"
    later = datetime(2026, 3, 28, 12, tzinfo=UTC)
    summary = usage_page(clamp, events, later, preset="THIS_MONTH")["summary"]
    assert summary["trendSamePoint"]["label"] == "+50% vs same point last month"
    assert summary["trend"]["label"] == "-25% vs last month"


def test_reference_periods_match_the_hand_made_ones() -> None:
    anch = Org("anch", "Europe/Paris", anchor_day=15)

    def span(now: datetime, preset: str) -> tuple[str, str]:
        period = resolve_period(anch, now, preset=preset)
        return period.start.isoformat(), period.end.isoformat()

    assert span(NOW, "CURRENT_BILLING_PERIOD") == (
        "2026-11-15T00:00:00+01:00",
        "2026-12-15T00:00:00+01:00",
    )
    assert span(NOW, "PREVIOUS_BILLING_PERIOD") == (
        "2026-10-15T00:00:00+02:00",
        "2026-11-15T00:00:00+01:00",
    )
    early = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)
    assert span(early, "CURRENT_BILLING_PERIOD") == (
        "2026-10-15T00:00:00+02:00",
        "2026-11-15T00:00:00+01:00",
    )
    assert span(early, "PREVIOUS_BILLING_PERIOD") == (
        "2026-09-15T00:00:00+02:00",
        "2026-10-15T00:00:00+02:00",
    )
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert span(new_year, "THIS_MONTH") == (
        "2027-01-01T00:00:00+01:00",
        "2027-02-01T00:00:00+01:00",
    )
    assert span(new_year, "CURRENT_BILLING_PERIOD") == (
        "2026-12-15T00:00:00+01:00",
        "2027-01-15T00:00:00+01:00",
    )


# --------------------------------------------------------------------------------------------
# Random organizations, calls and periods: the gateway's cards equal the reference's.

ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "Australia/Lord_Howe",
]
# Instants with a local day no later than last month's length in every zone above (so the
# same point of last month never needs clamping), one of them inside Paris's repeated hour.
NOWS = [
    NOW,
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2026, 3, 1, 3, 0, tzinfo=UTC),
    datetime(2026, 12, 1, 4, 30, tzinfo=UTC),
    datetime(2027, 1, 1, 5, 30, tzinfo=UTC),
]
MODEL_IDS = [m.id for m in DEFAULT_CATALOG]
REASONS = ["CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"]
PRESETS = ["THIS_MONTH", "LAST_MONTH", "CURRENT_BILLING_PERIOD", "PREVIOUS_BILLING_PERIOD"]
WINDOW_SECONDS = 75 * 86_400
_orgs = itertools.count()

CARDS_QUERY = """
query($period: PeriodInput!, $users: Int!, $first: Int!) { organization { usage(period: $period) {
  preset start end trackingAvailable
  byokNotice { provider message providerDashboardUrl }
  summary {
    creditsCharged estimatedCostUsd calls byokCalls featureTypeCount modelTierCount
    trend { direction percent label previousCreditsCharged }
    trendSamePoint: trend(basis: SAME_POINT_LAST_MONTH) { direction percent label previousCreditsCharged }
  }
  byReason { reason label creditsCharged estimatedCostUsd calls }
  byUser(first: $users) {
    totalCount
    nodes { displayName member { name email } creditsCharged estimatedCostUsd calls share }
  }
  byModel { provider tier label creditsCharged estimatedCostUsd calls relativeToMax }
  activity(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      occurredAt reason reasonLabel member { name email } billingMode creditsCharged totalTokens
      estimatedCostUsd model { provider tier label }
    } }
  }
} } }
"""
MORE_QUERY = """
query($period: PeriodInput!, $first: Int!, $after: String) { organization { usage(period: $period) {
  activity(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      occurredAt reason reasonLabel member { name email } billingMode creditsCharged totalTokens
      estimatedCostUsd model { provider tier label }
    } }
  }
} } }
"""
ALL_USERS_QUERY = """
query($period: PeriodInput!) { organization { usage(period: $period) {
  summary { creditsCharged }
  byUser(first: 500) { totalCount nodes { displayName creditsCharged calls } }
} } }
"""
SERIES_QUERY = """
query($period: PeriodInput!) { organization { usage(period: $period) {
  day: timeSeries(granularity: DAY) { start creditsCharged estimatedCostUsd calls }
  week: timeSeries(granularity: WEEK) { start creditsCharged estimatedCostUsd calls }
  month: timeSeries(granularity: MONTH) { start creditsCharged estimatedCostUsd calls }
} } }
"""


def _credits(e4: int) -> str:
    return f"{e4 // 10_000}.{e4 % 10_000:04d}"


@st.composite
def org_cases(draw: st.DrawFn, now: datetime) -> dict[str, Any]:
    index = next(_orgs)
    org_id = f"prop{index}"
    zone = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from([None, 1, 7, 15, 28]))
    mode, provider = draw(
        st.sampled_from([("CREDITS", None), ("BYOK", "ANTHROPIC"), ("BYOK", "OPENAI")])
    )
    member_count = draw(st.integers(1, 6))
    members = [f"u{i}" for i in range(member_count)]
    removed = draw(st.sets(st.sampled_from(members), max_size=min(3, member_count)))
    offsets = draw(st.lists(st.integers(60, WINDOW_SECONDS), max_size=30, unique=True))
    events = []
    for n, offset in enumerate(offsets):
        byok = draw(st.integers(0, 3)) == 0
        at = now - timedelta(seconds=offset)
        event: dict[str, Any] = {
            "eventId": f"{org_id}-e{n}",
            "orgId": org_id,
            "occurredAt": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "memberId": draw(st.sampled_from(members)),
            "reason": draw(st.sampled_from(REASONS)),
            "billingMode": "BYOK" if byok else "CREDITS",
            "model": draw(st.sampled_from(MODEL_IDS)),
            "inputTokens": draw(st.integers(1_000, 200_000)),
            "outputTokens": draw(st.integers(0, 50_000)),
        }
        if not byok:
            big = draw(st.booleans())
            event["creditsCharged"] = _credits(draw(st.integers(1, 10**9 if big else 50_000)))
        events.append(event)
    org = Org(org_id, zone, mode=mode, provider=provider, anchor_day=anchor or 1)
    for member in members:
        org.add_member(member, removed=member in removed)
    today = now.astimezone(org.zone).date()
    kind = draw(st.sampled_from(["preset", "preset", "custom", "year"]))
    if kind == "preset":
        preset = draw(st.sampled_from([*PRESETS, "THIS_MONTH"]))
        period: dict[str, Any] = {"preset": preset}
    else:
        first = today - timedelta(days=draw(st.integers(0, 100)))
        length = 399 if kind == "year" else draw(st.integers(0, 70))
        if kind == "year":
            first = today - timedelta(days=draw(st.integers(0, 399)))
        period = {"from": first.isoformat(), "to": (first + timedelta(days=length)).isoformat()}
    return {
        "users": draw(st.sampled_from([1, 2, 3, 7, 100])),
        "first": draw(st.sampled_from([3, 7, 100])),
        "org": org,
        "plan": None
        if anchor is None
        else {"interviewCreditsPerPeriod": "100", "billingAnchorDay": anchor},
        "removed": sorted(removed),
        "events": events,
        "period": period,
    }


async def _setup(client: httpx.AsyncClient, cases: list[dict[str, Any]]) -> None:
    for case in cases:
        org: Org = case["org"]
        extra: dict[str, Any] = {"aiBilling": {"mode": org.mode, "provider": org.provider}}
        if org.provider is None:
            extra["aiBilling"] = {"mode": org.mode}
        if case["plan"]:
            extra["plan"] = case["plan"]
        await put_org(client, org.id, time_zone=org.time_zone, **extra)
        for member in [*org.members, "viewer"]:
            await put_member(client, org.id, member)
    events = [event for case in cases for event in case["events"]]
    if events:
        response = await client.post("/v1/ingest/ai-calls", json=events, headers=SERVICE)
        assert response.status_code == 200, response.text
        assert response.json() == {"accepted": len(events), "duplicates": 0}
    for case in cases:
        for member in case["removed"]:
            response = await client.delete(
                f"/v1/orgs/{case['org'].id}/members/{member}", headers=SERVICE
            )
            assert response.status_code == 204, response.text


async def _query(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    body = await graphql(client, query, token=token, variables=variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["organization"]["usage"]
    return result


def _reference(case: dict[str, Any], now: datetime) -> dict[str, Any]:
    period = case["period"]
    return usage_page(
        case["org"],
        case["events"],
        now,
        preset=period.get("preset"),
        from_=date.fromisoformat(period["from"]) if "from" in period else None,
        to=date.fromisoformat(period["to"]) if "to" in period else None,
        by_user_first=case["users"],
    )


async def _check_org(client: httpx.AsyncClient, case: dict[str, Any], now: datetime) -> None:
    org: Org = case["org"]
    token = hm.token_at(org.id, "viewer", now)
    variables = {"period": case["period"]}
    expected = _reference(case, now)

    got = await _query(
        client, token, CARDS_QUERY, {**variables, "users": case["users"], "first": case["first"]}
    )
    activity = got.pop("activity")
    nodes = [edge["node"] for edge in activity["edges"]]
    pages = 1
    while activity["pageInfo"]["hasNextPage"]:
        more = await _query(
            client,
            token,
            MORE_QUERY,
            {**variables, "first": case["first"], "after": activity["pageInfo"]["endCursor"]},
        )
        activity = more["activity"]
        nodes += [edge["node"] for edge in activity["edges"]]
        pages += 1
        assert pages <= 40
    if got["byokNotice"] is not None:
        assert got["byokNotice"].pop("message").strip()
    got["activity"] = {"totalCount": activity["totalCount"], "nodes": nodes}
    want = {k: v for k, v in expected.items() if k not in ("day", "week", "month")}
    assert got == approx_floats(want), (case["period"], org.time_zone)

    # Every breakdown adds up to the summary, to the last digit.
    total = Decimal(got["summary"]["creditsCharged"])
    assert sum((Decimal(r["creditsCharged"]) for r in got["byReason"]), Decimal(0)) == total
    assert sum((Decimal(r["creditsCharged"]) for r in got["byModel"]), Decimal(0)) == total
    assert got["activity"]["totalCount"] == got["summary"]["calls"] == len(nodes)

    everyone = await _query(client, token, ALL_USERS_QUERY, variables)
    assert everyone["byUser"]["totalCount"] == len(everyone["byUser"]["nodes"])
    assert everyone["byUser"]["totalCount"] == expected["byUser"]["totalCount"]
    assert (
        sum((Decimal(r["creditsCharged"]) for r in everyone["byUser"]["nodes"]), Decimal(0))
        == Decimal(everyone["summary"]["creditsCharged"])
        == total
    )
    assert sum(r["calls"] for r in everyone["byUser"]["nodes"]) == got["summary"]["calls"]

    series = await _query(client, token, SERIES_QUERY, variables)
    for granularity in ("day", "week", "month"):
        assert series[granularity] == expected[granularity], granularity
        buckets = series[granularity]
        assert sum((Decimal(b["creditsCharged"]) for b in buckets), Decimal(0)) == total
        assert sum(b["calls"] for b in buckets) == got["summary"]["calls"]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_cards_equal_the_reference(
    client: httpx.AsyncClient, clock: MovableClock, data: st.DataObject
) -> None:
    now = data.draw(st.sampled_from(NOWS), label="now")
    clock.now = now
    cases = [
        data.draw(org_cases(now), label=f"org{i}") for i in range(data.draw(st.integers(2, 3)))
    ]
    await _setup(client, cases)
    for case in cases:
        await _check_org(client, case, now)
