"""The ``bulk_export.finished`` webhook's body (pure: no I/O)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.alerts.enums import EventType
from gateway.alerts.payloads import new_id, timestamp
from gateway.bulk.records import BulkExportRecord


def finished_body(job: BulkExportRecord, *, now: datetime) -> dict[str, Any]:
    """Where the job ended; the download URL is not in it (it is signed and expires): ask
    ``bulkExport(id:)`` for it."""
    return {
        "id": new_id("msg"),
        "type": str(EventType.BULK_EXPORT_FINISHED),
        "timestamp": timestamp(now),
        "data": {
            "organization": {"id": job.org_id},
            "bulkExportId": job.id,
            "kind": str(job.kind),
            "format": str(job.format),
            "from": job.first_day.isoformat(),
            "to": job.last_day.isoformat(),
            "status": str(job.status),
            "rows": job.rows,
            "sizeBytes": job.size_bytes,
            "expiresAt": timestamp(job.expires_at) if job.expires_at else None,
            "error": job.error,
        },
    }
