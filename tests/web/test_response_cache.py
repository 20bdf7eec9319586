"""The response cache never serves a stale number: a cached answer equals a fresh one at that
instant, across writes of every kind; callers never share what they may not; GET answers carry
an ETag and a matching ``If-None-Match`` gets 304."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from gateway.storage.db import Database
from gateway.web.app import create_app
from gateway.web.graphql_view import GraphQLEndpoint
from gateway.web.response_cache import ResponseCache
from resolvers.documents import DIRECTORY
from tests.support import SERVICE, MovableClock, ai_call, bearer, make_settings, member_token

USAGE_PAGE = (DIRECTORY / "usage-page.graphql").read_text()
CONSUMPTION_WITH_YEAR = (DIRECTORY / "consumption-page.graphql").read_text()
# The Consumption page reads the exact instant in previousYear: without it, it is cached.
CONSUMPTION_PAGE = "\n".join(
    line for line in CONSUMPTION_WITH_YEAR.splitlines() if "previousYear" not in line
)
VIEWER = "{ viewer { role permissions member { id name } } organization { name timeZone } }"
DOCUMENTS = [
    (USAGE_PAGE, {}),
    (USAGE_PAGE, {"period": {"preset": "LAST_MONTH"}}),
    (CONSUMPTION_PAGE, {}),
    (VIEWER, {}),
]
TOKEN_TTL = timedelta(days=400)
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
ROLES = ["ACCOUNT_ADMIN", "ADMIN", "STAFFING", "INTERVIEWER"]


def cache_of(app: Starlette) -> ResponseCache:
    for route in app.routes:
        endpoint = getattr(route, "app", None)
        if isinstance(endpoint, GraphQLEndpoint):
            return endpoint.responses
    raise AssertionError("no /graphql route")


@pytest.fixture
async def fresh(db: Database, clock: MovableClock) -> AsyncIterator[httpx.AsyncClient]:
    """The same database and clock, without the cache: the answer at that instant."""
    app = create_app(
        make_settings().model_copy(update={"response_cache_bytes": 0}), db=db, clock=clock
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fresh.test") as client:
        yield client


async def ask(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    body.pop("extensions", None)
    return body


async def call(client: httpx.AsyncClient, method: str, path: str, body: Any) -> None:
    response = await client.request(method, path, json=body, headers=SERVICE)
    assert response.status_code < 300, response.text


_orgs = itertools.count()


class World:
    """One organization, written to through /v1 as the product would."""

    def __init__(self, client: httpx.AsyncClient, clock: MovableClock) -> None:
        self.client, self.clock = client, clock
        self.org = f"rc{next(_orgs)}"
        self.serial = itertools.count()
        # A write dated ahead of the clock keeps the organization's answers out of the cache.
        self.future_dated = False

    def at(self, hours_ago: float) -> str:
        return (self.clock.now - timedelta(hours=hours_ago)).isoformat().replace("+00:00", "Z")

    async def setup(self) -> None:
        self.zone = "UTC"
        await self.put_org(self.zone, "100")
        for member, role in (
            ("admin", "ACCOUNT_ADMIN"),
            ("viewer", "INTERVIEWER"),
            ("m1", "ADMIN"),
        ):
            await self.put_member(member, role, f"Member {member}")
        await call(self.client, "PUT", f"/v1/orgs/{self.org}/openings/o1", {"jobTitle": "Chef"})

    async def put_org(self, zone: str, included: str) -> None:
        plan = {"interviewCreditsPerPeriod": included, "rollover": "NONE", "billingAnchorDay": 1}
        body = {"name": f"Org {self.org}", "timeZone": zone, "plan": plan}
        await call(self.client, "PUT", f"/v1/orgs/{self.org}", body)

    async def put_member(self, member: str, role: str, name: str) -> None:
        body = {"name": name, "email": f"{member}@example.com", "role": role}
        await call(self.client, "PUT", f"/v1/orgs/{self.org}/members/{member}", body)

    async def write(self, kind: str, x: float, y: float) -> None:
        """One write of ``kind``; ``x`` and ``y`` in [0, 1] choose its figures."""
        n = next(self.serial)

        def pick(options: list[str]) -> str:
            return options[min(int(y * len(options)), len(options) - 1)]

        # From 6 minutes ahead (within the tolerated clock skew) to 40 days back.
        hours_ago = -0.1 + x * 24 * 40
        if kind in ("ai_call", "interview", "purchase") and hours_ago < 0:
            self.future_dated = True
        if kind == "ai_call":
            event = ai_call(f"c{n}", org_id=self.org, occurred_at=self.at(hours_ago))
            await call(self.client, "POST", "/v1/ingest/ai-calls", [event])
        elif kind == "interview":
            event = {
                "eventId": f"i{n}",
                "orgId": self.org,
                "openingId": "o1",
                "interviewId": pick(["iv0", "iv1", "iv2"]),
                "candidateId": f"cand{n}",
                "occurredAt": self.at(hours_ago),
                "status": pick(["INVITED", "STARTED", "COMPLETED"]),
            }
            await call(self.client, "POST", "/v1/ingest/interview-events", [event])
        elif kind == "purchase":
            # A purchase dated a few minutes ahead counts once it has happened.
            body = {"purchaseId": f"p{n}", "credits": "25", "occurredAt": self.at(hours_ago / 2)}
            await call(self.client, "POST", f"/v1/orgs/{self.org}/credit-purchases", body)
        elif kind == "plan":
            await self.put_org(self.zone, str(100 + n))
        elif kind == "zone":
            self.zone = pick([z for z in ZONES if z != self.zone])
            await self.put_org(self.zone, "100")
        elif kind == "member":
            await self.put_member("m1", pick(ROLES), f"Renamed {n}")
        elif kind == "remove":
            await self.put_member("m1", pick(ROLES), f"Renamed {n}")
            await call(self.client, "DELETE", f"/v1/orgs/{self.org}/members/m1", None)
        elif kind == "opening":
            body = {"jobTitle": f"Title {n}"}
            await call(self.client, "PUT", f"/v1/orgs/{self.org}/openings/o1", body)
        elif kind == "catalog":
            body = {"provider": "ANTHROPIC", "tier": "Sonnet", "label": f"Sonnet {n}"}
            await call(self.client, "PUT", "/v1/models/claude-sonnet-4-5", body)
        elif kind == "clock":
            self.clock.advance(minutes=1 + x * 36 * 60)


WRITES = [
    "ai_call",
    "interview",
    "purchase",
    "plan",
    "zone",
    "member",
    "remove",
    "opening",
    "catalog",
    "clock",
]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_a_cached_answer_equals_a_fresh_one(
    app: Starlette,
    client: httpx.AsyncClient,
    fresh: httpx.AsyncClient,
    clock: MovableClock,
    data: st.DataObject,
) -> None:
    world = World(client, clock)
    await world.setup()
    tokens = [
        member_token(world.org, member, now=clock.now, ttl=TOKEN_TTL)
        for member in ("admin", "viewer")
    ]
    hits = cache_of(app).hits
    for _ in range(data.draw(st.integers(2, 6), label="steps")):
        kinds = data.draw(st.lists(st.sampled_from(WRITES), min_size=0, max_size=2), label="writes")
        for kind in kinds:
            figures = data.draw(st.tuples(st.floats(0, 1), st.floats(0, 1)), label=kind)
            await world.write(kind, *figures)
        for query, variables in DOCUMENTS:
            for token in tokens:
                expected = await ask(fresh, token, query, variables)
                # The first read may compute and keep the answer; the second is served kept.
                for _ in range(2):
                    cached = await ask(client, token, query, variables)
                    assert cached == expected, (kinds, query[:40])
    if not world.future_dated:
        # Reads with nothing written in between were served from the cache.
        assert cache_of(app).hits > hits


async def test_writes_of_every_kind_move_the_version(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    """Each write kind gives the organization's answers a new key (or the catalog's)."""
    world = World(client, clock)
    await world.setup()
    token = member_token(world.org, "admin", now=clock.now, ttl=TOKEN_TTL)
    etags: list[str] = []

    async def etag() -> str:
        response = await client.get("/graphql", params={"query": USAGE_PAGE}, headers=bearer(token))
        assert response.status_code == 200, response.text
        return response.headers["etag"]

    etags.append(await etag())
    assert await etag() == etags[-1]
    for kind in WRITES:
        if kind != "clock":
            await world.write(kind, 0.5, 0.5)
            etags.append(await etag())
            assert etags[-1] != etags[-2], kind
    assert len(set(etags)) == len(etags)
