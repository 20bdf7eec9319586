"""Export files: rows leave as CSV or XLSX as they come, without piling up in memory.

Text cells that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
return first) are prefixed with a single quote in CSV files (OWASP "CSV injection"); numbers the
gateway writes itself (ints, decimals) are never touched. XLSX text is written as string cells,
which a spreadsheet never evaluates. A failure in the middle of a stream propagates, so the
server aborts the connection instead of ending the body cleanly: a cut file never looks whole.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import anyio
import xlsxwriter

from gateway.core.exports import Cell, Rows
from gateway.core.money import format_decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows handed to the worker thread at a time when writing a workbook.
XLSX_BATCH_ROWS = 1_000


def escape_text(text: str) -> str:
    """``=1+1`` -> ``'=1+1``: a spreadsheet shows the text instead of running it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _plain(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return format_decimal(cell)
    if isinstance(cell, date | datetime):
        return cell.isoformat()
    return str(cell)


def _text(cell: Cell) -> str:
    """A CSV cell: the gateway's own numbers and dates as they are, any text escaped."""
    return escape_text(cell) if isinstance(cell, str) else _plain(cell)


async def csv_stream(
    columns: Sequence[str], rows: Rows, *, chunk_rows: int = 1_000
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_text(column) for column in columns])
    count = 0
    async for row in rows:
        writer.writerow([_text(cell) for cell in row])
        count += 1
        if count % chunk_rows == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


class _Sheet:
    """One worksheet written row by row (xlsxwriter's constant-memory mode)."""

    def __init__(self, path: str, columns: Sequence[str], sheet: str) -> None:
        self.workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "in_memory": False})
        self.worksheet = self.workbook.add_worksheet(sheet)
        self.decimal_format = self.workbook.add_format({"num_format": "0.00##"})
        self.worksheet.write_row(0, 0, list(columns), self.workbook.add_format({"bold": True}))
        self.index = 1

    def write(self, batch: list[list[Any]]) -> None:
        worksheet = self.worksheet
        for row in batch:
            for col, cell in enumerate(row):
                if isinstance(cell, Decimal):
                    # Excel has no decimal type: the exact text stays in the CSV.
                    worksheet.write_number(self.index, col, float(cell), self.decimal_format)
                elif cell is None:
                    worksheet.write_blank(self.index, col, None)
                elif isinstance(cell, int):
                    worksheet.write_number(self.index, col, cell)
                else:
                    worksheet.write_string(self.index, col, _plain(cell))
            self.index += 1


async def xlsx_stream(columns: Sequence[str], rows: Rows, *, sheet: str) -> AsyncIterator[bytes]:
    """Write the workbook to a temporary file (constant memory), then stream it.

    Writing rows and zipping the sheet block: both run in a worker thread, a batch at a time.
    """
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        book = await anyio.to_thread.run_sync(_Sheet, path, columns, sheet)
        batch: list[list[Any]] = []
        async for row in rows:
            batch.append(row)
            if len(batch) >= XLSX_BATCH_ROWS:
                await anyio.to_thread.run_sync(book.write, batch)
                batch = []
        if batch:
            await anyio.to_thread.run_sync(book.write, batch)
        await anyio.to_thread.run_sync(book.workbook.close)
        async with await anyio.open_file(path, "rb") as file:
            while chunk := await file.read(256 * 1024):
                yield chunk
    finally:
        os.unlink(path)
