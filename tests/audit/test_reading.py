"""Reading the audit log: audit:view only, one organization's events only, keyset pages that
add up exactly (GraphQL and /v1 alike), ``since``, and the export."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from tests.audit.support import AUDIT, all_events, audit_log, create_key, make_org
from tests.support import SERVICE, MovableClock, bearer, graphql, member_token, put_member


def _code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def test_only_audit_view_reads_the_log(client: httpx.AsyncClient) -> None:
    tokens = await make_org(client, "acme")
    with_permission = await create_key(client, "acme", "audit:view")
    without = await create_key(client, "acme", "credits:view", "consumption:view")
    assert (await audit_log(client, tokens["boss"]))["totalCount"] == 7
    assert (await audit_log(client, with_permission["key"]))["totalCount"] == 7
    for token in (tokens["admin"], tokens["staff"], without["key"]):
        body = await graphql(client, AUDIT, token=token)
        assert _code(body) == "FORBIDDEN"
        assert body["data"]["organization"]["auditLog"] is None
        for path in (
            "/v1/audit-log",
            "/v1/exports/audit-log?from=2026-11-01&to=2026-11-30&format=csv",
        ):
            response = await client.get(path, headers=bearer(token))
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "FORBIDDEN"
    for headers in (SERVICE, {}):
        response = await client.get("/v1/audit-log", headers=headers)
        assert response.status_code == 401


async def test_an_organization_sees_only_its_own_events(client: httpx.AsyncClient) -> None:
    acme = await make_org(client, "acme")
    globex = await make_org(client, "globex")
    await put_member(client, "acme", "only-acme", role="STAFFING")
    acme_events = await all_events(client, acme["boss"])
    globex_events = await all_events(client, globex["boss"])
    assert len(acme_events) == 6 and len(globex_events) == 5
    assert {e["id"] for e in acme_events}.isdisjoint(e["id"] for e in globex_events)
    assert "only-acme" not in str(globex_events)
    assert all(e["targetId"] != "acme" for e in globex_events)
    rest = (await client.get("/v1/audit-log", headers=bearer(globex["boss"]))).json()
    assert [e["id"] for e in rest["events"]] == [e["id"] for e in globex_events]
    # Another organization's cursor is refused, in GraphQL and in /v1.
    cursor = (await audit_log(client, acme["boss"], first=2))["pageInfo"]["endCursor"]
    body = await graphql(client, AUDIT, token=globex["boss"], variables={"after": cursor})
    assert _code(body) == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "after"
    response = await client.get(
        "/v1/audit-log", params={"after": cursor}, headers=bearer(globex["boss"])
    )
    assert response.status_code == 400 and response.json()["error"]["errors"][0]["field"] == "after"


async def _changes(client: httpx.AsyncClient, clock: MovableClock, count: int) -> list[str]:
    """``count`` member creations, three at each instant; their member ids, oldest first."""
    made = []
    for n in range(count):
        if n % 3 == 0:
            clock.advance(seconds=1)
        await put_member(client, "acme", f"m{n:02d}", role="INTERVIEWER")
        made.append(f"m{n:02d}")
    return made


async def test_pages_add_up_exactly(client: httpx.AsyncClient, clock: MovableClock) -> None:
    tokens = await make_org(client, "acme")
    boss = tokens["boss"]
    made = await _changes(client, clock, 31)
    whole = await all_events(client, boss)
    # Newest first: the members made, the latest first, then the 5 changes of the set-up.
    assert [e["targetId"] for e in whole[:31]] == made[::-1]
    assert len(whole) == 36
    for size in (1, 7, 36, 100):
        seen: list[str] = []
        after = None
        while True:
            page = await audit_log(client, boss, first=size, after=after)
            assert page["totalCount"] == 36
            seen += [edge["node"]["id"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == [e["id"] for e in whole], size
    # /v1 pages alike, and its cursors are GraphQL's.
    seen, after = [], None
    while True:
        params = {"first": "6", **({"after": after} if after else {})}
        response = await client.get("/v1/audit-log", params=params, headers=bearer(boss))
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [event["id"] for event in body["events"]]
        if not body["pageInfo"]["hasNextPage"]:
            break
        after = body["pageInfo"]["endCursor"]
    assert seen == [e["id"] for e in whole]
    rest_first = (await client.get("/v1/audit-log?first=5", headers=bearer(boss))).json()
    cursor = rest_first["pageInfo"]["endCursor"]
    next_page = await audit_log(client, boss, first=5, after=cursor)
    assert [edge["node"]["id"] for edge in next_page["edges"]] == [e["id"] for e in whole[5:10]]
    for bad in ({"first": "0"}, {"first": "101"}, {"first": "x"}, {"since": "2026-11-20"}):
        response = await client.get("/v1/audit-log", params=bad, headers=bearer(boss))
        assert response.status_code == 400, bad
        assert response.json()["error"]["errors"][0]["field"] == next(iter(bad))
    body = await graphql(client, AUDIT, token=boss, variables={"first": 101})
    assert _code(body) == "BAD_USER_INPUT"


async def test_since_keeps_the_later_changes(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    tokens = await make_org(client, "acme")
    clock.advance(minutes=30)
    since = clock().isoformat()
    made = await _changes(client, clock, 5)
    log = await audit_log(client, tokens["boss"], since=since, first=2)
    assert log["totalCount"] == 5
    seen = [edge["node"]["targetId"] for edge in log["edges"]]
    cursor = log["pageInfo"]["endCursor"]
    rest = await graphql(
        client, AUDIT, token=tokens["boss"], variables={"since": since, "after": cursor}
    )
    seen += [edge["node"]["targetId"] for edge in rest["data"]["organization"]["auditLog"]["edges"]]
    assert seen == made[::-1]
    # A cursor of the list without since is not one of this list.
    whole = await audit_log(client, tokens["boss"], first=2)
    body = await graphql(
        client,
        AUDIT,
        token=tokens["boss"],
        variables={"since": since, "after": whole["pageInfo"]["endCursor"]},
    )
    assert _code(body) == "BAD_USER_INPUT"
    response = await client.get(
        "/v1/audit-log", params={"since": since}, headers=bearer(tokens["boss"])
    )
    assert [e["targetId"] for e in response.json()["events"]] == made[::-1]


async def test_a_new_change_shows_at_once(client: httpx.AsyncClient) -> None:
    tokens = await make_org(client, "acme")
    assert (await audit_log(client, tokens["boss"]))["totalCount"] == 5
    # An API key's creation moves no data version: the response cache must not answer.
    await create_key(client, "acme", "credits:view")
    assert (await audit_log(client, tokens["boss"]))["totalCount"] == 6


async def test_the_export_has_one_row_per_change_of_the_range(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    tokens = await make_org(client, "acme")
    clock.advance(days=20)  # 10 December: outside the range asked for
    await put_member(client, "acme", "later", role="ADMIN")
    tokens["boss"] = member_token("acme", "boss", now=clock())
    response = await client.get(
        "/v1/exports/audit-log",
        params={"from": "2026-11-01", "to": "2026-11-30", "format": "csv"},
        headers=bearer(tokens["boss"]),
    )
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["When", "Action", "Actor"]
    events = (await all_events(client, tokens["boss"]))[1:]
    assert [row[-1] for row in rows[1:]] == [e["id"] for e in events]
    assert [row[1] for row in rows[1:]] == [e["action"] for e in events]
    xlsx = await client.get(
        "/v1/exports/audit-log",
        params={"from": "2026-11-01", "to": "2026-11-30", "format": "xlsx"},
        headers=bearer(tokens["boss"]),
    )
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
