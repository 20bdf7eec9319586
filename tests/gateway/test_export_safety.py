"""Exports are safe to open: formula-like text is escaped, a cut stream never looks whole."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette

from gateway.core import spreadsheets
from gateway.core.exports import CellKind, Column, Page, Pages
from gateway.core.spreadsheets import csv_stream, escape_text, xlsx_stream
from tests.support import SERVICE, ai_call, bearer, member_token, put_member, put_org


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ann", "Ann"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_escape_text(text: str, escaped: str) -> None:
    assert escape_text(text) == escaped


async def _pages(rows: list[list[Any]], size: int = 1_000) -> Pages:
    """Rows handed over as pages of columns, the way the domain's exports produce them."""
    for start in range(0, len(rows), size):
        page: Page = [list(column) for column in zip(*rows[start : start + size], strict=True)]
        yield page


async def _collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


COLUMNS = (
    Column("A"),
    Column("B", CellKind.DECIMAL),
    Column("C", CellKind.WHOLE),
    Column("D"),
    Column("E"),
    Column("F", CellKind.DECIMAL),
)


async def test_text_is_escaped_and_numbers_stay_numbers() -> None:
    rows = [
        ["=cmd|' /C calc'!A0", "-1.50", -3, "-3", None, None],
        ["", "0.0125", 0, "@x", "", "2.00"],
    ]
    body = await _collect(csv_stream(COLUMNS, _pages(rows)))
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] == ["A", "B", "C", "D", "E", "F"]
    assert table[1] == ["'=cmd|' /C calc'!A0", "-1.50", "-3", "'-3", "", ""]
    assert table[2] == ["", "0.0125", "0", "'@x", "", "2.00"]


async def test_xlsx_rows_are_written_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: set[int] = set()
    write = spreadsheets._Book.write

    def spy(self: spreadsheets._Book, page: Page) -> None:
        threads.add(threading.get_ident())
        write(self, page)

    monkeypatch.setattr(spreadsheets._Book, "write", spy)
    columns = (Column("A"), Column("B", CellKind.WHOLE), Column("C", CellKind.DECIMAL))
    rows = [[f"=row {n}", n, "0.25"] for n in range(35)]
    body = await _collect(xlsx_stream(columns, _pages(rows, size=10), sheet="S"))
    assert body.startswith(b"PK")
    assert threads and threading.get_ident() not in threads

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    # A string cell is never a formula in a workbook: the text is kept as it is.
    assert values[1] == ("=row 0", 0, 0.25)
    assert len(values) == 36


async def _seed(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme")
    await put_member(client, "acme", "ann")
    response = await client.put(
        "/v1/orgs/acme/members/eve",
        json={"name": '=HYPERLINK("http://evil.test","x")', "email": "eve@x.test", "role": "ADMIN"},
        headers=SERVICE,
    )
    assert response.status_code in (200, 201), response.text
    calls = [ai_call("c1", member_id="eve"), ai_call("c2", member_id="ann", credits="2.5")]
    response = await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)
    assert response.status_code == 200, response.text


async def test_a_formula_in_a_member_name_is_escaped(client: httpx.AsyncClient) -> None:
    await _seed(client)
    response = await client.get(
        "/v1/exports/ai-usage",
        params={"from": "2026-11-01", "to": "2026-11-30", "format": "csv"},
        headers=bearer(member_token("acme", "ann")),
    )
    assert response.status_code == 200, response.text
    table = list(csv.reader(io.StringIO(response.text)))
    users = {row[2]: row for row in table[1:]}
    assert '\'=HYPERLINK("http://evil.test","x")' in users
    assert users["Member ann"][6] == "2.5000"


async def test_an_export_failing_mid_stream_is_not_ended_cleanly(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await _seed(client)
    from gateway.usage import export as usage_export

    async def failing(*args: Any, **kwargs: Any) -> Pages:
        yield [[f"2026-11-03T09:15:0{n}+00:00" for n in range(3)]] + [[""] * 3] * 10
        raise RuntimeError("the database went away mid-export")

    from gateway.web.v1 import exports

    route = exports.ai_usage_export
    # The route is a frozen dataclass: swap its row source for the length of the test.
    object.__setattr__(route, "pages", failing)
    try:
        messages: list[dict[str, Any]] = []

        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            # The client stays connected: wait (the response's disconnect watcher asks).
            await anyio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        token = member_token("acme", "ann")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/v1/exports/ai-usage",
            "raw_path": b"/v1/exports/ai-usage",
            "query_string": b"from=2026-11-01&to=2026-11-30&format=csv",
            "root_path": "",
            "headers": [(b"host", b"gateway.test"), (b"authorization", f"Bearer {token}".encode())],
            "client": ("127.0.0.1", 1234),
            "server": ("gateway.test", 80),
        }
        with pytest.raises(Exception) as failure:
            await app(scope, receive, send)
        assert "mid-export" in str(failure.value) or "mid-export" in repr(failure.value)
        assert messages and messages[0]["type"] == "http.response.start"
        # The body was never ended: the server drops the connection instead.
        ends = [m for m in messages if m["type"] == "http.response.body" and not m.get("more_body")]
        assert ends == []
    finally:
        object.__setattr__(route, "pages", usage_export.ai_usage_pages)
    # The app is healthy after the failure.
    response = await client.get(
        "/v1/exports/ai-usage",
        params={"from": "2026-11-01", "to": "2026-11-30", "format": "csv"},
        headers=bearer(token),
    )
    assert response.status_code == 200


async def test_rows_past_a_sheets_limit_go_on_to_another_sheet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Excel's limit is 1,048,576 rows a sheet; a small limit shows the same behaviour.
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 4)
    columns = (Column("A"), Column("B", CellKind.WHOLE))
    rows = [[f"r{n}", n] for n in range(8)]
    body = await _collect(xlsx_stream(columns, _pages(rows, size=5), sheet="Calls"))

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames == ["Calls", "Calls 2", "Calls 3"]
    sheets = [list(book[name].iter_rows(values_only=True)) for name in book.sheetnames]
    # Each sheet: the header, then up to 3 rows; none lost, none repeated.
    assert sheets == [
        [("A", "B"), ("r0", 0), ("r1", 1), ("r2", 2)],
        [("A", "B"), ("r3", 3), ("r4", 4), ("r5", 5)],
        [("A", "B"), ("r6", 6), ("r7", 7)],
    ]
