"""Who may start, see and download a bulk export, and what a download URL must carry."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from gateway.storage.db import Database
from tests.bulk.support import download, read, run_worker, start, started
from tests.gateway.test_export_ai_usage import _seed as seed_ai_usage
from tests.support import SERVICE, MovableClock, bearer, graphql, member_token, put_member, put_org

RANGE = ("2026-11-01", "2026-11-19")
LIST = "{ organization { bulkExports { id kind status } } }"


async def _api_key(client: httpx.AsyncClient, org: str, *permissions: str) -> str:
    response = await client.post(
        f"/v1/orgs/{org}/api-keys",
        json={"name": "k", "permissions": list(permissions)},
        headers=SERVICE,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


async def _completed(
    client: httpx.AsyncClient, db: Database, clock: MovableClock, bulk_dir: Path, token: str
) -> tuple[str, str]:
    job_id = await started(client, token, "AI_USAGE", "CSV", *RANGE)
    await run_worker(db, clock, bulk_dir)
    job = await read(client, token, job_id)
    assert job is not None and job["status"] == "COMPLETED"
    return job_id, str(job["url"])


def _with(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return f"{parts.path}?{urlencode(query)}"


def _refusal(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    if field is not None:
        assert error["code"] == "FORBIDDEN"
        assert error["errors"][0]["field"] == field, error


async def test_a_changed_or_expired_url_is_refused_naming_the_field(
    bulk_client: httpx.AsyncClient, db: Database, clock: MovableClock, bulk_dir: Path
) -> None:
    await seed_ai_usage(bulk_client)
    token = member_token("acme", "ann")
    job_id, url = await _completed(bulk_client, db, clock, bulk_dir, token)
    assert (await download(bulk_client, token, url)).status_code == 200
    signature = parse_qs(urlsplit(url).query)["signature"][0]
    expires = parse_qs(urlsplit(url).query)["expires"][0]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    _refusal(await download(bulk_client, token, _with(url, signature=flipped)), 403, "signature")
    # A later expiry is not what was signed.
    later = str(int(expires) + 86_400)
    _refusal(await download(bulk_client, token, _with(url, expires=later)), 403, "signature")
    _refusal(await download(bulk_client, token, _with(url, expires="soon")), 403, "expires")
    _refusal(await download(bulk_client, token, _with(url, expires="²")), 403, "expires")
    _refusal(await download(bulk_client, token, _with(url, signature="é" * 64)), 403, "signature")
    bare = urlsplit(url).path
    _refusal(await download(bulk_client, token, f"{bare}?expires={expires}"), 403, "signature")
    # The URL of one job does not open another.
    other_id = await started(bulk_client, token, "AI_USAGE", "JSONL", *RANGE)
    await run_worker(db, clock, bulk_dir)
    other = url.replace(job_id, other_id)
    _refusal(await download(bulk_client, token, other), 403, "signature")
    # No credential: 401, whatever the signature.
    assert (await bulk_client.get(url)).status_code == 401
    # Past the expiry (a fresh token: the first one's hour is over).
    clock.advance(hours=168, seconds=1)
    token = member_token("acme", "ann", now=clock())
    _refusal(await download(bulk_client, token, url), 403, "expires")


async def test_permissions_follow_the_synchronous_exports(
    bulk_client: httpx.AsyncClient, db: Database, clock: MovableClock, bulk_dir: Path
) -> None:
    await seed_ai_usage(bulk_client)
    await put_member(bulk_client, "acme", "boss", role="ACCOUNT_ADMIN")
    admin = member_token("acme", "ann")  # ADMIN: credits:view, not consumption:view
    boss = member_token("acme", "boss")
    refused = await start(bulk_client, admin, "CONSUMPTION", "CSV", *RANGE)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "consumption:view" in refused["errors"][0]["message"]
    consumption_id = await started(bulk_client, boss, "CONSUMPTION", "CSV", *RANGE)
    usage_id = await started(bulk_client, admin, "AI_USAGE", "CSV", *RANGE)
    await run_worker(db, clock, bulk_dir)
    # A job of a kind the caller may not export is as absent as one that does not exist.
    assert await read(bulk_client, admin, consumption_id) is None
    boss_view = await read(bulk_client, boss, consumption_id)
    assert boss_view is not None
    listed = await graphql(bulk_client, LIST, token=admin)
    assert [j["id"] for j in listed["data"]["organization"]["bulkExports"]] == [usage_id]
    listed = await graphql(bulk_client, LIST, token=boss)
    ids = [j["id"] for j in listed["data"]["organization"]["bulkExports"]]
    assert sorted(ids) == sorted([usage_id, consumption_id])
    response = await download(bulk_client, admin, boss_view["url"])
    assert response.status_code == 403 and "consumption:view" in response.text
    # API keys: the permission of the kind, nothing else.
    usage_key = await _api_key(bulk_client, "acme", "credits:view")
    consumption_key = await _api_key(bulk_client, "acme", "consumption:view")
    body = await start(bulk_client, consumption_key, "AI_USAGE", "CSV", *RANGE)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await read(bulk_client, consumption_key, usage_id) is None
    usage_view = await read(bulk_client, usage_key, usage_id)
    assert usage_view is not None
    assert (await download(bulk_client, usage_key, usage_view["url"])).status_code == 200
    assert (await download(bulk_client, consumption_key, usage_view["url"])).status_code == 403
    # The service token is for the /v1 writes only.
    assert (await bulk_client.get(usage_view["url"], headers=SERVICE)).status_code == 401


async def test_another_organization_sees_nothing(
    bulk_client: httpx.AsyncClient, db: Database, clock: MovableClock, bulk_dir: Path
) -> None:
    await seed_ai_usage(bulk_client)
    await put_org(bulk_client, "globex")
    await put_member(bulk_client, "globex", "gus", role="ACCOUNT_ADMIN")
    token = member_token("acme", "ann")
    job_id, url = await _completed(bulk_client, db, clock, bulk_dir, token)
    for other in (
        member_token("globex", "gus"),
        await _api_key(bulk_client, "globex", "credits:view"),
    ):
        assert await read(bulk_client, other, job_id) is None
        listed = await graphql(bulk_client, LIST, token=other)
        assert listed["data"]["organization"]["bulkExports"] == []
        response = await download(bulk_client, other, url)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "NOT_FOUND"
    # Globex's own jobs count against its own limit, not acme's.
    gus = member_token("globex", "gus")
    for _ in range(2):
        await started(bulk_client, gus, "AI_USAGE", "CSV", *RANGE)
    await started(bulk_client, token, "AI_USAGE", "CSV", *RANGE)


async def test_at_most_two_waiting_or_running_per_organization(
    bulk_client: httpx.AsyncClient, db: Database, clock: MovableClock, bulk_dir: Path
) -> None:
    await seed_ai_usage(bulk_client)
    token = member_token("acme", "ann")
    await started(bulk_client, token, "AI_USAGE", "CSV", *RANGE)
    await started(bulk_client, token, "AI_USAGE", "XLSX", *RANGE)
    third = await start(bulk_client, token, "AI_USAGE", "JSONL", *RANGE)
    assert third["data"] is None
    error = third["errors"][0]
    assert error["extensions"] == {"code": "TOO_MANY_BULK_EXPORTS", "limit": 2}
    assert "at most 2 bulk exports" in error["message"]
    assert await run_worker(db, clock, bulk_dir) == 2
    # Finished jobs no longer count.
    await started(bulk_client, token, "AI_USAGE", "JSONL", *RANGE)
    await started(bulk_client, token, "AI_USAGE", "CSV", *RANGE)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [("2026-11-19", "2026-11-01", "to"), ("2025-01-01", "2026-11-19", "to")],
)
async def test_a_bad_range_is_bad_user_input(
    bulk_client: httpx.AsyncClient, first: str, last: str, field: str
) -> None:
    await seed_ai_usage(bulk_client)
    body = await start(bulk_client, member_token("acme", "ann"), "AI_USAGE", "CSV", first, last)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def test_starting_one_is_priced_once_whatever_its_size(
    bulk_client: httpx.AsyncClient,
) -> None:
    await seed_ai_usage(bulk_client)
    response = await bulk_client.post(
        "/graphql",
        json={
            "query": 'mutation { startBulkExport(kind: AI_USAGE, format: CSV, from: "2026-01-01",'
            ' to: "2026-11-19") { id status } }'
        },
        headers=bearer(member_token("acme", "ann")),
    )
    cost = response.json()["extensions"]["cost"]
    # The object (1) and the flat price of a bulk export (10), however many rows it will have.
    assert cost["requestedQueryCost"] == cost["actualQueryCost"] == 11
