"""``X-Data-Version``: read-your-writes across replicas and gateway processes.

A write route answers with the primary's WAL position once its transaction has committed
(PostgreSQL only; SQLite has no replicas and no such header). A GraphQL read that sends the
token back is answered only by a replica that has replayed at least that far, else by the
primary. The page reads are never stale anyway (``gateway/storage/routing.py``); the header
lets a client that wrote demand its own write, whichever organization's data it touched.
"""

from __future__ import annotations

import logging

from starlette.requests import Request

from gateway.storage.db import Database
from gateway.storage.faults import unavailable
from gateway.storage.routing import current_lsn, format_lsn, parse_lsn
from gateway.web.graphql_request import Refusal

HEADER = "X-Data-Version"
log = logging.getLogger("gateway.replicas")


def requested_lsn(request: Request) -> int | None:
    """The WAL position the request demands, if any; a malformed header is refused (400)."""
    value = request.headers.get(HEADER)
    if value is None:
        return None
    lsn = parse_lsn(value)
    if lsn is None:
        raise Refusal(
            f"{HEADER} must be a data version returned by a write, such as 0/16B3748",
            header=HEADER,
        )
    return lsn


async def data_version_headers(db: Database) -> dict[str, str]:
    """The header of a write's answer, read after its commit ({} on SQLite, and when the
    primary cannot say: the write has committed, its answer stands without the header)."""
    try:
        lsn = await current_lsn(db)
    except Exception as exc:
        log.warning("no %s for this write: %s", HEADER, unavailable(exc) or type(exc).__name__)
        return {}
    return {} if lsn is None else {HEADER: format_lsn(lsn)}
