"""A planned trusted document answers the same bytes as graphql-core, whatever the data,
period, page position, credential and instant; and it reads the database no more often."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gateway.storage.db import Database
from gateway.web.persisted import sha256
from resolvers.documents import trusted_documents
from tests.planning.conftest import Pair, make_pair
from tests.resolvers.test_usage_errors import count_statements
from tests.resolvers.test_usage_handmade import token_at
from tests.resolvers.test_usage_property import NOWS, _setup, org_cases
from tests.support import NOW, SERVICE, MovableClock, bearer, member_token, put_member

DOCUMENTS = sorted(trusted_documents().values())
USAGE = next(d for d in DOCUMENTS if d.startswith("# The query the frontend sends to draw S"))
ROLES = ["ACCOUNT_ADMIN", "ADMIN", "STAFFING", "INTERVIEWER"]
KEY_PERMISSIONS = [["credits:view"], ["consumption:view"], ["credits:view", "consumption:view"]]
_keys = itertools.count()


async def _credentials(client: httpx.AsyncClient, org_id: str, now: datetime) -> list[str]:
    """A member token per role, and API keys with each set of permissions."""
    tokens = []
    for role in ROLES:
        await put_member(client, org_id, f"r-{role.lower()}", role=role)
        # Valid from ``now`` until after the latest instant the test moves the clock to.
        issued = min(now, NOW)
        ttl = now - issued + timedelta(days=42)
        tokens.append(member_token(org_id, f"r-{role.lower()}", now=issued, ttl=ttl))
    for permissions in KEY_PERMISSIONS:
        created = await client.post(
            f"/v1/orgs/{org_id}/api-keys",
            json={"name": f"key {next(_keys)}", "permissions": permissions},
            headers=SERVICE,
        )
        assert created.status_code in (200, 201), created.text
        tokens.append(created.json()["key"])
    return tokens


def _periods(today_iso: str) -> st.SearchStrategy[dict[str, Any] | None]:
    today = datetime.fromisoformat(today_iso).date()
    presets = st.sampled_from(
        ["THIS_MONTH", "LAST_MONTH", "CURRENT_BILLING_PERIOD", "PREVIOUS_BILLING_PERIOD"]
    ).map(lambda preset: {"preset": preset})
    ranges = st.tuples(st.integers(-120, 30), st.integers(-3, 420)).map(
        lambda drawn: {
            "from": (today + timedelta(days=drawn[0])).isoformat(),
            "to": (today + timedelta(days=drawn[0] + drawn[1])).isoformat(),
        }
    )
    odd = st.sampled_from(
        [{"preset": "THIS_MONTH", "from": today_iso[:10]}, {"preset": "NEXT_YEAR"}, {}]
    )
    return st.one_of(st.none(), presets, presets, ranges, odd)


async def _ask(
    pair: Pair,
    data: st.DataObject,
    document: str,
    token: str,
    variables: dict[str, Any],
) -> dict[str, Any]:
    """One request in a random shape: POST or GET, the text or only its hash, a name or none."""
    own = "UsagePage" if "query UsagePage" in document else "ConsumptionPage"
    name = data.draw(st.sampled_from([None, own]), label="name")
    by_hash = data.draw(st.booleans(), label="by hash")
    body: dict[str, Any] = {"variables": variables}
    if name is not None:
        body["operationName"] = name
    if by_hash:
        body["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": sha256(document)}}
    else:
        body["query"] = document
    headers = bearer(token)
    if data.draw(st.booleans(), label="graphql-response+json"):
        headers["Accept"] = "application/graphql-response+json"
    if data.draw(st.booleans(), label="GET"):
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
        response = await pair.both("GET", "/graphql", params=params, headers=headers)
    else:
        response = await pair.both("POST", "/graphql", json=body, headers=headers)
    answer: dict[str, Any] = response.json()
    return answer


def _end_cursor(answer: dict[str, Any]) -> str | None:
    page = ((answer.get("data") or {}).get("organization") or {}).get("usage") or {}
    activity = page.get("activity") or {}
    info = activity.get("pageInfo") or {}
    cursor: str | None = info.get("endCursor") if info.get("hasNextPage") else None
    return cursor


@settings(
    max_examples=12,
    deadline=None,
    # Shrinking replays whole datasets for minutes: a failure prints its seed instead.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_planned_answers_are_byte_identical(
    pair: Pair, clock: MovableClock, data: st.DataObject
) -> None:
    now = data.draw(st.sampled_from(NOWS), label="now")
    clock.now = now
    cases = [data.draw(org_cases(now), label=f"org{i}") for i in range(2)]
    await _setup(pair.planned, cases)
    planner = pair.endpoint.planner
    assert planner is not None
    for case in cases:
        clock.now = now
        org_id = case["org"].id
        tokens = await _credentials(pair.planned, org_id, now)
        # The account admin's first page is always planned (the rest may fall back).
        before = planner.counts.planned
        await _ask(pair, data, USAGE, tokens[0], {"period": {"preset": "THIS_MONTH"}})
        assert planner.counts.planned == before + 1
        for _ in range(3):
            # A later instant of the same data: presets and trends move with the clock.
            clock.now = now + timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 40)))
            token = data.draw(st.sampled_from(tokens), label="credential")
            document = data.draw(st.sampled_from(DOCUMENTS), label="document")
            period = data.draw(_periods(clock.now.isoformat()), label="period")
            variables: dict[str, Any] = {} if period is None else {"period": period}
            if data.draw(st.integers(0, 4), label="bad cursor") == 0:
                variables["after"] = "bm90LWEtY3Vyc29y"
            answer = await _ask(pair, data, document, token, variables)
            # Later pages of the activity log, by the cursor the previous page ended with.
            for _page in range(data.draw(st.integers(0, 2), label="pages")):
                cursor = _end_cursor(answer)
                if cursor is None:
                    break
                answer = await _ask(pair, data, document, token, {**variables, "after": cursor})


async def test_the_usage_page_is_planned_with_no_more_statements(
    pair: Pair, db: Database, clock: MovableClock
) -> None:
    now = NOWS[0]
    clock.now = now
    data_cases = [
        {
            "org": _org(),
            "plan": {"interviewCreditsPerPeriod": "100", "billingAnchorDay": 7},
            "removed": ["u1"],
            "events": _events(now),
            "period": {"preset": "THIS_MONTH"},
        }
    ]
    await _setup(pair.planned, data_cases)
    token = token_at("plannedorg", "viewer", now)
    body = {"query": USAGE, "variables": {"period": {"preset": "CURRENT_BILLING_PERIOD"}}}
    assert pair.endpoint.planner is not None
    planned_before = pair.endpoint.planner.counts.planned
    with count_statements(db) as planned:
        response = await pair.planned.post("/graphql", json=body, headers=bearer(token))
    with count_statements(db) as general:
        expected = await pair.general.post("/graphql", json=body, headers=bearer(token))
    assert response.content == expected.content
    assert pair.endpoint.planner.counts.planned == planned_before + 1
    assert "errors" not in response.json()
    assert len(response.json()["data"]["organization"]["usage"]["activity"]["edges"]) == 12
    assert 0 < len(planned) <= len(general), (planned, general)


async def test_the_budget_and_its_headers_are_the_same(db: Database, clock: MovableClock) -> None:
    """With a rate limit: the cost charged, refunded and reported, the RateLimit headers, and
    the 429 once the bucket runs dry (planned requests then fall back, and answer alike)."""
    now = NOWS[0]
    clock.now = now
    async with make_pair(db, clock, bucket=1_400) as pair:
        case = {"org": _org(), "plan": None, "removed": [], "events": _events(now)}
        await _setup(pair.planned, [case])
        token = token_at("plannedorg", "viewer", now)
        assert pair.endpoint.planner is not None
        statuses = []
        body = {"query": USAGE}
        while 429 not in statuses:
            response = await pair.both("POST", "/graphql", json=body, headers=bearer(token))
            statuses.append(response.status_code)
            assert len(statuses) < 40, response.text
        assert 200 in statuses and 429 in statuses, statuses
        assert pair.endpoint.planner.counts.planned >= 1


def _org() -> Any:
    from tests.reference.usage import Org

    org = Org("plannedorg", "Europe/Paris", mode="CREDITS", anchor_day=7)
    for member in ("u0", "u1", "u2"):
        org.add_member(member, removed=member == "u1")
    return org


def _events(now: datetime) -> list[dict[str, Any]]:
    events = []
    for n in range(12):
        byok = n % 3 == 0
        event: dict[str, Any] = {
            "eventId": f"plannedorg-e{n}",
            "orgId": "plannedorg",
            "occurredAt": (now - timedelta(hours=7 * n + 1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "memberId": f"u{n % 3}",
            "reason": ["CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"][n % 3],
            "billingMode": "BYOK" if byok else "CREDITS",
            "model": "claude-sonnet-4-5",
            "inputTokens": 1000 + n,
            "outputTokens": 10 * n,
        }
        if not byok:
            event["creditsCharged"] = f"{n}.{n:04d}"
        events.append(event)
    return events
