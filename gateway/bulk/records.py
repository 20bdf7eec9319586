"""Typed rows of the bulk exports table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from gateway.bulk.enums import BulkExportFormat, BulkExportKind, BulkExportStatus


@dataclass(frozen=True, slots=True)
class BulkExportRecord:
    org_id: str
    id: str
    kind: BulkExportKind
    format: BulkExportFormat
    first_day: date
    last_day: date
    status: BulkExportStatus
    created_by: str
    attempts: int
    claim: str | None
    lease_until: datetime | None
    rows: int | None
    size_bytes: int | None
    file_name: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None

    def __post_init__(self) -> None:
        # Stored as text: read back as the enums.
        object.__setattr__(self, "kind", BulkExportKind(self.kind))
        object.__setattr__(self, "format", BulkExportFormat(self.format))
        object.__setattr__(self, "status", BulkExportStatus(self.status))
