"""The malformed requests of test_bad_input (GraphQL and credentials; /v1 ones in
bad_input_v1_cases.py), each with the status and code it is answered with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

G = "/graphql"
V1_CALLS = "/v1/ingest/ai-calls"
V1_INTERVIEWS = "/v1/ingest/interview-events"
JSON = {"content-type": "application/json"}
PERIOD_Q = "query($p: PeriodInput!) { organization { usage(period: $p) { id } } }"
NODES_Q = "query($i: [ID!]!) { nodes(ids: $i) { id } }"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    status: int
    code: str | None
    kwargs: dict[str, Any] = field(default_factory=dict)
    # "member" (ACCOUNT_ADMIN of acme), "service", or None (headers as given).
    auth: str | None = "member"
    headers: dict[str, str] = field(default_factory=dict)
    # ``code`` None: the answer carries no code (the GraphQL view's plain-text refusals of a
    # malformed request envelope).
    # A word the answer's message must contain, when the case is about one field.
    mentions: str | None = None


def gql(
    name: str,
    query: str,
    status: int,
    code: str,
    variables: Any = None,
    mentions: str | None = None,
) -> Case:
    body = {"query": query, "variables": variables or {}}
    return Case(name, "POST", G, status, code, {"json": body}, mentions=mentions)


def raw(name: str, path: str, body: bytes, status: int, code: str | None, **extra: Any) -> Case:
    headers = {**JSON, **extra.pop("headers", {})}
    auth = extra.pop("auth", "service" if path.startswith("/v1") else "member")
    return Case(name, "POST", path, status, code, {"content": body}, auth, headers, **extra)


def call(**change: Any) -> dict[str, Any]:
    event = {
        "eventId": "bad-1",
        "orgId": "acme",
        "occurredAt": "2026-11-03T09:15:00Z",
        "memberId": "m1",
        "reason": "CHAT",
        "billingMode": "CREDITS",
        "model": "claude-sonnet-4-5",
        "creditsCharged": "1.25",
    }
    event.update(change)
    return {k: v for k, v in event.items() if v is not None}


def interview(**change: Any) -> dict[str, Any]:
    event = {
        "eventId": "bad-i1",
        "orgId": "acme",
        "openingId": "o1",
        "interviewId": "i1",
        "candidateId": "c1",
        "occurredAt": "2026-11-03T09:15:00Z",
        "status": "COMPLETED",
    }
    event.update(change)
    return {k: v for k, v in event.items() if v is not None}


def ingest(name: str, path: str, events: Any, status: int, code: str, mentions: str | None) -> Case:
    return Case(name, "POST", path, status, code, {"json": events}, "service", mentions=mentions)


def export(name: str, query: str, status: int, code: str, mentions: str | None = None) -> Case:
    return Case(name, "GET", f"/v1/exports/ai-usage?{query}", status, code, mentions=mentions)


BAD = "BAD_USER_INPUT"
GRAPHQL_CASES: list[Case] = [
    # GraphQL over HTTP: the envelope.
    raw("bad JSON", G, b"{not json", 400, BAD),
    raw("JSON array body", G, b"[1, 2]", 400, BAD),
    raw("no query", G, b"{}", 400, BAD),
    raw("query is a number", G, b'{"query": 5}', 400, BAD),
    raw(
        "variables is a string", G, b'{"query": "{ viewer { role } }", "variables": "x"}', 400, BAD
    ),
    raw(
        "text/plain body",
        G,
        b'{"query": "{ viewer { role } }"}',
        415,
        BAD,
        headers={"content-type": "text/plain"},
    ),
    raw(
        "huge query string",
        G,
        json.dumps({"query": "{ viewer { role } }" + " " * 1_100_000}).encode(),
        413,
        "PAYLOAD_TOO_LARGE",
    ),
    Case("mutation over GET", "GET", f"{G}?query=mutation%20%7B%20x%20%7D", 405, BAD),
    # Documents.
    gql("syntax error", "{ viewer { ", 200, "GRAPHQL_PARSE_FAILED"),
    gql("unknown field", "{ nope }", 200, "GRAPHQL_VALIDATION_FAILED", mentions="nope"),
    gql(
        "unknown enum literal",
        "{ organization { usage(period: {preset: NEXT_MONTH}) { id } } }",
        200,
        BAD,
        mentions="NEXT_MONTH",
    ),
    gql("unknown enum variable", PERIOD_Q, 200, BAD, {"p": {"preset": "NEXT"}}, mentions="NEXT"),
    gql(
        "wrong type of argument",
        '{ organization { usage { activity(first: "5") { totalCount } } } }',
        200,
        BAD,
    ),
    gql(
        "int out of 32 bits",
        "{ planInterviewCredits(rolesPerMonth: 99999999999, candidatesPerRole: 5) { creditsNeeded } }",
        200,
        BAD,
    ),
    gql("list where an object goes", PERIOD_Q, 200, BAD, {"p": [1]}),
    gql("huge list of ids", NODES_Q, 200, BAD, {"i": ["x"] * 101}, mentions="100"),
    gql("null list of ids", NODES_Q, 200, BAD, {"i": None}),
    gql(
        "huge string argument",
        "query($a: String) { organization { usage { activity(after: $a) { totalCount } } } }",
        200,
        BAD,
        {"a": "x" * 100_000},
    ),
    # Periods and dates.
    gql(
        "impossible date",
        PERIOD_Q,
        200,
        BAD,
        {"p": {"from": "2026-02-30", "to": "2026-03-01"}},
        mentions="2026-02-30",
    ),
    gql("date as a number", PERIOD_Q, 200, BAD, {"p": {"from": 20260101, "to": "2026-03-01"}}),
    gql(
        "date before 1900",
        PERIOD_Q,
        200,
        BAD,
        {"p": {"from": "1899-12-31", "to": "1900-01-01"}},
        mentions="supported range",
    ),
    gql(
        "date after 2999",
        '{ organization { usage(period: {from: "2999-12-31", to: "3000-01-01"}) { id } } }',
        200,
        BAD,
        mentions="supported range",
    ),
    gql(
        "year 0001",
        PERIOD_Q,
        200,
        BAD,
        {"p": {"from": "0001-01-01", "to": "0001-01-02"}},
        mentions="supported range",
    ),
    gql(
        "year 9999",
        PERIOD_Q,
        200,
        BAD,
        {"p": {"from": "9999-12-30", "to": "9999-12-31"}},
        mentions="supported range",
    ),
    gql(
        "range of 401 days",
        PERIOD_Q,
        200,
        BAD,
        {"p": {"from": "2025-01-01", "to": "2026-02-05"}},
        mentions="400",
    ),
    gql(
        "to before from",
        PERIOD_Q,
        200,
        BAD,
        {"p": {"from": "2026-02-01", "to": "2026-01-05"}},
        mentions="to",
    ),
    gql(
        "preset and dates",
        PERIOD_Q,
        200,
        BAD,
        {"p": {"preset": "THIS_MONTH", "from": "2026-02-01", "to": "2026-02-05"}},
    ),
    gql("from without to", PERIOD_Q, 200, BAD, {"p": {"from": "2026-02-01"}}),
    gql("empty period", PERIOD_Q, 200, BAD, {"p": {}}),
    gql(
        "since without offset",
        '{ organization { usage { activity(since: "2026-11-01T00:00:00") { totalCount } } } }',
        200,
        BAD,
        mentions="offset",
    ),
    gql(
        "since in 1800",
        '{ organization { usage { activity(since: "1800-11-01T00:00:00Z") { totalCount } } } }',
        200,
        BAD,
        mentions="supported range",
    ),
    gql(
        "since is not a date-time",
        '{ organization { usage { activity(since: "yesterday") { totalCount } } } }',
        200,
        BAD,
    ),
    # Pages and cursors.
    gql(
        "garbage cursor",
        '{ organization { usage { activity(after: "garbage") { totalCount } } } }',
        200,
        BAD,
    ),
    gql(
        "first 0",
        "{ organization { usage { activity(first: 0) { totalCount } } } }",
        200,
        BAD,
        mentions="first",
    ),
    gql(
        "first 101",
        "{ organization { usage { activity(first: 101) { totalCount } } } }",
        200,
        BAD,
        mentions="first",
    ),
    gql(
        "byUser first 501",
        "{ organization { usage { byUser(first: 501) { totalCount } } } }",
        200,
        BAD,
        mentions="first",
    ),
    gql(
        "openings first -1",
        "{ organization { openings(first: -1) { totalCount } } }",
        200,
        BAD,
        mentions="first",
    ),
    gql(
        "negative roles",
        "{ planInterviewCredits(rolesPerMonth: -1, candidatesPerRole: 5) { creditsNeeded } }",
        200,
        BAD,
    ),
    # Credentials.
    Case(
        "no credentials",
        "POST",
        G,
        401,
        "UNAUTHENTICATED",
        {"json": {"query": "{ viewer { role } }"}},
        None,
    ),
    Case(
        "basic auth",
        "POST",
        G,
        401,
        "UNAUTHENTICATED",
        {"json": {"query": "{ viewer { role } }"}},
        None,
        {"Authorization": "Basic abc"},
    ),
    Case(
        "garbage JWT",
        "POST",
        G,
        401,
        "UNAUTHENTICATED",
        {"json": {"query": "{ viewer { role } }"}},
        None,
        {"Authorization": "Bearer abc.def.ghi"},
    ),
    Case(
        "unknown API key",
        "POST",
        G,
        401,
        "UNAUTHENTICATED",
        {"json": {"query": "{ viewer { role } }"}},
        None,
        {"Authorization": "Bearer ugk_nope"},
    ),
    Case(
        "service token on GraphQL",
        "POST",
        G,
        401,
        "UNAUTHENTICATED",
        {"json": {"query": "{ viewer { role } }"}},
        "service",
    ),
]
