"""The worker: a job whose worker died is taken again after its lease (at most three times), a
worker that lost its claim completes nothing, a failure ends the job FAILED, files go at their
expiry, and every end is announced to the endpoints that asked for bulk_export.finished."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest

from gateway.alerts import endpoints as endpoint_service
from gateway.alerts.inputs import WebhookEndpointIn
from gateway.bulk import queries
from gateway.bulk import worker as bulk_worker
from gateway.bulk.records import BulkExportRecord
from gateway.storage.db import Database
from tests.alerts.test_readme import _blocks, _schema_for
from tests.bulk.support import LEASE, TTL, download, options, read, run_worker, started
from tests.gateway.test_export_ai_usage import _seed as seed_ai_usage
from tests.support import MovableClock, bearer, member_token

RANGE = ("2026-11-01", "2026-11-19")


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _leave_part(directory: Path, name: str) -> Path:
    """What a killed worker leaves: half a file under its temporary name."""
    directory.mkdir(parents=True, exist_ok=True)
    part = directory / name
    part.write_bytes(b"half a file")
    return part


async def _claim(db: Database, clock: MovableClock, claim: str) -> BulkExportRecord:
    """What a worker does before it dies: claim the next job under a lease."""
    now = clock()
    async with db.write() as conn:
        job = await queries.claim_next(conn, now=now, lease_until=now + LEASE, claim=claim)
    assert job is not None
    return job


async def _sync_csv(client: httpx.AsyncClient, token: str) -> bytes:
    params = {"from": RANGE[0], "to": RANGE[1], "format": "csv"}
    response = await client.get("/v1/exports/ai-usage", params=params, headers=bearer(token))
    assert response.status_code == 200
    return response.content


async def test_a_dead_workers_job_is_taken_again_after_its_lease(
    bulk_client: httpx.AsyncClient, db: Database, clock: MovableClock, bulk_dir: Path
) -> None:
    await seed_ai_usage(bulk_client)
    token = member_token("acme", "ann")
    job_id = await started(bulk_client, token, "AI_USAGE", "CSV", *RANGE)
    dead = await _claim(db, clock, "dead0001")
    leftover = _leave_part(bulk_dir, f"{job_id}.dead0001.part")
    # Within the lease, the job is the dead worker's: nothing else to run.
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert await run_worker(db, clock, bulk_dir) == 0
    job = await read(bulk_client, token, job_id)
    assert job is not None and job["status"] == "RUNNING" and job["url"] is None
    clock.advance(seconds=2)
    assert await run_worker(db, clock, bulk_dir) == 1
    token = member_token("acme", "ann", now=clock())
    job = await read(bulk_client, token, job_id)
    assert job is not None and job["status"] == "COMPLETED"
    assert not leftover.exists()
    assert _names(bulk_dir) == [f"{job_id}.csv"]
    assert (await download(bulk_client, token, job["url"])).content == await _sync_csv(
        bulk_client, token
    )
    # The dead worker, were it to wake up, completes nothing and leaves the file alone.
    assert (
        await bulk_worker.run_job(db, dead, "dead0001", clock=clock, options=options(bulk_dir))
        is None
    )
    assert _names(bulk_dir) == [f"{job_id}.csv"]
    async with db.read() as conn:
        stored = await queries.job_by_id(conn, org_id="acme", job_id=job_id)
    assert stored is not None and stored.attempts == 2 and stored.claim != "dead0001"


async def test_a_job_interrupted_three_times_fails(
    bulk_client: httpx.AsyncClient, db: Database, clock: MovableClock, bulk_dir: Path
) -> None:
    await seed_ai_usage(bulk_client)
    token = member_token("acme", "ann")
    job_id = await started(bulk_client, token, "AI_USAGE", "CSV", *RANGE)
    for n in range(3):
        await _claim(db, clock, f"dead000{n}")
        clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await run_worker(db, clock, bulk_dir) == 1
    job = await read(bulk_client, member_token("acme", "ann", now=clock()), job_id)
    assert job is not None and job["status"] == "FAILED" and job["url"] is None
    assert job["errorMessage"] == "interrupted 3 times"
    assert _names(bulk_dir) == []


async def test_a_failure_while_writing_fails_the_job_and_leaves_no_file(
    bulk_client: httpx.AsyncClient,
    db: Database,
    clock: MovableClock,
    bulk_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await seed_ai_usage(bulk_client)
    token = member_token("acme", "ann")
    job_id = await started(bulk_client, token, "AI_USAGE", "CSV", *RANGE)
    real_write = bulk_worker.write_file

    async def full_disk(db: Database, job: BulkExportRecord, path: Path, **kw: object) -> int:
        _leave_part(path.parent, path.name)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bulk_worker, "write_file", full_disk)
    assert await run_worker(db, clock, bulk_dir) == 1
    job = await read(bulk_client, token, job_id)
    assert job is not None and job["status"] == "FAILED"
    assert job["errorMessage"] == "the export could not be written (OSError)"
    assert _names(bulk_dir) == []
    # A failed job no longer counts against the limit; another one runs.
    monkeypatch.setattr(bulk_worker, "write_file", real_write)
    again = await started(bulk_client, token, "AI_USAGE", "CSV", *RANGE)
    assert await run_worker(db, clock, bulk_dir) == 1
    job = await read(bulk_client, token, again)
    assert job is not None and job["status"] == "COMPLETED"


async def test_files_are_removed_at_their_expiry(
    bulk_client: httpx.AsyncClient, db: Database, clock: MovableClock, bulk_dir: Path
) -> None:
    await seed_ai_usage(bulk_client)
    token = member_token("acme", "ann")
    job_id = await started(bulk_client, token, "AI_USAGE", "XLSX", *RANGE)
    await run_worker(db, clock, bulk_dir)
    job = await read(bulk_client, token, job_id)
    assert job is not None and job["status"] == "COMPLETED"
    path = bulk_dir / f"{job_id}.xlsx"
    assert path.is_file()
    url = job["url"]
    clock.advance(seconds=TTL.total_seconds() - 1)
    await run_worker(db, clock, bulk_dir)
    assert path.is_file()
    clock.advance(seconds=1)
    await run_worker(db, clock, bulk_dir)
    assert not path.exists()
    token = member_token("acme", "ann", now=clock())
    job = await read(bulk_client, token, job_id)
    assert job is not None and job["status"] == "EXPIRED" and job["url"] is None
    response = await download(bulk_client, token, url)
    assert response.status_code == 403
    assert response.json()["error"]["errors"][0]["field"] == "expires"


async def test_the_finished_webhook_goes_through_the_outbox(
    bulk_client: httpx.AsyncClient, db: Database, clock: MovableClock, bulk_dir: Path
) -> None:
    await seed_ai_usage(bulk_client)
    token = member_token("acme", "ann")
    made = {}
    for name, types in (("bulk", ["bulk_export.finished"]), ("other", ["webhook.test"])):
        body = WebhookEndpointIn.model_validate(
            {"url": f"http://127.0.0.1:9/{name}", "eventTypes": types}
        )
        endpoint, _ = await endpoint_service.create_endpoint(
            db, "acme", body, now=clock(), production=False, allow_private=True
        )
        made[name] = endpoint.id
    job_id = await started(bulk_client, token, "AI_USAGE", "JSONL", *RANGE)
    await run_worker(db, clock, bulk_dir)
    job = await read(bulk_client, token, job_id)
    assert job is not None
    sent = await endpoint_service.deliveries(db, "acme", made["bulk"], after=None, limit=10)
    assert [d.event_type for d in sent] == ["bulk_export.finished"]
    payload = json.loads(sent[0].payload)
    assert payload["type"] == "bulk_export.finished"
    assert payload["data"] == {
        "organization": {"id": "acme"},
        "bulkExportId": job_id,
        "kind": "AI_USAGE",
        "format": "JSONL",
        "from": RANGE[0],
        "to": RANGE[1],
        "status": "COMPLETED",
        "rows": job["rows"],
        "sizeBytes": job["sizeBytes"],
        "expiresAt": job["expiresAt"].replace("+00:00", "Z"),
        "error": None,
    }
    assert await endpoint_service.deliveries(db, "acme", made["other"], after=None, limit=10) == []
    # The body is the one the payload catalog of docs/partners.md describes.
    root = json.loads(_blocks("json")[0])
    jsonschema.validate(payload, _schema_for(root, "bulk_export.finished"))
