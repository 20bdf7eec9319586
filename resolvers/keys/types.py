"""API keys and embed tokens as GraphQL objects; their secrets appear only in the payloads of
the mutations that create them."""

from __future__ import annotations

import datetime

import strawberry

from gateway.orgs.records import ApiKeyRecord, EmbedTokenRecord

CREATED_BY = (
    "Who created it: member:<id>, key:<id> (an API key) or service (the /v1 service token)."
)


@strawberry.type(description="An API key of the organization (its secret is never shown again).")
class ApiKey:
    id: strawberry.ID = strawberry.field(description="The key's id (part of its secret).")
    name: str = strawberry.field(description="The name given when it was created.")
    permissions: list[str] = strawberry.field(description="The permissions it grants.")
    created_by: str | None = strawberry.field(
        description=CREATED_BY + " Null for keys created before this was recorded."
    )
    created_at: datetime.datetime = strawberry.field(description="When it was created.")
    expires_at: datetime.datetime | None = strawberry.field(
        description="When it stops working; null: never."
    )
    last_used_at: datetime.datetime | None = strawberry.field(
        description="When it was last used, to the minute (written at most once a minute); null: never."
    )
    revoked_at: datetime.datetime | None = strawberry.field(
        description="When it was revoked; null while it is not."
    )

    @classmethod
    def from_record(cls, row: ApiKeyRecord) -> ApiKey:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            permissions=row.permissions.split(),
            created_by=row.created_by,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(
    description="A short-lived, read-only token that runs only the listed trusted documents, for a browser (an iframe)."
)
class EmbedToken:
    id: strawberry.ID = strawberry.field(description="The token's id (part of its secret).")
    documents: list[str] = strawberry.field(
        description="The trusted documents it may run, as listed when it was created."
    )
    permissions: list[str] = strawberry.field(
        description="The read permissions it holds (those of its creator, at most)."
    )
    created_by: str = strawberry.field(description=CREATED_BY)
    created_at: datetime.datetime = strawberry.field(description="When it was created.")
    expires_at: datetime.datetime = strawberry.field(description="When it stops working.")
    revoked_at: datetime.datetime | None = strawberry.field(
        description="When it was revoked; null while it is not."
    )

    @classmethod
    def from_record(cls, row: EmbedTokenRecord) -> EmbedToken:
        return cls(
            id=strawberry.ID(row.id),
            documents=row.documents.split(),
            permissions=row.permissions.split(),
            created_by=row.created_by,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(description="A new API key and its secret, shown this once.")
class CreateApiKeyPayload:
    api_key: ApiKey = strawberry.field(description="The key.")
    secret: str = strawberry.field(
        description="The key itself (ugk_...), for 'Authorization: Bearer': keep it, it is never shown again."
    )


@strawberry.type(description="A new embed token and its secret, shown this once.")
class CreateEmbedTokenPayload:
    embed_token: EmbedToken = strawberry.field(description="The token.")
    secret: str = strawberry.field(
        description="The token itself (uge_...), to hand to the browser that embeds the dashboard."
    )
