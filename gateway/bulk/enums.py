"""What a bulk export holds, how it is written and where it stands: each defined once, here."""

from __future__ import annotations

from enum import StrEnum

from gateway.orgs.enums import Permission


class BulkExportKind(StrEnum):
    AI_USAGE = "AI_USAGE"
    CONSUMPTION = "CONSUMPTION"


class BulkExportFormat(StrEnum):
    CSV = "CSV"
    XLSX = "XLSX"
    JSONL = "JSONL"


class BulkExportStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"


# Jobs that count against an organization's limit.
ACTIVE = frozenset({BulkExportStatus.QUEUED, BulkExportStatus.RUNNING})
EXTENSIONS = {
    BulkExportFormat.CSV: "csv",
    BulkExportFormat.XLSX: "xlsx",
    BulkExportFormat.JSONL: "jsonl",
}
MEDIA_TYPES = {
    BulkExportFormat.CSV: "text/csv; charset=utf-8",
    BulkExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    BulkExportFormat.JSONL: "application/jsonl",
}
# Who may start, see and download a job: whoever may run the synchronous export of its kind.
PERMISSION_OF_KIND = {
    BulkExportKind.AI_USAGE: Permission.CREDITS_VIEW,
    BulkExportKind.CONSUMPTION: Permission.CONSUMPTION_VIEW,
}
