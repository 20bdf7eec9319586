"""What an export is, whatever its file format: typed columns, and rows read a page at a time.

A page travels by column, not by row: the domain fills each column with one comprehension and
the file writers hand whole pages to C code (``csv.writer.writerows``), which costs a fraction
of building, checking and writing an object per row.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

# Rows are read in keyset pages of this many, so an export never holds a whole range.
PAGE_SIZE = 5_000


class CellKind(StrEnum):
    """How a column's cells are written. Every kind may hold ``None`` (an empty cell)."""

    # Text (``str``): escaped in CSV when a spreadsheet would run it, a string cell in XLSX.
    TEXT = "text cell"
    # A whole number the gateway computed (``int``): written as it is, a number in XLSX.
    WHOLE = "whole number cell"
    # An exact decimal the gateway computed, as plain text (``"12.50"``, see
    # ``decimal_text``): written as it is, a number in XLSX.
    DECIMAL = "decimal number cell"
    # A local day (``date``): ISO 8601 in CSV, a date cell in XLSX.
    DATE = "date cell"
    # An instant in the organization's zone (an aware ``datetime``): ISO 8601 with its offset in
    # CSV; in XLSX, which has no zones, a date-time cell of the local wall time.
    DATE_TIME = "date-time cell"


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: CellKind = CellKind.TEXT
    # Decimals shown in a spreadsheet (DECIMAL columns; the CSV keeps the exact text).
    places: int = 2
    # Width in characters in a spreadsheet: set before any row (constant-memory writing).
    width: int = 12
    # A currency symbol shown before amounts in a spreadsheet.
    currency: str = ""


Cell = str | int | date | datetime | None
# One page of an export: its columns, in the export's order, all of the same length.
Page = Sequence[Sequence[Cell]]
Pages = AsyncIterator[Page]

T = TypeVar("T")
K = TypeVar("K")


def decimal_text(value: int, places: int) -> str:
    """A fixed-scale integer as plain decimal text at that scale: ``(125000, 4)`` ->
    ``"12.5000"``, ``(1, 6)`` -> ``"0.000001"`` (what ``format_decimal`` prints, without
    building a ``Decimal``)."""
    whole, fraction = divmod(abs(value), 10**places)
    return f"{'-' if value < 0 else ''}{whole}.{fraction:0{places}d}"


class DecimalTexts(dict[int, str]):
    """``decimal_text`` remembered per value: an export repeats the same amounts many times."""

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places

    def __missing__(self, value: int) -> str:
        text = self[value] = decimal_text(value, self.places)
        return text


async def keyset_pages(
    fetch: Callable[[K], Awaitable[T]], first: K, after: Callable[[T], K | None]
) -> AsyncIterator[T]:
    """Pages read one after the other, ``after(page)`` giving the next page's key (``None``
    after the last page).

    The next page is already being read while the caller works on this one, so the database
    and the formatting overlap; at most two pages are held at a time.
    """
    pending: asyncio.Future[T] = asyncio.ensure_future(fetch(first))
    try:
        while True:
            page = await pending
            key = after(page)
            if key is not None:
                pending = asyncio.ensure_future(fetch(key))
            yield page
            if key is None:
                return
    finally:
        # The caller stopped early (a failure, a client gone): drop the read ahead.
        if not pending.done():
            pending.cancel()
            pending.add_done_callback(_retrieve)


def _retrieve(future: asyncio.Future[T]) -> None:
    if not future.cancelled():
        future.exception()
