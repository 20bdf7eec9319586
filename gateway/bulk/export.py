"""A bulk export's file, written a page at a time from the synchronous export's own rows and
writers, so the file holds exactly what ``GET /v1/exports/...`` sends for the same range."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio

from gateway.bulk.enums import BulkExportFormat, BulkExportKind
from gateway.bulk.records import BulkExportRecord
from gateway.consumption import export as consumption_export
from gateway.core.exports import Column, Page, Pages
from gateway.core.jsonlines import json_keys, jsonl_page
from gateway.core.periods import custom_period
from gateway.core.spreadsheets import csv_stream, write_xlsx
from gateway.storage.db import Database
from gateway.usage import export as usage_export


@dataclass(frozen=True)
class Source:
    columns: tuple[Column, ...]
    pages: Callable[..., Pages]
    sheet: str


SOURCES = {
    BulkExportKind.AI_USAGE: Source(usage_export.COLUMNS, usage_export.ai_usage_pages, "AI usage"),
    BulkExportKind.CONSUMPTION: Source(
        consumption_export.COLUMNS, consumption_export.consumption_pages, "Consumption"
    ),
}


class _Counted:
    """Pages passed through, their rows counted."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.rows = 0

    async def __aiter__(self) -> AsyncIterator[Page]:
        async for page in self.pages:
            self.rows += len(page[0]) if page else 0
            yield page


async def _write_chunks(path: Path, chunks: AsyncIterator[bytes]) -> None:
    """Append each chunk in a worker thread (the event loop keeps renewing the lease), then
    flush the file to disk before it may be renamed into place."""
    with path.open("wb") as file:
        async for chunk in chunks:
            await anyio.to_thread.run_sync(file.write, chunk)
        await anyio.to_thread.run_sync(file.flush)
        await anyio.to_thread.run_sync(os.fsync, file.fileno())


async def _jsonl(columns: tuple[Column, ...], pages: Pages) -> AsyncIterator[bytes]:
    keys = json_keys(columns)
    async for page in pages:
        if page and page[0]:
            yield jsonl_page(columns, page, keys)


async def write_file(db: Database, job: BulkExportRecord, path: Path, *, zone: ZoneInfo) -> int:
    """Write the job's export to ``path``; returns its rows (the header aside)."""
    source = SOURCES[job.kind]
    period = custom_period(job.first_day, job.last_day, zone=zone)
    counted = _Counted(source.pages(db, org_id=job.org_id, period=period))
    pages: Pages = counted.__aiter__()
    if job.format is BulkExportFormat.XLSX:
        await write_xlsx(str(path), source.columns, pages, sheet=source.sheet, zone=zone.key)
        await anyio.to_thread.run_sync(_fsync, path)
    elif job.format is BulkExportFormat.CSV:
        await _write_chunks(path, csv_stream(source.columns, pages))
    else:
        await _write_chunks(path, _jsonl(source.columns, pages))
    return counted.rows


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
