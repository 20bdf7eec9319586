"""Export files: rows leave as CSV or XLSX as they come, without piling up in memory."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from decimal import Decimal

import anyio
import xlsxwriter

from gateway.core.exports import Cell, Rows
from gateway.core.money import format_decimal


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return format_decimal(cell)
    if isinstance(cell, date | datetime):
        return cell.isoformat()
    return str(cell)


async def csv_stream(
    columns: Sequence[str], rows: Rows, *, chunk_rows: int = 1_000
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


async def xlsx_stream(columns: Sequence[str], rows: Rows, *, sheet: str) -> AsyncIterator[bytes]:
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
