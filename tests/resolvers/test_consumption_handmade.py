"""Tenant Management → Consumption: hand-made scenarios, every expected number written out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support import (
    SERVICE,
    MovableClock,
    frontend_query,
    graphql,
    member_token,
    put_member,
    put_org,
)

CARDS = """
  preset start end totalInterviews creditsUsed remainingBalance
  allocation { included rolledOver purchased total }
  byStatus { status count creditsUsed }
  byOpening(first: 100) {
    totalCount
    edges { node { opening { id jobTitle } jobTitle interviewsInvited interviewsCompleted creditsUsed } }
  }
  daily: usageTrend(granularity: DAY) { start interviewsCompleted creditsUsed }
  weekly: usageTrend(granularity: WEEK) { start interviewsCompleted creditsUsed }
  monthly: usageTrend(granularity: MONTH) { start interviewsCompleted creditsUsed }
  previousYear { start end totalInterviews creditsUsed creditsChangePercent }
  forecast { projectedCreditsUsed projectedRemainingBalance runsOutOn recommendedPurchase }
"""
CONSUMPTION = (
    "query($period: PeriodInput!) { organization { consumption(period: $period) {" + CARDS + "} } }"
)

# The frontend's query, as sent by the Consumption page.

STATUS_ORDER = ["INVITED", "STARTED", "PARTIALLY_COMPLETED", "COMPLETED", "SIMULATION"]


# ---------------------------------------------------------------- helpers


def interview_event(
    event_id: str,
    status: str,
    at: str,
    *,
    interview: str,
    opening: str = "o1",
    candidate: str | None = None,
    fraction: str | None = None,
    org: str = "acme",
) -> dict[str, Any]:
    event = {
        "eventId": event_id,
        "orgId": org,
        "openingId": opening,
        "interviewId": interview,
        "candidateId": candidate or f"cand-{interview}",
        "occurredAt": at,
        "status": status,
    }
    if fraction is not None:
        event["completedFraction"] = fraction
    return event


async def ingest(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> dict[str, int]:
    for start in range(0, len(events), 500):
        response = await client.post(
            "/v1/ingest/interview-events", json=events[start : start + 500], headers=SERVICE
        )
        assert response.status_code == 200, response.text
    result: dict[str, int] = response.json()
    return result


async def put_opening(client: httpx.AsyncClient, org: str, opening: str, title: str) -> None:
    response = await client.put(
        f"/v1/orgs/{org}/openings/{opening}", json={"jobTitle": title}, headers=SERVICE
    )
    assert response.status_code in (200, 201), response.text


async def purchase(
    client: httpx.AsyncClient, org: str, purchase_id: str, credits: str, at: str
) -> None:
    response = await client.post(
        f"/v1/orgs/{org}/credit-purchases",
        json={"purchaseId": purchase_id, "credits": credits, "occurredAt": at},
        headers=SERVICE,
    )
    assert response.status_code in (200, 201), response.text


def plan(
    included: str, rollover: str = "NONE", cap: str | None = None, anchor: int = 1
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "interviewCreditsPerPeriod": included,
        "rollover": rollover,
        "billingAnchorDay": anchor,
    }
    if cap is not None:
        body["rolloverCap"] = cap
    return body


async def new_org(
    client: httpx.AsyncClient,
    org: str,
    *,
    time_zone: str = "UTC",
    plan_body: dict[str, Any],
    active_since: str,
    openings: dict[str, str] | None = None,
) -> str:
    await put_org(client, org, time_zone=time_zone, plan=plan_body, activeSince=active_since)
    await put_member(client, org, "boss", role="ACCOUNT_ADMIN")
    for opening, title in (openings or {"o1": "chef"}).items():
        await put_opening(client, org, opening, title)
    return member_token(org, "boss")


async def consumption(
    client: httpx.AsyncClient, token: str, period: dict[str, Any]
) -> dict[str, Any]:
    body = await graphql(client, CONSUMPTION, token=token, variables={"period": period})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["organization"]["consumption"]
    return result


def statuses(**counts: tuple[int, str]) -> list[dict[str, Any]]:
    return [
        {
            "status": s,
            "count": counts.get(s, (0, "0.0000"))[0],
            "creditsUsed": counts.get(s, (0, "0.0000"))[1],
        }
        for s in STATUS_ORDER
    ]


def nonzero(buckets: list[dict[str, Any]]) -> dict[str, tuple[int, str]]:
    return {
        b["start"]: (b["interviewsCompleted"], b["creditsUsed"])
        for b in buckets
        if b["interviewsCompleted"] or Decimal(b["creditsUsed"])
    }


def openings_of(result: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    return [
        (
            e["node"]["jobTitle"],
            e["node"]["interviewsInvited"],
            e["node"]["interviewsCompleted"],
            e["node"]["creditsUsed"],
        )
        for e in result["byOpening"]["edges"]
    ]


# ---------------------------------------------------------------- a period with purchases


async def _seed_purchases(client: httpx.AsyncClient) -> str:
    token = await new_org(
        client,
        "acme",
        plan_body=plan("100"),
        active_since="2026-11-01",
        openings={"o1": "chef", "o2": "baker"},
    )
    events = [
        interview_event("a1", "INVITED", "2026-11-02T09:00:00Z", interview="i1"),
        interview_event("a2", "STARTED", "2026-11-03T10:00:00Z", interview="i1"),
        interview_event("a3", "COMPLETED", "2026-11-03T11:00:00Z", interview="i1"),
        interview_event("b1", "INVITED", "2026-11-05T09:00:00Z", interview="i2"),
        interview_event(
            "b2", "PARTIALLY_COMPLETED", "2026-11-10T09:00:00Z", interview="i2", fraction="0.455"
        ),
        interview_event("c1", "COMPLETED", "2026-11-12T09:00:00Z", interview="i3", opening="o2"),
        interview_event("d1", "SIMULATION", "2026-11-12T10:00:00Z", interview="i4", opening="o2"),
        interview_event("d2", "COMPLETED", "2026-11-12T11:00:00Z", interview="i4", opening="o2"),
        interview_event("e1", "INVITED", "2026-11-19T08:00:00Z", interview="i5", opening="o2"),
        # A year earlier: 0.25 inside the comparison span, the completion after its end.
        interview_event(
            "f1", "PARTIALLY_COMPLETED", "2025-11-10T09:00:00Z", interview="i6", fraction="0.25"
        ),
        interview_event("f2", "COMPLETED", "2025-11-25T09:00:00Z", interview="i6"),
    ]
    assert await ingest(client, events) == {"accepted": 11, "duplicates": 0}
    await purchase(client, "acme", "p1", "50", "2026-11-04T12:00:00Z")
    await purchase(client, "acme", "p2", "12.5", "2026-11-15T12:00:00Z")
    # Before the period, and after now: neither counts now.
    await purchase(client, "acme", "p0", "30", "2026-10-20T12:00:00Z")
    await purchase(client, "acme", "p3", "7", "2026-11-25T12:00:00Z")
    return token


async def test_a_period_with_purchases(client: httpx.AsyncClient) -> None:
    token = await _seed_purchases(client)
    result = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
    assert result["preset"] == "CURRENT_BILLING_PERIOD"
    assert (result["start"], result["end"]) == (
        "2026-11-01T00:00:00+00:00",
        "2026-12-01T00:00:00+00:00",
    )
    # 1 (i1) + 0.455 -> 0.46 (i2) + 1 (i3); i4 is a simulation and free.
    assert result["creditsUsed"] == "2.4600"
    assert result["totalInterviews"] == 3
    assert result["allocation"] == {
        "included": "100.0000",
        "rolledOver": "0.0000",
        "purchased": "62.5000",
        "total": "162.5000",
    }
    assert result["remainingBalance"] == "160.0400"
    assert result["byStatus"] == statuses(
        INVITED=(3, "0.0000"),
        STARTED=(1, "0.0000"),
        PARTIALLY_COMPLETED=(1, "0.4600"),
        COMPLETED=(2, "2.0000"),
        SIMULATION=(1, "0.0000"),
    )
    assert result["byOpening"]["totalCount"] == 2
    assert openings_of(result) == [("chef", 2, 1, "1.4600"), ("baker", 1, 1, "1.0000")]
    # Rate: 0.46 + 1 over 6-19 November = 1.46 / 14; 11 days left (20-30 November).
    # 2.46 + 1.46 * 11 / 14 = 3.6071... -> 3.61; 160.04 / (1.46 / 14) days is past the end.
    assert result["forecast"] == {
        "projectedCreditsUsed": "3.6100",
        "projectedRemainingBalance": "158.8900",
        "runsOutOn": None,
        "recommendedPurchase": "0.0000",
    }
    # 1 Nov 2025 to 20 Nov 2025 12:00: only the 0.25 partial; (2.46 - 0.25) / 0.25 = +884 %.
    assert result["previousYear"] == {
        "start": "2025-11-01T00:00:00+00:00",
        "end": "2025-11-20T12:00:00+00:00",
        "totalInterviews": 1,
        "creditsUsed": "0.2500",
        "creditsChangePercent": 884,
    }
    assert len(result["daily"]) == 30
    assert nonzero(result["daily"]) == {
        "2026-11-03": (1, "1.0000"),
        "2026-11-10": (0, "0.4600"),
        "2026-11-12": (1, "1.0000"),
    }
    assert [b["start"] for b in result["weekly"]] == [
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
    ]
    assert nonzero(result["weekly"]) == {"2026-11-02": (1, "1.0000"), "2026-11-09": (1, "1.4600")}
    assert result["monthly"] == [
        {"start": "2026-11-01", "interviewsCompleted": 2, "creditsUsed": "2.4600"}
    ]


async def test_the_page_query_end_to_end(client: httpx.AsyncClient) -> None:
    token = await _seed_purchases(client)
    body = await graphql(client, frontend_query("consumption-page.graphql"), token=token)
    assert "errors" not in body, body
    page = body["data"]["organization"]
    consumption_ = page["consumption"]
    daily, weekly = consumption_.pop("daily"), consumption_.pop("weekly")
    opening_ids = [e["node"].pop("opening")["id"] for e in consumption_["byOpening"]["edges"]]
    assert len(set(opening_ids)) == 2 and all(opening_ids)
    assert page == {
        "name": "Org acme",
        "timeZone": "UTC",
        "plan": {
            "interviewCreditsPerPeriod": "100.0000",
            "rollover": "NONE",
            "rolloverCap": None,
            "billingAnchorDay": 1,
        },
        "consumption": {
            "preset": "CURRENT_BILLING_PERIOD",
            "start": "2026-11-01T00:00:00+00:00",
            "end": "2026-12-01T00:00:00+00:00",
            "totalInterviews": 3,
            "creditsUsed": "2.4600",
            "remainingBalance": "160.0400",
            "allocation": {
                "included": "100.0000",
                "rolledOver": "0.0000",
                "purchased": "62.5000",
                "total": "162.5000",
            },
            "byStatus": [
                {"status": "INVITED", "count": 3, "creditsUsed": "0.0000"},
                {"status": "STARTED", "count": 1, "creditsUsed": "0.0000"},
                {"status": "PARTIALLY_COMPLETED", "count": 1, "creditsUsed": "0.4600"},
                {"status": "COMPLETED", "count": 2, "creditsUsed": "2.0000"},
                {"status": "SIMULATION", "count": 1, "creditsUsed": "0.0000"},
            ],
            "byOpening": {
                "totalCount": 2,
                "pageInfo": {
                    "hasNextPage": False,
                    "endCursor": consumption_["byOpening"]["pageInfo"]["endCursor"],
                },
                "edges": [
                    {
                        "node": {
                            "jobTitle": "chef",
                            "interviewsInvited": 2,
                            "interviewsCompleted": 1,
                            "creditsUsed": "1.4600",
                        }
                    },
                    {
                        "node": {
                            "jobTitle": "baker",
                            "interviewsInvited": 1,
                            "interviewsCompleted": 1,
                            "creditsUsed": "1.0000",
                        }
                    },
                ],
            },
            "monthly": [{"start": "2026-11-01", "interviewsCompleted": 2, "creditsUsed": "2.4600"}],
            "previousYear": {
                "start": "2025-11-01T00:00:00+00:00",
                "end": "2025-11-20T12:00:00+00:00",
                "totalInterviews": 1,
                "creditsUsed": "0.2500",
                "creditsChangePercent": 884,
            },
            "forecast": {
                "projectedCreditsUsed": "3.6100",
                "projectedRemainingBalance": "158.8900",
                "runsOutOn": None,
                "recommendedPurchase": "0.0000",
            },
        },
    }
    assert [b["start"] for b in daily] == [f"2026-11-{d:02d}" for d in range(1, 31)]
    assert sum(Decimal(b["creditsUsed"]) for b in daily) == Decimal("2.4600")
    assert sum(b["interviewsCompleted"] for b in daily) == 2
    assert daily[9] == {"start": "2026-11-10", "interviewsCompleted": 0, "creditsUsed": "0.4600"}
    assert daily[19] == {"start": "2026-11-20", "interviewsCompleted": 0, "creditsUsed": "0.0000"}
    assert len(weekly) == 6
    assert weekly[0] == {"start": "2026-10-26", "interviewsCompleted": 0, "creditsUsed": "0.0000"}
    assert weekly[2] == {"start": "2026-11-09", "interviewsCompleted": 1, "creditsUsed": "1.4600"}
    assert sum(Decimal(b["creditsUsed"]) for b in weekly) == Decimal("2.4600")


# ---------------------------------------------------------------- across a boundary, replays


async def test_a_partial_upgraded_across_a_period_boundary_and_replays(
    client: httpx.AsyncClient,
) -> None:
    token = await new_org(client, "acme", plan_body=plan("10", "FULL"), active_since="2026-10-01")
    batch = [
        interview_event("p1", "INVITED", "2026-10-29T10:00:00Z", interview="i1"),
        interview_event(
            "p2", "PARTIALLY_COMPLETED", "2026-10-31T23:30:00Z", interview="i1", fraction="0.3"
        ),
        interview_event("p3", "COMPLETED", "2026-11-01T00:30:00Z", interview="i1"),
    ]
    assert await ingest(client, batch) == {"accepted": 3, "duplicates": 0}

    async def check() -> None:
        october = await consumption(client, token, {"preset": "PREVIOUS_BILLING_PERIOD"})
        assert october["creditsUsed"] == "0.3000"
        assert october["totalInterviews"] == 1
        assert october["byStatus"] == statuses(
            INVITED=(1, "0.0000"), PARTIALLY_COMPLETED=(1, "0.3000")
        )
        assert october["allocation"] == {
            "included": "10.0000",
            "rolledOver": "0.0000",
            "purchased": "0.0000",
            "total": "10.0000",
        }
        assert october["remainingBalance"] == "9.7000"
        # A past period's forecast is its actual figures.
        assert october["forecast"] == {
            "projectedCreditsUsed": "0.3000",
            "projectedRemainingBalance": "9.7000",
            "runsOutOn": None,
            "recommendedPurchase": "0.0000",
        }
        assert nonzero(october["daily"]) == {"2026-10-31": (0, "0.3000")}
        assert openings_of(october) == [("chef", 1, 0, "0.3000")]
        november = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
        # The completion pays the difference in November; a second completion pays nothing.
        assert november["creditsUsed"] == "0.7000"
        assert november["totalInterviews"] == 1
        assert november["byStatus"] == statuses(COMPLETED=(1, "0.7000"))
        assert november["allocation"] == {
            "included": "10.0000",
            "rolledOver": "9.7000",
            "purchased": "0.0000",
            "total": "19.7000",
        }
        assert november["remainingBalance"] == "19.0000"
        assert nonzero(november["daily"]) == {"2026-11-01": (1, "0.7000")}
        assert openings_of(november) == [("chef", 0, 1, "0.7000")]

    await check()
    assert await ingest(client, batch) == {"accepted": 0, "duplicates": 3}
    await check()
    assert await ingest(
        client,
        [*batch[1:], interview_event("p4", "COMPLETED", "2026-11-02T08:00:00Z", interview="i1")],
    ) == {
        "accepted": 1,
        "duplicates": 2,
    }
    await check()


async def test_a_late_event_recomputes_the_interview(client: httpx.AsyncClient) -> None:
    token = await new_org(client, "acme", plan_body=plan("10"), active_since="2026-10-01")
    await ingest(
        client,
        [
            interview_event(
                "q1", "PARTIALLY_COMPLETED", "2026-11-03T10:00:00Z", interview="i1", fraction="0.4"
            ),
            interview_event("q2", "COMPLETED", "2026-11-05T10:00:00Z", interview="i1"),
        ],
    )
    # A completion that happened in October arrives late: October pays 1, November nothing.
    await ingest(
        client, [interview_event("q0", "COMPLETED", "2026-10-20T10:00:00Z", interview="i1")]
    )
    october = await consumption(client, token, {"preset": "PREVIOUS_BILLING_PERIOD"})
    november = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
    assert (october["creditsUsed"], november["creditsUsed"]) == ("1.0000", "0.0000")
    assert october["byStatus"] == statuses(COMPLETED=(1, "1.0000"))
    # The partial still counts: first partial in November, an interview with a partial event.
    assert november["byStatus"] == statuses(PARTIALLY_COMPLETED=(1, "0.0000"))
    assert november["totalInterviews"] == 1
    assert november["allocation"]["rolledOver"] == "0.0000"
    assert november["remainingBalance"] == "10.0000"
    # A simulation arriving later makes the whole interview free.
    await ingest(
        client, [interview_event("q9", "SIMULATION", "2026-11-06T10:00:00Z", interview="i1")]
    )
    october = await consumption(client, token, {"preset": "PREVIOUS_BILLING_PERIOD"})
    november = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
    assert (october["creditsUsed"], november["creditsUsed"]) == ("0.0000", "0.0000")
    assert (october["totalInterviews"], november["totalInterviews"]) == (0, 0)
    assert october["byStatus"] == statuses()
    assert november["byStatus"] == statuses(SIMULATION=(1, "0.0000"))


# ---------------------------------------------------------------- rollover over three periods


def _completions(prefix: str, day: str, n: int, hour: int = 10) -> list[dict[str, Any]]:
    return [
        interview_event(
            f"{prefix}{k:03d}",
            "COMPLETED",
            f"{day}T{hour:02d}:{k % 60:02d}:00Z",
            interview=f"{prefix}-{k:03d}",
        )
        for k in range(n)
    ]


async def _three_periods(client: httpx.AsyncClient, plan_body: dict[str, Any]) -> str:
    token = await new_org(client, "acme", plan_body=plan_body, active_since="2026-09-10")
    events = _completions("s", "2026-09-10", 40)
    for day in range(1, 11):  # 13 a day over 1-10 October: 130
        events += _completions(f"o{day:02d}-", f"2026-10-{day:02d}", 13)
    events += _completions("n", "2026-11-13", 5)
    await ingest(client, events)
    await purchase(client, "acme", "oct", "20", "2026-10-15T09:00:00Z")
    return token


ALLOCATIONS = {
    # September: 100 included, 40 used -> 60 left.
    # October: 20 purchased, 130 used. November: 5 used.
    "NONE": (
        ("0.0000", "120.0000", "-10.0000", "2026-10-08"),
        ("0.0000", "100.0000", "95.0000"),
    ),
    "FULL": (
        ("60.0000", "180.0000", "50.0000", None),
        ("50.0000", "150.0000", "145.0000"),
    ),
    # Capped at 25: 25 of September's 60, then 15 of October's 15.
    "CAPPED": (
        ("25.0000", "145.0000", "15.0000", "2026-10-10"),
        ("15.0000", "115.0000", "110.0000"),
    ),
}


@pytest.mark.parametrize("rule", ["NONE", "FULL", "CAPPED"])
async def test_rollover_over_three_periods(client: httpx.AsyncClient, rule: str) -> None:
    body = plan("100", rule, "25" if rule == "CAPPED" else None)
    token = await _three_periods(client, body)
    (oct_rolled, oct_total, oct_left, runs_out), (nov_rolled, nov_total, nov_left) = ALLOCATIONS[
        rule
    ]

    september = await consumption(client, token, {"from": "2026-09-01", "to": "2026-09-30"})
    assert september["preset"] is None
    assert september["creditsUsed"] == "40.0000"
    assert september["allocation"] == {
        "included": "100.0000",
        "rolledOver": "0.0000",
        "purchased": "0.0000",
        "total": "100.0000",
    }
    assert september["remainingBalance"] == "60.0000"
    assert september["forecast"]["runsOutOn"] is None

    october = await consumption(client, token, {"preset": "PREVIOUS_BILLING_PERIOD"})
    assert october["creditsUsed"] == "130.0000"
    assert october["totalInterviews"] == 130
    assert october["allocation"] == {
        "included": "100.0000",
        "rolledOver": oct_rolled,
        "purchased": "20.0000",
        "total": oct_total,
    }
    assert october["remainingBalance"] == oct_left
    # The day the balance first reached zero (13 a day; the purchase came on the 15th).
    assert october["forecast"] == {
        "projectedCreditsUsed": "130.0000",
        "projectedRemainingBalance": oct_left,
        "runsOutOn": runs_out,
        "recommendedPurchase": "0.0000",
    }

    november = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
    assert november["creditsUsed"] == "5.0000"
    assert november["allocation"] == {
        "included": "100.0000",
        "rolledOver": nov_rolled,
        "purchased": "0.0000",
        "total": nov_total,
    }
    assert november["remainingBalance"] == nov_left
    # 5 used on the 13th: rate 5/14 a day, 11 days left -> 5 + 55/14 = 8.93.
    projected_left = Decimal(nov_total) - Decimal("8.9300")
    assert november["forecast"] == {
        "projectedCreditsUsed": "8.9300",
        "projectedRemainingBalance": f"{projected_left:.4f}",
        "runsOutOn": None,
        "recommendedPurchase": "0.0000",
    }


async def test_plan_changes_apply_from_the_next_period(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    now = clock.now
    clock.now = datetime(2026, 9, 12, 12, tzinfo=UTC)
    token = await new_org(client, "acme", plan_body=plan("100"), active_since="2026-09-10")
    clock.now = datetime(2026, 9, 15, 12, tzinfo=UTC)
    await put_org(client, "acme", plan=plan("50", "FULL"), activeSince="2026-09-10")
    clock.now = datetime(2026, 10, 20, 12, tzinfo=UTC)
    await put_org(client, "acme", plan=plan("80", "CAPPED", "10"), activeSince="2026-09-10")
    clock.now = now
    events = _completions("s", "2026-09-10", 40)
    for day in range(1, 11):
        events += _completions(f"o{day:02d}-", f"2026-10-{day:02d}", 13)
    events += _completions("n", "2026-11-13", 5)
    await ingest(client, events)
    await purchase(client, "acme", "oct", "20", "2026-10-15T09:00:00Z")

    september = await consumption(client, token, {"from": "2026-09-01", "to": "2026-09-30"})
    assert september["allocation"]["included"] == "100.0000"
    assert september["remainingBalance"] == "60.0000"
    # October runs on 50 FULL: 50 + 60 + 20 = 130, all used; 110 at hand ran out on the 9th.
    october = await consumption(client, token, {"preset": "PREVIOUS_BILLING_PERIOD"})
    assert october["allocation"] == {
        "included": "50.0000",
        "rolledOver": "60.0000",
        "purchased": "20.0000",
        "total": "130.0000",
    }
    assert october["remainingBalance"] == "0.0000"
    assert october["forecast"]["runsOutOn"] == "2026-10-09"
    # November runs on 80 CAPPED 10: nothing left to roll over.
    november = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
    assert november["allocation"] == {
        "included": "80.0000",
        "rolledOver": "0.0000",
        "purchased": "0.0000",
        "total": "80.0000",
    }
    assert november["remainingBalance"] == "75.0000"
    plan_body = await graphql(
        client,
        "{ organization { plan { interviewCreditsPerPeriod rollover rolloverCap billingAnchorDay } } }",
        token=token,
    )
    assert plan_body["data"]["organization"]["plan"] == {
        "interviewCreditsPerPeriod": "80.0000",
        "rollover": "CAPPED",
        "rolloverCap": "10.0000",
        "billingAnchorDay": 1,
    }


# ---------------------------------------------------------------- billing anchor 15


async def test_a_billing_anchor_of_15(client: httpx.AsyncClient) -> None:
    token = await new_org(
        client, "acme", plan_body=plan("40", anchor=15), active_since="2026-10-01"
    )
    await ingest(
        client,
        [
            interview_event(
                "x1", "PARTIALLY_COMPLETED", "2026-10-14T10:00:00Z", interview="i1", fraction="0.5"
            ),
            interview_event("x2", "COMPLETED", "2026-11-14T23:59:59Z", interview="i2"),
            interview_event("x3", "COMPLETED", "2026-11-15T00:00:00Z", interview="i3"),
        ],
    )
    current = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
    assert (current["start"], current["end"]) == (
        "2026-11-15T00:00:00+00:00",
        "2026-12-15T00:00:00+00:00",
    )
    assert current["creditsUsed"] == "1.0000"
    assert current["allocation"] == {
        "included": "40.0000",
        "rolledOver": "0.0000",
        "purchased": "0.0000",
        "total": "40.0000",
    }
    assert current["remainingBalance"] == "39.0000"
    assert len(current["daily"]) == 30
    assert current["daily"][0] == {
        "start": "2026-11-15",
        "interviewsCompleted": 1,
        "creditsUsed": "1.0000",
    }
    assert current["daily"][-1]["start"] == "2026-12-14"
    assert [b["start"] for b in current["weekly"]] == [
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
        "2026-12-07",
        "2026-12-14",
    ]
    assert current["monthly"] == [
        {"start": "2026-11-01", "interviewsCompleted": 1, "creditsUsed": "1.0000"},
        {"start": "2026-12-01", "interviewsCompleted": 0, "creditsUsed": "0.0000"},
    ]
    # Rate 2/14 (the 14th and the 15th), 25 days left: 1 + 50/14 = 4.57.
    assert current["forecast"] == {
        "projectedCreditsUsed": "4.5700",
        "projectedRemainingBalance": "35.4300",
        "runsOutOn": None,
        "recommendedPurchase": "0.0000",
    }
    previous = await consumption(client, token, {"preset": "PREVIOUS_BILLING_PERIOD"})
    assert (previous["start"], previous["end"]) == (
        "2026-10-15T00:00:00+00:00",
        "2026-11-15T00:00:00+00:00",
    )
    assert previous["creditsUsed"] == "1.0000"
    assert previous["remainingBalance"] == "39.0000"
    # The first period: 15 September to 15 October, which holds activeSince.
    first = await consumption(client, token, {"from": "2026-09-15", "to": "2026-10-14"})
    assert first["creditsUsed"] == "0.5000"
    assert first["allocation"]["total"] == "40.0000"
    assert first["remainingBalance"] == "39.5000"
    # A calendar month that is not a billing period: its own usage, the balance of the billing
    # period that holds its last day (30 November: the current one).
    month = await consumption(client, token, {"preset": "THIS_MONTH"})
    assert (month["start"], month["end"]) == (
        "2026-11-01T00:00:00+00:00",
        "2026-12-01T00:00:00+00:00",
    )
    assert month["creditsUsed"] == "2.0000"
    assert month["totalInterviews"] == 2
    assert month["allocation"] == current["allocation"]
    assert month["remainingBalance"] == "39.0000"
    assert month["forecast"] == current["forecast"]
    last = await consumption(client, token, {"preset": "LAST_MONTH"})
    # October's last day lies in 15 Oct - 15 Nov.
    assert last["creditsUsed"] == "0.5000"
    assert last["remainingBalance"] == "39.0000"
    assert last["forecast"]["projectedCreditsUsed"] == "1.0000"


# ---------------------------------------------------------------- time zones


async def test_an_organization_east_of_utc(client: httpx.AsyncClient) -> None:
    token = await new_org(
        client, "acme", time_zone="Asia/Tokyo", plan_body=plan("3"), active_since="2026-10-01"
    )
    await ingest(
        client,
        [
            # 23:59:59 on 31 October in Tokyo, then midnight on 1 November.
            interview_event("t1", "COMPLETED", "2026-10-31T14:59:59Z", interview="i1"),
            interview_event("t2", "COMPLETED", "2026-10-31T15:00:00Z", interview="i2"),
            # 23:30 on 19 November (in the rate), 00:30 on 20 November (today, not in it).
            interview_event(
                "t3", "PARTIALLY_COMPLETED", "2026-11-19T14:30:00Z", interview="i3", fraction="0.7"
            ),
            interview_event("t4", "COMPLETED", "2026-11-19T15:30:00Z", interview="i4"),
        ],
    )
    current = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
    assert (current["start"], current["end"]) == (
        "2026-11-01T00:00:00+09:00",
        "2026-12-01T00:00:00+09:00",
    )
    assert current["creditsUsed"] == "2.7000"
    assert current["totalInterviews"] == 3
    assert current["remainingBalance"] == "0.3000"
    assert nonzero(current["daily"]) == {
        "2026-11-01": (1, "1.0000"),
        "2026-11-19": (0, "0.7000"),
        "2026-11-20": (1, "1.0000"),
    }
    # Rate 0.70 / 14 = 0.05; 11 days left -> 3.25 projected; 0.30 lasts 6 days.
    assert current["forecast"] == {
        "projectedCreditsUsed": "3.2500",
        "projectedRemainingBalance": "-0.2500",
        "runsOutOn": "2026-11-26",
        "recommendedPurchase": "1.0000",
    }
    assert current["previousYear"]["start"] == "2025-11-01T00:00:00+09:00"
    assert current["previousYear"]["end"] == "2025-11-20T21:00:00+09:00"
    previous = await consumption(client, token, {"preset": "PREVIOUS_BILLING_PERIOD"})
    assert previous["creditsUsed"] == "1.0000"
    assert previous["daily"][-1] == {
        "start": "2026-10-31",
        "interviewsCompleted": 1,
        "creditsUsed": "1.0000",
    }
    assert previous["remainingBalance"] == "2.0000"
    # No rollover: November starts again from 3.
    assert current["allocation"]["rolledOver"] == "0.0000"
    day = await consumption(client, token, {"from": "2026-11-01", "to": "2026-11-01"})
    assert day["creditsUsed"] == "1.0000"
    assert day["end"] == "2026-11-02T00:00:00+09:00"


async def test_an_organization_west_of_utc(client: httpx.AsyncClient) -> None:
    token = await new_org(
        client,
        "acme",
        time_zone="America/Los_Angeles",
        plan_body=plan("100"),
        active_since="2026-10-01",
    )
    await ingest(
        client,
        [
            # 23:59:59 PDT on 31 October, then midnight on 1 November (summer time ends at 2:00).
            interview_event("w1", "COMPLETED", "2026-11-01T06:59:59Z", interview="i1"),
            interview_event("w2", "COMPLETED", "2026-11-01T07:00:00Z", interview="i2"),
            # 23:30 PST on 19 November, and 00:30 on 20 November (today: now is 04:00).
            interview_event(
                "w3", "PARTIALLY_COMPLETED", "2026-11-20T07:30:00Z", interview="i3", fraction="0.25"
            ),
            interview_event("w4", "COMPLETED", "2026-11-20T08:30:00Z", interview="i4"),
        ],
    )
    current = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
    assert (current["start"], current["end"]) == (
        "2026-11-01T00:00:00-07:00",
        "2026-12-01T00:00:00-08:00",
    )
    assert current["creditsUsed"] == "2.2500"
    assert nonzero(current["daily"]) == {
        "2026-11-01": (1, "1.0000"),
        "2026-11-19": (0, "0.2500"),
        "2026-11-20": (1, "1.0000"),
    }
    assert len(current["daily"]) == 30
    # 2.25 + 0.25 * 11 / 14 = 2.4464... -> 2.45
    assert current["forecast"] == {
        "projectedCreditsUsed": "2.4500",
        "projectedRemainingBalance": "97.5500",
        "runsOutOn": None,
        "recommendedPurchase": "0.0000",
    }
    assert current["previousYear"]["start"] == "2025-11-01T00:00:00-07:00"
    assert current["previousYear"]["end"] == "2025-11-20T04:00:00-08:00"
    previous = await consumption(client, token, {"preset": "PREVIOUS_BILLING_PERIOD"})
    assert previous["end"] == "2026-11-01T00:00:00-07:00"
    assert previous["creditsUsed"] == "1.0000"
    assert previous["daily"][-1]["creditsUsed"] == "1.0000"
    assert current["allocation"]["rolledOver"] == "0.0000"
    assert current["remainingBalance"] == "97.7500"


# ---------------------------------------------------------------- planning


PLAN_QUERY = """
query($roles: Int!, $candidates: Int!, $rate: Float!, $buffer: Float!) {
  planInterviewCredits(rolesPerMonth: $roles, candidatesPerRole: $candidates,
                       completionRate: $rate, buffer: $buffer) {
    expectedInterviews creditsNeeded creditsWithBuffer
  }
}
"""


async def test_the_worked_example(client: httpx.AsyncClient) -> None:
    await new_org(client, "acme", plan_body=plan("10"), active_since="2026-11-01")
    token = member_token("acme", "boss")
    body = await graphql(
        client,
        "{ planInterviewCredits(rolesPerMonth: 5, candidatesPerRole: 50) { expectedInterviews creditsNeeded creditsWithBuffer } }",
        token=token,
    )
    assert body == {
        "data": {
            "planInterviewCredits": {
                "expectedInterviews": 250,
                "creditsNeeded": "250.0000",
                "creditsWithBuffer": "300.0000",
            }
        }
    }
    # 7 x 13 x 0.37 = 33.67 -> 34; 34 x 1.15 = 39.1 -> 40.
    body = await graphql(
        client,
        PLAN_QUERY,
        token=token,
        variables={"roles": 7, "candidates": 13, "rate": 0.37, "buffer": 0.15},
    )
    assert body["data"]["planInterviewCredits"] == {
        "expectedInterviews": 34,
        "creditsNeeded": "34.0000",
        "creditsWithBuffer": "40.0000",
    }
    # 0.1 x 3 read as Decimal("0.1"): exactly 3, no float dust.
    body = await graphql(
        client,
        PLAN_QUERY,
        token=token,
        variables={"roles": 3, "candidates": 10, "rate": 0.1, "buffer": 0},
    )
    assert body["data"]["planInterviewCredits"]["expectedInterviews"] == 3
    assert body["data"]["planInterviewCredits"]["creditsWithBuffer"] == "3.0000"


@pytest.mark.parametrize(
    "variables",
    [
        {"roles": -1, "candidates": 50, "rate": 1.0, "buffer": 0.2},
        {"roles": 5, "candidates": -50, "rate": 1.0, "buffer": 0.2},
        {"roles": 5, "candidates": 50, "rate": 1.5, "buffer": 0.2},
        {"roles": 5, "candidates": 50, "rate": -0.1, "buffer": 0.2},
        {"roles": 5, "candidates": 50, "rate": 1.0, "buffer": -0.2},
        {"roles": 5, "candidates": 50, "rate": 1.0, "buffer": 10.5},
    ],
)
async def test_planning_refuses_bad_arguments(
    client: httpx.AsyncClient, variables: dict[str, Any]
) -> None:
    await new_org(client, "acme", plan_body=plan("10"), active_since="2026-11-01")
    body = await graphql(
        client, PLAN_QUERY, token=member_token("acme", "boss"), variables=variables
    )
    assert body.get("data") is None or body["data"].get("planInterviewCredits") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_a_custom_range_over_400_days_is_refused(client: httpx.AsyncClient) -> None:
    token = await new_org(client, "acme", plan_body=plan("10"), active_since="2025-01-01")
    body = await graphql(
        client,
        CONSUMPTION,
        token=token,
        variables={"period": {"from": "2025-10-15", "to": "2026-11-19"}},
    )
    assert body["data"]["organization"]["consumption"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    # 400 days exactly is fine.
    fine = await consumption(client, token, {"from": "2025-10-16", "to": "2026-11-19"})
    assert len(fine["daily"]) == 400
    assert fine["start"] == "2025-10-16T00:00:00+00:00"
    assert fine["end"] == "2026-11-20T00:00:00+00:00"
    assert timedelta(days=400) == datetime.fromisoformat(fine["end"]) - datetime.fromisoformat(
        fine["start"]
    )


async def test_a_purchase_later_today_does_not_count_yet(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    token = await new_org(client, "acme", plan_body=plan("10"), active_since="2026-11-01")
    await purchase(client, "acme", "early", "4", "2026-11-20T08:00:00Z")
    # Bought at 15:00 today; now is 12:00: the current period counts purchases up to now.
    await purchase(client, "acme", "later", "6", "2026-11-20T15:00:00Z")
    result = await consumption(client, token, {"preset": "CURRENT_BILLING_PERIOD"})
    assert result["allocation"]["purchased"] == "4.0000"
    assert result["remainingBalance"] == "14.0000"
    clock.now = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    result = await consumption(
        client, member_token("acme", "boss", now=clock.now), {"preset": "CURRENT_BILLING_PERIOD"}
    )
    assert result["allocation"]["purchased"] == "10.0000"
    assert result["remainingBalance"] == "20.0000"
