"""Self-hosted GraphiQL page for ``GET /graphql``.

Strawberry's bundled GraphiQL template loads React, GraphiQL and the explorer
plugin from unpkg.com. The gateway serves a copy of that template whose asset
URLs point at ``/graphql/assets/<file>`` instead, and ships the (unmodified,
integrity-checked) npm build files in ``static/graphiql/``, so the IDE works
without internet access.

The page is locked down like the dashboard: a Content-Security-Policy lets it run only its own
files and its one inline script (by hash), load nothing from another origin and sit in no
frame; the bearer token lives in the tab's session storage, never in local storage.

Wiring::

    Route("/graphql", endpoint=..., methods=["GET"])  # -> graphiql_response()
    # (answering graphiql_html() alone, only the page's <meta> policy applies)
    Mount("/graphql/assets", app=assets_app())
"""

from __future__ import annotations

import base64
import functools
import hashlib
import pathlib
import re

from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = [
    "ASSETS_DIR",
    "ASSETS_MOUNT_PATH",
    "assets_app",
    "graphiql_csp",
    "graphiql_headers",
    "graphiql_html",
    "graphiql_response",
]

ASSETS_DIR: pathlib.Path = pathlib.Path(__file__).resolve().parent / "static" / "graphiql"
"""Folder holding ``index.html`` and the GraphiQL JS/CSS bundles (+ licenses)."""

ASSETS_MOUNT_PATH = "/graphql/assets"
"""URL prefix the template uses for its assets; mount :func:`assets_app` here."""

_TEMPLATE = ASSETS_DIR / "index.html"
_INLINE = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_CHARSET = '<meta charset="utf-8" />'

# Every response under /graphql/assets: no type sniffing, no embedding.
ASSET_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}


def _script_sources(template: str) -> str:
    """The hashes of the template's inline ``<script>`` blocks, as CSP sources."""
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE.findall(template)
    )


@functools.cache
def graphiql_csp(*, in_meta: bool = False) -> str:
    """The page's Content-Security-Policy.

    Scripts: the files in ``ASSETS_DIR`` and the page's inline script, by hash. Styles: the files
    and ``'unsafe-inline'``, as GraphiQL's dialogs write ``<style>`` elements whose text depends
    on the browser's scrollbar (no hash can name them, and a hash would turn ``'unsafe-inline'``
    off); a style runs no code. Fonts are the ``data:`` URLs inside graphiql.min.css, the icon a
    ``data:`` SVG. Requests go to this origin only. ``frame-ancestors`` is left out of the
    ``<meta>`` copy: browsers ignore it there (and say so in the console); the header carries
    it, with ``X-Frame-Options``.
    """
    template = _TEMPLATE.read_text(encoding="utf-8")
    directives = [
        "default-src 'none'",
        f"script-src 'self' {_script_sources(template)}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
    if not in_meta:
        directives.append("frame-ancestors 'none'")
    return "; ".join(directives)


def graphiql_headers() -> dict[str, str]:
    """The headers the page is served with, as the dashboard's are."""
    return {
        "Cache-Control": "no-cache",
        "Content-Security-Policy": graphiql_csp(),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


@functools.cache
def graphiql_html() -> str:
    """Return the GraphiQL page served at ``GET /graphql``.

    Strawberry (0.341.x) serves its ``static/graphiql.html`` verbatim:
    ``strawberry.http.ides.get_graphql_ide_html`` only reads the file and the
    template has no placeholders left to substitute. Our template is handled
    the same way. It creates the fetcher without a ``subscriptionUrl``, i.e.
    subscriptions are disabled.

    The policy is also in the page, as a ``<meta>`` right after the charset (before any script
    or style), so that it holds however the page is answered.
    """
    template = _TEMPLATE.read_text(encoding="utf-8")
    if _CHARSET not in template:
        raise LookupError(f"{_TEMPLATE} lacks {_CHARSET}")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{graphiql_csp(in_meta=True)}" />'
    return template.replace(_CHARSET, f"{_CHARSET}\n    {meta}", 1)


def graphiql_response() -> HTMLResponse:
    """``GET /graphql`` for a browser: the page and its security headers."""
    return HTMLResponse(graphiql_html(), headers=graphiql_headers())


class _Assets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(ASSET_HEADERS)
        return response


def assets_app() -> StaticFiles:
    """ASGI app serving :data:`ASSETS_DIR`; mount it at :data:`ASSETS_MOUNT_PATH`."""
    return _Assets(directory=ASSETS_DIR)
