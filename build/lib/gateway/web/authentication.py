"""One credential resolution for every route: the caller, or why there is none.

The middleware reads the ``Authorization`` header once, before any body is read, and leaves
the outcome in the request's state; each route then says which kinds of caller it takes.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.orgs.credentials import Authenticator, AuthError, Caller, CredentialKind


@dataclass(frozen=True)
class Unauthenticated:
    reason: str


Credential = Caller | Unauthenticated
STATE_KEY = "credential"


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope["headers"]).get(b"authorization")
            credential: Credential
            try:
                credential = await self.authenticator.caller(
                    header.decode("latin-1") if header is not None else None
                )
            except AuthError as exc:
                credential = Unauthenticated(str(exc))
            state = scope.setdefault("state", {})
            state[STATE_KEY] = credential
            if isinstance(credential, Caller):
                state["caller"] = credential
        await self.app(scope, receive, send)


def credential_of(request: Request) -> Credential:
    credential: Credential = request.scope.get("state", {}).get(
        STATE_KEY, Unauthenticated("missing credentials: send 'Authorization: Bearer <token>'")
    )
    return credential


def reader(credential: Credential) -> Caller | Unauthenticated:
    """A member or an API key: who may read an organization's numbers."""
    if isinstance(credential, Caller) and credential.kind is CredentialKind.SERVICE:
        return Unauthenticated("the service token is for the /v1 write routes only")
    return credential
