"""``GET /v1/exports/...``: streamed CSV or XLSX for members and API keys with the permission."""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway.audit import export as audit_export
from gateway.consumption import export as consumption_export
from gateway.core.calendar import unsupported_date
from gateway.core.errors import ErrorCode
from gateway.core.exports import Column, Pages
from gateway.core.periods import Period, PeriodError, custom_period
from gateway.core.spreadsheets import csv_stream, xlsx_stream
from gateway.orgs import service as org_service
from gateway.orgs.credentials import Caller
from gateway.orgs.enums import Permission
from gateway.storage.db import Database
from gateway.usage import export as usage_export
from gateway.web.errors import ApiError
from gateway.web.ratelimit import rate_limit_headers
from gateway.web.v1.common import app_state, require_reader
from resolvers.charge import REQUEST_FEE, Charge

ROWS_PER_POINT = 100
PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _bad(field: str, message: str) -> ApiError:
    return ApiError(
        400,
        ErrorCode.BAD_USER_INPUT,
        f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )


def _date_param(request: Request, name: str) -> date:
    raw = request.query_params.get(name)
    if not raw:
        raise _bad(name, "is required (YYYY-MM-DD)")
    try:
        # fromisoformat also takes 20260101 and 2026-W01-1; the document promises YYYY-MM-DD.
        if not PLAIN_DATE.match(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        raise _bad(name, f"{raw!r} is not a date (YYYY-MM-DD)") from None
    if (reason := unsupported_date(day)) is not None:
        raise _bad(name, reason)
    return day


def _format_param(request: Request) -> str:
    fmt = request.query_params.get("format")
    if not fmt:
        raise _bad("format", "is required: csv or xlsx")
    if fmt not in MEDIA_TYPES:
        raise _bad("format", f"{fmt!r} is not a format: csv or xlsx")
    return fmt


async def _period(request: Request, caller: Caller) -> Period:
    first, last = _date_param(request, "from"), _date_param(request, "to")
    org = caller.organization  # read with the credential: no second statement for it
    if org is None or org.id != caller.org_id:
        org = await org_service.organization(app_state(request).db, caller.org_id)
    if org is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "the organization no longer exists")
    try:
        return custom_period(first, last, zone=ZoneInfo(org.time_zone))
    except PeriodError as exc:
        raise _bad(exc.field, exc.reason) from None


def _streamed(
    body: object, fmt: str, name: str, period: Period, headers: dict[str, str]
) -> Response:
    filename = f"{name}_{period.first_day.isoformat()}_{period.last_day.isoformat()}.{fmt}"
    return StreamingResponse(
        body,  # type: ignore[arg-type]
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **headers},
    )


def _limited(charge: Charge, message: str, headers: dict[str, str]) -> ApiError:
    headers = headers | rate_limit_headers(charge.throttle)
    message = f"{message}; retry in {charge.retry_after} s"
    return ApiError(429, ErrorCode.RATE_LIMITED, message, headers=headers)


def export_cost(rows: int) -> int:
    """Priced like a query, by its rows: the request fee and a point per 100 rows."""
    return REQUEST_FEE + math.ceil(rows / ROWS_PER_POINT)


@dataclass(frozen=True)
class Export:
    permission: Permission
    name: str
    sheet: str
    columns: tuple[Column, ...]
    pages: Callable[..., Pages]
    count: Callable[..., Awaitable[int]]

    async def handle(self, request: Request) -> Response:
        caller = require_reader(request, self.permission)
        state = app_state(request)
        charge = Charge(caller.credential_id, state.rate_limiter)
        # The fee before anything is read for the export: with an empty bucket, counting its
        # rows would be work done for free.
        if not await charge.take(REQUEST_FEE):
            message = f"an export needs {REQUEST_FEE} points to start"
            raise _limited(charge, message, {})
        period = await _period(request, caller)
        fmt = _format_param(request)
        db: Database = state.db
        cost = export_cost(await self.count(db, org_id=caller.org_id, period=period))
        headers = {"X-Export-Cost": str(cost)}
        # The rows' part; the fee stays spent if it is refused (the rows were counted).
        rest = cost - REQUEST_FEE
        if rest > 0 and not await charge.take(rest):
            raise _limited(charge, f"this export costs {cost} points", headers)
        headers |= rate_limit_headers(charge.throttle)
        pages = self.pages(db, org_id=caller.org_id, period=period)
        if fmt == "csv":
            body = csv_stream(self.columns, pages)
        else:
            body = xlsx_stream(self.columns, pages, sheet=self.sheet, zone=period.zone.key)
        return _streamed(body, fmt, self.name, period, headers)


ai_usage_export = Export(
    Permission.CREDITS_VIEW,
    "ai-usage",
    "AI usage",
    usage_export.COLUMNS,
    usage_export.ai_usage_pages,
    usage_export.row_count,
)
consumption_export_route = Export(
    Permission.CONSUMPTION_VIEW,
    "consumption",
    "Consumption",
    consumption_export.COLUMNS,
    consumption_export.consumption_pages,
    consumption_export.row_count,
)
audit_log_export = Export(
    Permission.AUDIT_VIEW,
    "audit-log",
    "Audit log",
    audit_export.COLUMNS,
    audit_export.audit_log_pages,
    audit_export.row_count,
)
