"""``GET /v1/exports/...``: streamed CSV or XLSX for members and API keys with the permission."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway.auth import AuthError, Caller
from gateway.errors import ApiError, ErrorCode
from gateway.exports import (
    AI_USAGE_COLUMNS,
    CONSUMPTION_COLUMNS,
    Cell,
    ai_usage_rows,
    consumption_rows,
    csv_stream,
    xlsx_stream,
)
from gateway.periods import Period, PeriodError, custom_period
from gateway.queries import orgs as org_queries
from gateway.v1.common import app_state

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
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(name, f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _format_param(request: Request) -> str:
    fmt = request.query_params.get("format")
    if fmt not in MEDIA_TYPES:
        raise _bad("format", "is required: csv or xlsx")
    return fmt


async def export_caller(request: Request, permission: str) -> Caller:
    state = app_state(request)
    try:
        caller = await state.authenticator.caller(request.headers.get("authorization"))
    except AuthError as exc:
        raise ApiError(401, ErrorCode.UNAUTHENTICATED, str(exc)) from None
    request.state.caller = caller  # for the access log
    if not caller.can(permission):
        raise ApiError(403, ErrorCode.FORBIDDEN, f"this export needs the {permission!r} permission")
    return caller


async def export_period(request: Request, caller: Caller) -> Period:
    first, last = _date_param(request, "from"), _date_param(request, "to")
    async with app_state(request).db.read() as conn:
        org = await org_queries.get_org(conn, org_id=caller.org_id)
    if org is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "the organization no longer exists")
    try:
        return custom_period(first, last, zone=ZoneInfo(org.time_zone))
    except PeriodError as exc:
        raise _bad(exc.field, str(exc).split(": ", 1)[1]) from None


def streamed(body: object, fmt: str, name: str, period: Period) -> Response:
    filename = f"{name}_{period.first_day.isoformat()}_{period.last_day.isoformat()}.{fmt}"
    return StreamingResponse(
        body,  # type: ignore[arg-type]
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@dataclass(frozen=True)
class Export:
    permission: str
    name: str
    sheet: str
    columns: tuple[str, ...]
    rows: Callable[..., AsyncIterator[list[Cell]]]

    async def handle(self, request: Request) -> Response:
        caller = await export_caller(request, self.permission)
        period = await export_period(request, caller)
        fmt = _format_param(request)
        rows = self.rows(app_state(request).db, org_id=caller.org_id, period=period)
        if fmt == "csv":
            body = csv_stream(self.columns, rows)
        else:
            body = xlsx_stream(self.columns, rows, sheet=self.sheet)
        return streamed(body, fmt, self.name, period)


ai_usage_export = Export("credits:view", "ai-usage", "AI usage", AI_USAGE_COLUMNS, ai_usage_rows)
consumption_export = Export(
    "consumption:view", "consumption", "Consumption", CONSUMPTION_COLUMNS, consumption_rows
)
