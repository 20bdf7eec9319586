"""What an export is, whatever its file format: named columns and rows of plain cells."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal

Cell = str | int | Decimal | date | datetime | None
Rows = AsyncIterator[list[Cell]]
# Rows are read in keyset pages of this many, so an export never holds a whole range.
PAGE_SIZE = 5_000
