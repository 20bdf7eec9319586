"""Bulk exports: start one (at most two waiting or running per organization), read where it
stands, and check a download URL. The worker (``gateway.bulk.worker``) writes the files."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from gateway.bulk import queries, signing
from gateway.bulk.enums import EXTENSIONS, BulkExportFormat, BulkExportKind, BulkExportStatus
from gateway.bulk.records import BulkExportRecord
from gateway.core.calendar import unsupported_date
from gateway.core.errors import DomainError, InvalidInput, Problem
from gateway.core.periods import custom_period
from gateway.storage.db import Database

# Jobs of one organization waiting or running at a time.
MAX_ACTIVE = 2
MAX_LISTED = 50


class TooManyBulkExports(DomainError):
    """The organization has ``MAX_ACTIVE`` jobs waiting or running already."""

    def __init__(self) -> None:
        super().__init__(
            f"an organization runs at most {MAX_ACTIVE} bulk exports at a time; "
            "wait for one to finish",
            [Problem(None, f"at most {MAX_ACTIVE} bulk exports queued or running")],
        )
        self.limit = MAX_ACTIVE


class DownloadRefused(Exception):
    """A download URL that does not hold: ``field`` names the parameter at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def new_job_id() -> str:
    return f"bx_{secrets.token_hex(12)}"


def file_name(job: BulkExportRecord) -> str:
    return f"{job.id}.{EXTENSIONS[job.format]}"


def download_name(job: BulkExportRecord) -> str:
    """The name a browser saves the file under, as the synchronous export names it."""
    kind = job.kind.value.lower().replace("_", "-")
    days = f"{job.first_day.isoformat()}_{job.last_day.isoformat()}"
    return f"{kind}_{days}.{EXTENSIONS[job.format]}"


async def start(
    db: Database,
    org_id: str,
    *,
    kind: BulkExportKind,
    fmt: BulkExportFormat,
    first: date,
    last: date,
    zone: ZoneInfo,
    created_by: str,
    now: datetime,
) -> BulkExportRecord:
    """A new QUEUED job for ``[first, last]`` (both inclusive, local days)."""
    for field, day in (("from", first), ("to", last)):
        if (reason := unsupported_date(day)) is not None:
            raise InvalidInput.one(field, reason)
    custom_period(first, last, zone=zone)  # the same bounds as the synchronous export
    job_id = new_job_id()
    async with db.write() as conn:
        await queries.hold_org_jobs(conn, org_id=org_id)
        if await queries.count_active(conn, org_id=org_id) >= MAX_ACTIVE:
            raise TooManyBulkExports
        await queries.insert_job(
            conn,
            row={
                "org_id": org_id,
                "id": job_id,
                "kind": str(kind),
                "format": str(fmt),
                "first_day": first,
                "last_day": last,
                "status": str(BulkExportStatus.QUEUED),
                "created_by": created_by[:120],
                "attempts": 0,
                "created_at": now,
            },
        )
        made = await queries.job_by_id(conn, org_id=org_id, job_id=job_id)
    assert made is not None
    return made


async def job(db: Database, org_id: str, job_id: str) -> BulkExportRecord | None:
    return await db.run(queries.job_by_id, org_id=org_id, job_id=job_id)


async def jobs(
    db: Database, org_id: str, *, kinds: Iterable[BulkExportKind], limit: int
) -> list[BulkExportRecord]:
    kinds = list(kinds)
    if not kinds:
        return []
    return await db.run(
        queries.jobs_of_org, org_id=org_id, kinds=kinds, limit=min(limit, MAX_LISTED)
    )


@dataclass(frozen=True)
class SignedUrl:
    path: str  # with its query: /v1/bulk-exports/{id}/download?expires=...&signature=...
    expires_at: datetime


def signed_url(job: BulkExportRecord, *, secret: bytes) -> SignedUrl | None:
    """The download URL of a completed job, valid until the file expires (None otherwise)."""
    if job.status is not BulkExportStatus.COMPLETED or job.expires_at is None:
        return None
    expires = int(job.expires_at.timestamp())
    sig = signing.signature(secret, org_id=job.org_id, job_id=job.id, expires=expires)
    query = urlencode({"expires": expires, "signature": sig})
    return SignedUrl(f"/v1/bulk-exports/{job.id}/download?{query}", job.expires_at)


def check_download(
    job: BulkExportRecord,
    *,
    secret: bytes,
    expires: str | None,
    signature: str | None,
    now: datetime,
) -> None:
    """Raise ``DownloadRefused`` unless the URL was signed for this job and has not expired."""
    if not expires or not (expires.isascii() and expires.isdigit()) or len(expires) > 12:
        raise DownloadRefused("expires", "missing or not a Unix time")
    if not signature:
        raise DownloadRefused("signature", "missing")
    stamp = int(expires)
    if not signing.verify(secret, org_id=job.org_id, job_id=job.id, expires=stamp, given=signature):
        raise DownloadRefused("signature", "does not match this URL")
    if stamp <= now.timestamp():
        raise DownloadRefused("expires", "the URL has expired; ask bulkExport for a new one")
    if job.status is not BulkExportStatus.COMPLETED:
        raise DownloadRefused("expires", "the export's file has expired")


def path_of(directory: str | Path, job: BulkExportRecord) -> Path:
    return Path(directory) / file_name(job)
