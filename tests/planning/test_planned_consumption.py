"""The Consumption page planned answers the same bytes as graphql-core, for random histories
(plans and their changes, openings, interview events, purchases), periods, page positions,
credentials and instants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gateway.storage.db import Database
from tests.planning.conftest import Pair
from tests.planning.test_planned_usage import DOCUMENTS, _ask, _credentials
from tests.resolvers.test_consumption_property import _build as build_history
from tests.resolvers.test_consumption_property import histories
from tests.resolvers.test_usage_errors import count_statements
from tests.support import MovableClock, bearer, member_token

CONSUMPTION = next(d for d in DOCUMENTS if d.startswith("# The query the frontend sends to draw T"))


def _periods(history: dict[str, Any]) -> st.SearchStrategy[dict[str, Any] | None]:
    first, last = history["custom"]
    presets = st.sampled_from(
        ["THIS_MONTH", "LAST_MONTH", "CURRENT_BILLING_PERIOD", "PREVIOUS_BILLING_PERIOD"]
    ).map(lambda preset: {"preset": preset})
    custom = st.just({"from": first.isoformat(), "to": last.isoformat()})
    backwards = st.just({"from": last.isoformat(), "to": first.isoformat()})
    return st.one_of(st.none(), presets, presets, custom, backwards)


def _end_cursor(answer: dict[str, Any]) -> str | None:
    page = ((answer.get("data") or {}).get("organization") or {}).get("consumption") or {}
    info = (page.get("byOpening") or {}).get("pageInfo") or {}
    cursor: str | None = info.get("endCursor")
    return cursor


@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_planned_consumption_is_byte_identical(
    pair: Pair, clock: MovableClock, data: st.DataObject
) -> None:
    history = data.draw(histories(), label="history")
    org, _ledger = await build_history(pair.planned, clock, history)
    now = history["now"]
    planner = pair.endpoint.planner
    assert planner is not None
    boss = member_token(org, "boss", now=now, ttl=timedelta(days=42))
    before = planner.counts.planned
    await _ask(pair, data, CONSUMPTION, boss, {"period": {"preset": "CURRENT_BILLING_PERIOD"}})
    assert planner.counts.planned == before + 1
    tokens = [boss, *await _credentials(pair.planned, org, now)]
    for _ in range(4):
        clock.now = now + timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 40)))
        token = data.draw(st.sampled_from(tokens), label="credential")
        document = data.draw(st.sampled_from(DOCUMENTS), label="document")
        period = data.draw(_periods(history), label="period")
        variables: dict[str, Any] = {} if period is None else {"period": period}
        answer = await _ask(pair, data, document, token, variables)
        cursor = _end_cursor(answer)
        if cursor is not None and data.draw(st.booleans(), label="next page"):
            await _ask(pair, data, document, token, {**variables, "after": cursor})


async def test_the_consumption_page_is_planned_with_no_more_statements(
    pair: Pair, db: Database, clock: MovableClock
) -> None:
    from datetime import UTC, date, datetime

    history = {
        "zone": "Europe/Paris",
        "now": datetime(2026, 11, 20, 12, tzinfo=UTC),
        "active_since": date(2026, 6, 3),
        "first_plan": _first_plan(),
        "changes": [],
        "openings": {"o0": "chef", "o1": "baker"},
        "events": [
            {
                "eventId": f"e{n}",
                "openingId": f"o{n % 2}",
                "interviewId": f"i{n}",
                "candidateId": f"c{n}",
                "occurredAt": f"2026-11-{n + 1:02d}T10:00:00+00:00",
                "status": "COMPLETED",
            }
            for n in range(6)
        ],
        "purchases": [],
        "seed": 7,
    }
    org, _ledger = await build_history(pair.planned, clock, history)
    token = member_token(org, "boss", now=history["now"])
    body = {"query": CONSUMPTION}
    assert pair.endpoint.planner is not None
    before = pair.endpoint.planner.counts.planned
    with count_statements(db) as planned:
        response = await pair.planned.post("/graphql", json=body, headers=bearer(token))
    with count_statements(db) as general:
        expected = await pair.general.post("/graphql", json=body, headers=bearer(token))
    assert response.content == expected.content
    assert pair.endpoint.planner.counts.planned == before + 1
    page = response.json()["data"]["organization"]["consumption"]
    assert page["totalInterviews"] == 6
    assert 0 < len(planned) <= len(general), (planned, general)


def _first_plan() -> Any:
    from decimal import Decimal

    from tests.reference.consumption import Plan

    return Plan(Decimal("40"), "CAPPED", Decimal("7.5"), 1)
