"""verify recounts every rollup from the events; rebuild-rollups repairs them."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from gateway.cli import main
from gateway.maintenance.verify import Difference, Window, rebuild_org, verify_org
from gateway.storage.db import Database
from tests.support import SERVICE, ai_call, put_member, put_org


def _interview(
    event_id: str, interview: str, status: str, at: str, fraction: str | None = None
) -> dict[str, Any]:
    event = {
        "eventId": event_id,
        "orgId": "acme",
        "openingId": "o1" if interview != "i3" else "o2",
        "interviewId": interview,
        "candidateId": f"cand-{interview}",
        "occurredAt": at,
        "status": status,
    }
    if fraction is not None:
        event["completedFraction"] = fraction
    return event


async def _seed(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme", time_zone="Europe/Paris")
    await put_org(client, "other")
    for member in ("m1", "m2"):
        await put_member(client, "acme", member)
    await put_member(client, "other", "m1")
    for opening in ("o1", "o2"):
        response = await client.put(
            f"/v1/orgs/acme/openings/{opening}", json={"jobTitle": "Chef"}, headers=SERVICE
        )
        assert response.status_code in (200, 201)
    calls = [
        ai_call("c1", occurred_at="2026-10-31T23:30:00Z"),  # 1 November in Paris
        ai_call("c2", occurred_at="2026-11-03T09:15:00Z", member_id="m2", reason="SUMMARIZE_CV"),
        ai_call("c3", occurred_at="2026-11-03T10:00:00Z", model="claude-haiku-4-5"),
        ai_call("c4", occurred_at="2026-11-04T08:00:00Z", mode="BYOK", reason="GENERATE_FIELD"),
        ai_call("c5", occurred_at="2026-10-15T12:00:00Z", credits="3"),
        ai_call("x1", org_id="other", occurred_at="2026-11-03T09:15:00Z"),
    ]
    response = await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)
    assert response.json() == {"accepted": 6, "duplicates": 0}, response.text
    events = [
        _interview("e1", "i1", "INVITED", "2026-10-30T10:00:00Z"),
        _interview("e2", "i1", "PARTIALLY_COMPLETED", "2026-11-02T10:00:00Z", "0.455"),
        _interview("e3", "i1", "COMPLETED", "2026-11-05T10:00:00Z"),
        _interview("e4", "i2", "COMPLETED", "2026-11-05T11:00:00Z"),
        _interview("e5", "i3", "SIMULATION", "2026-11-06T11:00:00Z"),
    ]
    response = await client.post("/v1/ingest/interview-events", json=events, headers=SERVICE)
    assert response.json() == {"accepted": 5, "duplicates": 0}, response.text


async def _execute(db: Database, sql: str) -> None:
    async with db.write() as conn:
        result = await conn.execute(text(sql))
        assert result.rowcount == 1


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


async def _cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db: Database, *args: str
) -> tuple[int, list[str]]:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", _url(db))
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(main, list(args))
    code = exited.value.code
    assert isinstance(code, int)
    return code, capsys.readouterr().out.splitlines()


async def test_verify_finds_exactly_the_corrupted_row_and_rebuild_repairs_it(
    client: httpx.AsyncClient,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _seed(client)
    assert await verify_org(db, "acme") == []
    assert await _cli(monkeypatch, capsys, db, "verify", "--org", "acme") == (0, ["no differences"])

    await _execute(
        db,
        "UPDATE ai_daily_by_reason SET calls = calls + 1, credits_e4 = 7 WHERE org_id = 'acme'"
        " AND day = '2026-11-03' AND billing_mode = 'CREDITS' AND reason = 'CHAT'",
    )
    differences = await verify_org(db, "acme")
    assert differences == [
        Difference(
            "ai_daily_by_reason",
            ("acme", date(2026, 11, 3), "CREDITS", "CHAT"),
            (2, 7, 0, 1500),
            (1, 12500, 0, 1500),
        )
    ]
    code, out = await _cli(monkeypatch, capsys, db, "verify", "--org", "acme")
    assert code == 1
    assert out == [
        "ai_daily_by_reason org_id=acme day=2026-11-03 billing_mode=CREDITS reason=CHAT: "
        "stored calls=2 credits_e4=7 cost_micros=0 tokens=1500; "
        "recounted calls=1 credits_e4=12500 cost_micros=0 tokens=1500",
        "1 differences",
    ]
    # A window without that day sees nothing; one with it sees the row.
    assert await verify_org(db, "acme", Window(date(2026, 11, 4), date(2026, 11, 30))) == []
    assert len(await verify_org(db, "acme", Window(date(2026, 11, 3), date(2026, 11, 3)))) == 1
    # Another organization is not concerned.
    assert await verify_org(db, "other") == []

    code, out = await _cli(monkeypatch, capsys, db, "rebuild-rollups", "--org", "acme")
    assert (code, out) == (0, ["rollups of acme rebuilt"])
    assert await verify_org(db, "acme") == []
    code, out = await _cli(monkeypatch, capsys, db, "verify", "--org", "acme")
    assert (code, out) == (0, ["no differences"])


async def test_interview_rollups_candidates_and_charges(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(client)
    await _execute(
        db,
        "UPDATE interview_monthly SET firsts = firsts + 1 WHERE org_id = 'acme'"
        " AND month = '2026-11-01' AND opening_id = 'o1' AND status = 'COMPLETED'",
    )
    await _execute(
        db,
        "DELETE FROM interview_day_candidates WHERE org_id = 'acme' AND candidate_id = 'cand-i3'",
    )
    await _execute(
        db, "UPDATE interview_events SET charge_e4 = 1 WHERE org_id = 'acme' AND event_id = 'e5'"
    )
    differences = await verify_org(db, "acme")
    assert [(d.table, d.key, d.stored, d.recounted) for d in differences] == [
        (
            "interview_monthly",
            ("acme", date(2026, 11, 1), "o1", "COMPLETED"),
            (3, 15400, 2),
            (2, 15400, 2),
        ),
        (
            "interview_day_candidates",
            ("acme", date(2026, 11, 6), "o2", "cand-i3"),
            None,
            (),
        ),
        ("interview_events.charge_e4", ("acme", "e5"), (1,), (0,)),
    ]
    await rebuild_org(db, "acme")
    assert await verify_org(db, "acme") == []


async def test_unknown_organization(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", _url(db))
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(main, ["verify", "--org", "nope"])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "unknown organization 'nope'" in captured.err
