"""Export files: pages of rows leave as CSV or XLSX as they come, without piling up in memory.

Text cells that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
return first) are prefixed with a single quote in CSV files (OWASP "CSV injection"); numbers the
gateway writes itself (whole and decimal columns) are never touched. XLSX text is written as
string cells, which a spreadsheet never evaluates.

CSV files start with a UTF-8 byte-order mark: without it Excel reads them in the machine's legacy
code page ("LÃ©a" for "Léa"); CSV readers strip it when told the encoding is ``utf-8-sig``.
Workbooks have real date and date-time cells, number formats, column widths, a frozen header row
and an autofilter on every sheet. A failure in the middle of a stream
propagates, so the server aborts the connection instead of ending the body cleanly: a cut file
never looks whole.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

import anyio
import xlsxwriter

from gateway.core.exports import Cell, CellKind, Column, Page, Pages

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
BOM = "\ufeff".encode()
# Rows of one worksheet, the header included (Excel's limit); later rows go on another sheet.
XLSX_MAX_ROWS = 1_048_576


def escape_text(text: str) -> str:
    """``=1+1`` -> ``'=1+1``: a spreadsheet shows the text instead of running it."""
    return "'" + text if text[:1] in _FORMULA_FIRST else text


def _escaped(cells: Sequence[Cell]) -> list[Cell]:
    # One comprehension per column, the check inlined: no call per cell. Text cells are str or
    # None (anything else fails loudly here rather than slipping through unescaped).
    return ["'" + cell if cell and cell[0] in _FORMULA_FIRST else cell for cell in cells]  # type: ignore[index, operator]


def _iso(cells: Sequence[Cell]) -> list[Cell]:
    return [cell.isoformat() if isinstance(cell, date) else cell for cell in cells]


def _csv_cells(kind: CellKind, cells: Sequence[Cell]) -> Sequence[Cell]:
    if kind is CellKind.TEXT:
        return _escaped(cells)
    if kind is CellKind.DATE or kind is CellKind.DATE_TIME:
        return _iso(cells)
    return cells


def csv_page(columns: Sequence[Column], page: Page) -> bytes:
    """One page as CSV lines: text columns escaped, dates in ISO 8601, numbers as they are."""
    cells = [_csv_cells(column.kind, cells) for column, cells in zip(columns, page, strict=True)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(zip(*cells, strict=True))
    return buffer.getvalue().encode()


async def csv_stream(columns: Sequence[Column], pages: Pages) -> AsyncIterator[bytes]:
    yield BOM + csv_page(columns, [[column.title] for column in columns])
    async for page in pages:
        if page and page[0]:
            yield csv_page(columns, page)


def number_format(column: Column) -> str | None:
    """The spreadsheet number format of a column's cells (``None``: a plain text cell)."""
    if column.kind is CellKind.DATE:
        return "yyyy-mm-dd"
    if column.kind is CellKind.DATE_TIME:
        return "yyyy-mm-dd hh:mm:ss"
    if column.kind is CellKind.WHOLE:
        return "#,##0"
    if column.kind is CellKind.DECIMAL:
        # At least two decimals, up to the column's places (0.0125 credits stays visible).
        digits = "0" * min(column.places, 2) + "#" * max(column.places - 2, 0)
        amount = f"#,##0.{digits}" if digits else "#,##0"
        return f'"{column.currency}"{amount}' if column.currency else amount
    return None


_ZONE_NOTES = {
    CellKind.DATE_TIME: "Local time in {zone} (the file stores no time zone)",
    CellKind.DATE: "Local day in {zone}",
}


class _Book:
    """A workbook written a page at a time (xlsxwriter's constant-memory mode: one row is held
    in memory, the sheet goes to a temporary file, so rows go in order and the column widths
    are set before the first row)."""

    def __init__(
        self, path: str, columns: Sequence[Column], sheet: str, zone: str | None = None
    ) -> None:
        self.workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "in_memory": False})
        self.columns = columns
        self.name = sheet
        self.zone = zone
        self.sheets = 0
        self.bold = self.workbook.add_format({"bold": True})
        self.formats = [
            self.workbook.add_format({"num_format": fmt}) if (fmt := number_format(c)) else None
            for c in columns
        ]
        self._add_sheet()

    def _add_sheet(self) -> None:
        self.sheets += 1
        name = self.name if self.sheets == 1 else f"{self.name} {self.sheets}"
        self.worksheet = self.workbook.add_worksheet(name)
        for col, column in enumerate(self.columns):
            self.worksheet.set_column(col, col, column.width, self.formats[col])
        self.worksheet.freeze_panes(1, 0)
        self.worksheet.write_row(0, 0, [column.title for column in self.columns], self.bold)
        if self.zone:
            # The headers stay as documented; the zone the cells were written in is a note.
            for col, column in enumerate(self.columns):
                if note := _ZONE_NOTES.get(column.kind):
                    self.worksheet.write_comment(0, col, note.format(zone=self.zone))
        self.index = 1

    def _end_sheet(self) -> None:
        # The filter covers the rows written: known only now, and read when the file is closed.
        self.worksheet.autofilter(0, 0, self.index - 1, len(self.columns) - 1)

    def write(self, page: Page) -> None:
        rows = list(zip(*page, strict=True))
        while rows:
            if self.index == XLSX_MAX_ROWS:
                self._end_sheet()
                self._add_sheet()
            room = XLSX_MAX_ROWS - self.index
            self._write_rows(rows[:room])
            rows = rows[room:]

    def close(self) -> None:
        self._end_sheet()
        self.workbook.close()

    def _write_rows(self, rows: Sequence[Sequence[Cell]]) -> None:
        sheet = self.worksheet
        text, number, moment = sheet.write_string, sheet.write_number, sheet.write_datetime
        kinds = [column.kind for column in self.columns]
        formats: list[Any] = self.formats
        index = self.index
        for row in rows:
            for col, (kind, cell) in enumerate(zip(kinds, row, strict=True)):
                if cell is None:
                    continue
                if kind is CellKind.TEXT:
                    text(index, col, str(cell))
                elif kind is CellKind.DECIMAL:
                    # Excel has no decimal type: the exact text stays in the CSV.
                    number(index, col, float(cell), formats[col])  # type: ignore[arg-type]
                elif kind is CellKind.DATE_TIME:
                    # Excel has no zones: the wall time in the organization's zone.
                    assert isinstance(cell, datetime)
                    moment(index, col, cell.replace(tzinfo=None), formats[col])
                elif kind is CellKind.DATE:
                    assert isinstance(cell, date)
                    moment(index, col, cell, formats[col])
                else:
                    number(index, col, int(cell), formats[col])  # type: ignore[arg-type]
            index += 1
        self.index = index


async def xlsx_stream(
    columns: Sequence[Column], pages: Pages, *, sheet: str, zone: str | None = None
) -> AsyncIterator[bytes]:
    """Write the workbook to a temporary file (constant memory), then stream it; ``zone``, the
    organization's, is noted on the header of date and date-time columns.

    Writing rows and zipping the sheet block: both run in a worker thread, a page at a time,
    while the event loop reads the next page and serves other requests.
    """
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        await write_xlsx(path, columns, pages, sheet=sheet, zone=zone)
        async with await anyio.open_file(path, "rb") as file:
            while chunk := await file.read(256 * 1024):
                yield chunk
    finally:
        os.unlink(path)


async def write_xlsx(
    path: str, columns: Sequence[Column], pages: Pages, *, sheet: str, zone: str | None = None
) -> int:
    """Write the workbook to ``path`` a page at a time (constant memory, in a worker thread);
    returns the rows written."""
    book = await anyio.to_thread.run_sync(_Book, path, columns, sheet, zone)
    rows = 0
    async for page in pages:
        await anyio.to_thread.run_sync(book.write, page)
        rows += len(page[0]) if page else 0
    await anyio.to_thread.run_sync(book.close)
    return rows
