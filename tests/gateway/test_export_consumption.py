"""The consumption export: one row per local day and opening, equal to the page's own numbers."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import time as timer
import tracemalloc
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import insert
from starlette.applications import Starlette

from gateway.storage.db import Database
from gateway.storage.tables import interview_daily, interview_day_candidates
from tests.reference.consumption import EXPORT_HEADER, Ledger, Plan
from tests.resolvers.test_consumption_handmade import (
    ingest,
    interview_event,
    new_org,
    plan,
    purchase,
    put_opening,
)
from tests.support import SERVICE, bearer, graphql, member_token, put_member

RANGE = {"from": "2026-10-25", "to": "2026-11-19"}
OPENINGS = {"o1": "chef", "o2": "baker", "o3": "waiter"}

PAGE = """
query($period: PeriodInput!) { organization { consumption(period: $period) {
  creditsUsed
  byOpening(first: 100) { edges { node { jobTitle interviewsInvited interviewsCompleted creditsUsed } } }
  usageTrend(granularity: DAY) { start interviewsCompleted creditsUsed }
} } }
"""


def _events() -> list[dict[str, Any]]:
    def ev(
        eid: str, status: str, at: str, interview: str, opening: str, **kw: Any
    ) -> dict[str, Any]:
        return interview_event(eid, status, at, interview=interview, opening=opening, **kw)

    return [
        # Tokyo: 14:59:59Z is 23:59:59 on the same local day, 15:00Z the next local day.
        ev("a1", "INVITED", "2026-11-01T14:59:59Z", "i1", "o1", candidate="ann"),
        ev("a2", "STARTED", "2026-11-01T15:00:00Z", "i1", "o1", candidate="ann"),
        ev(
            "a3",
            "PARTIALLY_COMPLETED",
            "2026-11-01T16:00:00Z",
            "i1",
            "o1",
            candidate="ann",
            fraction="0.375",
        ),
        ev("a4", "COMPLETED", "2026-11-03T01:00:00Z", "i1", "o1", candidate="ann"),
        ev("b1", "INVITED", "2026-11-01T16:30:00Z", "i2", "o1", candidate="bob"),
        ev("b2", "COMPLETED", "2026-11-02T03:00:00Z", "i2", "o1", candidate="bob"),
        ev("b3", "COMPLETED", "2026-11-02T04:00:00Z", "i2", "o1", candidate="bob"),
        # The same candidate in a second interview of the same opening on the same day.
        ev("c1", "INVITED", "2026-11-02T05:00:00Z", "i3", "o1", candidate="bob"),
        ev("d1", "SIMULATION", "2026-11-02T06:00:00Z", "i4", "o2", candidate="cy"),
        ev("d2", "COMPLETED", "2026-11-02T07:00:00Z", "i4", "o2", candidate="cy"),
        ev("e1", "COMPLETED", "2026-11-02T08:00:00Z", "i5", "o2", candidate="dee"),
        ev(
            "f1",
            "PARTIALLY_COMPLETED",
            "2026-10-24T14:00:00Z",
            "i6",
            "o3",
            candidate="eve",
            fraction="0.5",
        ),
        ev("f2", "COMPLETED", "2026-10-25T16:00:00Z", "i6", "o3", candidate="eve"),
        # Outside the range (20 November, local).
        ev("g1", "COMPLETED", "2026-11-19T15:00:00Z", "i7", "o3", candidate="fay"),
    ]


async def _seed(client: httpx.AsyncClient) -> tuple[str, Ledger]:
    token = await new_org(
        client,
        "acme",
        time_zone="Asia/Tokyo",
        plan_body=plan("10"),
        active_since="2026-10-01",
        openings=OPENINGS,
    )
    events = _events()
    await ingest(client, events)
    await purchase(client, "acme", "p1", "5", "2026-11-02T00:00:00Z")
    ledger = Ledger("Asia/Tokyo", date(2026, 10, 1), Plan(Decimal(10)), openings=dict(OPENINGS))
    ledger.add_events(events)
    return token, ledger


async def _export(client: httpx.AsyncClient, token: str, fmt: str, **params: str) -> httpx.Response:
    return await client.get(
        "/v1/exports/consumption", params={**RANGE, "format": fmt, **params}, headers=bearer(token)
    )


def _csv(response: httpx.Response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response: httpx.Response) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _as_text(row: list[Any]) -> list[str]:
    """An XLSX row as the CSV would print it; numbers must be numeric cells."""
    day, title, candidates, credits, *counts = row
    # A date cell (openpyxl reads every date cell back as a datetime at midnight).
    assert isinstance(day, datetime) and day.time() == time(0), row
    assert isinstance(candidates, int | float) and not isinstance(candidates, bool), row
    assert isinstance(credits, int | float) and not isinstance(credits, bool), row
    assert all(isinstance(c, int | float) for c in counts), row
    return [
        day.date().isoformat(),
        title,
        str(int(candidates)),
        f"{Decimal(str(credits)):.4f}",
        *(str(int(c)) for c in counts),
    ]


async def _page(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    body = await graphql(client, PAGE, token=token, variables={"period": RANGE})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["organization"]["consumption"]
    return result


def _check_against_page(rows: list[list[str]], page: dict[str, Any]) -> None:
    per_opening: dict[str, list[Any]] = defaultdict(lambda: [Decimal(0), 0, 0])
    per_day: dict[str, list[Any]] = defaultdict(lambda: [Decimal(0), 0])
    for day, title, _, credits, invited, _, _, completed, _ in rows:
        per_opening[title][0] += Decimal(credits)
        per_opening[title][1] += int(invited)
        per_opening[title][2] += int(completed)
        per_day[day][0] += Decimal(credits)
        per_day[day][1] += int(completed)
    by_opening = {
        e["node"]["jobTitle"]: [
            Decimal(e["node"]["creditsUsed"]),
            e["node"]["interviewsInvited"],
            e["node"]["interviewsCompleted"],
        ]
        for e in page["byOpening"]["edges"]
    }
    # Job titles are unique in this data set, so they can key the comparison.
    assert dict(per_opening) == by_opening
    trend = {
        b["start"]: [Decimal(b["creditsUsed"]), b["interviewsCompleted"]]
        for b in page["usageTrend"]
        if Decimal(b["creditsUsed"]) or b["interviewsCompleted"]
    }
    assert {d: v for d, v in per_day.items() if v[0] or v[1]} == trend
    assert sum(v[0] for v in per_day.values()) == Decimal(page["creditsUsed"])


async def test_csv_equals_by_opening_and_usage_trend(client: httpx.AsyncClient) -> None:
    token, ledger = await _seed(client)
    response = await _export(client, token, "csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    table = _csv(response)
    assert table[0] == EXPORT_HEADER
    rows = table[1:]
    reference = ledger.export_rows(date(2026, 10, 25), date(2026, 11, 19))
    assert rows == reference
    # Ordered by date, then opening id: on 2 November o1 (chef) before o2 (baker).
    assert [r[:2] for r in rows] == [
        ["2026-10-26", "waiter"],
        ["2026-11-01", "chef"],
        ["2026-11-02", "chef"],
        ["2026-11-02", "baker"],
        ["2026-11-03", "chef"],
    ]
    assert rows == [
        ["2026-10-26", "waiter", "1", "0.5000", "0", "0", "0", "1", "0"],
        ["2026-11-01", "chef", "1", "0.0000", "1", "0", "0", "0", "0"],
        ["2026-11-02", "chef", "2", "1.3800", "2", "1", "1", "1", "0"],
        ["2026-11-02", "baker", "2", "1.0000", "0", "0", "0", "1", "1"],
        ["2026-11-03", "chef", "1", "0.6200", "0", "0", "0", "1", "0"],
    ]
    _check_against_page(rows, await _page(client, token))


async def test_xlsx_equals_the_csv(client: httpx.AsyncClient) -> None:
    token, ledger = await _seed(client)
    response = await _export(client, token, "xlsx")
    assert response.status_code == 200, response.text
    assert "spreadsheetml" in response.headers["content-type"]
    table = _xlsx(response)
    assert table[0] == EXPORT_HEADER
    rows = [_as_text(r) for r in table[1:]]
    assert rows == ledger.export_rows(date(2026, 10, 25), date(2026, 11, 19))
    _check_against_page(rows, await _page(client, token))


async def test_export_permissions(client: httpx.AsyncClient) -> None:
    await _seed(client)
    params = {**RANGE, "format": "csv"}
    assert (await client.get("/v1/exports/consumption", params=params)).status_code == 401
    await put_member(client, "acme", "ivan", role="INTERVIEWER")
    await put_member(client, "acme", "ada", role="ADMIN")
    for member in ("ivan", "ada"):
        response = await _export(client, member_token("acme", member), "csv")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "FORBIDDEN"
        assert "chef" not in response.text
    keys = {}
    for permission in ("credits:view", "consumption:view"):
        created = await client.post(
            "/v1/orgs/acme/api-keys",
            json={"name": permission, "permissions": [permission]},
            headers=SERVICE,
        )
        keys[permission] = created.json()["key"]
    response = await _export(client, keys["credits:view"], "csv")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    response = await _export(client, keys["consumption:view"], "csv")
    assert response.status_code == 200
    assert len(_csv(response)) == 6
    # The service token is for the write routes only.
    response = await client.get("/v1/exports/consumption", params=params, headers=SERVICE)
    assert response.status_code in (401, 403)
    # Another organization's admin sees only its own (empty) export.
    await new_org(client, "globex", plan_body=plan("1"), active_since="2026-10-01")
    response = await _export(client, member_token("globex", "boss"), "csv")
    assert response.status_code == 200
    assert _csv(response) == [EXPORT_HEADER]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-11-19", "format": "csv"}, "from"),
        ({"from": "2026-11-01", "format": "csv"}, "to"),
        ({"from": "2026-11-01", "to": "2026-11-19"}, "format"),
        ({"from": "2026-11-01", "to": "2026-11-19", "format": "pdf"}, "format"),
        ({"from": "2026-02-30", "to": "2026-11-19", "format": "csv"}, "from"),
        ({"from": "yesterday", "to": "2026-11-19", "format": "csv"}, "from"),
        ({"from": "2026-11-01", "to": "2026-11-1", "format": "xlsx"}, "to"),
        ({"from": "2026-11-19", "to": "2026-11-01", "format": "csv"}, "to"),
        ({"from": "2025-10-15", "to": "2026-11-19", "format": "csv"}, "to"),
    ],
)
async def test_bad_parameters_are_named(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    token, _ = await _seed(client)
    response = await client.get("/v1/exports/consumption", params=params, headers=bearer(token))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["errors"][0]["field"] == field


async def test_a_range_of_exactly_400_days(client: httpx.AsyncClient) -> None:
    token, ledger = await _seed(client)
    response = await client.get(
        "/v1/exports/consumption",
        params={"from": "2025-10-16", "to": "2026-11-19", "format": "csv"},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert _csv(response)[1:] == ledger.export_rows(date(2025, 10, 16), date(2026, 11, 19))


# ---------------------------------------------------------------- volume

VOLUME_OPENINGS = 500
VOLUME_DAYS = 400
FIRST_DAY = date(2025, 10, 16)


async def _fill(db: Database) -> None:
    days = [FIRST_DAY + timedelta(days=k) for k in range(VOLUME_DAYS)]
    batch: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []

    async def flush() -> None:
        async with db.write() as conn:
            await conn.execute(insert(interview_daily), batch)
            await conn.execute(insert(interview_day_candidates), people)
        batch.clear()
        people.clear()

    for n in range(VOLUME_OPENINGS):
        opening = f"v{n:04d}"
        for day in days:
            batch.append(
                {
                    "org_id": "acme",
                    "day": day,
                    "opening_id": opening,
                    "status": "COMPLETED",
                    "firsts": 1,
                    "credits_e4": 12500,
                    "events": 1,
                }
            )
            people.append(
                {"org_id": "acme", "day": day, "opening_id": opening, "candidate_id": "c"}
            )
        if len(batch) >= 20_000:
            await flush()
    if batch:
        await flush()


class StreamingTransport(httpx.AsyncBaseTransport):
    """Like httpx's ASGI transport, but hands the body over piece by piece as the app sends it
    (httpx's own joins the whole body first), with back-pressure."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        pieces: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=4)
        started: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        closed = asyncio.Event()
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": body, "more_body": False}
            await closed.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.set_result(message)
            elif message["type"] == "http.response.body":
                if message.get("body"):
                    await pieces.put(message["body"])
                if not message.get("more_body", False):
                    await pieces.put(None)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "client": ("127.0.0.1", 1234),
            "server": (request.url.host, 80),
            "root_path": "",
        }

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            finally:
                if not started.done():
                    started.set_exception(RuntimeError("no response"))

        task = asyncio.create_task(run())
        start = await started

        class Body(httpx.AsyncByteStream):
            async def __aiter__(self) -> AsyncIterator[bytes]:
                while (piece := await pieces.get()) is not None:
                    yield piece

            async def aclose(self) -> None:
                closed.set()
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        return httpx.Response(start["status"], headers=start["headers"], stream=Body())


@pytest.mark.slow
async def test_an_export_of_200_000_rows_streams(
    client: httpx.AsyncClient, app: Starlette, db: Database
) -> None:
    token = await new_org(
        client, "acme", plan_body=plan("10"), active_since="2025-10-01", openings={}
    )
    for n in range(VOLUME_OPENINGS):
        await put_opening(client, "acme", f"v{n:04d}", f"role {n:04d}")
    started = timer.perf_counter()
    await _fill(db)
    filled = timer.perf_counter() - started
    params = {"from": FIRST_DAY.isoformat(), "to": "2026-11-19", "format": "csv"}

    # The body arrives in many pieces, read as they come; memory stays flat meanwhile.
    rows = 0
    chunks = 0
    head = b""
    tail = b""
    tracemalloc.start()
    try:
        async with (
            httpx.AsyncClient(
                transport=StreamingTransport(app), base_url="http://gateway.test"
            ) as streaming,
            streaming.stream(
                "GET", "/v1/exports/consumption", params=params, headers=bearer(token)
            ) as response,
        ):
            assert response.status_code == 200
            async for chunk in response.aiter_bytes():
                chunks += 1
                rows += chunk.count(b"\n")
                if len(head) < 500:
                    head += chunk[:500]
                tail = (tail + chunk)[-500:]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert chunks > 10
    assert rows == VOLUME_OPENINGS * VOLUME_DAYS + 1
    lines = head.decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == EXPORT_HEADER
    assert lines[1].split(",") == [
        "2025-10-16",
        "role 0000",
        "1",
        "1.2500",
        "0",
        "0",
        "0",
        "1",
        "0",
    ]
    assert tail.decode().splitlines()[-1].split(",") == [
        "2026-11-19",
        f"role {VOLUME_OPENINGS - 1:04d}",
        "1",
        "1.2500",
        "0",
        "0",
        "0",
        "1",
        "0",
    ]
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.1f} MiB (fill took {filled:.1f}s)"
