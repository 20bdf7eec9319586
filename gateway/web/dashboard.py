"""``/dashboard``: the reference dashboard of both product pages, served by the gateway itself.

The page is static: ``index.html``, JavaScript modules (``app.js`` and the ones it imports), a
style sheet, an icon and the two GraphQL documents the page sends (byte for byte the ones in
``shared/design/queries``). Every asset URL in ``index.html`` carries ``?v=<content hash>``, and
so does every relative import between modules: a module's hash covers the versioned URLs of its
imports, so a change anywhere reaches ``app.js``'s URL. Such a URL is cached for a year, and
``index.html`` itself is revalidated on every load; the page preloads every module so that the
imports are not a chain of round trips. A Content-Security-Policy lets the page load and connect
to nothing but this origin.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from resolvers.documents import DIRECTORY as documents_dir
from resolvers.documents import FILES as document_files

__all__ = ["ASSETS_PATH", "CSP", "STATIC_DIR", "csp", "dashboard_routes", "modules"]

STATIC_DIR = Path(__file__).resolve().parent / "static" / "dashboard"
ASSETS_PATH = "/dashboard/assets"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def csp(frame_ancestors: str = "'none'") -> str:
    """The policy, with the origins that may frame the page (GATEWAY_DASHBOARD_FRAME_ANCESTORS)."""
    return CSP.replace("frame-ancestors 'none'", f"frame-ancestors {frame_ancestors.strip()}")


IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".graphql": "text/plain; charset=utf-8",
}
_ASSET_URL = re.compile(re.escape(ASSETS_PATH) + r"/([A-Za-z0-9._-]+)")
# `import … from "./x.js"`, `export … from "./x.js"` and `import "./x.js"`: the modules' only
# way of naming each other (a test keeps it so).
_IMPORT = re.compile(r"""(\b(?:from|import)\s*)(["'])\./([A-Za-z0-9._-]+\.js)\2""")
_ENTRY = "app.js"


@dataclass(frozen=True)
class _File:
    body: bytes
    media_type: str
    etag: str

    @property
    def version(self) -> str:
        return self.etag.strip('"')


def _file(body: bytes, media_type: str) -> _File:
    return _File(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:16]}"')


def _versioned_modules(sources: dict[str, bytes]) -> dict[str, bytes]:
    """Each module with its relative imports versioned, dependencies first."""
    done: dict[str, bytes] = {}

    def resolve(name: str, trail: tuple[str, ...]) -> bytes:
        if name in done:
            return done[name]
        if name in trail:
            # A cycle has no content hash: each module's would depend on its own.
            raise LookupError(f"modules import each other: {' -> '.join([*trail, name])}")

        def versioned(match: re.Match[str]) -> str:
            target = match.group(3)
            if target not in sources:
                raise LookupError(f"{name} imports a missing module: {target}")
            version = _file(resolve(target, (*trail, name)), "").version
            return f"{match.group(1)}{match.group(2)}./{target}?v={version}{match.group(2)}"

        done[name] = _IMPORT.sub(versioned, sources[name].decode()).encode()
        return done[name]

    for name in sources:
        resolve(name, ())
    return done


@functools.cache
def _assets() -> dict[str, _File]:
    # The page sends the frontend's own documents, the ones trusted at start-up: one copy.
    documents = [documents_dir / name for name in document_files]
    paths = [
        path for path in [*sorted(STATIC_DIR.iterdir()), *documents] if path.suffix in _MEDIA_TYPES
    ]
    bodies = {path.name: path.read_bytes() for path in paths}
    bodies |= _versioned_modules(
        {name: body for name, body in bodies.items() if name.endswith(".js")}
    )
    return {path.name: _file(bodies[path.name], _MEDIA_TYPES[path.suffix]) for path in paths}


def modules() -> list[str]:
    """The page's JavaScript modules, ``app.js`` first."""
    names = sorted(name for name in _assets() if name.endswith(".js"))
    return sorted(names, key=lambda name: name != _ENTRY)


@functools.cache
def _index() -> _File:
    assets = _assets()
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")

    def versioned(match: re.Match[str]) -> str:
        asset = assets.get(match.group(1))
        if asset is None:
            raise LookupError(f"index.html names a missing asset: {match.group(0)}")
        return f"{match.group(0)}?v={asset.version}"

    preloads = "".join(
        f'\n    <link rel="modulepreload" href="{ASSETS_PATH}/{name}" />'
        for name in modules()
        if name != _ENTRY
    )
    html = html.replace("\n  </head>", preloads + "\n  </head>", 1)
    body = _ASSET_URL.sub(versioned, html).encode()
    return _file(body, "text/html; charset=utf-8")


def _respond(request: Request, file: _File, cache_control: str, policy: str = CSP) -> Response:
    headers = {
        "Cache-Control": cache_control,
        "ETag": file.etag,
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if request.headers.get("if-none-match") == file.etag:
        return Response(status_code=304, headers=headers)
    return Response(file.body, media_type=file.media_type, headers=headers)


def _page(policy: str) -> Callable[[Request], Awaitable[Response]]:
    async def page(request: Request) -> Response:
        return _respond(request, _index(), REVALIDATE, policy)

    return page


async def _asset(request: Request) -> Response:
    file = _assets().get(request.path_params["name"])
    if file is None:
        return Response("not found", status_code=404, media_type="text/plain")
    fresh = request.query_params.get("v") == file.version
    return _respond(request, file, IMMUTABLE if fresh else REVALIDATE)


def dashboard_routes(frame_ancestors: str = "'none'") -> list[BaseRoute]:
    """``GET /dashboard`` and ``GET /dashboard/assets/<file>``; ``frame_ancestors`` may show the
    page in an iframe (opened with ``#embed=<embed token>``)."""
    return [
        Route("/dashboard", _page(csp(frame_ancestors)), methods=["GET", "HEAD"]),
        Route(ASSETS_PATH + "/{name}", _asset, methods=["GET", "HEAD"]),
    ]
