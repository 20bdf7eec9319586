"""Every card of the Consumption page equals the plain-Python reference, for random histories."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolvers.node import decode_global_id
from tests.reference.consumption import Ledger, Plan, billing_start
from tests.resolvers.test_consumption_handmade import CARDS, ingest, purchase, put_opening
from tests.support import MovableClock, graphql, member_token, put_member, put_org

ZONES = [
    "UTC",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Europe/Paris",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "Pacific/Chatham",
]
TITLES = ["chef", "baker", "chef", "waiter", "barista"]
FRACTIONS = ["0.1", "0.25", "0.333", "0.455", "0.5", "0.994", "0.995"]
STATUSES = ["INVITED", "STARTED", "PARTIALLY_COMPLETED", "COMPLETED", "SIMULATION"]
PRESETS = ["CURRENT_BILLING_PERIOD", "PREVIOUS_BILLING_PERIOD", "THIS_MONTH", "LAST_MONTH"]

QUERY = (
    "query($period: PeriodInput!) { organization {"
    " consumption(period: $period) {" + CARDS + "}"
    " openings(first: 100) { totalCount edges { node { id jobTitle"
    "   credits(period: $period) { jobTitle interviewsInvited interviewsCompleted creditsUsed }"
    " } } }"
    " } }"
)

_orgs = itertools.count()


def _plan(draw: st.DrawFn, anchor: int) -> Plan:
    rollover = draw(st.sampled_from(["NONE", "FULL", "CAPPED"]))
    cap = Decimal(draw(st.sampled_from(["0", "3", "7.5"]))) if rollover == "CAPPED" else None
    included = Decimal(draw(st.sampled_from(["0", "2", "5", "12.5", "40"])))
    return Plan(included, rollover, cap, anchor)


@st.composite
def histories(draw: st.DrawFn) -> dict[str, Any]:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    anchor = draw(st.sampled_from([1, 5, 15, 28]))
    today = date(2026, 11, 20) + timedelta(days=draw(st.integers(-60, 130)))
    now = datetime.combine(today, time(draw(st.integers(6, 22)), draw(st.integers(0, 59))), zone)
    active_since = today - timedelta(days=draw(st.integers(0, 130)))
    first_plan = _plan(draw, anchor)
    changes = []
    for _ in range(draw(st.integers(0, 2))):
        day = active_since + timedelta(days=draw(st.integers(0, (today - active_since).days)))
        changes.append((day, _plan(draw, anchor)))
    changes.sort(key=lambda c: c[0])
    openings = {f"o{k}": TITLES[k] for k in range(draw(st.integers(1, len(TITLES))))}
    rng = random.Random(draw(st.integers(0, 2**32)))
    recent = draw(st.sampled_from([20, 45, 90]))  # how many days back most events fall
    events: list[dict[str, Any]] = []
    for interview in range(draw(st.integers(0, 14))):
        opening = rng.choice(list(openings))
        candidate = f"c{rng.randrange(6)}"
        back = recent if rng.random() < 0.8 else 420
        base = now - timedelta(minutes=rng.randrange(0, back * 24 * 60))
        for _ in range(rng.randint(1, 4)):
            at = min(now, base + timedelta(minutes=rng.choice([0, 0, 30, 600, 1440, 4000])))
            status = rng.choices(STATUSES, weights=[4, 3, 3, 4, 1])[0]
            event = {
                "eventId": f"e{len(events):03d}",
                "openingId": opening,
                "interviewId": f"i{interview}",
                "candidateId": candidate,
                "occurredAt": at.astimezone(ZoneInfo("UTC")).isoformat(),
                "status": status,
            }
            if status == "PARTIALLY_COMPLETED":
                event["completedFraction"] = rng.choice(FRACTIONS)
            events.append(event)
    first_start = billing_start(active_since, anchor)
    purchases = []
    for k in range(draw(st.integers(0, 3))):
        span = (today - first_start).days + 5
        at = datetime.combine(first_start, time(), zone) + timedelta(
            minutes=rng.randrange(0, span * 24 * 60)
        )
        credits = rng.choice(["1", "2.5", "10", "0.25", "3.1234"])
        purchases.append({"purchaseId": f"p{k}", "credits": credits, "occurredAt": at.isoformat()})
    custom_to = today - timedelta(days=draw(st.integers(0, 40)))
    custom_from = custom_to - timedelta(days=draw(st.integers(0, 399)))
    return {
        "zone": zone_name,
        "now": now,
        "active_since": active_since,
        "first_plan": first_plan,
        "changes": changes,
        "openings": openings,
        "events": events,
        "purchases": purchases,
        "custom": (custom_from, custom_to),
        "seed": rng.randrange(2**32),
    }


async def _build(
    client: httpx.AsyncClient, clock: MovableClock, history: dict[str, Any]
) -> tuple[str, Ledger]:
    org = f"prop{next(_orgs)}"
    zone = ZoneInfo(history["zone"])
    ledger = Ledger(history["zone"], history["active_since"], history["first_plan"])
    since = history["active_since"].isoformat()

    def noon(day: date) -> datetime:
        return datetime.combine(day, time(12), zone)

    clock.now = noon(history["active_since"])
    await put_org(
        client,
        org,
        time_zone=history["zone"],
        plan=history["first_plan"].as_json(),
        activeSince=since,
    )
    for day, changed in history["changes"]:
        clock.now = noon(day)
        await put_org(
            client, org, time_zone=history["zone"], plan=changed.as_json(), activeSince=since
        )
        ledger.change_plan(changed, today=day)
    clock.now = history["now"]
    await put_member(client, org, "boss", role="ACCOUNT_ADMIN")
    for opening, title in history["openings"].items():
        await put_opening(client, org, opening, title)
        ledger.openings[opening] = title
    events = [{**e, "orgId": org} for e in history["events"]]
    rng = random.Random(history["seed"])
    shuffled = list(events)
    rng.shuffle(shuffled)
    # Arrive out of order, in batches, with some replays.
    for start in range(0, len(shuffled), 7):
        batch = shuffled[start : start + 7]
        replays = rng.sample(shuffled[:start], min(2, start))
        await ingest(client, batch + replays)
    ledger.add_events(events)
    for body in history["purchases"]:
        await purchase(client, org, body["purchaseId"], body["credits"], body["occurredAt"])
        ledger.add_purchase(body)
    return org, ledger


def _periods(ledger: Ledger, now: datetime, custom: tuple[date, date]) -> list[dict[str, Any]]:
    periods: list[dict[str, Any]] = [{"preset": p} for p in PRESETS]
    periods.append({"from": custom[0].isoformat(), "to": custom[1].isoformat()})
    return periods


def _reference_args(period: dict[str, Any]) -> dict[str, Any]:
    if "preset" in period:
        return {"preset": period["preset"]}
    return {"start": date.fromisoformat(period["from"]), "to": date.fromisoformat(period["to"])}


@settings(
    max_examples=18,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
async def test_every_card_equals_the_reference(
    client: httpx.AsyncClient, clock: MovableClock, history: dict[str, Any]
) -> None:
    org, ledger = await _build(client, clock, history)
    now = history["now"]
    today = ledger.local_day(now)
    first_start = billing_start(ledger.active_since, ledger.anchor)
    token = member_token(org, "boss", now=now)
    for period in _periods(ledger, now, history["custom"]):
        args = _reference_args(period)
        span = ledger.period(now, **args)
        last_day = span.end_day - timedelta(days=1)
        billing_of_last = billing_start(last_day, ledger.anchor)
        if billing_of_last < first_start:
            continue  # before the organization's first billing period
        expected = ledger.consumption(now, **args)
        body = await graphql(client, QUERY, token=token, variables={"period": period})
        assert "errors" not in body, (period, body)
        got = body["data"]["organization"]["consumption"]
        edges = got.pop("byOpening")
        assert edges["totalCount"] == len(expected["byOpening"]), period
        assert [
            {
                "openingId": decode_global_id(e["node"].pop("opening")["id"])[1][-1],  # type: ignore[index]
                **e["node"],
            }
            for e in edges["edges"]
        ] == expected.pop("byOpening"), period
        if billing_of_last > today:
            # The billing period holding the range's last day has not started: its balance
            # and forecast are not pinned down by the rules.
            for key in ("allocation", "remainingBalance", "forecast"):
                got.pop(key)
                expected.pop(key)
        assert got == expected, (period, history["zone"], now.isoformat())
        for card in ("daily", "weekly", "monthly"):
            assert sum(Decimal(b["creditsUsed"]) for b in got[card]) == Decimal(got["creditsUsed"])

        openings = body["data"]["organization"]["openings"]
        assert openings["totalCount"] == len(ledger.openings)
        order = [decode_global_id(e["node"]["id"])[1][-1] for e in openings["edges"]]  # type: ignore[index]
        assert order == ledger.openings_order(now)
        for edge in openings["edges"]:
            opening_id = decode_global_id(edge["node"]["id"])[1][-1]  # type: ignore[index]
            want = ledger.opening_usage(opening_id, span)
            del want["openingId"], want["_credits"]
            assert edge["node"]["credits"] == want, (period, opening_id)
