"""Exports a person opens in a spreadsheet: a CSV Excel decodes as UTF-8, workbooks with date
and date-time cells, number formats, widths, a frozen header row and an autofilter per sheet."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from gateway.core import spreadsheets
from gateway.core.exports import CellKind, Column, Page, Pages
from gateway.core.spreadsheets import csv_stream, xlsx_stream
from tests.support import SERVICE, ai_call, bearer, member_token, put_org

PARIS = ZoneInfo("Europe/Paris")
COLUMNS = (
    Column("When", CellKind.DATE_TIME, width=20),
    Column("Day", CellKind.DATE, width=11),
    Column("Name", width=30),
    Column("Credits", CellKind.DECIMAL, places=4),
    Column("Cost", CellKind.DECIMAL, places=6, currency="$"),
    Column("Tokens", CellKind.WHOLE, width=9),
)
# 2026-12-06 15:36:30.851 in Paris (UTC+1 in winter), and a summer instant (UTC+2).
WINTER = datetime(2026, 12, 6, 14, 36, 30, 851000, tzinfo=ZoneInfo("UTC")).astimezone(PARIS)
SUMMER = datetime(2026, 7, 1, 22, 15, tzinfo=ZoneInfo("UTC")).astimezone(PARIS)
ROWS: list[list[Any]] = [
    [WINTER, date(2026, 12, 6), "Léa Müller", "12.5000", "0.001350", 3000],
    [SUMMER, date(2026, 7, 2), "=SUM(A1)", "0.0125", None, None],
]


async def _pages(rows: list[list[Any]], size: int = 1_000) -> Pages:
    for start in range(0, len(rows), size):
        page: Page = [list(column) for column in zip(*rows[start : start + size], strict=True)]
        yield page


async def _collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


def _book(body: bytes) -> openpyxl.Workbook:
    # Not read-only: freeze panes, filters and widths are only read in the full mode.
    return openpyxl.load_workbook(io.BytesIO(body))


def _check_layout(sheet: Worksheet, columns: tuple[Column, ...], rows: int) -> None:
    """Frozen header, a filter over the header and the rows, each column's width."""
    assert sheet.freeze_panes == "A2"
    last = openpyxl.utils.get_column_letter(len(columns))
    assert sheet.auto_filter.ref == f"A1:{last}{rows + 1}"
    for n, column in enumerate(columns, start=1):
        width = sheet.column_dimensions[openpyxl.utils.get_column_letter(n)].width
        # xlsxwriter stores the width with Excel's padding (a fraction of a character).
        assert column.width <= width < column.width + 1, (column.title, width)
    assert [cell.font.b for cell in sheet[1]] == [True] * len(columns)


async def test_csv_starts_with_a_byte_order_mark_and_keeps_escaping() -> None:
    body = await _collect(csv_stream(COLUMNS, _pages(ROWS)))
    assert body[:3] == b"\xef\xbb\xbf"
    # Once: the mark opens the file, not each page.
    assert body.count(b"\xef\xbb\xbf") == 1
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table == [
        ["When", "Day", "Name", "Credits", "Cost", "Tokens"],
        [
            "2026-12-06T15:36:30.851000+01:00",
            "2026-12-06",
            "Léa Müller",
            "12.5000",
            "0.001350",
            "3000",
        ],
        ["2026-07-02T00:15:00+02:00", "2026-07-02", "'=SUM(A1)", "0.0125", "", ""],
    ]


async def test_xlsx_has_date_cells_number_formats_and_a_frozen_filtered_header() -> None:
    body = await _collect(xlsx_stream(COLUMNS, _pages(ROWS), sheet="Calls"))
    sheet = _book(body)["Calls"]
    _check_layout(sheet, COLUMNS, rows=2)
    winter = list(sheet[2])
    # The local wall time of the organization's zone, without a zone (Excel has none).
    assert winter[0].value == datetime(2026, 12, 6, 15, 36, 30, 851000)
    assert winter[0].is_date and winter[0].number_format == "yyyy-mm-dd hh:mm:ss"
    assert winter[1].value == datetime(2026, 12, 6) and winter[1].is_date
    assert winter[1].number_format == "yyyy-mm-dd"
    assert winter[2].value == "Léa Müller"
    assert winter[3].value == 12.5 and winter[3].number_format == "#,##0.00##"
    assert winter[4].value == 0.00135 and winter[4].number_format == '"$"#,##0.00####'
    assert winter[5].value == 3000 and winter[5].number_format == "#,##0"
    summer = [cell.value for cell in sheet[3]]
    assert summer == [
        datetime(2026, 7, 2, 0, 15),
        datetime(2026, 7, 2),
        "=SUM(A1)",
        0.0125,
        None,
        None,
    ]
    assert sheet[3][2].data_type == "s"


async def test_every_sheet_has_the_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 4)
    rows = [[WINTER, date(2026, 12, n + 1), f"r{n}", "1.00", "2.00", n] for n in range(7)]
    body = await _collect(xlsx_stream(COLUMNS, _pages(rows, size=5), sheet="Calls"))
    book = _book(body)
    assert book.sheetnames == ["Calls", "Calls 2", "Calls 3"]
    for name, count in zip(book.sheetnames, (3, 3, 1), strict=True):
        _check_layout(book[name], COLUMNS, rows=count)
    assert book["Calls 3"]["B2"].value == datetime(2026, 12, 7)


async def test_the_exports_read_back_in_a_spreadsheet(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme", time_zone="Europe/Paris")
    response = await client.put(
        "/v1/orgs/acme/members/lea",
        json={"name": "Léa Dupré", "email": "léa@example.com", "role": "ADMIN"},
        headers=SERVICE,
    )
    assert response.status_code in (200, 201), response.text
    calls = [
        ai_call("c1", member_id="lea", occurred_at="2026-11-06T14:36:30.851Z", credits="1234.5"),
        ai_call(
            "c2",
            member_id="lea",
            occurred_at="2026-10-31T23:30:00Z",
            mode="BYOK",
            credits=None,
            model="gpt-4o-mini",
            input_tokens=1000,
            output_tokens=2000,
        ),
    ]
    response = await client.post("/v1/ingest/ai-calls", json=calls, headers=SERVICE)
    assert response.status_code == 200, response.text
    params = {"from": "2026-11-01", "to": "2026-11-06"}
    auth = bearer(member_token("acme", "lea"))

    response = await client.get(
        "/v1/exports/ai-usage", params=params | {"format": "csv"}, headers=auth
    )
    assert response.status_code == 200, response.text
    assert response.content[:3] == b"\xef\xbb\xbf"
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["When", "Reason", "User"]
    # 31 Oct 23:30 UTC is 1 November 00:30 in Paris: inside the range.
    assert [row[0] for row in table[1:]] == [
        "2026-11-06T15:36:30.851000+01:00",
        "2026-11-01T00:30:00+01:00",
    ]
    assert [row[2] for row in table[1:]] == ["Léa Dupré", "Léa Dupré"]

    response = await client.get(
        "/v1/exports/ai-usage", params=params | {"format": "xlsx"}, headers=auth
    )
    assert response.status_code == 200, response.text
    sheet = _book(response.content)["AI usage"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:K3"
    # The header stays "When"; the zone of its cells is noted on it.
    assert sheet["A1"].value == "When"
    assert sheet["A1"].comment is not None
    assert "Europe/Paris" in sheet["A1"].comment.text
    assert [sheet.cell(1, n).comment for n in range(2, 12)] == [None] * 10
    assert [sheet["A2"].value, sheet["A3"].value] == [
        datetime(2026, 11, 6, 15, 36, 30, 851000),
        datetime(2026, 11, 1, 0, 30),
    ]
    assert sheet["C2"].value == "Léa Dupré"
    assert sheet["G2"].value == 1234.5 and sheet["G2"].number_format == "#,##0.00##"
    assert sheet["H3"].value == 3000 and sheet["H3"].number_format == "#,##0"
    assert sheet["I3"].number_format == '"$"#,##0.00####' and sheet["I3"].value > 0


async def test_the_consumption_workbook_has_date_cells(client: httpx.AsyncClient) -> None:
    await put_org(client, "acme", time_zone="Europe/Paris")
    opening = await client.put(
        "/v1/orgs/acme/openings/o1", json={"jobTitle": "Sommelière"}, headers=SERVICE
    )
    assert opening.status_code in (200, 201), opening.text
    event = {
        "eventId": "e1",
        "orgId": "acme",
        "openingId": "o1",
        "interviewId": "i1",
        "candidateId": "c1",
        # 2 November 23:30 UTC is 3 November 00:30 in Paris.
        "occurredAt": "2026-11-02T23:30:00Z",
        "status": "COMPLETED",
    }
    response = await client.post("/v1/ingest/interview-events", json=[event], headers=SERVICE)
    assert response.status_code == 200, response.text
    key = await client.post(
        "/v1/orgs/acme/api-keys",
        json={"name": "finance", "permissions": ["consumption:view"]},
        headers=SERVICE,
    )
    params = {"from": "2026-11-01", "to": "2026-11-06"}
    auth = bearer(key.json()["key"])

    response = await client.get(
        "/v1/exports/consumption", params=params | {"format": "csv"}, headers=auth
    )
    assert response.content[:3] == b"\xef\xbb\xbf"
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[:2] for row in table] == [["Date", "Job title"], ["2026-11-03", "Sommelière"]]

    response = await client.get(
        "/v1/exports/consumption", params=params | {"format": "xlsx"}, headers=auth
    )
    assert response.status_code == 200, response.text
    sheet = _book(response.content)["Consumption"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:I2"
    assert sheet["A2"].value == datetime(2026, 11, 3) and sheet["A2"].is_date
    assert sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["B2"].value == "Sommelière"
    assert sheet["D2"].number_format == "#,##0.00##"
    assert sheet["A1"].comment is not None and "Europe/Paris" in sheet["A1"].comment.text
