"""Export files: pages of rows leave as CSV or XLSX as they come, without piling up in memory.

Text cells that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
return first) are prefixed with a single quote in CSV files (OWASP "CSV injection"); numbers the
gateway writes itself (whole and decimal columns) are never touched. XLSX text is written as
string cells, which a spreadsheet never evaluates. A failure in the middle of a stream
propagates, so the server aborts the connection instead of ending the body cleanly: a cut file
never looks whole.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence

import anyio
import xlsxwriter

from gateway.core.exports import Cell, CellKind, Column, Page, Pages

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
# Rows of one worksheet, the header included (Excel's limit); later rows go on another sheet.
XLSX_MAX_ROWS = 1_048_576


def escape_text(text: str) -> str:
    """``=1+1`` -> ``'=1+1``: a spreadsheet shows the text instead of running it."""
    return "'" + text if text[:1] in _FORMULA_FIRST else text


def _escaped(cells: Sequence[Cell]) -> list[Cell]:
    # One comprehension per column, the check inlined: no call per cell. Text cells are str or
    # None (anything else fails loudly here rather than slipping through unescaped).
    return ["'" + cell if cell and cell[0] in _FORMULA_FIRST else cell for cell in cells]  # type: ignore[index, operator]


def csv_page(columns: Sequence[Column], page: Page) -> bytes:
    """One page as CSV lines: text columns escaped, numbers as they are."""
    cells = [
        _escaped(cells) if column.kind is CellKind.TEXT else cells
        for column, cells in zip(columns, page, strict=True)
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(zip(*cells, strict=True))
    return buffer.getvalue().encode()


async def csv_stream(columns: Sequence[Column], pages: Pages) -> AsyncIterator[bytes]:
    yield csv_page(columns, [[column.title] for column in columns])
    async for page in pages:
        if page and page[0]:
            yield csv_page(columns, page)


class _Book:
    """A workbook written a page at a time (xlsxwriter's constant-memory mode: one row is held
    in memory, the sheet goes to a temporary file)."""

    def __init__(self, path: str, columns: Sequence[Column], sheet: str) -> None:
        self.workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "in_memory": False})
        self.columns = columns
        self.name = sheet
        self.sheets = 0
        self.bold = self.workbook.add_format({"bold": True})
        self.decimal_format = self.workbook.add_format({"num_format": "0.00##"})
        self._add_sheet()

    def _add_sheet(self) -> None:
        self.sheets += 1
        name = self.name if self.sheets == 1 else f"{self.name} {self.sheets}"
        self.worksheet = self.workbook.add_worksheet(name)
        self.worksheet.write_row(0, 0, [column.title for column in self.columns], self.bold)
        self.index = 1

    def write(self, page: Page) -> None:
        rows = list(zip(*page, strict=True))
        while rows:
            if self.index == XLSX_MAX_ROWS:
                self._add_sheet()
            room = XLSX_MAX_ROWS - self.index
            self._write_rows(rows[:room])
            rows = rows[room:]

    def _write_rows(self, rows: Sequence[Sequence[Cell]]) -> None:
        sheet = self.worksheet
        text, number = sheet.write_string, sheet.write_number
        kinds = [column.kind for column in self.columns]
        decimal = self.decimal_format
        index = self.index
        for row in rows:
            for col, (kind, cell) in enumerate(zip(kinds, row, strict=True)):
                if cell is None:
                    continue
                if kind is CellKind.TEXT:
                    text(index, col, str(cell))
                elif kind is CellKind.DECIMAL:
                    # Excel has no decimal type: the exact text stays in the CSV.
                    number(index, col, float(cell), decimal)
                else:
                    number(index, col, int(cell))
            index += 1
        self.index = index


async def xlsx_stream(
    columns: Sequence[Column], pages: Pages, *, sheet: str
) -> AsyncIterator[bytes]:
    """Write the workbook to a temporary file (constant memory), then stream it.

    Writing rows and zipping the sheet block: both run in a worker thread, a page at a time,
    while the event loop reads the next page and serves other requests.
    """
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        book = await anyio.to_thread.run_sync(_Book, path, columns, sheet)
        async for page in pages:
            await anyio.to_thread.run_sync(book.write, page)
        await anyio.to_thread.run_sync(book.workbook.close)
        async with await anyio.open_file(path, "rb") as file:
            while chunk := await file.read(256 * 1024):
                yield chunk
    finally:
        os.unlink(path)
