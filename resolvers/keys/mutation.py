"""Mutations of API keys and embed tokens (keys:manage). They act on the caller's organization
(from the verified credential); another organization's id is NOT_FOUND."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
from pydantic import ValidationError
from strawberry.extensions.field_extension import FieldExtension

from gateway.core.validation import problems_of
from gateway.orgs import service as org_service
from gateway.orgs.enums import Permission
from gateway.orgs.grants import MAX_EMBED_DOCUMENTS
from gateway.orgs.inputs import ApiKeyIn
from resolvers.context import Info
from resolvers.errors import BadUserInput, domain_errors
from resolvers.keys.types import ApiKey, CreateApiKeyPayload, CreateEmbedTokenPayload, EmbedToken
from resolvers.permissions import requires

ID_ARG = strawberry.argument(description="The id, as returned when it was created.")


def _manage() -> list[FieldExtension]:
    """The guard of every mutation here (a fresh extension per field)."""
    return [requires(Permission.KEYS_MANAGE)]


@strawberry.type(description="Changes: API keys and embed tokens of the caller's organization.")
class KeysMutation:
    @strawberry.mutation(
        description="Create an API key; its secret is in the answer, once. A key never holds a permission its creator lacks (BAD_USER_INPUT naming it). Requires keys:manage.",
        extensions=_manage(),
    )
    async def create_api_key(
        self,
        info: Info,
        name: Annotated[
            str, strawberry.argument(description="A name of your choosing (1-200 characters).")
        ],
        permissions: Annotated[
            list[str],
            strawberry.argument(description="The permissions it grants, e.g. credits:view."),
        ],
        expires_at: Annotated[
            datetime.datetime | None,
            strawberry.argument(description="When it stops working (future); null: never."),
        ] = None,
    ) -> CreateApiKeyPayload:
        context = info.context
        raw = {"name": name, "permissions": permissions, "expiresAt": expires_at}
        try:
            body = ApiKeyIn.model_validate(raw)
        except ValidationError as exc:
            problem = problems_of(exc.errors())[0]
            raise BadUserInput(problem.message, field=problem.field) from None
        with domain_errors():
            made = await org_service.create_api_key(
                context.db, context.caller.org_id, body, now=context.clock(), by=context.caller
            )
        key = await org_service.api_key(context.db, context.caller.org_id, made.id)
        assert key is not None
        return CreateApiKeyPayload(api_key=ApiKey.from_record(key), secret=made.secret)

    @strawberry.mutation(
        description="Revoke an API key: it is refused (UNAUTHENTICATED) from the next request on, on every replica. Returns the key. Requires keys:manage.",
        extensions=_manage(),
    )
    async def revoke_api_key(self, info: Info, id: Annotated[strawberry.ID, ID_ARG]) -> ApiKey:
        context = info.context
        org_id = context.caller.org_id
        with domain_errors():
            await org_service.revoke_api_key(
                context.db, org_id, str(id), now=context.clock(), by=context.caller
            )
        key = await org_service.api_key(context.db, org_id, str(id))
        assert key is not None
        return ApiKey.from_record(key)

    @strawberry.mutation(
        description=f"Create an embed token: read-only, for at most 24 hours, running only the listed trusted documents (up to {MAX_EMBED_DOCUMENTS}, by operation name such as UsagePage, or SHA-256). It holds the caller's read permissions and has its own rate-limit budget; its secret is in the answer, once. Requires keys:manage.",
        extensions=_manage(),
    )
    async def create_embed_token(
        self,
        info: Info,
        documents: Annotated[
            list[str],
            strawberry.argument(
                description="The trusted documents it may run: operation names or SHA-256 hashes."
            ),
        ],
        ttl_seconds: Annotated[
            int, strawberry.argument(description="How long it works, 60-86400 seconds.")
        ],
    ) -> CreateEmbedTokenPayload:
        context = info.context
        with domain_errors():
            made = await org_service.create_embed_token(
                context.db,
                context.caller,
                documents,
                ttl_seconds,
                now=context.clock(),
                resolve=context.embeddable,
            )
        return CreateEmbedTokenPayload(
            embed_token=EmbedToken.from_record(made.token), secret=made.secret
        )

    @strawberry.mutation(
        description="Revoke an embed token: it is refused (UNAUTHENTICATED) from the next request on, on every replica. Returns the token. Requires keys:manage.",
        extensions=_manage(),
    )
    async def revoke_embed_token(
        self, info: Info, id: Annotated[strawberry.ID, ID_ARG]
    ) -> EmbedToken:
        context = info.context
        with domain_errors():
            await org_service.revoke_embed_token(
                context.db, context.caller, str(id), now=context.clock()
            )
        token = await org_service.embed_token(context.db, context.caller.org_id, str(id))
        assert token is not None
        return EmbedToken.from_record(token)
