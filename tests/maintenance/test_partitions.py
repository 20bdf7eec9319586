"""ai_calls' monthly partitions (PostgreSQL) and raw retention (both engines): pages, the
duplicate check and verify across partition boundaries; cards exact after a drop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from gateway.cli import main
from gateway.maintenance import partition_queries
from gateway.maintenance.partitions import maintain
from gateway.maintenance.verify import rebuild_org, verify_org
from gateway.storage.db import Database
from resolvers.documents import DIRECTORY as DOCUMENTS
from resolvers.node import decode_global_id
from tests.maintenance.partition_support import (
    cards,
    client_of,
    count_rows,
    gather_pages,
    own_db,
)
from tests.support import (
    NOW,
    SERVICE,
    MovableClock,
    ai_call,
    graphql,
    member_token,
    put_member,
    put_org,
)


@pytest.fixture(params=["sqlite", "postgresql"])
async def pdb(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Database]:
    async for db in own_db(request.param, tmp_path, sqlite_template):
        yield db


@pytest.fixture
async def pclient(pdb: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(pdb, MovableClock(NOW)) as client:
        await put_org(client, "acme")
        await put_org(client, "other")
        await put_member(client, "acme", "m1")
        await put_member(client, "acme", "m2")
        await put_member(client, "other", "m1")
        yield client


async def _ingest(client: httpx.AsyncClient, calls: list[dict[str, object]]) -> httpx.Response:
    return await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)


def _stamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def _months(db: Database) -> list[date]:
    async with db.read() as conn:
        return await partition_queries.monthly_partitions(conn)


async def test_partitions_are_made_ahead_and_split_off_the_default(
    pdb: Database, pclient: httpx.AsyncClient
) -> None:
    calls = [
        ai_call(f"c{n}", occurred_at=f"2026-{month:02d}-1{n % 9}T10:00:00Z")
        for n, month in enumerate((8, 9, 10, 11, 11), start=1)
    ]
    assert (await _ingest(pclient, calls)).json() == {"accepted": 5, "duplicates": 0}
    report = await maintain(pdb, now=NOW, ahead=3, retention_months=None)
    if pdb.dialect != "postgresql":
        assert not report.partitioned and report.created == []
        return
    months = await _months(pdb)
    wanted = [date(2026, m, 1) for m in (8, 9, 10, 11, 12)] + [date(2027, 1, 1), date(2027, 2, 1)]
    assert set(wanted) <= set(months)
    assert await count_rows(pdb, partition_queries.DEFAULT) == 0
    assert await count_rows(pdb, "ai_calls_p2026_11") == 2
    assert await count_rows(pdb, "ai_calls") == await count_rows(pdb, "ai_call_ids") == 5
    # Once made, a second run has nothing to do.
    again = await maintain(pdb, now=NOW, ahead=3, retention_months=None)
    assert again.created == [] and await _months(pdb) == months


async def test_a_page_of_the_activity_log_spans_two_months_partitions(
    pdb: Database, pclient: httpx.AsyncClient
) -> None:
    # 70 calls either side of 1 November 00:00 UTC, some at the same instant (ties by id).
    boundary = datetime(2026, 11, 1, tzinfo=UTC)
    instants = [boundary + timedelta(minutes=10 * (n // 2 - 35)) for n in range(140)]
    calls = [ai_call(f"k{n:03d}", occurred_at=_stamp(at)) for n, at in enumerate(instants)]
    assert (await _ingest(pclient, calls)).json()["accepted"] == 140
    await maintain(pdb, now=NOW, ahead=1, retention_months=None)
    if pdb.dialect == "postgresql":
        assert await count_rows(pdb, "ai_calls_p2026_10") == 70
        assert await count_rows(pdb, "ai_calls_p2026_11") == 70
    pages = await gather_pages(pclient, "2026-10-31", "2026-11-01")
    assert [len(p["edges"]) for p in pages] == [50, 50, 40]
    # The page in the middle holds calls of both partitions.
    middle = {edge["node"]["occurredAt"][:7] for edge in pages[1]["edges"]}
    assert middle == {"2026-10", "2026-11"}
    # Newest first, ties by id descending: computed here from the calls sent.
    expected = [
        call["eventId"]
        for call in sorted(calls, key=lambda c: (c["occurredAt"], c["eventId"]), reverse=True)
    ]
    seen = [edge["node"]["id"] for page in pages for edge in page["edges"]]
    assert len(seen) == len(set(seen)) == 140
    assert [_event_id(node_id) for node_id in seen] == expected


def _event_id(node_id: str) -> str:
    decoded = decode_global_id(node_id)
    assert decoded is not None and decoded[0] == "UsageCall", node_id
    return decoded[1][-1]


async def test_a_duplicate_sent_again_after_its_partition_exists(
    pdb: Database, pclient: httpx.AsyncClient
) -> None:
    first = ai_call("d1", occurred_at="2026-10-20T08:00:00Z")
    assert (await _ingest(pclient, [first])).json() == {"accepted": 1, "duplicates": 0}
    # On PostgreSQL it waited in the default partition; now October has a partition of its own.
    await maintain(pdb, now=NOW, ahead=1, retention_months=None)
    if pdb.dialect == "postgresql":
        assert await count_rows(pdb, "ai_calls_p2026_10") == 1
    again = await _ingest(pclient, [first, ai_call("d2", occurred_at="2026-11-02T08:00:00Z")])
    assert again.json() == {"accepted": 1, "duplicates": 1}, again.text
    # The same id with another instant, in another month's partition: a conflict, not a new call.
    moved = ai_call("d1", occurred_at="2026-11-05T08:00:00Z")
    conflict = await _ingest(pclient, [moved])
    assert conflict.status_code == 409, conflict.text
    assert await count_rows(pdb, "ai_calls") == 2
    assert await verify_org(pdb, "acme") == []


async def test_retention_drops_raw_months_and_keeps_every_card(
    pdb: Database, pclient: httpx.AsyncClient
) -> None:
    calls = []
    for month in (7, 8, 9, 10, 11):
        for n in range(6):
            calls.append(
                ai_call(
                    f"r{month}-{n}",
                    occurred_at=f"2026-{month:02d}-{n * 3 + 1:02d}T{n + 8:02d}:30:00Z",
                    member_id=("m1", "m2")[n % 2],
                    reason=("CHAT", "SUMMARIZE_CV", "GENERATE_FIELD")[n % 3],
                    mode="BYOK" if n == 5 else "CREDITS",
                    credits=f"{month}.{n}5",
                )
            )
    calls.append(ai_call("o1", org_id="other", occurred_at="2026-07-04T10:00:00Z"))
    assert (await _ingest(pclient, calls)).json() == {"accepted": 31, "duplicates": 0}
    await maintain(pdb, now=NOW, ahead=1, retention_months=None)
    ranges = [
        ("2026-07-01", "2026-08-31"),
        ("2026-07-15", "2026-09-10"),
        ("2026-06-01", "2026-11-30"),
    ]
    before = {r: await cards(pclient, *r) for r in ranges}
    assert all(card["rawKeptSince"] is None for card in before.values())
    assert len(before[ranges[0]]["activity"]["edges"]) == 12

    # Two months back from November: July and August go, September on stays.
    report = await maintain(pdb, now=NOW, ahead=1, retention_months=2)
    assert report.kept_since == datetime(2026, 9, 1, tzinfo=UTC)
    assert report.deleted_calls == 13
    if pdb.dialect == "postgresql":
        assert report.dropped == [date(2026, 7, 1), date(2026, 8, 1)]
        assert date(2026, 7, 1) not in await _months(pdb)
        assert await count_rows(pdb, "ai_call_ids") == 18
    assert await count_rows(pdb, "ai_calls") == 18

    for period in ranges:
        after = await cards(pclient, *period)
        assert after["rawKeptSince"] == "2026-09-01T00:00:00+00:00"
        kept = [e for e in before[period]["activity"]["edges"] if e in after["activity"]["edges"]]
        # Every card as before; the log lists only the calls still kept.
        assert after["activity"]["edges"] == kept
        for card in before[period]:
            if card not in ("activity", "rawKeptSince"):
                assert after[card] == before[period][card], card
        assert after["activity"]["totalCount"] == before[period]["activity"]["totalCount"]
    assert (await cards(pclient, "2026-07-01", "2026-08-31"))["activity"]["edges"] == []
    # The dashboard's own document (trusted, planned) asks the same.
    kept_doc = (DOCUMENTS / "usage-raw-kept.graphql").read_text()
    body = await graphql(
        pclient,
        kept_doc,
        token=member_token("acme", "m1"),
        variables={"period": {"from": "2026-08-01", "to": "2026-09-30"}},
    )
    assert body["data"]["organization"]["usage"] == {
        "start": "2026-08-01T00:00:00+00:00",
        "rawKeptSince": "2026-09-01T00:00:00+00:00",
    }

    # verify compares the months wholly kept only, and a rebuild keeps the dropped months.
    assert await verify_org(pdb, "acme") == []
    await rebuild_org(pdb, "acme", now=NOW)
    assert await verify_org(pdb, "acme") == []
    for period in ranges:
        rebuilt = await cards(pclient, *period)
        assert rebuilt["summary"] == before[period]["summary"]
        assert rebuilt["timeSeries"] == before[period]["timeSeries"]

    # A call older than the kept months is refused (its month's cards are final); newer go in.
    late = await _ingest(pclient, [ai_call("late", occurred_at="2026-08-30T10:00:00Z")])
    assert late.status_code == 422, late.text
    assert "occurredAt" in late.text and "no longer kept" in late.text
    sent = await _ingest(pclient, [c for c in calls if c["eventId"] == "r9-0"])
    assert sent.json() == {"accepted": 0, "duplicates": 1}, sent.text


async def test_the_partitions_command(
    pdb: Database,
    pclient: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls = [ai_call("p1", occurred_at="2026-06-10T10:00:00Z"), ai_call("p2")]
    assert (await _ingest(pclient, calls)).json()["accepted"] == 2
    monkeypatch.setenv("GATEWAY_DATABASE_URL", pdb.engine.url.render_as_string(False))
    # The clock of the command: 20 November 2026, as the tests' (the migration used the real one).
    now = datetime.now(UTC)
    monkeypatch.setenv("GATEWAY_CLOCK_OFFSET_SECONDS", str((NOW - now).total_seconds()))

    def run(*args: str) -> tuple[object, list[str]]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(["partitions", *args])
        return exited.value.code, capsys.readouterr().out.splitlines()

    code, lines = await asyncio.to_thread(run, "--ahead", "2")
    assert code == 0 and lines[-1] == "raw calls: all kept (GATEWAY_RAW_RETENTION_MONTHS unset)"
    if pdb.dialect == "postgresql":
        assert "ai_calls_p2026_06" in lines[0] and "ai_calls_p2026_11" in lines[0]
    monkeypatch.setenv("GATEWAY_RAW_RETENTION_MONTHS", "4")
    code, lines = await asyncio.to_thread(run)
    assert code == 0
    assert "raw calls dropped: 1 (rollups kept)" in lines
    assert lines[-1] == "raw calls kept since 2026-07-01T00:00:00+00:00"
    if pdb.dialect == "postgresql":
        assert "partitions dropped: ai_calls_p2026_06" in lines
    assert await count_rows(pdb, "ai_calls") == 1
    code, _ = await asyncio.to_thread(run, "--retention-months", "1")
    assert code == 2


async def test_a_time_zone_change_after_a_drop_keeps_every_call_counted_once(
    pdb: Database, pclient: httpx.AsyncClient
) -> None:
    await put_org(pclient, "acme", time_zone="Asia/Tokyo")
    # Around the UTC start of October, the first month recounted after a drop of August: its
    # local start is 15:00 UTC the day before in Tokyo, 07:00 UTC that day in Los Angeles.
    instants = [
        "2026-07-10T10:00:00Z",
        "2026-09-12T10:00:00Z",
        "2026-09-30T10:00:00Z",
        "2026-09-30T18:00:00Z",
        "2026-10-01T03:00:00Z",
        "2026-10-01T09:00:00Z",
        "2026-10-31T20:00:00Z",
        "2026-11-10T10:00:00Z",
    ]
    calls = [
        ai_call(f"z{n}", occurred_at=at, credits=f"{n + 1}.5") for n, at in enumerate(instants)
    ]
    assert (await _ingest(pclient, calls)).json()["accepted"] == len(calls)
    await maintain(pdb, now=NOW, ahead=1, retention_months=2)
    whole = ("2026-06-01", "2026-11-30")
    total = (await cards(pclient, *whole))["summary"]
    assert total["calls"] == len(calls)  # the July call too: its rollups stay
    for zone in ("America/Los_Angeles", "Asia/Tokyo", "UTC"):
        await put_org(pclient, "acme", time_zone=zone)
        assert (await cards(pclient, *whole))["summary"] == total, zone
        assert await verify_org(pdb, "acme") == [], zone
        # October (and on) is counted in the new zone from the calls themselves.
        in_october = [
            c
            for c in calls
            if datetime.fromisoformat(str(c["occurredAt"])).astimezone(ZoneInfo(zone)).month == 10
        ]
        october = (await cards(pclient, "2026-10-01", "2026-10-31"))["summary"]
        assert october["calls"] == len(in_october), zone


async def test_a_new_tier_after_a_drop_moves_the_kept_calls_only(
    pdb: Database, pclient: httpx.AsyncClient
) -> None:
    instants = ["2026-07-10T10:00:00Z", "2026-09-30T18:00:00Z", "2026-11-10T10:00:00Z"]
    calls = [
        ai_call(f"t{n}", occurred_at=at, credits=f"{n + 1}.25") for n, at in enumerate(instants)
    ]
    assert (await _ingest(pclient, calls)).json()["accepted"] == len(calls)
    await maintain(pdb, now=NOW, ahead=1, retention_months=2)
    body = {"provider": "ANTHROPIC", "tier": "Sonnet 4.5"}
    response = await pclient.put("/v1/models/claude-sonnet-4-5", json=body, headers=SERVICE)
    assert response.status_code == 200, response.text
    # July's raw calls are gone: its rollups keep the tier they were counted under.
    july = await cards(pclient, "2026-07-01", "2026-07-31")
    assert july["byModel"] == [
        {"label": "Anthropic Sonnet", "creditsCharged": "1.2500", "calls": 1}
    ]
    kept = await cards(pclient, "2026-09-01", "2026-11-30")
    assert kept["byModel"] == [
        {"label": "Anthropic Sonnet 4.5", "creditsCharged": "5.5000", "calls": 2}
    ]
    whole = await cards(pclient, "2026-06-01", "2026-11-30")
    assert [(m["label"], m["calls"]) for m in whole["byModel"]] == [
        ("Anthropic Sonnet 4.5", 2),
        ("Anthropic Sonnet", 1),
    ]
    assert await verify_org(pdb, "acme") == []
    # A time-zone change afterwards recounts the kept months under the new tier.
    await put_org(pclient, "acme", time_zone="Asia/Tokyo")
    assert (await cards(pclient, "2026-06-01", "2026-11-30"))["byModel"] == whole["byModel"]
    assert await verify_org(pdb, "acme") == []
