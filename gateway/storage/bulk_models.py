"""The table of bulk exports: background jobs that write an export to a file."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from gateway.storage.columns import UTCDateTime


class BulkExport(SQLModel, table=True):
    """One export job: QUEUED, then RUNNING under a worker's lease, then COMPLETED (its file
    in place), FAILED or, once its file is removed, EXPIRED."""

    __tablename__ = "bulk_exports"
    __table_args__ = (
        Index("ix_bulk_exports_status", "status", "lease_until"),
        Index("ix_bulk_exports_created", "org_id", "created_at", "id"),
    )

    org_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=16)
    format: str = Field(max_length=8)
    # The range, both days inclusive, in the organization's zone as it was at the start.
    first_day: date
    last_day: date
    status: str = Field(max_length=16)
    # Who started it: "member:<id>" or "api_key:<id>".
    created_by: str = Field(max_length=120)
    attempts: int = 0
    # The claim of the worker that runs it, and until when that claim holds (renewed as the
    # file grows): past it, another worker takes the job again from the start.
    claim: str | None = Field(default=None, max_length=40)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rows: int | None = Field(default=None, sa_type=BigInteger)
    size_bytes: int | None = Field(default=None, sa_type=BigInteger)
    # The file's name inside the export directory (set when it is complete).
    file_name: str | None = Field(default=None, max_length=80)
    error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
