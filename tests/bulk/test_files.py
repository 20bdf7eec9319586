"""A bulk export's file holds the synchronous export of the same range, row for row: the CSV byte
for byte, the workbook cell for cell, and JSON Lines the same rows with typed values."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from gateway.storage.db import Database
from tests.bulk.support import download, read, run_worker, started
from tests.gateway.test_export_ai_usage import _seed as seed_ai_usage
from tests.gateway.test_export_consumption import _seed as seed_consumption
from tests.support import MovableClock, bearer, member_token

AI = ("AI_USAGE", "ai-usage", "2026-10-01", "2026-11-19")
CONSUMPTION = ("CONSUMPTION", "consumption", "2026-10-25", "2026-11-19")


async def _seed(client: httpx.AsyncClient, kind: str) -> str:
    if kind == "AI_USAGE":
        await seed_ai_usage(client)
        return member_token("acme", "ann")
    token, _ = await seed_consumption(client)
    return token


async def _bulk_file(
    client: httpx.AsyncClient,
    db: Database,
    clock: MovableClock,
    directory: Path,
    token: str,
    kind: str,
    fmt: str,
    first: str,
    last: str,
) -> tuple[dict[str, Any], httpx.Response]:
    job_id = await started(client, token, kind, fmt, first, last)
    assert await run_worker(db, clock, directory) == 1
    job = await read(client, token, job_id)
    assert job is not None and job["status"] == "COMPLETED", job
    assert job["url"].startswith(f"http://gateway.test/v1/bulk-exports/{job_id}/download?")
    response = await download(client, token, job["url"])
    assert response.status_code == 200, response.text
    assert job["sizeBytes"] == len(response.content)
    return job, response


async def _sync(
    client: httpx.AsyncClient, token: str, route: str, fmt: str, first: str, last: str
) -> httpx.Response:
    params = {"from": first, "to": last, "format": fmt}
    response = await client.get(f"/v1/exports/{route}", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response


def _workbook_rows(content: bytes) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("spec", [AI, CONSUMPTION], ids=["ai-usage", "consumption"])
async def test_the_csv_is_the_synchronous_export_byte_for_byte(
    bulk_client: httpx.AsyncClient,
    db: Database,
    clock: MovableClock,
    bulk_dir: Path,
    spec: tuple[str, str, str, str],
) -> None:
    kind, route, first, last = spec
    token = await _seed(bulk_client, kind)
    job, bulk = await _bulk_file(bulk_client, db, clock, bulk_dir, token, kind, "CSV", first, last)
    sync = await _sync(bulk_client, token, route, "csv", first, last)
    assert bulk.content == sync.content
    rows = list(csv.reader(io.StringIO(sync.content.decode("utf-8-sig"))))
    assert len(rows) > 3  # the seeds put several rows in range
    assert job["rows"] == len(rows) - 1
    assert bulk.headers["content-type"].startswith("text/csv")
    assert f'filename="{route}_{first}_{last}.csv"' in bulk.headers["content-disposition"]


@pytest.mark.parametrize("spec", [AI, CONSUMPTION], ids=["ai-usage", "consumption"])
async def test_the_workbook_has_the_synchronous_exports_cells(
    bulk_client: httpx.AsyncClient,
    db: Database,
    clock: MovableClock,
    bulk_dir: Path,
    spec: tuple[str, str, str, str],
) -> None:
    kind, route, first, last = spec
    token = await _seed(bulk_client, kind)
    job, bulk = await _bulk_file(bulk_client, db, clock, bulk_dir, token, kind, "XLSX", first, last)
    sync = await _sync(bulk_client, token, route, "xlsx", first, last)
    rows = _workbook_rows(bulk.content)
    assert rows == _workbook_rows(sync.content)
    assert job["rows"] == len(rows) - 1 > 3


@pytest.mark.parametrize("spec", [AI, CONSUMPTION], ids=["ai-usage", "consumption"])
async def test_json_lines_hold_the_csv_rows_typed(
    bulk_client: httpx.AsyncClient,
    db: Database,
    clock: MovableClock,
    bulk_dir: Path,
    spec: tuple[str, str, str, str],
) -> None:
    kind, route, first, last = spec
    token = await _seed(bulk_client, kind)
    job, bulk = await _bulk_file(
        bulk_client, db, clock, bulk_dir, token, kind, "JSONL", first, last
    )
    sync = await _sync(bulk_client, token, route, "csv", first, last)
    header, *rows = csv.reader(io.StringIO(sync.content.decode("utf-8-sig")))
    lines = bulk.content.decode().splitlines()
    assert bulk.content.endswith(b"\n") and len(lines) == len(rows) == job["rows"]
    objects = [json.loads(line) for line in lines]
    for row, obj in zip(rows, objects, strict=True):
        assert len(obj) == len(header)
        # Same cells in the same order; CSV text escaping (a leading quote) is a spreadsheet's
        # concern only, and an empty CSV cell is null.
        values = ["" if v is None else str(v) for v in obj.values()]
        assert values == [cell.removeprefix("'") for cell in row]
        assert all(not isinstance(v, float) for v in obj.values())  # decimals stay text
    if kind == "AI_USAGE":
        assert list(objects[0]) == [
            "when",
            "reason",
            "user",
            "email",
            "billingMode",
            "model",
            "credits",
            "tokens",
            "estimatedCostUsd",
            "callId",
            "memberId",
        ]
        byok = next(o for o in objects if o["billingMode"] == "BYOK")
        assert isinstance(byok["tokens"], int) and byok["credits"] is None
    else:
        assert list(objects[0])[:4] == ["date", "jobTitle", "candidateCount", "creditsUsed"]
        assert all(isinstance(o["completed"], int) for o in objects)
