"""UsagePeriod.activity: complete page walks under concurrent ingest, cursor misuse, bounds."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.support import SERVICE, ai_call, graphql, member_token, put_member, put_org

PAGE = """
query($period: PeriodInput!, $first: Int, $after: String) { organization { usage(period: $period) {
  activity(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id occurredAt creditsCharged totalTokens } }
  }
} } }
"""
THIS_MONTH = {"preset": "THIS_MONTH"}


def _at(day: int, hour: int, minute: int = 0) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00Z"


def _events(org_id: str) -> list[dict[str, Any]]:
    """23 calls of November with distinct credits; some share their occurredAt exactly."""
    times = [_at(1 + i % 18, 8 + i % 9, (7 * i) % 60) for i in range(17)]
    times += [_at(10, 12)] * 4 + [_at(3, 9, 30)] * 2
    events = []
    for i, at in enumerate(times):
        member = ["m1", "m2", "m3"][i % 3]
        if i % 5 == 4:
            events.append(
                ai_call(
                    f"{org_id}-c{i:02d}",
                    org_id=org_id,
                    member_id=member,
                    occurred_at=at,
                    mode="BYOK",
                    credits=None,
                    input_tokens=1000 + i,
                    output_tokens=0,
                )
            )
        else:
            events.append(
                ai_call(
                    f"{org_id}-c{i:02d}",
                    org_id=org_id,
                    member_id=member,
                    occurred_at=at,
                    credits=f"{i + 1}.{i:02d}",
                )
            )
    # October: never part of this month's walk.
    events.append(ai_call(f"{org_id}-oct", org_id=org_id, occurred_at="2026-10-20T10:00:00Z"))
    return events


async def _setup(client: httpx.AsyncClient, org_id: str, time_zone: str = "Europe/Paris") -> str:
    await put_org(client, org_id, time_zone=time_zone)
    for member in ("m1", "m2", "m3"):
        await put_member(client, org_id, member)
    response = await client.post("/v1/ingest/ai-calls", json=_events(org_id), headers=SERVICE)
    assert response.status_code == 200, response.text
    return member_token(org_id, "m1")


async def _ingest(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> None:
    response = await client.post("/v1/ingest/ai-calls", json=events, headers=SERVICE)
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(events)


async def _page(
    client: httpx.AsyncClient,
    token: str,
    *,
    period: dict[str, Any] = THIS_MONTH,
    first: int | None = None,
    after: str | None = None,
) -> dict[str, Any]:
    variables: dict[str, Any] = {"period": period, "after": after}
    if first is not None:
        variables["first"] = first
    return await graphql(client, PAGE, token=token, variables=variables)


def _activity(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["organization"]["usage"]["activity"]
    return result


def _key(node: dict[str, Any]) -> tuple[str, str]:
    return node["occurredAt"], node["creditsCharged"] or f"tokens:{node['totalTokens']}"


def _moment(node: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(node["occurredAt"])


def _bad_input(body: dict[str, Any]) -> None:
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    assert codes and set(codes) == {"BAD_USER_INPUT"}, body
    data = body.get("data")
    assert data is None or data["organization"] is None or data["organization"]["usage"] is None


@pytest.mark.parametrize("first", [1, 2, 3, 4, 5, 6, 7])
async def test_a_walk_returns_every_call_once_despite_concurrent_ingest(
    client: httpx.AsyncClient, first: int
) -> None:
    token = await _setup(client, "walk")
    await _setup(client, "other")
    before = _activity(await _page(client, token, first=100))
    assert before["totalCount"] == 23 and not before["pageInfo"]["hasNextPage"]
    existing = {edge["node"]["id"]: _key(edge["node"]) for edge in before["edges"]}
    assert len(existing) == 23

    newcomers = [
        # Newer than anything walked so far, older than the cursor, on the cursor's very instant,
        # in another period and in another organization.
        ai_call("walk-new-latest", org_id="walk", occurred_at=_at(20, 11), credits="900"),
        ai_call("walk-new-old", org_id="walk", occurred_at=_at(1, 0, 1), credits="901"),
        ai_call("walk-new-tie", org_id="walk", occurred_at=_at(10, 12), credits="902"),
        ai_call("walk-new-tie2", org_id="walk", occurred_at=_at(3, 9, 30), credits="903"),
        ai_call("walk-new-oct", org_id="walk", occurred_at="2026-10-30T10:00:00Z", credits="904"),
        ai_call("other-new", org_id="other", occurred_at=_at(5, 5), credits="905"),
    ]
    seen: list[dict[str, Any]] = []
    after: str | None = None
    pages = 0
    while True:
        activity = _activity(await _page(client, token, first=first, after=after))
        edges = activity["edges"]
        assert len(edges) <= first
        seen += [edge["node"] for edge in edges]
        pages += 1
        assert pages <= 40, "the walk does not end"
        if edges:
            assert activity["pageInfo"]["endCursor"] == edges[-1]["cursor"]
        if pages == 2:
            await _ingest(client, newcomers[:3])
        if pages == 4:
            await _ingest(client, newcomers[3:])
        if not activity["pageInfo"]["hasNextPage"]:
            break
        assert len(edges) == first
        after = activity["pageInfo"]["endCursor"]

    ids = Counter(node["id"] for node in seen)
    assert [i for i, n in ids.items() if n > 1] == [], "a call was repeated"
    assert set(existing) - set(ids) == set(), "a call was skipped"
    # Anything beyond the calls that existed is one of the newcomers of this period.
    extra = Counter(_key(node) for node in seen if node["id"] not in existing)
    allowed = {
        (
            datetime.fromisoformat(e["occurredAt"].replace("Z", "+00:00")),
            f"{e['creditsCharged']}.0000",
        )
        for e in newcomers[:4]
    }
    for (at, credits), count in extra.items():
        assert count == 1
        assert (datetime.fromisoformat(at), credits) in allowed, (at, credits)
    moments = [_moment(node) for node in seen]
    assert moments == sorted(moments, reverse=True), "not newest first"
    for node in seen:
        if node["id"] in existing:
            assert _key(node) == existing[node["id"]]


async def test_pages_are_newest_first_and_agree_with_one_big_page(
    client: httpx.AsyncClient,
) -> None:
    token = await _setup(client, "walk")
    whole = _activity(await _page(client, token, first=100))
    walked: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        activity = _activity(await _page(client, token, first=4, after=after))
        assert activity["totalCount"] == 23
        walked += [edge["node"] for edge in activity["edges"]]
        if not activity["pageInfo"]["hasNextPage"]:
            break
        after = activity["pageInfo"]["endCursor"]
    assert walked == [edge["node"] for edge in whole["edges"]]
    moments = [_moment(node) for node in walked]
    assert moments == sorted(moments, reverse=True)
    # The default page is 50 rows.
    default = _activity(await _page(client, token))
    assert len(default["edges"]) == 23


async def test_a_walk_past_the_last_page_is_empty(client: httpx.AsyncClient) -> None:
    token = await _setup(client, "walk")
    whole = _activity(await _page(client, token, first=23))
    assert whole["pageInfo"]["hasNextPage"] is False
    last_cursor = whole["edges"][-1]["cursor"]
    rest = _activity(await _page(client, token, first=5, after=last_cursor))
    assert rest["edges"] == []
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_foreign_stale_and_tampered_cursors_are_bad_input(
    client: httpx.AsyncClient,
) -> None:
    token = await _setup(client, "walk")
    other = await _setup(client, "other", time_zone="Europe/Paris")
    mine = _activity(await _page(client, token, first=3))["pageInfo"]["endCursor"]
    theirs = _activity(await _page(client, other, first=3))["pageInfo"]["endCursor"]
    assert isinstance(mine, str) and isinstance(theirs, str)

    # Another organization's cursor, even for the same preset and the same dates.
    _bad_input(await _page(client, token, first=3, after=theirs))
    # A cursor of another period of the same organization.
    _bad_input(await _page(client, token, period={"preset": "LAST_MONTH"}, first=3, after=mine))
    _bad_input(
        await _page(
            client, token, period={"from": "2026-11-02", "to": "2026-11-30"}, first=3, after=mine
        )
    )
    # Tampered with, cut short, padded, or not a cursor at all.
    middle = len(mine) // 2
    swapped = mine[:middle] + ("B" if mine[middle] == "A" else "A") + mine[middle + 1 :]
    for bad in (swapped, mine[:-4], mine[4:], mine + "AAAA", "garbage", "", "null", "=="):
        _bad_input(await _page(client, token, first=3, after=bad))
    # The genuine cursor still works afterwards.
    page = _activity(await _page(client, token, first=3, after=mine))
    assert len(page["edges"]) == 3


@pytest.mark.parametrize("first", [0, -1, 101, 1000])
async def test_activity_first_outside_1_to_100_is_bad_input(
    client: httpx.AsyncClient, first: int
) -> None:
    token = await _setup(client, "walk")
    _bad_input(await _page(client, token, first=first))


@pytest.mark.parametrize("first", [1, 100])
async def test_activity_first_at_the_bounds(client: httpx.AsyncClient, first: int) -> None:
    token = await _setup(client, "walk")
    activity = _activity(await _page(client, token, first=first))
    assert len(activity["edges"]) == min(first, 23)
    assert activity["pageInfo"]["hasNextPage"] is (first < 23)


BY_USER = """
query($first: Int) { organization { usage { byUser(first: $first) { totalCount nodes { calls } } } } }
"""


@pytest.mark.parametrize("first", [0, -5, 501])
async def test_by_user_first_outside_1_to_500_is_bad_input(
    client: httpx.AsyncClient, first: int
) -> None:
    token = await _setup(client, "walk")
    _bad_input(await graphql(client, BY_USER, token=token, variables={"first": first}))


@pytest.mark.parametrize(("first", "rows"), [(1, 1), (500, 3)])
async def test_by_user_first_at_the_bounds(
    client: httpx.AsyncClient, first: int, rows: int
) -> None:
    token = await _setup(client, "walk")
    body = await graphql(client, BY_USER, token=token, variables={"first": first})
    assert "errors" not in body, body
    by_user = body["data"]["organization"]["usage"]["byUser"]
    assert by_user["totalCount"] == 3
    assert len(by_user["nodes"]) == rows
