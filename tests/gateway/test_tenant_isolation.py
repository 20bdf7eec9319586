"""No answer for one organization ever carries another's data: random organizations are seeded
through /v1, then every page query, node and nodes (with the other organizations' ids), the
audit log and the three exports of each organization are searched for the others' ids, names,
emails and numbers; their API keys and embed tokens are listed, and revoking another
organization's is NOT_FOUND."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolvers.node import encode_global_id
from tests.support import SERVICE, bearer, member_token

# Every generated string carries a serial "q<n>x": no serial is a substring of another.
_SERIALS = itertools.count(1)
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ÄéØ=-@'\"", min_size=0, max_size=8)


def _tag() -> str:
    return f"q{next(_SERIALS)}x"


@dataclass
class Seeded:
    org_id: str
    name: str
    members: list[dict[str, str]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    openings: list[dict[str, str]] = field(default_factory=list)
    interviews: list[dict[str, Any]] = field(default_factory=list)
    api_keys: list[dict[str, str]] = field(default_factory=list)
    embed_tokens: list[str] = field(default_factory=list)

    def markers(self) -> set[str]:
        """Strings that belong to this organization only."""
        out = {self.org_id, encode_global_id("Organization", self.org_id)}
        for member in self.members:
            out |= {
                member["id"],
                member["email"],
                encode_global_id("Member", self.org_id, member["id"]),
            }
        for call in self.calls:
            out |= {
                call["eventId"],
                call["creditsCharged"],
                encode_global_id("UsageCall", self.org_id, call["eventId"]),
            }
        for opening in self.openings:
            out |= {opening["id"], encode_global_id("Opening", self.org_id, opening["id"])}
        for event in self.interviews:
            out |= {event["eventId"], event["interviewId"], event["candidateId"]}
        out |= {key["id"] for key in self.api_keys} | set(self.embed_tokens)
        # Names carry the serial; the serial alone is what must never leak.
        return out | {tag for text in self.texts() for tag in _tags(text)}

    def texts(self) -> list[str]:
        return [
            self.name,
            *(m["name"] for m in self.members),
            *(o["title"] for o in self.openings),
            *(k["name"] for k in self.api_keys),
        ]

    def global_ids(self) -> list[str]:
        return [
            encode_global_id("Organization", self.org_id),
            *(encode_global_id("Member", self.org_id, m["id"]) for m in self.members),
            *(encode_global_id("UsageCall", self.org_id, c["eventId"]) for c in self.calls),
            *(encode_global_id("Opening", self.org_id, o["id"]) for o in self.openings),
        ]


_OPAQUE = re.compile(r"[A-Za-z0-9+/_-]{16,}=*")


def _tags(text: str) -> list[str]:
    return [
        part
        for part in text.replace("=", " ").split()
        if part.startswith("q") and part.endswith("x")
    ]


@st.composite
def organizations(draw: st.DrawFn) -> Seeded:
    tag = _tag()
    org = Seeded(f"org{tag}", f"Org {draw(WORDS)} {tag}")
    for _ in range(draw(st.integers(1, 3))):
        t = _tag()
        org.members.append(
            {"id": f"m{t}", "name": f"{draw(WORDS)} {t}", "email": f"u{t}@example.com"}
        )
    for _ in range(draw(st.integers(0, 2))):
        t = _tag()
        org.openings.append({"id": f"o{t}", "title": f"{draw(WORDS)} {t}"})
    for _ in range(draw(st.integers(1, 4))):
        t = _tag()
        member = draw(st.sampled_from(org.members))
        serial = int(t[1:-1])
        org.calls.append(
            {
                "eventId": f"e{t}",
                "orgId": org.org_id,
                "occurredAt": f"2026-11-{draw(st.integers(1, 19)):02d}T10:00:00Z",
                "memberId": member["id"],
                "reason": draw(st.sampled_from(["CHAT", "GENERATE_FIELD", "SUMMARIZE_CV"])),
                "billingMode": "CREDITS",
                "model": "claude-sonnet-4-5",
                "creditsCharged": f"{700000 + serial}.{draw(st.integers(100, 999)) * 10 + 7}",
            }
        )
    for opening in org.openings:
        t = _tag()
        org.interviews.append(
            {
                "eventId": f"i{t}",
                "orgId": org.org_id,
                "openingId": opening["id"],
                "interviewId": f"iv{t}",
                "candidateId": f"c{t}",
                "occurredAt": "2026-11-05T10:00:00Z",
                "status": draw(st.sampled_from(["INVITED", "COMPLETED"])),
            }
        )
    return org


async def _seed(client: httpx.AsyncClient, org: Seeded) -> None:
    async def ok(response: httpx.Response) -> None:
        assert response.status_code in (200, 201), response.text

    await ok(
        await client.put(
            f"/v1/orgs/{org.org_id}", json={"name": org.name, "timeZone": "UTC"}, headers=SERVICE
        )
    )
    for member in org.members:
        body = {"name": member["name"], "email": member["email"], "role": "ACCOUNT_ADMIN"}
        await ok(
            await client.put(
                f"/v1/orgs/{org.org_id}/members/{member['id']}", json=body, headers=SERVICE
            )
        )
    for opening in org.openings:
        body = {"jobTitle": opening["title"]}
        await ok(
            await client.put(
                f"/v1/orgs/{org.org_id}/openings/{opening['id']}", json=body, headers=SERVICE
            )
        )
    await ok(await client.post("/v1/ingest/ai-calls", json=org.calls, headers=SERVICE))
    name = f"key {_tag()}"
    created = await client.post(
        f"/v1/orgs/{org.org_id}/api-keys",
        json={"name": name, "permissions": ["credits:view"]},
        headers=SERVICE,
    )
    await ok(created)
    org.api_keys.append({"id": created.json()["id"], "name": name})
    token = member_token(org.org_id, org.members[0]["id"])
    embedded = await client.post(
        "/graphql",
        json={"query": EMBED, "variables": {"documents": ["UsagePage"]}},
        headers=bearer(token),
    )
    await ok(embedded)
    org.embed_tokens.append(embedded.json()["data"]["createEmbedToken"]["embedToken"]["id"])
    if org.interviews:
        await ok(
            await client.post("/v1/ingest/interview-events", json=org.interviews, headers=SERVICE)
        )


PAGE = """
query { organization { id name
  usage(period: {preset: THIS_MONTH}) { id
    summary { creditsCharged calls }
    byReason { label creditsCharged }
    byUser(first: 20) { nodes { displayName creditsCharged member { id name email } } }
    byModel { label creditsCharged }
    activity(first: 20) { edges { cursor node { id creditsCharged member { id name email } } } }
    timeSeries { creditsCharged } }
  consumption(period: {preset: CURRENT_BILLING_PERIOD}) { id creditsUsed
    byOpening(first: 10) { edges { node { jobTitle creditsUsed opening { id jobTitle } } } } }
  openings(first: 10) { edges { node { id jobTitle } } }
  apiKeys { id name createdBy }
  embedTokens { id createdBy documents }
  auditLog(first: 100) { edges { cursor node { id actor { id } targetId before after } } } } }
"""
EMBED = """mutation($documents: [String!]!) {
  createEmbedToken(documents: $documents, ttlSeconds: 3600) { embedToken { id } } }"""
REVOKES = (
    "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
    "mutation($id: ID!) { revokeEmbedToken(id: $id) { id } }",
)
NODES = """
query($ids: [ID!]!, $one: ID!) {
  nodes(ids: $ids) { id ... on Member { name email } ... on Opening { jobTitle } }
  node(id: $one) { id }
}
"""


async def _answers(client: httpx.AsyncClient, org: Seeded, others: list[Seeded]) -> list[str]:
    token = member_token(org.org_id, org.members[0]["id"])
    headers = bearer(token)
    answers = []
    response = await client.post("/graphql", json={"query": PAGE}, headers=headers)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    answers.append(response.text)
    foreign = [gid for other in others for gid in other.global_ids()][:100]
    for gid in foreign or ["none"]:
        response = await client.post(
            "/graphql",
            json={"query": NODES, "variables": {"ids": foreign, "one": gid}},
            headers=headers,
        )
        data = response.json()["data"]
        assert data["node"] is None and set(data["nodes"]) <= {None}, response.text
        answers.append(response.text)
    # Another organization's key and token ids are not found (the answer only repeats them).
    for other in others:
        for query, ident in zip(
            REVOKES, (other.api_keys[0]["id"], other.embed_tokens[0]), strict=True
        ):
            response = await client.post(
                "/graphql", json={"query": query, "variables": {"id": ident}}, headers=headers
            )
            codes = [error["extensions"]["code"] for error in response.json()["errors"]]
            assert response.json()["data"] is None and codes == ["NOT_FOUND"], response.text
    for name in ("ai-usage", "consumption", "audit-log"):
        response = await client.get(
            f"/v1/exports/{name}",
            params={"from": "2026-11-01", "to": "2026-11-30", "format": "csv"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        answers.append(response.text)
    return answers


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(orgs=st.lists(organizations(), min_size=2, max_size=4))
async def test_no_answer_carries_another_organizations_data(
    client: httpx.AsyncClient, orgs: list[Seeded]
) -> None:
    for org in orgs:
        await _seed(client, org)
    for org in orgs:
        others = [other for other in orgs if other is not org]
        own = org.markers()
        theirs = {marker for other in others for marker in other.markers()} - own
        for answer in await _answers(client, org, others):
            # A short serial ("q7x") can occur by chance inside an opaque token (a cursor or a
            # global id, base64): it is looked for outside them; whole ids are looked for as is.
            masked = _OPAQUE.sub("#", answer)
            leaked = sorted(
                marker for marker in theirs if marker in (answer if len(marker) >= 16 else masked)
            )
            assert leaked == [], (org.org_id, leaked)
        # The organization's own data is there (the search is not vacuous).
        page = (await _answers(client, org, []))[0]
        for call in org.calls:
            assert encode_global_id("UsageCall", org.org_id, call["eventId"]) in page
        assert org.api_keys[0]["id"] in page and org.embed_tokens[0] in page
        for member in org.members:  # in the audit log
            assert member["email"] in page
