"""Self-hosted GraphiQL page for ``GET /graphql``.

Strawberry's bundled GraphiQL template loads React, GraphiQL and the explorer
plugin from unpkg.com. The gateway serves a copy of that template whose asset
URLs point at ``/graphql/assets/<file>`` instead, and ships the (unmodified,
integrity-checked) npm build files in ``static/graphiql/``, so the IDE works
without internet access.

Wiring::

    Route("/graphql", endpoint=..., methods=["GET"])  # -> graphiql_html()
    Mount("/graphql/assets", app=assets_app())
"""

from __future__ import annotations

import functools
import pathlib

from starlette.staticfiles import StaticFiles

__all__ = ["ASSETS_DIR", "ASSETS_MOUNT_PATH", "assets_app", "graphiql_html"]

ASSETS_DIR: pathlib.Path = pathlib.Path(__file__).resolve().parent / "static" / "graphiql"
"""Folder holding ``index.html`` and the GraphiQL JS/CSS bundles (+ licenses)."""

ASSETS_MOUNT_PATH = "/graphql/assets"
"""URL prefix the template uses for its assets; mount :func:`assets_app` here."""

_TEMPLATE = ASSETS_DIR / "index.html"


@functools.cache
def graphiql_html() -> str:
    """Return the GraphiQL page served at ``GET /graphql``.

    Strawberry (0.341.x) serves its ``static/graphiql.html`` verbatim:
    ``strawberry.http.ides.get_graphql_ide_html`` only reads the file and the
    template has no placeholders left to substitute. Our template is handled
    the same way. It creates the fetcher without a ``subscriptionUrl``, i.e.
    subscriptions are disabled.
    """
    return _TEMPLATE.read_text(encoding="utf-8")


def assets_app() -> StaticFiles:
    """ASGI app serving :data:`ASSETS_DIR`; mount it at :data:`ASSETS_MOUNT_PATH`."""
    return StaticFiles(directory=ASSETS_DIR)
