"""Shared by the bulk export tests: an app whose worker writes to the test's directory, and
the GraphQL calls that start and read a job."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from gateway.bulk.worker import Options, work_once
from gateway.config import Settings
from gateway.storage.db import Database
from tests.support import MovableClock, bearer, graphql, make_settings

TTL = timedelta(hours=168)
LEASE = timedelta(seconds=120)

START = """
mutation($kind: BulkExportKind!, $format: BulkExportFormat!, $from: Date!, $to: Date!) {
  startBulkExport(kind: $kind, format: $format, from: $from, to: $to) {
    id kind format from to status rows sizeBytes url expiresAt createdAt
  }
}
"""
READ = """
query($id: ID!) { bulkExport(id: $id) {
  id kind format from to status rows sizeBytes url expiresAt finishedAt errorMessage
} }
"""


def bulk_settings(directory: Path) -> Settings:
    return make_settings().model_copy(update={"bulk_export_dir": str(directory)})


def options(directory: Path) -> Options:
    return Options(directory=directory, ttl=TTL, lease=LEASE)


async def start(
    client: httpx.AsyncClient, token: str, kind: str, fmt: str, first: str, last: str
) -> dict[str, Any]:
    """The whole answer (data and errors) of startBulkExport."""
    variables = {"kind": kind, "format": fmt, "from": first, "to": last}
    return await graphql(client, START, token=token, variables=variables)


async def started(
    client: httpx.AsyncClient, token: str, kind: str, fmt: str, first: str, last: str
) -> str:
    """The id of a job that started."""
    body = await start(client, token, kind, fmt, first, last)
    assert "errors" not in body, body
    job = body["data"]["startBulkExport"]
    assert job["status"] == "QUEUED" and job["url"] is None
    return str(job["id"])


async def read(client: httpx.AsyncClient, token: str, job_id: str) -> dict[str, Any] | None:
    body = await graphql(client, READ, token=token, variables={"id": job_id})
    assert "errors" not in body, body
    job: dict[str, Any] | None = body["data"]["bulkExport"]
    return job


async def run_worker(db: Database, clock: MovableClock, directory: Path) -> int:
    """The worker, in this process, until nothing waits; returns how many jobs it ran."""
    ran = 0
    while await work_once(db, clock=clock, options=options(directory)):
        ran += 1
    return ran


async def download(client: httpx.AsyncClient, token: str, url: str) -> httpx.Response:
    return await client.get(url, headers=bearer(token))
