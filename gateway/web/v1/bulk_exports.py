"""``GET /v1/bulk-exports/{id}/download``: the file of a completed bulk export, at the signed URL
that ``bulkExport(id:) { url }`` gives.

It takes the credential of the organization (a member or an API key holding the permission of
the export's kind) and a signature of this organization, job and expiry that has not expired.
A job of another organization is 404, as one that does not exist; a changed or expired URL is
403 naming the parameter at fault. The download costs no rate-limit points: the export was
priced once, when it was started.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from gateway.bulk import service as bulk_service
from gateway.bulk.enums import MEDIA_TYPES, PERMISSION_OF_KIND
from gateway.bulk.signing import url_secret
from gateway.core.errors import ErrorCode
from gateway.orgs.credentials import Caller
from gateway.web.authentication import credential_of, reader
from gateway.web.errors import ApiError
from gateway.web.v1.common import app_state, path_id
from gateway.web.v1.openapi_bodies import REASONS


async def download(request: Request) -> Response:
    caller = reader(credential_of(request))
    if not isinstance(caller, Caller):
        raise ApiError(401, ErrorCode.UNAUTHENTICATED, caller.reason)
    state = app_state(request)
    job_id = path_id(request, "id")
    job = await bulk_service.job(state.db, caller.org_id, job_id)
    if job is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no bulk export with id {job_id!r}")
    needed = PERMISSION_OF_KIND[job.kind]
    if not caller.can(needed):
        raise ApiError(
            403, ErrorCode.FORBIDDEN, f"this bulk export needs the {needed.value!r} permission"
        )
    settings = state.settings
    try:
        bulk_service.check_download(
            job,
            secret=url_secret(settings.bulk_export_secret, settings.jwt_secret),
            expires=request.query_params.get("expires"),
            signature=request.query_params.get("signature"),
            now=state.clock(),
        )
    except bulk_service.DownloadRefused as exc:
        raise ApiError(
            403,
            ErrorCode.FORBIDDEN,
            f"{exc.field}: {exc.message}",
            errors=[{"field": exc.field, "message": exc.message}],
        ) from None
    path = bulk_service.path_of(settings.bulk_export_dir, job)
    if not path.is_file():
        raise ApiError(404, ErrorCode.NOT_FOUND, "the file of this bulk export is gone")
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[job.format],
        filename=bulk_service.download_name(job),
        headers={"Cache-Control": "private, no-store"},
    )


def openapi_path() -> dict[str, Any]:
    """The route in ``GET /v1/openapi.json``."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    answers: dict[str, Any] = {
        "200": {
            "description": "The file (CSV, XLSX or JSON Lines), as the export's format says",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in MEDIA_TYPES.values()
            },
        }
    }
    for status in (400, 401, 403, 404, 405, 431, 503):
        reason = REASONS[status]
        if status == 403:
            reason += (
                "; or a signature that does not match, or an expired URL (the field names which)"
            )
        answers[str(status)] = {"description": reason, "content": error}
    return {
        "get": {
            "summary": (
                "Download a completed bulk export "
                "(the URL bulkExport(id:) gives; no rate-limit points)"
            ),
            "security": [{"memberToken": []}, {"apiKey": []}],
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "expires", "in": "query", "required": True, "schema": {"type": "string"}},
                {
                    "name": "signature",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                },
            ],
            "responses": answers,
        }
    }
