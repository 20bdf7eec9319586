"""The ``usage-gateway bulk`` worker: claims queued bulk exports, writes each file, and removes
files past their expiry.

A job is claimed in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers
claim different jobs; SQLite's write lock serializes claims) that leases it to the worker; the
lease is renewed while the file grows. The file is written under a temporary name of its own
(``<job>.<claim>.part``) and renamed into place in the transaction that marks the job
COMPLETED, so a completed job always has its whole file. A worker killed mid-way leaves the job
RUNNING until its lease runs out; the next worker then starts it again from the beginning (at
most ``max_attempts`` times in all, after which it is FAILED).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.alerts import queries as alert_queries
from gateway.alerts import writes as alert_writes
from gateway.alerts.enums import EventType
from gateway.alerts.evaluate import delivery_row
from gateway.bulk import queries
from gateway.bulk.enums import EXTENSIONS, BulkExportStatus
from gateway.bulk.export import write_file
from gateway.bulk.payloads import finished_body
from gateway.bulk.records import BulkExportRecord
from gateway.clock import Clock
from gateway.config import Settings
from gateway.orgs import service as org_service
from gateway.storage.db import Database
from gateway.storage.replicas import ReplicaSet
from gateway.storage.routing import current_lsn, snapshot_database

log = logging.getLogger("gateway.bulk")

POLL_S = 1.0
ERROR_PAUSE_S = 5.0
EXPIRED_PER_ROUND = 100


@dataclass(frozen=True)
class Options:
    directory: Path
    ttl: timedelta
    lease: timedelta
    max_attempts: int = 3
    # Where a job's rows are read: a replica that has every write committed before the job
    # began, when there is one (GATEWAY_DATABASE_REPLICA_URLS), else the primary.
    replicas: ReplicaSet | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Options:
        return cls(
            directory=Path(settings.bulk_export_dir),
            ttl=timedelta(hours=settings.bulk_export_ttl_hours),
            lease=timedelta(seconds=settings.bulk_export_lease_s),
        )


class _LostClaim(Exception):
    """Another worker took the job over (this one's lease ran out)."""


async def _notify(conn: AsyncConnection, job: BulkExportRecord, now: datetime) -> None:
    """``bulk_export.finished`` to the organization's endpoints that asked for it, through the
    outbox, in the transaction that ends the job."""
    event = str(EventType.BULK_EXPORT_FINISHED)
    endpoints = await alert_queries.endpoints_of_org(conn, org_id=job.org_id)
    body = finished_body(job, now=now)
    rows = [
        delivery_row(endpoint, body, now)
        for endpoint in endpoints
        if endpoint.enabled and event in endpoint.event_types.split()
    ]
    await alert_writes.insert_deliveries(conn, rows=rows)


def _remove_parts(directory: Path, job_id: str, keep: Path | None = None) -> None:
    for part in directory.glob(f"{job_id}.*.part"):
        if part != keep:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()


async def _end(
    conn: AsyncConnection,
    job: BulkExportRecord,
    claim: str,
    status: BulkExportStatus,
    *,
    now: datetime,
    **values: Any,
) -> bool:
    """End a job still held under ``claim`` with ``status`` and send its finished webhook, in
    the caller's transaction; False when another worker took it over."""
    ended = await queries.update_claimed(
        conn,
        org_id=job.org_id,
        job_id=job.id,
        claim=claim,
        status=str(status),
        finished_at=now,
        lease_until=None,
        **values,
    )
    if ended:
        done = await queries.job_by_id(conn, org_id=job.org_id, job_id=job.id)
        assert done is not None
        await _notify(conn, done, now)
    return ended


async def _fail(
    db: Database, job: BulkExportRecord, claim: str, error: str, *, now: datetime
) -> None:
    async with db.write() as conn:
        await _end(conn, job, claim, BulkExportStatus.FAILED, now=now, error=error[:300])
    log.warning("bulk export failed", extra={"bulk_export_id": job.id, "error": error})


async def _keep_lease(
    db: Database, job: BulkExportRecord, claim: str, clock: Clock, options: Options
) -> None:
    """Renew the lease every third of it; returns when the claim is lost."""
    every = options.lease.total_seconds() / 3
    while True:
        await asyncio.sleep(every)
        try:
            async with db.write() as conn:
                held = await queries.update_claimed(
                    conn,
                    org_id=job.org_id,
                    job_id=job.id,
                    claim=claim,
                    lease_until=clock() + options.lease,
                )
        except Exception:
            # The database is away: the lease may run out before it is back, so stop writing;
            # the job stays RUNNING and is taken again once the lease has run out.
            log.exception("could not renew a bulk export's lease", extra={"bulk_export_id": job.id})
            return
        if not held:
            return


async def _write_leased(
    db: Database, job: BulkExportRecord, claim: str, part: Path, clock: Clock, options: Options
) -> int:
    as_of = await current_lsn(db) if options.replicas is not None else None
    read_on: set[str] = set()
    source = snapshot_database(
        db, options.replicas, org_id=job.org_id, as_of=as_of, on_read=read_on.add
    )
    org = await org_service.organization(source, job.org_id)
    zone = ZoneInfo(org.time_zone) if org is not None else ZoneInfo("UTC")
    writer = asyncio.ensure_future(write_file(source, job, part, zone=zone))
    keeper = asyncio.ensure_future(_keep_lease(db, job, claim, clock, options))
    try:
        done, _ = await asyncio.wait({writer, keeper}, return_when=asyncio.FIRST_COMPLETED)
        if writer not in done:
            raise _LostClaim
        rows = writer.result()
        if read_on:
            log.info(
                "bulk export read", extra={"bulk_export_id": job.id, "read_on": sorted(read_on)}
            )
        return rows
    finally:
        for task in (writer, keeper):
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task


async def run_job(
    db: Database, job: BulkExportRecord, claim: str, *, clock: Clock, options: Options
) -> BulkExportStatus | None:
    """Write a claimed job's file and end the job; None when another worker took it over."""
    directory = options.directory
    final = directory / f"{job.id}.{EXTENSIONS[job.format]}"
    part = directory / f"{job.id}.{claim}.part"
    _remove_parts(directory, job.id)  # what a killed worker left of this job
    if job.attempts > options.max_attempts:
        await _fail(db, job, claim, f"interrupted {job.attempts - 1} times", now=clock())
        return BulkExportStatus.FAILED
    try:
        rows = await _write_leased(db, job, claim, part, clock, options)
    except _LostClaim:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        log.warning("bulk export taken over by another worker", extra={"bulk_export_id": job.id})
        return None
    except Exception as exc:
        log.exception("bulk export failed", extra={"bulk_export_id": job.id})
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        await _fail(
            db, job, claim, f"the export could not be written ({type(exc).__name__})", now=clock()
        )
        return BulkExportStatus.FAILED
    now = clock()
    size = part.stat().st_size
    async with db.write() as conn:
        held = await _end(
            conn,
            job,
            claim,
            BulkExportStatus.COMPLETED,
            now=now,
            rows=rows,
            size_bytes=size,
            file_name=final.name,
            expires_at=now + options.ttl,
        )
        if held:
            # Renamed before the commit: should the commit fail, the job stays RUNNING and is
            # written again once its lease runs out, never COMPLETED without its file.
            os.replace(part, final)
    if not held:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        return None
    log.info(
        "bulk export completed",
        extra={"bulk_export_id": job.id, "rows": rows, "size_bytes": size},
    )
    return BulkExportStatus.COMPLETED


async def expire_due(db: Database, *, now: datetime, options: Options) -> int:
    """Remove the files of completed jobs past their expiry; returns how many."""
    async with db.read() as conn:
        due = await queries.due_for_expiry(conn, now=now, limit=EXPIRED_PER_ROUND)
    for job in due:
        if job.file_name:
            with contextlib.suppress(FileNotFoundError):
                (options.directory / job.file_name).unlink()
        async with db.write() as conn:
            await queries.mark_expired(conn, org_id=job.org_id, job_id=job.id)
    return len(due)


async def work_once(db: Database, *, clock: Clock, options: Options) -> bool:
    """Expire what is due, then run one waiting job; False when there was none."""
    options.directory.mkdir(parents=True, exist_ok=True)
    await expire_due(db, now=clock(), options=options)
    claim = secrets.token_hex(8)
    now = clock()
    async with db.write() as conn:
        job = await queries.claim_next(conn, now=now, lease_until=now + options.lease, claim=claim)
    if job is None:
        return False
    await run_job(db, job, claim, clock=clock, options=options)
    return True


async def run(
    db: Database, *, clock: Clock, options: Options, stop: asyncio.Event, poll_s: float = POLL_S
) -> None:
    """Until ``stop`` is set (a job in progress is finished first). A failing database pauses
    the loop, never ends it."""
    while not stop.is_set():
        try:
            worked = await work_once(db, clock=clock, options=options)
        except Exception:
            log.exception("the bulk export loop failed; trying again shortly")
            worked, pause = False, ERROR_PAUSE_S
        else:
            pause = poll_s
        if worked:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)


async def bulk_command(settings: Settings, *, once: bool) -> int:
    """``usage-gateway bulk``: the bulk export worker; ``--once`` runs what is waiting now,
    expires what is due, and returns. SIGTERM and SIGINT stop it after the job in progress."""
    db = Database.from_url(settings.database_url)
    replicas = ReplicaSet.from_settings(settings, db)
    options = replace(Options.from_settings(settings), replicas=replicas)
    clock = settings.clock
    if replicas is not None:
        replicas.start()
    try:
        if once:
            ran = 0
            while await work_once(db, clock=clock, options=options):
                ran += 1
            print(f"{ran} bulk exports run")
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run(db, clock=clock, options=options, stop=stop)
        return 0
    finally:
        if replicas is not None:
            await replicas.dispose()
        await db.dispose()
