"""Bulk exports in GraphQL: start one, see where it stands, get its signed download URL.

Starting and seeing a job takes the permission of the synchronous export of its kind
(credits:view for AI_USAGE, consumption:view for CONSUMPTION); a job the caller may not see
resolves to null exactly like one that does not exist.
"""

from __future__ import annotations

import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import strawberry

from gateway.bulk import service as bulk_service
from gateway.bulk.enums import PERMISSION_OF_KIND
from gateway.bulk.records import BulkExportRecord
from gateway.core.errors import DomainError, ErrorCode
from gateway.orgs.credentials import Caller
from resolvers.context import Info
from resolvers.cost import FIELD_SURCHARGES
from resolvers.enums import BulkExportFormat, BulkExportKind, BulkExportStatus
from resolvers.errors import Forbidden, GatewayError, NotFound, from_domain
from resolvers.pagination import check_first

START_COST = FIELD_SURCHARGES["startBulkExport"]
LIST_DEFAULT, LIST_MAX = 10, bulk_service.MAX_LISTED


class TooManyBulkExports(GatewayError):
    code = ErrorCode.TOO_MANY_BULK_EXPORTS


@strawberry.type(
    description="A bulk export: an export written to a file in the background, downloaded at a signed URL until it expires."
)
class BulkExport:
    record: strawberry.Private[BulkExportRecord]
    base_url: strawberry.Private[str]
    secret: strawberry.Private[bytes]
    id: strawberry.ID = strawberry.field(description="The job's id (bulkExport(id:) reads it).")
    kind: BulkExportKind = strawberry.field(description="What the file holds.")
    format: BulkExportFormat = strawberry.field(description="The file format.")
    from_: datetime.date = strawberry.field(
        name="from", description="The first local day of the range."
    )
    to: datetime.date = strawberry.field(description="The last local day of the range.")
    status: BulkExportStatus = strawberry.field(description="Where the job stands.")
    rows: int | None = strawberry.field(
        description="Rows in the file, its header aside (once COMPLETED)."
    )
    size_bytes: float | None = strawberry.field(
        description="The file's size in bytes, a whole number (once COMPLETED; Float, as a file may pass Int's 2^31 - 1)."
    )
    created_at: datetime.datetime = strawberry.field(description="When it was started.")
    finished_at: datetime.datetime | None = strawberry.field(
        description="When it completed or failed."
    )
    expires_at: datetime.datetime | None = strawberry.field(
        description="When the file is removed and url stops working (once COMPLETED)."
    )
    error_message: str | None = strawberry.field(description="Why it FAILED.")

    @strawberry.field(
        description="Where to GET the file with the same credential (once COMPLETED, until expiresAt): signed for this organization and job, refused once expired or changed."
    )
    def url(self) -> str | None:
        signed = bulk_service.signed_url(self.record, secret=self.secret)
        return f"{self.base_url}{signed.path}" if signed is not None else None

    @classmethod
    def of(cls, job: BulkExportRecord, info: Info) -> BulkExport:
        context = info.context
        return cls(
            record=job,
            base_url=context.base_url,
            secret=context.bulk_url_secret,
            id=strawberry.ID(job.id),
            kind=job.kind,
            format=job.format,
            from_=job.first_day,
            to=job.last_day,
            status=job.status,
            rows=job.rows,
            size_bytes=float(job.size_bytes) if job.size_bytes is not None else None,
            created_at=job.created_at,
            finished_at=job.finished_at,
            expires_at=job.expires_at,
            error_message=job.error,
        )


def _visible_kinds(caller: Caller) -> list[BulkExportKind]:
    return [kind for kind, needed in PERMISSION_OF_KIND.items() if caller.can(needed)]


def _started_by(caller: Caller) -> str:
    if caller.api_key_id is not None:
        return f"api_key:{caller.api_key_id}"
    return f"member:{caller.member_id or ''}"


async def bulk_export(info: Info, job_id: str) -> BulkExport | None:
    caller = info.context.caller
    job = await bulk_service.job(info.context.db, caller.org_id, job_id)
    if job is None or not caller.can(PERMISSION_OF_KIND[job.kind]):
        return None
    return BulkExport.of(job, info)


async def bulk_exports(info: Info, org_id: str, first: int | None) -> list[BulkExport]:
    limit = check_first(first, argument="first", default=LIST_DEFAULT, maximum=LIST_MAX)
    kinds = _visible_kinds(info.context.caller)
    jobs = await bulk_service.jobs(info.context.db, org_id, kinds=kinds, limit=limit)
    return [BulkExport.of(job, info) for job in jobs]


@strawberry.type(description="Changes: bulk exports.")
class BulkExportMutation:
    @strawberry.mutation(
        description=(
            "Start a bulk export of a range (both days inclusive, at most 400 days): a worker "
            "writes the file in the background; bulkExport(id:) says when it is COMPLETED and "
            "gives its signed URL, and a bulk_export.finished webhook announces it. Costs "
            f"{START_COST} points once, whatever its size. At most "
            f"{bulk_service.MAX_ACTIVE} per organization QUEUED or RUNNING at a time (a third "
            "is refused with TOO_MANY_BULK_EXPORTS). Requires the permission of the "
            "synchronous export of the kind: credits:view for AI_USAGE, consumption:view for "
            "CONSUMPTION."
        )
    )
    async def start_bulk_export(
        self,
        info: Info,
        kind: Annotated[BulkExportKind, strawberry.argument(description="What to export.")],
        format: Annotated[BulkExportFormat, strawberry.argument(description="The file format.")],
        from_: Annotated[
            datetime.date,
            strawberry.argument(name="from", description="The first local day (YYYY-MM-DD)."),
        ],
        to: Annotated[
            datetime.date, strawberry.argument(description="The last local day (YYYY-MM-DD).")
        ],
    ) -> BulkExport:
        context = info.context
        caller = context.caller
        needed = PERMISSION_OF_KIND[kind]
        if not caller.can(needed):
            raise Forbidden(f"a {kind.value} bulk export needs the '{needed.value}' permission")
        org = await context.organization()
        if org is None:
            raise NotFound("the organization of this credential no longer exists")
        try:
            job = await bulk_service.start(
                context.db,
                caller.org_id,
                kind=kind,
                fmt=format,
                first=from_,
                last=to,
                zone=ZoneInfo(org.time_zone),
                created_by=_started_by(caller),
                now=context.clock(),
            )
        except bulk_service.TooManyBulkExports as exc:
            raise TooManyBulkExports(exc.message, limit=exc.limit) from None
        except DomainError as exc:
            raise from_domain(exc) from None
        return BulkExport.of(job, info)
