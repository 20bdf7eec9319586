"""Streamed exports: rows come from keyset pages and leave as CSV or XLSX without piling up."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import anyio
import xlsxwriter

from gateway.catalog import PROVIDER_NAMES
from gateway.db import Database
from gateway.money import credits_from_int, format_decimal, usd_from_int
from gateway.periods import Period
from gateway.queries import catalog as catalog_queries
from gateway.queries import consumption as consumption_queries
from gateway.queries import members as member_queries
from gateway.queries import usage as usage_queries
from gateway.usage import REASON_LABELS, UNKNOWN_USER

PAGE_SIZE = 5_000
Cell = str | int | Decimal | date | datetime | None

AI_USAGE_COLUMNS = (
    "When",
    "Reason",
    "User",
    "Email",
    "Billing mode",
    "Model",
    "Credits",
    "Tokens",
    "Estimated cost USD",
)


async def ai_usage_rows(db: Database, *, org_id: str, period: Period) -> AsyncIterator[list[Cell]]:
    """The period's calls, newest first, one export row each (the activity log's rows)."""
    async with db.read() as conn:
        people = {m.id: m for m in await member_queries.members_of_org(conn, org_id=org_id)}
        models = {m.id: m for m in await catalog_queries.all_models(conn)}
    before: tuple[datetime, str] | None = None
    while True:
        async with db.read() as conn:
            page = await usage_queries.activity_page(
                conn,
                org_id=org_id,
                start=period.start,
                end=period.end,
                before=before,
                limit=PAGE_SIZE,
            )
        for row in page:
            byok = row.billing_mode == "BYOK"
            member = people.get(row.member_id)
            known = member is not None and not member.removed
            model = models.get(row.model_id)
            yield [
                row.occurred_at.astimezone(period.zone).isoformat(),
                REASON_LABELS[row.reason],
                member.name if known and member is not None else UNKNOWN_USER,
                member.email if known and member is not None else "",
                row.billing_mode,
                f"{PROVIDER_NAMES[model.provider]} {model.tier}" if byok and model else "",
                None if byok else credits_from_int(row.credits_e4),
                row.input_tokens + row.output_tokens if byok else None,
                usd_from_int(row.cost_micros) if byok else None,
            ]
        if len(page) < PAGE_SIZE:
            return
        before = (page[-1].occurred_at, page[-1].event_id)


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return format_decimal(cell)
    if isinstance(cell, date | datetime):
        return cell.isoformat()
    return str(cell)


async def csv_stream(
    columns: Sequence[str], rows: AsyncIterator[list[Cell]], *, chunk_rows: int = 1_000
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    async for row in rows:
        writer.writerow([_text(cell) for cell in row])
        count += 1
        if count % chunk_rows == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def xlsx_stream(
    columns: Sequence[str], rows: AsyncIterator[list[Cell]], *, sheet: str
) -> AsyncIterator[bytes]:
    """Write the workbook row by row to a temporary file (constant memory), then stream it."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "in_memory": False})
        worksheet = workbook.add_worksheet(sheet)
        decimal_format = workbook.add_format({"num_format": "0.00##"})
        bold = workbook.add_format({"bold": True})
        worksheet.write_row(0, 0, list(columns), bold)
        index = 1
        async for row in rows:
            for col, cell in enumerate(row):
                if isinstance(cell, Decimal):
                    # Excel has no decimal type: the exact text stays in the CSV.
                    worksheet.write_number(index, col, float(cell), decimal_format)
                elif cell is None:
                    worksheet.write_blank(index, col, None)
                elif isinstance(cell, int):
                    worksheet.write_number(index, col, cell)
                else:
                    worksheet.write_string(index, col, _text(cell))
            index += 1
        # Zipping the sheet is the slow, blocking part: keep it off the event loop.
        await anyio.to_thread.run_sync(workbook.close)
        async with await anyio.open_file(path, "rb") as file:
            while chunk := await file.read(256 * 1024):
                yield chunk
    finally:
        os.unlink(path)


CONSUMPTION_COLUMNS = (
    "Date",
    "Job title",
    "Candidate count",
    "Credits used",
    "Invited",
    "Started",
    "Partially completed",
    "Completed",
    "Simulation",
)
_STATUS_COLUMN = {
    "INVITED": 1,
    "STARTED": 2,
    "PARTIALLY_COMPLETED": 3,
    "COMPLETED": 4,
    "SIMULATION": 5,
}


async def consumption_rows(
    db: Database, *, org_id: str, period: Period, page_size: int = PAGE_SIZE
) -> AsyncIterator[list[Cell]]:
    """One row per local day and opening that had events, by date then opening id."""
    async with db.read() as conn:
        titles = {
            o.id: o.job_title for o in await consumption_queries.all_openings(conn, org_id=org_id)
        }
    after: tuple[date, str] | None = None
    while True:
        async with db.read() as conn:
            page = await consumption_queries.export_rows(
                conn,
                org_id=org_id,
                first=period.first_day,
                end=period.end_day,
                after=after,
                limit=page_size,
            )
            if not page:
                return
            candidates = await consumption_queries.candidate_counts(
                conn, org_id=org_id, first=page[0].day, end=page[-1].day + timedelta(days=1)
            )
        grouped: dict[tuple[date, str], list[int]] = {}
        for item in page:
            # [credits, invited, started, partially completed, completed, simulation]
            sums = grouped.setdefault((item.day, item.opening_id), [0, 0, 0, 0, 0, 0])
            sums[0] += item.credits_e4
            sums[_STATUS_COLUMN[item.status]] += item.firsts
        for (day, opening_id), sums in grouped.items():
            yield [
                day,
                titles.get(opening_id, opening_id),
                candidates.get((day, opening_id), 0),
                credits_from_int(sums[0]),
                *sums[1:],
            ]
        if len(grouped) < page_size:
            return
        after = list(grouped)[-1]
